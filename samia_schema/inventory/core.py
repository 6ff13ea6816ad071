"""The inventory behind `samia audit`, built on the catalog snapshot (its objects, not copies).

Tables the pack's scope covers (`Pack.inventory_scope`: e.g. the pack's tables and the legacy
tables it knows) with exact row counts, their foreign keys, policies (those on storage.objects
included), indexes, functions, triggers, every storage bucket with exact object counts, realtime
publication membership, and the ledger state. Read-only, one repeatable-read snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import psycopg
from psycopg import sql

from samia_schema.catalog import Bucket, Constraint, Function, Index, Policy, Table, Trigger, snapshot
from samia_schema.catalog.changes import jsonable
from samia_schema.errors import DatabaseError, first_line
from samia_schema.packs.base import InventoryScope
from samia_schema.resources import static_sql


@dataclass(frozen=True)
class TableUsage:
    """A catalog table with what the catalog does not hold: its exact row count."""

    table: Table
    rows: int
    policies: int
    realtime: bool


@dataclass(frozen=True)
class BucketUsage:
    """A catalog bucket with its exact object count and total size."""

    bucket: Bucket
    objects: int
    bytes: int


@dataclass(frozen=True)
class LedgerEntry:
    unit: str
    version: str
    checksum: str
    applied_at: str
    applied_by: str


@dataclass(frozen=True)
class AuditReport:
    """Everything `samia audit` reports; `counts` summarises it."""

    database: str
    tables: tuple[TableUsage, ...] = ()
    foreign_keys: tuple[Constraint, ...] = ()
    policies: tuple[Policy, ...] = ()
    indexes: tuple[Index, ...] = ()
    functions: tuple[Function, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    buckets: tuple[BucketUsage, ...] = ()
    realtime_present: bool = False
    realtime_tables: tuple[str, ...] = ()
    ledger_present: bool = False
    ledger: tuple[LedgerEntry, ...] = ()
    supabase_migrations: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def policies_by_command(self) -> dict[str, dict[str, int]]:
        """{schema.table: {command: count}} for every table that has policies."""
        result: dict[str, dict[str, int]] = {}
        for p in self.policies:
            per = result.setdefault(f"{p.schema}.{p.table}", {})
            per[p.command] = per.get(p.command, 0) + 1
        return result

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}
        data["policies_by_command"] = self.policies_by_command()
        return data


def _counts(report: AuditReport, scope: InventoryScope) -> dict[str, int]:
    tables = [u.table for u in report.tables]
    storage = [p for p in report.policies if (p.schema, p.table) == ("storage", "objects")]
    prefixed = [t for t in tables if scope.table_prefixes and t.name.startswith(scope.table_prefixes)]
    label = scope.label or "prefixed"
    return {
        f"{label}_tables": len(prefixed),
        "tables": len(tables),
        "rows": sum(u.rows for u in report.tables),
        "tables_without_rls": sum(1 for t in tables if not t.rls_enabled),
        "foreign_keys": len(report.foreign_keys),
        "policies": len(report.policies) - len(storage),
        f"{label}_policies": sum(1 for p in report.policies
                                 if scope.table_prefixes and p.table.startswith(scope.table_prefixes)),
        "storage_policies": len(storage),
        "indexes": len(report.indexes),
        "partial_indexes": sum(1 for i in report.indexes if i.predicate),
        "gin_indexes": sum(1 for i in report.indexes if i.method == "gin"),
        "functions": len(report.functions),
        "security_definer_functions": sum(1 for f in report.functions if f.security_definer),
        "functions_without_search_path": sum(1 for f in report.functions if f.search_path is None),
        "triggers": len(report.triggers),
        "buckets": len(report.buckets),
        "public_buckets": sum(1 for b in report.buckets if b.bucket.public),
        "objects": sum(b.objects for b in report.buckets),
        "realtime_tables": len(report.realtime_tables),
        "ledger_units": len(report.ledger),
        "supabase_migrations": report.supabase_migrations or 0,
    }


def _fetch(conn: psycopg.Connection[Any], name: str) -> list[tuple[Any, ...]]:
    return conn.execute(static_sql(f"audit/{name}.sql").encode()).fetchall()


def _row_count(conn: psycopg.Connection[Any], table: Table) -> int:
    found = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(table.schema, table.name))).fetchone()
    return int(found[0]) if found else 0


def inventory(conn: psycopg.Connection[Any], scope: InventoryScope, database: str = "") -> AuditReport:
    """Inventory what `scope` covers in a live database (read-only; one repeatable-read snapshot).

    Example:
        >>> with connect(dsn, autocommit=True) as conn:
        ...     inventory(conn, ws.pack.inventory_scope(ws.settings)).counts["tables"]
        5
    """
    try:
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            buckets_present, objects_present, ledger_present, migrations_present = _fetch(conn, "presence")[0]
            catalog = snapshot(conn, scope.schemas)
            covered = [t for t in catalog.tables if scope.covers_table(t.schema, t.name)]
            keys = {t.key for t in covered} | set(scope.policy_tables)
            published = {(p.schema, p.table) for p in catalog.publication_tables
                         if p.publication == "supabase_realtime"}
            tables = tuple(TableUsage(t, _row_count(conn, t), len(catalog.policies_on(t.schema, t.name)),
                                      t.key in published) for t in covered)
            policies = tuple(p for p in catalog.policies if (p.schema, p.table) in keys)
            # on a platform table, the platform's own triggers (its functions, e.g. storage's delete
            # protection) are not the project's
            triggers = tuple(t for t in catalog.triggers if (t.schema, t.table) in keys and not (
                (t.schema, t.table) in scope.policy_tables and t.function.startswith(f"{t.schema}.")))
            buckets: tuple[BucketUsage, ...] = ()
            if buckets_present and objects_present:
                usage = {r[0]: (int(r[1]), int(r[2])) for r in _fetch(conn, "bucket_usage")}
                buckets = tuple(BucketUsage(b, *usage.get(b.id, (0, 0))) for b in catalog.buckets)
            publication = _fetch(conn, "publication")[0]
            ledger: tuple[LedgerEntry, ...] = ()
            if ledger_present:
                ledger = tuple(LedgerEntry(r[0], r[1], r[2], r[3].isoformat(), r[4]) for r in _fetch(conn, "ledger"))
            migrations = None
            if migrations_present:
                found = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
                migrations = int(found[0]) if found else 0
    except psycopg.Error as exc:
        raise DatabaseError(f"audit: {first_line(exc)}") from exc
    report = AuditReport(
        database,
        tables,
        tuple(c for t in covered for c in t.constraints if c.kind == "f"),
        policies,
        tuple(i for i in catalog.indexes if (i.schema, i.table) in {t.key for t in covered}),
        tuple(f for f in catalog.functions if scope.covers_function(f)),
        triggers,
        buckets,
        bool(publication[0]),
        tuple(publication[1]),
        bool(ledger_present),
        ledger,
        migrations,
    )
    return AuditReport(**{**report.__dict__, "counts": _counts(report, scope)})
