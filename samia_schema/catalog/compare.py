"""Compare two catalogs (set arithmetic over keys, per kind descriptor) and reconcile the difference."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from samia_schema.catalog.changes import Change, Scope, Statement
from samia_schema.catalog.kinds import BY_NAME, KINDS, Kind
from samia_schema.catalog.model import Catalog


def _in_scope(kind: Kind, obj: Any, scope: Scope) -> bool:
    schema, table = kind.location(obj)
    if scope.schemas is not None and schema not in scope.schemas:
        return False
    if scope.tables is not None:
        if table is None or (table not in scope.tables and f"{schema}.{table}" not in scope.tables):
            return False
    return True


def _leftover_reported(kind: Kind, obj: Any, scope: Scope, desired_tables: frozenset[tuple[str, str]]) -> bool:
    schema, table = kind.location(obj)
    foreign = schema in scope.foreign_schemas
    on_owned = (schema, table) in desired_tables
    if kind.leftover == "owned_tables":
        return on_owned or not (foreign or scope.defined_only)
    if kind.leftover == "owned_tables_local":
        return not foreign and (on_owned or not scope.defined_only)
    return not foreign and not scope.defined_only


_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def names_other_bucket(expressions: Iterable[str | None], live: Catalog, desired: Catalog) -> bool:
    """True when the expressions name a live bucket (a string literal) and none of the desired ones:
    such a policy on a platform table belongs to another part of the application."""
    literals = {m.replace("''", "'") for e in expressions if e for m in _LITERAL.findall(e)}
    live_ids, desired_ids = {b.id for b in live.buckets}, {b.id for b in desired.buckets}
    return bool(literals & live_ids) and not literals & desired_ids


def _side(kind: Kind, catalog: Catalog, scope: Scope) -> dict[Any, Any]:
    items = getattr(catalog, kind.attr)
    keep = {}
    for obj in items:
        schema, table = kind.location(obj)
        if schema in scope.foreign_schemas and not kind.in_foreign:
            continue
        if table is not None and (schema, table) in scope.external:
            continue
        if (scope.schemas is not None or scope.tables is not None) and not _in_scope(kind, obj, scope):
            continue
        keep[obj.key] = obj
    return keep


def _compare_kind(kind: Kind, position: int, live: Catalog, desired: Catalog, scope: Scope,
                  desired_tables: frozenset[tuple[str, str]], same_deparser: bool) -> list[Change]:
    have, want = _side(kind, live, scope), _side(kind, desired, scope)
    if kind.pairs_only_in_foreign and scope.foreign_schemas:
        for side, other in ((have, want), (want, have)):
            for key in [k for k, o in side.items() if kind.location(o)[0] in scope.foreign_schemas and k not in other]:
                del side[key]
    changes: list[Change] = []
    for key in want.keys() - have.keys():
        changes.append(Change("removed", kind.name, key, want[key], None, order=position))
    for key in have.keys() - want.keys():
        obj = have[key]
        if not _leftover_reported(kind, obj, scope, desired_tables):
            continue
        schema, table = kind.location(obj)
        judge = scope.owns or kind.foreign_leftover
        if schema in scope.foreign_schemas and kind.foreign_leftover and judge and not judge(obj, live, desired):
            continue
        owned = kind.leftover_owned and (schema, table) in desired_tables
        changes.append(Change("added", kind.name, key, None, obj, order=position, owned=owned))
    for key in want.keys() & have.keys():
        a, b = want[key], have[key]
        if a == b:
            continue
        details = kind.differences(a, b, kind.location(a)[0] in scope.foreign_schemas, same_deparser)
        if details:
            changes.append(Change("changed", kind.name, key, a, b, details, order=position))
    return changes


def diff(live: Catalog, desired: Catalog, scope: Scope | None = None) -> tuple[Change, ...]:
    """Differences of `live` relative to `desired`, sorted by kind, key and change kind.

    Policy expressions compare as text when both catalogs were deparsed by the same Postgres
    major version, else normalised (`normalize.equivalent`).

    Example:
        >>> changes = diff(snapshot(live_conn), snapshot(shadow_conn), Scope.templates())
        >>> [(c.kind, c.object_type, c.name) for c in changes]
        [('added', 'policy', 'public.notes.allow_all')]
    """
    scope = scope or Scope()
    same_deparser = live.server_version != 0 and live.server_version == desired.server_version
    desired_tables = frozenset(t.key for t in desired.tables)
    changes: list[Change] = []
    for position, kind in enumerate(KINDS):
        changes += _compare_kind(kind, position, live, desired, scope, desired_tables, same_deparser)
    return tuple(sorted(changes, key=lambda c: c.sort_key))


def reconcile_sql(changes: Iterable[Change], *, allow_destructive: bool = True) -> tuple[Statement, ...]:
    """Statements that make the live side equal the desired side, safely ordered.

    Without `allow_destructive`, a statement that drops data or an object the desired side does
    not own (a table, a column, a function, a bucket, or anything on a table it does not own: a
    policy, a trigger, an index, a grant) is `withheld`: rendered as a comment.

    Example:
        >>> for statement in reconcile_sql(diff(live, desired)):
        ...     print(statement.render())
        drop policy "allow_all" on "public"."notes";
    """
    staged: list[tuple[int, int, Statement]] = []
    for position, change in enumerate(changes):
        for phase, statement in BY_NAME[change.object_type].reconcile(change):
            unowned_drop = change.kind == "added" and not change.owned  # live only, on a table not ours
            if not allow_destructive and (unowned_drop or (statement.unowned or not change.owned) and
                                          (statement.destructive or statement.unowned)):
                statement = dataclasses.replace(statement, withheld=True)
            staged.append((phase, position, statement))
    staged.sort(key=lambda item: (item[0], item[1]))
    return tuple(statement for _, _, statement in staged)


def reconcile_script(statements: Iterable[Statement]) -> str:
    """The statements as one script, `-- destructive` markers included (withheld ones commented out)."""
    return "\n".join(s.render() for s in statements) + "\n"
