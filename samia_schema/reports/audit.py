"""`samia audit` results as rich tables (one per section) followed by the counts."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table

from ..inventory import AuditReport
from . import ColumnKind, new_table


def _yes(value: bool) -> str:
    return "[green]yes[/]" if value else "[red]no[/]"


def _section(title: str, columns: Sequence[tuple[str, ColumnKind]], rows: Sequence[Sequence[str]]) -> Table:
    table = new_table(title, columns)
    for row in rows:
        table.add_row(*(cell if cell.startswith(("[green]", "[red]")) else escape(cell) for cell in row))
    if not rows:
        table.add_row(*(["(none)"] + [""] * (len(columns) - 1)))
    return table


def audit_view(report: AuditReport) -> RenderableType:
    by_cmd = report.policies_by_command()
    commands = ("select", "insert", "update", "delete", "all")
    migrations = "absent" if report.supabase_migrations is None else str(report.supabase_migrations)
    return Group(
        escape(f"samia audit: {report.database}"),
        _section("tables", [("table", "id"), ("rows", "num"), ("RLS", "flag"), ("forced", "flag"),
                            ("policies", "num"), ("realtime", "flag")],
                 [(u.table.qualified, str(u.rows), _yes(u.table.rls_enabled), "yes" if u.table.rls_forced else "",
                   str(u.policies), "yes" if u.realtime else "") for u in report.tables]),
        _section("foreign keys", [("table", "id"), ("name", "id"), ("definition", "text")],
                 [(f"{c.schema}.{c.table}", c.name, c.definition) for c in report.foreign_keys]),
        _section("policies per table and command", [("table", "id"), *((c, "num") for c in commands)],
                 [(t, *(str(c.get(k, 0)) for k in commands)) for t, c in sorted(by_cmd.items())]),
        _section("policies", [("table", "id"), ("name", "id"), ("command", "id"), ("kind", "id"), ("roles", "id")],
                 [(f"{p.schema}.{p.table}", p.name, p.command, "permissive" if p.permissive else "restrictive",
                   ", ".join(sorted(p.roles))) for p in report.policies]),
        _section("indexes", [("table", "id"), ("name", "id"), ("method", "id"), ("unique", "flag"),
                             ("partial", "text")],
                 [(i.table, i.name, i.method, "primary" if i.primary else "yes" if i.unique else "",
                   i.predicate or "") for i in report.indexes]),
        _section("functions", [("function", "id"), ("security definer", "flag"), ("search_path", "id"),
                               ("language", "id"), ("volatility", "id")],
                 [(f"{f.schema}.{f.name}({f.identity_args})", "yes" if f.security_definer else "",
                   "[red]not set[/]" if f.search_path is None else f.search_path, f.language, f.volatility)
                  for f in report.functions]),
        _section("triggers", [("table", "id"), ("name", "id"), ("function", "id"), ("enabled", "flag")],
                 [(f"{t.schema}.{t.table}", t.name, t.function, _yes(t.enabled)) for t in report.triggers]),
        _section("storage buckets", [("bucket", "id"), ("privacy", "id"), ("objects", "num"), ("bytes", "num"),
                                     ("size limit", "num"), ("mime types", "num")],
                 [(b.bucket.id, "[red]public[/]" if b.bucket.public else "private", str(b.objects), str(b.bytes),
                   "" if b.bucket.file_size_limit is None else str(b.bucket.file_size_limit),
                   "any" if not b.bucket.allowed_mime_types else str(len(b.bucket.allowed_mime_types)))
                  for b in report.buckets]),
        _section("realtime (supabase_realtime)", [("table", "id")],
                 [(t,) for t in report.realtime_tables] if report.realtime_present else [("(no publication)",)]),
        _section("ledger (samia.ledger, latest per unit)", [("unit", "id"), ("version", "id"), ("checksum", "id"),
                                                             ("applied at", "id"), ("by", "id")],
                 [(e.unit, e.version, e.checksum[:12], e.applied_at, e.applied_by) for e in report.ledger]
                 if report.ledger_present else [("(no samia ledger)", "", "", "", "")]),
        _section("counts", [("what", "id"), ("count", "num")],
                 [(k.replace("_", " "), str(v)) for k, v in report.counts.items()]
                 + [("supabase_migrations.schema_migrations", migrations)]),
    )
