"""`samia audit`: a true inventory of the chat system in a live database (counted, never assumed).

Chat-related tables (chat_*, profiles, legacy messages / voice_notes) with exact row counts and RLS
flags, their foreign keys, policies (and those on storage.objects), indexes, functions, triggers,
every storage bucket with exact object counts, realtime publication membership, and ledger state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Group, RenderableType
from rich.table import Table

from samia_schema.catalog import Catalog, snapshot
from samia_schema.config import Settings
from samia_schema.errors import DatabaseError
from samia_schema.project import static_sql


@dataclass(frozen=True)
class AuditTable:
    schema: str
    name: str
    rows: int
    rls_enabled: bool
    rls_forced: bool
    policies: int
    realtime: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class AuditForeignKey:
    table: str
    name: str
    columns: tuple[str, ...]
    references: str
    on_delete: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.table, self.name)


@dataclass(frozen=True)
class AuditPolicy:
    table: str
    name: str
    command: str
    permissive: bool
    roles: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.table, self.name)


@dataclass(frozen=True)
class AuditIndex:
    table: str
    name: str
    method: str
    unique: bool
    primary: bool
    predicate: str | None
    definition: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.table, self.name)


@dataclass(frozen=True)
class AuditFunction:
    schema: str
    name: str
    args: str
    security_definer: bool
    search_path: str | None
    language: str
    volatility: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.name, self.args)


@dataclass(frozen=True)
class AuditTrigger:
    table: str
    name: str
    function: str
    enabled: bool
    definition: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.table, self.name)


@dataclass(frozen=True)
class AuditBucket:
    id: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: tuple[str, ...] | None
    objects: int
    bytes: int

    @property
    def key(self) -> str:
        return self.id


@dataclass(frozen=True)
class LedgerEntry:
    unit: str
    version: str
    checksum: str
    applied_at: str
    applied_by: str

    @property
    def key(self) -> str:
        return self.unit


@dataclass(frozen=True)
class AuditReport:
    """Everything `samia audit` reports; `counts` summarises it."""

    database: str
    schema: str
    tables: tuple[AuditTable, ...] = ()
    foreign_keys: tuple[AuditForeignKey, ...] = ()
    policies: tuple[AuditPolicy, ...] = ()
    indexes: tuple[AuditIndex, ...] = ()
    functions: tuple[AuditFunction, ...] = ()
    triggers: tuple[AuditTrigger, ...] = ()
    buckets: tuple[AuditBucket, ...] = ()
    realtime_present: bool = False
    realtime_tables: tuple[str, ...] = ()
    ledger_present: bool = False
    ledger: tuple[LedgerEntry, ...] = ()
    supabase_migrations: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def policies_by_command(self) -> dict[str, dict[str, int]]:
        """{table: {command: count}} for every table that has policies."""
        result: dict[str, dict[str, int]] = {}
        for p in self.policies:
            result.setdefault(p.table, {})
            result[p.table][p.command] = result[p.table].get(p.command, 0) + 1
        return result

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["policies_by_command"] = self.policies_by_command()
        return data


def _fetch(
    conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    query = static_sql(f"audit/{name}.sql").encode()
    cur = conn.execute(query, params) if params is not None else conn.execute(query)
    return cur.fetchall()


def _row_count(conn: psycopg.Connection[Any], schema: str, table: str) -> int:
    row = conn.execute(
        sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    )
    found = row.fetchone()
    return int(found[0]) if found else 0


def _counts(report: AuditReport) -> dict[str, int]:
    chat = [t for t in report.tables if t.name.startswith("chat_")]
    storage = [p for p in report.policies if p.table == "storage.objects"]
    return {
        "chat_tables": len(chat),
        "tables": len(report.tables),
        "rows": sum(t.rows for t in report.tables),
        "tables_without_rls": sum(1 for t in report.tables if not t.rls_enabled),
        "foreign_keys": len(report.foreign_keys),
        "policies": len(report.policies) - len(storage),
        "chat_policies": sum(1 for p in report.policies if p.table.split(".", 1)[1].startswith("chat_")),
        "storage_policies": len(storage),
        "indexes": len(report.indexes),
        "partial_indexes": sum(1 for i in report.indexes if i.predicate),
        "gin_indexes": sum(1 for i in report.indexes if i.method == "gin"),
        "functions": len(report.functions),
        "security_definer_functions": sum(1 for f in report.functions if f.security_definer),
        "functions_without_search_path": sum(1 for f in report.functions if f.search_path is None),
        "triggers": len(report.triggers),
        "buckets": len(report.buckets),
        "public_buckets": sum(1 for b in report.buckets if b.public),
        "objects": sum(b.objects for b in report.buckets),
        "realtime_tables": len(report.realtime_tables),
        "ledger_units": len(report.ledger),
        "supabase_migrations": report.supabase_migrations or 0,
    }


_CHAT_NAMES = ("chat", "session", "message")
_LEGACY = ("profiles", "messages", "voice_notes")


def _chat_related(schema: str, table: str, settings: Settings) -> bool:
    """The tables the audit covers: chat_*, profiles and the legacy tables, plus storage.objects."""
    if schema == "storage":
        return table == "objects"
    return schema == settings.schema and (table.startswith("chat_") or table in _LEGACY)


def _from_catalog(
    catalog: Catalog, settings: Settings
) -> tuple[tuple[AuditPolicy, ...], tuple[AuditIndex, ...], tuple[AuditFunction, ...], tuple[AuditTrigger, ...]]:
    """Policies, indexes, functions and triggers of the chat system, read from the catalog snapshot."""
    policies = sorted(
        (AuditPolicy(f"{p.schema}.{p.table}", p.name, p.command, p.permissive, tuple(sorted(p.roles)))
         for p in catalog.policies if _chat_related(p.schema, p.table, settings)),
        key=lambda p: (p.table, p.command, p.name),
    )
    indexes = sorted(
        (AuditIndex(i.table, i.name, i.method, i.unique, i.primary, i.predicate, i.definition)
         for i in catalog.indexes if i.schema == settings.schema and _chat_related(i.schema, i.table, settings)),
        key=lambda i: (i.table, i.name),
    )
    functions = sorted(
        (AuditFunction(f.schema, f.name, f.identity_args, f.security_definer, f.search_path, f.language,
                       f.volatility)
         for f in catalog.functions
         if f.schema == settings.private_schema
         or (f.schema == settings.schema and any(word in f.name for word in _CHAT_NAMES))),
        key=lambda f: (f.schema, f.name, f.args),
    )
    triggers = sorted(
        (AuditTrigger(f"{t.schema}.{t.table}", t.name, t.function, t.enabled, t.definition)
         for t in catalog.triggers if _chat_related(t.schema, t.table, settings)),
        key=lambda t: (t.table, t.name),
    )
    return tuple(policies), tuple(indexes), tuple(functions), tuple(triggers)


def audit(conn: psycopg.Connection[Any], settings: Settings, database: str = "") -> AuditReport:
    """Inventory the chat system of a live database (read-only; one repeatable-read snapshot).

    Example:
        >>> with connect(dsn, autocommit=True) as conn:
        ...     audit(conn, load_settings()).counts["chat_tables"]
        4
    """
    params = {"schema": settings.schema, "private": settings.private_schema}
    try:
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            presence = _fetch(conn, "presence")[0]
            tables = tuple(
                AuditTable(
                    r[0], r[1], _row_count(conn, r[0], r[1]), bool(r[2]), bool(r[3]), int(r[4]), bool(r[5])
                )
                for r in _fetch(conn, "tables", params)
            )
            fks = tuple(
                AuditForeignKey(r[0], r[1], tuple(r[2]), r[3], r[4])
                for r in _fetch(conn, "foreign_keys", params)
            )
            catalog = snapshot(conn, (settings.schema, settings.private_schema, "storage"))
            policies, indexes, functions, triggers = _from_catalog(catalog, settings)
            buckets: tuple[AuditBucket, ...] = ()
            if presence[0] and presence[1]:
                buckets = tuple(
                    AuditBucket(
                        r[0], bool(r[1]), r[2], None if r[3] is None else tuple(r[3]), int(r[4]), int(r[5])
                    )
                    for r in _fetch(conn, "buckets")
                )
            pub = _fetch(conn, "publication")[0]
            ledger: tuple[LedgerEntry, ...] = ()
            if presence[2]:
                ledger = tuple(
                    LedgerEntry(r[0], r[1], r[2], r[3].isoformat(), r[4]) for r in _fetch(conn, "ledger")
                )
            migrations = None
            if presence[3]:
                found = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
                migrations = int(found[0]) if found else 0
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"audit: {first}") from exc
    report = AuditReport(
        database,
        settings.schema,
        tables,
        fks,
        policies,
        indexes,
        functions,
        triggers,
        buckets,
        bool(pub[0]),
        tuple(pub[1]),
        bool(presence[2]),
        ledger,
        migrations,
    )
    return AuditReport(**{**report.__dict__, "counts": _counts(report)})


def _yes(value: bool) -> str:
    return "[green]yes[/]" if value else "[red]no[/]"


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    if not rows:
        table.add_row(*(["(none)"] + [""] * (len(columns) - 1)))
    return table


def render_report(report: AuditReport) -> RenderableType:
    """The report as rich tables, one per section, followed by the counts."""
    by_cmd = report.policies_by_command()
    parts: list[RenderableType] = [
        _table(
            f"tables in {report.schema} (chat-related)",
            ("table", "rows", "RLS", "forced", "policies", "realtime"),
            [
                (
                    t.name,
                    str(t.rows),
                    _yes(t.rls_enabled),
                    "yes" if t.rls_forced else "",
                    str(t.policies),
                    "yes" if t.realtime else "",
                )
                for t in report.tables
            ],
        ),
        _table(
            "foreign keys",
            ("table", "name", "columns", "references", "on delete"),
            [(f.table, f.name, ", ".join(f.columns), f.references, f.on_delete) for f in report.foreign_keys],
        ),
        _table(
            "policies per table and command",
            ("table", "select", "insert", "update", "delete", "all"),
            [
                (t, *(str(c.get(k, 0)) for k in ("select", "insert", "update", "delete", "all")))
                for t, c in sorted(by_cmd.items())
            ],
        ),
        _table(
            "policies",
            ("table", "name", "command", "kind", "roles"),
            [
                (
                    p.table,
                    p.name,
                    p.command,
                    "permissive" if p.permissive else "restrictive",
                    ", ".join(p.roles),
                )
                for p in report.policies
            ],
        ),
        _table(
            "indexes",
            ("table", "name", "method", "unique", "partial"),
            [
                (
                    i.table,
                    i.name,
                    i.method,
                    "primary" if i.primary else "yes" if i.unique else "",
                    i.predicate or "",
                )
                for i in report.indexes
            ],
        ),
        _table(
            "functions",
            ("function", "security definer", "search_path", "language", "volatility"),
            [
                (
                    f"{f.schema}.{f.name}({f.args})",
                    "yes" if f.security_definer else "",
                    "[red]not set[/]" if f.search_path is None else f.search_path,
                    f.language,
                    f.volatility,
                )
                for f in report.functions
            ],
        ),
        _table(
            "triggers",
            ("table", "name", "function", "enabled"),
            [(t.table, t.name, t.function, _yes(t.enabled)) for t in report.triggers],
        ),
        _table(
            "storage buckets",
            ("bucket", "privacy", "objects", "bytes", "size limit", "mime types"),
            [
                (
                    b.id,
                    "[red]public[/]" if b.public else "private",
                    str(b.objects),
                    str(b.bytes),
                    "" if b.file_size_limit is None else str(b.file_size_limit),
                    "any" if not b.allowed_mime_types else str(len(b.allowed_mime_types)),
                )
                for b in report.buckets
            ],
        ),
        _table(
            "realtime (supabase_realtime)",
            ("table",),
            [(t,) for t in report.realtime_tables] if report.realtime_present else [("(no publication)",)],
        ),
        _table(
            "ledger (samia.ledger, latest per unit)",
            ("unit", "version", "checksum", "applied at", "by"),
            [(e.unit, e.version, e.checksum[:12], e.applied_at, e.applied_by) for e in report.ledger]
            if report.ledger_present
            else [("(no samia ledger)", "", "", "", "")],
        ),
    ]
    migrations = "absent" if report.supabase_migrations is None else str(report.supabase_migrations)
    counts = Counter(report.counts)
    parts.append(
        _table(
            "counts",
            ("what", "count"),
            [(k.replace("_", " "), str(v)) for k, v in counts.items()]
            + [("supabase_migrations.schema_migrations", migrations)],
        )
    )
    return Group(*parts)
