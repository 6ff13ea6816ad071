"""Restore: bring the tables of a backup back to the snapshot, structure and rows, in one transaction.

1. The whole tables as they are now (and every table of a schema that did not exist at backup
   time, such as an archive schema) move to a scratch schema.
2. The live catalog is diffed against the saved one; the reconcile SQL recreates the whole tables
   (columns, constraints, indexes, policies, triggers, grants) and puts back policies, triggers,
   grants, functions and buckets the change altered. Objects created since are dropped only when
   the templates own them (`owned`): nothing of the application's is ever removed.
3. The scratch schema and the schemas that did not exist are dropped (never with CASCADE); rows are
   copied back (user triggers off, indexes and foreign keys rebuilt once at the end: see bulk.py);
   `rows` items are replaced only where their checksum differs; `platform` items (storage objects)
   are never written (the Storage API moves objects back) and compare on their identity columns;
   every checksum must equal the manifest's.

Example:
    >>> restore(conn, Path("backup-1"), owned=desired).mismatches
    ()
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..catalog import Catalog, Change, Scope, diff, reconcile_sql, snapshot
from ..catalog.kinds import BY_NAME
from ..catalog.serial import catalog_from_json
from ..errors import DatabaseError, first_line
from .backup import Progress, _noop
from .bulk import bulk_fill
from .manifest import CATALOG, SavedTable, checksum, exists, pinned_output, read_manifest, schema_exists

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RestoredTable:
    name: str
    mode: str
    rows: int
    expected: str
    found: str
    reloaded: bool
    checked: bool = True  # False: a `platform` item the caller let differ (objects left where they were moved)

    @property
    def equal(self) -> bool:
        return self.expected == self.found


@dataclass(frozen=True)
class RestoreReport:
    directory: Path
    tables: tuple[RestoredTable, ...]
    statements: int
    dropped_schemas: tuple[str, ...]

    @property
    def mismatches(self) -> tuple[RestoredTable, ...]:
        return tuple(t for t in self.tables if not t.equal and t.checked)

    @property
    def left_as_they_are(self) -> tuple[RestoredTable, ...]:
        """`platform` items that differ from the backup and were allowed to (`platform_may_differ`)."""
        return tuple(t for t in self.tables if not t.equal and not t.checked)


def _is_owned(change: Change, owned: Catalog) -> bool:
    """A change restore may make: it brings back a saved object, or removes one the templates own."""
    if change.kind != "added":
        return True
    kind = BY_NAME[change.object_type]
    return change.key in {o.key for o in getattr(owned, kind.attr)}


def _tables_in(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    rows = conn.execute("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        " where n.nspname = %s and c.relkind in ('r', 'p') order by 1", (schema,)).fetchall()
    return [r[0] for r in rows]


def load_order(saved: Sequence[SavedTable], catalog: Catalog) -> list[SavedTable]:
    """Tables ordered so that a table comes after the tables its foreign keys reference."""
    names = {t.item.name for t in saved}
    deps = {t.item.name: {c.ref_table for tbl in catalog.tables if tbl.qualified == t.item.name
                          for c in tbl.constraints if c.kind == "f" and c.ref_table in names
                          and c.ref_table != t.item.name} for t in saved}
    ordered: list[SavedTable] = []
    placed: set[str] = set()
    while len(ordered) < len(saved):
        ready = [t for t in saved if t.item.name not in placed and deps[t.item.name] <= placed]
        ready = ready or [next(t for t in saved if t.item.name not in placed)]  # a cycle: take one
        for t in ready:
            ordered.append(t)
            placed.add(t.item.name)
    return ordered


def _copy_in(conn: psycopg.Connection[Any], directory: Path, table: SavedTable) -> None:
    if table.file is None:
        return
    columns = sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, table.columns))) if table.columns \
        else sql.SQL("")
    with pinned_output(conn), conn.cursor() as cur, open(directory / table.file, "rb") as data:
        with cur.copy(sql.SQL("copy {}{} from stdin").format(table.item.relation(), columns)) as copy:
            while chunk := data.read(_CHUNK):
                copy.write(chunk)


def restore(conn: psycopg.Connection[Any], directory: Path, *, owned: Catalog, platform_may_differ: bool = False,
            progress: Progress = _noop) -> RestoreReport:
    """Restore the backup in `directory` (see the module docstring); `conn` in autocommit mode.

    `platform` items (storage objects) are never written: the Storage API moved their objects back
    first, and they are compared on their identity (bucket, name); with `platform_may_differ`
    (objects deliberately left where they were moved) a difference is reported, not fatal.
    """
    manifest = read_manifest(directory)
    saved_catalog = catalog_from_json(json.loads((directory / CATALOG).read_text(encoding="utf-8")))
    trash = f"samia_restore_{uuid.uuid4().hex[:8]}"
    tables: list[RestoredTable] = []
    try:
        with conn.transaction():
            conn.execute("select set_config('statement_timeout', '0', true),"
                         " set_config('storage.allow_delete_query', 'true', true)")
            conn.execute(sql.SQL("create schema {}").format(sql.Identifier(trash)))
            whole = [t for t in manifest.tables if t.item.mode == "whole"]
            for t in whole:
                if exists(conn, t.item.schema, t.item.table):
                    conn.execute(sql.SQL("alter table {} set schema {}").format(
                        t.item.relation(), sql.Identifier(trash)))
            dropped = [s for s in manifest.absent_schemas if schema_exists(conn, s)]
            trashes = [trash]
            for number, schema in enumerate(dropped, 1):  # one scratch schema each: names may repeat
                trashes.append(f"{trash}_{number}")
                conn.execute(sql.SQL("create schema {}").format(sql.Identifier(trashes[-1])))
                for name in _tables_in(conn, schema):
                    conn.execute(sql.SQL("alter table {} set schema {}").format(
                        sql.Identifier(schema, name), sql.Identifier(trashes[-1])))
            for scratch in trashes:  # their triggers would hold on to functions the reconcile drops
                for table, trigger in conn.execute(
                        "select c.relname, g.tgname from pg_trigger g join pg_class c on c.oid = g.tgrelid"
                        " join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s and not g.tgisinternal",
                        (scratch,)).fetchall():
                    conn.execute(sql.SQL("drop trigger {} on {}").format(sql.Identifier(trigger),
                                                                        sql.Identifier(scratch, table)))
                for table, policy in conn.execute(
                        "select tablename, policyname from pg_policies where schemaname = %s", (scratch,)).fetchall():
                    conn.execute(sql.SQL("drop policy {} on {}").format(sql.Identifier(policy),
                                                                       sql.Identifier(scratch, table)))
            progress("restore: structure", 0, None)
            live = snapshot(conn, (*saved_catalog.schemas, *dropped))
            changes = [c for c in diff(live, saved_catalog, Scope()) if _is_owned(c, owned)]
            statements = reconcile_sql(changes)
            for statement in statements:
                conn.execute(sql.SQL(statement.sql))  # deparsed by Postgres
            leftovers = [sql.Identifier(t, n) for t in trashes for n in _tables_in(conn, t)]
            if leftovers:
                conn.execute(sql.SQL("drop table {}").format(sql.SQL(", ").join(leftovers)))
            for schema in (*trashes, *dropped):
                conn.execute(sql.SQL("drop schema {}").format(sql.Identifier(schema)))
            ordered = load_order(manifest.tables, saved_catalog)
            reload = [t for t in ordered if t.item.mode == "rows" and t.file is not None
                      and checksum(conn, t.item).digest != t.digest]
            for t in reversed(reload):
                conn.execute(sql.SQL("delete from {}{}").format(t.item.relation(), t.item.filter()), t.item.params)
            loaded = [(t.item.schema, t.item.table) for t in ordered if t.item.mode == "whole" and t.file is not None]
            with bulk_fill(conn, loaded, triggers_off=loaded):  # indexes and foreign keys rebuilt once
                for number, t in enumerate(ordered, 1):
                    if (t.item.mode == "whole" or t in reload) and t.file is not None:
                        progress(f"restore {t.item.name}", number - 1, len(ordered))
                        _copy_in(conn, directory, t)
                progress("restore: rebuild indexes and foreign keys", len(ordered), len(ordered))
            for t in ordered:
                platform = t.item.mode == "platform"
                found = "0:0:0" if not exists(conn, t.item.schema, t.item.table) else \
                    checksum(conn, t.item, identity=platform).digest
                tables.append(RestoredTable(t.item.name, t.item.mode, t.rows, t.identity_digest if platform
                                            else t.digest, found, t.item.mode == "whole" or t in reload,
                                            not (platform and platform_may_differ)))
            bad = [t for t in tables if not t.equal and t.checked]
            if bad:
                raise DatabaseError("restore: checksums differ after restore for "
                                    + ", ".join(t.name for t in bad) + " (rolled back)")
    except psycopg.Error as exc:
        raise DatabaseError(f"restore: {first_line(exc)} (rolled back, nothing changed)") from exc
    progress("restore", len(tables), len(tables))
    return RestoreReport(directory, tuple(tables), len(statements), tuple(dropped))
