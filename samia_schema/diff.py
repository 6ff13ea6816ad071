"""Compare two catalogs: set arithmetic over object keys, sorted, expressions normalised.

Direction: `diff(live, desired)` describes the live database relative to the desired state
(the templates, or the `--against` database):

* `added`   — present live only (a leftover policy, an extra grant); `before` is None.
* `removed` — defined by the desired state but missing live; `after` is None.
* `changed` — present on both sides with different properties; `details` names them.

`before` is always the desired object and `after` the live one. `reconcile_sql()` (module
`reconcile`) turns the changes into SQL that makes live equal desired.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from samia_schema.catalog.model import (
    Bucket,
    Catalog,
    Function,
    Grant,
    Index,
    Policy,
    PublicationTable,
    Table,
    Trigger,
)
from samia_schema.normalize import equivalent

OBJECT_TYPES = ("table", "policy", "index", "function", "trigger", "grant", "bucket", "publication_table")
_ATTR = {
    "table": "tables", "policy": "policies", "index": "indexes", "function": "functions",
    "trigger": "triggers", "grant": "grants", "bucket": "buckets", "publication_table": "publication_tables",
}
KINDS = ("added", "removed", "changed")


@dataclass(frozen=True)
class Change:
    """One difference; `before` is the desired object, `after` the live one."""

    kind: str  # 'added' (live only) | 'removed' (desired only) | 'changed'
    object_type: str
    key: tuple[str, ...]
    before: Any
    after: Any
    details: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Readable object name such as `public.chat_messages.chat_messages_select`."""
        return ".".join(part for part in self.key if part)

    @property
    def sort_key(self) -> tuple[int, tuple[str, ...], int]:
        return (OBJECT_TYPES.index(self.object_type), self.key, KINDS.index(self.kind))


@dataclass(frozen=True)
class Scope:
    """Which objects a diff looks at.

    Attributes:
        schemas: only objects in these schemas (None: all snapshotted schemas).
        tables: only objects on these tables, `schema.table` or bare `table` (None: all).
        foreign_schemas: schemas owned by the platform (Supabase's `storage`): there only policies,
            RLS flags, desired triggers and desired buckets are compared.
        defined_only: only objects the desired side defines (changed/removed) plus leftovers
            (added policies, grants, triggers, indexes, publication rows) on desired tables.
    """

    schemas: frozenset[str] | None = None
    tables: frozenset[str] | None = None
    foreign_schemas: frozenset[str] = frozenset()
    defined_only: bool = False

    @classmethod
    def templates(cls, schemas: Iterable[str] | None = None, tables: Iterable[str] | None = None,
                  defined_only: bool = False) -> Scope:
        """The scope for live-vs-templates: `storage` is foreign."""
        return cls(frozenset(schemas) if schemas else None, frozenset(tables) if tables else None,
                   frozenset({"storage"}), defined_only)


def _location(obj: Any) -> tuple[str | None, str | None]:
    if isinstance(obj, Table):
        return obj.schema, obj.name
    if isinstance(obj, Function):
        return obj.schema, None
    if isinstance(obj, Bucket):
        return "storage", "buckets"
    return obj.schema, obj.table


def _in_scope(obj: Any, scope: Scope) -> bool:
    schema, table = _location(obj)
    if scope.schemas is not None and schema not in scope.schemas:
        return False
    if scope.tables is not None:
        if table is None or (table not in scope.tables and f"{schema}.{table}" not in scope.tables):
            return False
    return True


def _differences(a: Any, b: Any, compare: dict[str, Callable[[Any, Any], bool]]) -> tuple[str, ...]:
    out = []
    for f in fields(a):
        check = compare.get(f.name)
        if check is None:
            continue
        if not check(getattr(a, f.name), getattr(b, f.name)):
            out.append(f.name)
    return tuple(out)


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


