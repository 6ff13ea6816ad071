"""Bulk fills inside one transaction: the per-row machinery a set-based migration switches off, and
how it is put back exactly.

`bulk_fill(conn, tables, triggers_off=…)` drops the secondary indexes and the foreign keys of
`tables` (their definitions saved as Postgres prints them), disables the enabled user triggers
of `triggers_off`, runs the body, then recreates every index (one sorted build instead of a
per-row insert into each), every foreign key (`alter table … add constraint`: Postgres checks
every row in one pass, the same guarantee as the per-row checks) and enables those triggers
again. Nothing of it is visible outside the transaction; a failure rolls all of it back.

Example:
    >>> with bulk_fill(conn, [("public", "notes")], triggers_off=[("public", "notes")]):
    ...     conn.execute("insert into public.notes select …")
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from ..resources import static_sql

Table = tuple[str, str]  # (schema, table)


def _names(tables: Sequence[Table]) -> list[str]:
    return [sql.Identifier(*t).as_string(None) for t in tables]


@contextmanager
def bulk_fill(conn: psycopg.Connection[Any], tables: Sequence[Table], *,
              triggers_off: Sequence[Table] = ()) -> Iterator[None]:
    """Run the body with the indexes and foreign keys of `tables` deferred and the user triggers of
    `triggers_off` off (see the module docstring); `conn` must be inside a transaction.

    Example:
        >>> with conn.transaction(), bulk_fill(conn, [("public", "notes")]):
        ...     conn.execute("insert into public.notes select …")   # indexes rebuilt, keys checked at exit
    """
    deferred = conn.execute(static_sql("consolidate/deferred.sql"),
                            {"tables": _names(tables), "quiet": _names(triggers_off)}).fetchall()
    by_kind: dict[str, list[tuple[str, str, str, str | None]]] = {"index": [], "foreign key": [], "trigger": []}
    for kind, schema, table, name, definition in deferred:
        by_kind[kind].append((schema, table, name, definition))
    for schema, table, name, _ in by_kind["foreign key"]:
        conn.execute(sql.SQL("alter table {} drop constraint {}").format(sql.Identifier(schema, table),
                                                                        sql.Identifier(name)))
    for schema, _, name, _ in by_kind["index"]:
        conn.execute(sql.SQL("drop index {}").format(sql.Identifier(schema, name)))
    for schema, table, name, _ in by_kind["trigger"]:
        conn.execute(sql.SQL("alter table {} disable trigger {}").format(sql.Identifier(schema, table),
                                                                        sql.Identifier(name)))
    yield
    for schema, table, name, _ in by_kind["trigger"]:
        conn.execute(sql.SQL("alter table {} enable trigger {}").format(sql.Identifier(schema, table),
                                                                       sql.Identifier(name)))
    for _, _, _, definition in by_kind["index"]:
        conn.execute(sql.SQL(definition or ""))  # deparsed by Postgres
    for schema, table, name, definition in by_kind["foreign key"]:
        conn.execute(sql.SQL("alter table {} add constraint {} {}").format(
            sql.Identifier(schema, table), sql.Identifier(name), sql.SQL(definition or "")))
