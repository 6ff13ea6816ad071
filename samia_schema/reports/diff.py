"""`samia diff` results: grouped changes with desired-vs-live field tables, JSON, reconcile SQL."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape

from ..api import DiffReport
from ..catalog import change_to_dict, reconcile_script, summarize
from ..catalog.kinds import COMPARED_FIELDS
from . import new_table

_GROUPS = {
    "added": ("added", "present live only (leftovers)", "yellow"),
    "removed": ("removed", "defined but missing live", "red"),
    "changed": ("changed", "present on both sides, different", "magenta"),
}


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(value)) or "(none)"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff_view(report: DiffReport) -> RenderableType:
    label = "the other database" if report.against == "database" else "the templates"
    if not report.changes:
        return f"[green]no differences[/green] between the live database and {label}"
    parts: list[RenderableType] = []
    for kind, (title, meaning, colour) in _GROUPS.items():
        group = [c for c in report.changes if c.kind == kind]
        if not group:
            continue
        parts.append(f"\n[bold {colour}]{title}[/bold {colour}] ({len(group)}) — {meaning}")
        for change in group:
            detail = f"  [dim]{escape(', '.join(change.details))}[/dim]" if change.details else ""
            parts.append(f"  {change.object_type:<17} {escape(change.name)}{detail}")
            shown = [d for d in change.details if d in COMPARED_FIELDS]
            if kind == "changed" and shown:
                table = new_table(None, [("field", "id"), (f"desired ({label})", "text"), ("live", "text")],
                                  header_style="bold", padding=(0, 1))
                for name in shown:
                    table.add_row(name, escape(_show(getattr(change.before, name))),
                                  escape(_show(getattr(change.after, name))))
                parts.append(table)
    counts = summarize(report.changes)
    parts.append(f"\n{len(report.changes)} difference(s): " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return Group(*parts)


def diff_json(report: DiffReport) -> dict[str, Any]:
    payload: dict[str, Any] = {"differences": len(report.changes), "summary": summarize(report.changes),
                               "against": report.against, "changes": [change_to_dict(c) for c in report.changes]}
    if report.statements:
        payload["sql"] = [{"sql": s.sql, "destructive": s.destructive} for s in report.statements]
    return payload


def diff_sql(report: DiffReport) -> str:
    return reconcile_script(report.statements) if report.statements else "-- no differences\n"
