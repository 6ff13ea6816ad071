"""What a comparison of two catalogs produces: changes, their scope, and reconcile statements.

Direction: `diff(live, desired)` describes the live database relative to the desired state
(the templates, or the `--against` database):

* `added`   — present live only (a leftover policy, an extra grant); `before` is None.
* `removed` — defined by the desired state but missing live; `after` is None.
* `changed` — present on both sides with different properties; `details` names them.

`before` is always the desired object and `after` the live one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

ChangeKind = Literal["added", "removed", "changed"]
KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed")


@dataclass(frozen=True)
class Change:
    """One difference of one catalog object; `object_type` names its kind descriptor."""

    kind: ChangeKind
    object_type: str
    key: tuple[str, ...]
    before: Any
    after: Any
    details: tuple[str, ...] = ()
    order: int = 0  # the kind's position in the registry (report order)
    owned: bool = True  # False for a live-only object the templates do not own (not on one of their tables)

    @property
    def name(self) -> str:
        """Readable object name such as `public.notes.notes_select`."""
        return ".".join(part for part in self.key if part)

    @property
    def sort_key(self) -> tuple[int, tuple[str, ...], int]:
        return (self.order, self.key, KINDS.index(self.kind))


@dataclass(frozen=True)
class Scope:
    """Which objects a diff looks at.

    Attributes:
        schemas: only objects in these schemas (None: all snapshotted schemas).
        tables: only objects on these tables, `schema.table` or bare `table` (None: all).
        foreign_schemas: schemas owned by the platform (Supabase's `storage`): there only the
            kinds that say so (policies, RLS flags, desired triggers and buckets) are compared.
        defined_only: only objects the desired side defines (changed/removed) plus leftovers
            on desired tables (each kind's leftover rule decides).
        external: tables the templates expect but do not own (`schema`, `table`): neither they
            nor anything on them is compared (e.g. an application's own users table).
    """

    schemas: frozenset[str] | None = None
    tables: frozenset[str] | None = None
    foreign_schemas: frozenset[str] = frozenset()
    defined_only: bool = False
    external: frozenset[tuple[str, str]] = frozenset()
    owns: Callable[[Any, Any, Any], bool] | None = None  # is a live-only object in a foreign schema ours?

    @classmethod
    def templates(cls, schemas: Iterable[str] | None = None, tables: Iterable[str] | None = None,
                  defined_only: bool = False, external: Iterable[tuple[str, str]] = (),
                  platform: Iterable[str] = ("storage",),
                  owns: Callable[[Any, Any, Any], bool] | None = None) -> Scope:
        """The scope for live-vs-templates: the platform's schemas (`storage`, …) are foreign; `owns`
        (the pack's) says which live-only objects there are the templates' leftovers."""
        return cls(frozenset(schemas) if schemas else None, frozenset(tables) if tables else None,
                   frozenset(platform), defined_only, frozenset(external), owns)


@dataclass(frozen=True)
class Statement:
    """One reconcile statement; destructive when it can lose data (drop table/column, delete)."""

    sql: str
    destructive: bool = False
    unowned: bool = False   # drops an object (or column) the desired side does not define
    withheld: bool = False  # left out of the script: unowned and destructive, not allowed

    def render(self) -> str:
        """The statement with a `-- destructive` marker where it applies (commented out when withheld)."""
        if self.withheld:
            return f"-- withheld: not owned by the templates (pass --allow-destructive to include)\n-- {self.sql};"
        marker = "-- destructive\n" if self.destructive else ""
        return f"{marker}{self.sql};"


# reconcile phases, in execution order
DROP_POLICY, DROP_TRIGGER, TABLE, FOREIGN_KEY, INDEX_DROP, INDEX_CREATE, FUNCTION, GRANT, BUCKET, PUBLICATION, \
    CREATE_TRIGGER, CREATE_POLICY, DROP_TABLE = range(13)
Staged = list[tuple[int, Statement]]


def summarize(changes: Iterable[Change]) -> dict[str, int]:
    """Counts per kind, e.g. `{'added': 1, 'removed': 0, 'changed': 2}`."""
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    for change in changes:
        counts[change.kind] += 1
    return counts


def jsonable(value: Any) -> Any:
    """Frozen catalog objects as JSON-ready data: dataclasses become dicts, sets sorted lists."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, frozenset | set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    return str(value)


def change_to_dict(change: Change) -> dict[str, Any]:
    """A JSON-ready dict of a change (frozensets become sorted lists)."""
    return {
        "kind": change.kind,
        "object_type": change.object_type,
        "key": list(change.key),
        "name": change.name,
        "details": list(change.details),
        "owned": change.owned,
        "before": jsonable(change.before),
        "after": jsonable(change.after),
    }