def _source_eq(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _mime_eq(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and set(a) == set(b))


_COMPARE: dict[type, dict[str, Callable[[Any, Any], bool]]] = {
    Policy: {"permissive": _eq, "command": _eq, "roles": _eq, "using": equivalent, "with_check": equivalent},
    Index: {"definition": _eq},
    Function: {"returns": _eq, "language": _eq, "volatility": _eq, "security_definer": _eq,
               "search_path": _eq, "owner": _eq, "execute_roles": _eq, "source": _source_eq},
    Trigger: {"definition": _eq, "enabled": _eq},
    Grant: {},
    Bucket: {"public": _eq, "file_size_limit": _eq, "allowed_mime_types": _mime_eq},
    PublicationTable: {},
}


# Expressions deparsed by the same Postgres major version are canonical already: equal trees give
# equal text, so text equality is exact there (and needs no parser). Across versions, or for
# hand-built catalogs (server_version 0), expressions are normalised with sqlglot.
_VERBATIM: dict[str, Callable[[Any, Any], bool]] = {**_COMPARE[Policy], "using": _eq, "with_check": _eq}


def _table_details(desired: Table, live: Table, flags_only: bool) -> tuple[str, ...]:
    out = [name for name in ("rls_enabled", "rls_forced") if getattr(desired, name) != getattr(live, name)]
    if flags_only:
        return tuple(out)
    want = {c.name: c for c in desired.columns}
    have = {c.name: c for c in live.columns}
    out += [f"column {n} removed" for n in sorted(want.keys() - have.keys())]
    out += [f"column {n} added" for n in sorted(have.keys() - want.keys())]
    out += [f"column {n} changed" for n in sorted(want.keys() & have.keys()) if want[n] != have[n]]
    want_c = {c.name: c for c in desired.constraints}
    have_c = {c.name: c for c in live.constraints}
    out += [f"constraint {n} removed" for n in sorted(want_c.keys() - have_c.keys())]
    out += [f"constraint {n} added" for n in sorted(have_c.keys() - want_c.keys())]
    out += [f"constraint {n} changed" for n in sorted(want_c.keys() & have_c.keys())
            if want_c[n].definition != have_c[n].definition]
    return tuple(out)


def _compare_kind(object_type: str, live: Iterable[Any], desired: Iterable[Any], scope: Scope,
                  desired_tables: frozenset[tuple[str, str]], same_deparser: bool) -> list[Change]:
    if scope.schemas is None and scope.tables is None:
        have = {o.key: o for o in live}
        want = {o.key: o for o in desired}
    else:
        have = {o.key: o for o in live if _in_scope(o, scope)}
        want = {o.key: o for o in desired if _in_scope(o, scope)}
    changes: list[Change] = []
    for key in want.keys() - have.keys():
        changes.append(Change("removed", object_type, key, want[key], None))
    for key in have.keys() - want.keys():
        obj = have[key]
        schema, table = _location(obj)
        foreign = schema in scope.foreign_schemas
        if object_type == "policy":
            leftover_ok = (schema, table) in desired_tables or not (foreign or scope.defined_only)
        elif object_type in ("grant", "trigger", "index", "publication_table"):
            leftover_ok = not foreign and ((schema, table) in desired_tables or not scope.defined_only)
        else:
            leftover_ok = not foreign and not scope.defined_only
        if leftover_ok:
            changes.append(Change("added", object_type, key, None, obj))
    for key in want.keys() & have.keys():
        a, b = want[key], have[key]
        if a == b:
            continue
        if isinstance(a, Table):
            details = _table_details(a, b, a.schema in scope.foreign_schemas)
        else:
            rules = _VERBATIM if same_deparser and isinstance(a, Policy) else _COMPARE[type(a)]
            details = _differences(a, b, rules)
        if details:
            changes.append(Change("changed", object_type, key, a, b, details))
    return changes


def _foreign_filter(object_type: str, items: Iterable[Any], scope: Scope) -> list[Any]:
    """In foreign schemas keep only policies, tables (RLS flags), triggers and buckets."""
    if not scope.foreign_schemas:
        return list(items)
    kept = []
    for obj in items:
        schema, _ = _location(obj)
        if object_type == "bucket" or schema not in scope.foreign_schemas:
            kept.append(obj)
        elif object_type in ("policy", "table", "trigger"):
            kept.append(obj)
    return kept


def diff(live: Catalog, desired: Catalog, scope: Scope | None = None) -> tuple[Change, ...]:
    """Differences of `live` relative to `desired`, sorted by object type, key and kind.

    Policy expressions compare as text when both catalogs were deparsed by the same Postgres
    major version, else normalised (`normalize.equivalent`).

    Example:
        >>> changes = diff(snapshot(live_conn), snapshot(shadow_conn), Scope.templates())
        >>> [(c.kind, c.object_type, c.name) for c in changes]
        [('added', 'policy', 'public.chat_messages.allow_all')]
    """
    scope = scope or Scope()
    same_deparser = live.server_version != 0 and live.server_version == desired.server_version
    desired_tables = frozenset(t.key for t in desired.tables)
    changes: list[Change] = []
    for object_type in OBJECT_TYPES:
        attr = _ATTR[object_type]
        live_items = _foreign_filter(object_type, getattr(live, attr), scope)
        want_items = _foreign_filter(object_type, getattr(desired, attr), scope)
        if object_type == "bucket":
            if scope.tables is not None or (scope.schemas is not None and "storage" not in scope.schemas):
                continue
            if scope.foreign_schemas or scope.defined_only:
                wanted_ids = {b.id for b in want_items}
                live_items = [b for b in live_items if b.id in wanted_ids]
        if object_type == "table" and scope.foreign_schemas:
            foreign = scope.foreign_schemas
            live_keys = {o.key for o in live_items}
            want_items = [t for t in want_items if t.schema not in foreign or t.key in live_keys]
            want_keys = {o.key for o in want_items}
            live_items = [t for t in live_items if t.schema not in foreign or t.key in want_keys]
        changes += _compare_kind(object_type, live_items, want_items, scope, desired_tables, same_deparser)
    return tuple(sorted(changes, key=lambda c: c.sort_key))


def summarize(changes: Iterable[Change]) -> dict[str, int]:
    """Counts per kind, e.g. `{'added': 1, 'removed': 0, 'changed': 2}`."""
    counts = dict.fromkeys(KINDS, 0)
    for change in changes:
        counts[change.kind] += 1
    return counts


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return str(value)


def change_to_dict(change: Change) -> dict[str, Any]:
    """A JSON-ready dict of a change (frozensets become sorted lists)."""
    return {
        "kind": change.kind,
        "object_type": change.object_type,
        "key": list(change.key),
        "name": change.name,
        "details": list(change.details),
        "before": _jsonable(change.before),
        "after": _jsonable(change.after),
    }
