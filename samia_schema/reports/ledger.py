"""`samia render`, `samia plan` and `samia apply` results as tables and JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape

from ..api import ApplyReport, PlanReport, RenderResult
from ..catalog import change_to_dict
from ..history import ForeignMigration, UnitStatus
from ..online.locks import Hazard
from ..online.run import StepResult
from ..online.steps import OnlinePlan, Step
from . import new_table

_COLORS = {"new": "yellow", "changed": "yellow", "reverted": "yellow", "unrecorded": "yellow", "applied": "green",
           "drift": "red", "pending": "yellow", "remote only": "red"}
_FOREIGN_HINT = {"pending": "not applied: supabase db push",
                 "remote only": "recorded without a file: supabase migration fetch, or repair --status reverted"}


def status_json(s: UnitStatus) -> dict[str, Any]:
    return {"unit": s.name, "version": s.version, "status": s.status, "checksum": s.checksum,
            "recorded_checksum": s.recorded_checksum, "destructive": s.destructive, "unrecorded": list(s.unrecorded)}


def foreign_json(f: ForeignMigration) -> dict[str, Any]:
    return {"version": f.version, "name": f.name, "status": f.status, "file": str(f.path) if f.path else None}


def _hazards_json(hazards: tuple[Hazard, ...]) -> list[dict[str, str]]:
    return [{"type": h.type, "message": h.message} for h in hazards]


def step_json(step: Step) -> dict[str, Any]:
    return {"unit": step.unit, "statement": step.number, "kind": step.kind, "target": f"{step.schema}.{step.target}",
            "relation": step.relation, "lock": step.lock, "state": step.state, "sql": step.sql,
            "hazards": _hazards_json(step.hazards)}


def online_json(online: OnlinePlan | None) -> dict[str, Any] | None:
    """Where each pending statement runs, the online steps, and the locks the transaction holds."""
    if online is None:
        return None
    return {"steps": [step_json(s) for s in online.steps],
            "invalid_indexes": [f"{schema}.{name}" for schema, name in online.invalid],
            "held": [{"relation": lock.relation, "lock": lock.mode, "blocks": lock.blocks, "statements": count,
                      "units": list(units)} for lock, count, units in online.held],
            "statements": [{"unit": p.unit, "statement": p.number, "kind": p.kind, "where": p.where,
                            "locks": [{"mode": lock.mode, "relation": lock.relation, "blocks": lock.blocks}
                                      for lock in p.locks],
                            "hazards": _hazards_json(p.hazards), "note": p.note} for p in online.statements]}


def online_view(online: OnlinePlan | None, results: tuple[StepResult, ...] = ()) -> list[RenderableType]:
    """The online steps (with their outcome after an apply), the transaction's locks, its hazards."""
    if online is None:
        return []
    parts: list[RenderableType] = []
    outcome = {id(r.step): r for r in results}
    for schema, name in online.invalid:
        parts.append(escape(f"INVALID index {schema}.{name} (a failed concurrent build's leftover): dropped first"))
    if online.steps:
        columns: list[tuple[str, Any]] = [("unit", "id"), ("#", "num"), ("online step", "id"), ("lock", "id"),
                                          ("hazard", "text")]
        if results:
            columns.append(("outcome", "id"))
        steps = new_table("online steps (after the transaction commits; the units are recorded when all are done)",
                          columns)
        for step in online.steps:
            row = [step.unit, str(step.number), escape(step.label + (" (drop the INVALID one first)"
                                                                     if step.state == "invalid" else "")),
                   f"{step.lock} on {escape(step.relation)}", escape("; ".join(str(h) for h in step.hazards))]
            if results:
                found = outcome.get(id(step))
                row.append("-" if not found else found.outcome if not found.attempts
                           else f"{found.outcome} ({found.attempts} attempt(s), {found.seconds:.1f}s)")
            steps.add_row(*row)
        parts.append(steps)
    skipped = [p for p in online.statements if p.where == "skipped"]
    if skipped:
        parts.append(f"{len(skipped)} statement(s) already done, not run: "
                     + escape(", ".join(sorted({p.note for p in skipped}))))
    if online.held:
        held = new_table("locks the transaction holds on existing tables until it commits",
                         [("table", "id"), ("lock", "id"), ("blocks", "id"), ("statements", "num"), ("units", "id")])
        for lock, count, units in online.held:
            held.add_row(escape(lock.relation), lock.mode, lock.blocks, str(count), ", ".join(units))
        parts.append(held)
    if online.hazards:
        hazards = new_table("hazards left in the transaction (see docs/online-apply.md)",
                            [("unit", "id"), ("#", "num"), ("statement", "id"), ("hazard", "text")])
        for p in online.hazards:
            text = "; ".join(str(h) for h in p.hazards) + (f" ({p.note})" if p.note else "")
            hazards.add_row(p.unit, str(p.number), p.kind, escape(text))
        parts.append(hazards)
    if online.opaque:
        where = ", ".join(f"{p.unit} #{p.number}" for p in online.opaque)
        parts.append(escape(f"{len(online.opaque)} DO block(s) or function call(s) whose locks cannot be read "
                            f"before they run: {where}"))
    return parts


def render_json(result: RenderResult) -> dict[str, Any]:
    return {"units": [{"name": u.name, "checksum": u.checksum, "bytes": len(u.sql.encode()),
                       "source": str(u.source) if u.source else None} for u in result.plan.units],
            "written": [str(p) for p in result.written],
            "rewritten": [str(p) for p in (result.migrations.rewritten if result.migrations else ())]}


def plan_json(report: PlanReport) -> dict[str, Any]:
    return {"database": report.database, "units": [status_json(s) for s in report.statuses],
            "pending": [s.name for s in report.pending],
            "overrides": [{"unit": u, "template": str(src), "overrides": str(old)} for u, src, old in report.overrides],
            "not_ours": [foreign_json(f) for f in report.foreign], "blocked": report.blocked,
            "live_drift": [change_to_dict(c) for c in report.drift],
            "legacy": _legacy_json(report), "online": online_json(report.online)}


def _legacy_json(report: PlanReport) -> dict[str, Any] | None:
    from .consolidation import inventory_json

    return inventory_json(report.legacy) if report.legacy is not None else None


def plan_view(report: PlanReport) -> RenderableType:
    table = new_table(f"plan for {report.database}", [("unit", "id"), ("version", "id"), ("status", "id"),
                                                      ("checksum", "id"), ("destructive", "flag")])
    for s in report.statuses:
        table.add_row(s.name, s.version or "-", f"[{_COLORS[s.status]}]{s.status}[/]", s.checksum[:12],
                      "yes" if s.destructive else "")
    parts: list[RenderableType] = [table]
    for unit, source, replaced in report.overrides:
        parts.append(escape(f"{unit}: {source} overrides the pack's {replaced.name}"))
    if report.foreign:
        foreign = new_table("migrations that are not samia's (never run or recorded by samia)",
                            [("migration", "id"), ("status", "id"), ("to do", "text")])
        for f in report.foreign:
            foreign.add_row(escape(f.file_name), f"[{_COLORS[f.status]}]{f.status}[/]", _FOREIGN_HINT.get(f.status, ""))
        parts.append(foreign)
    if not report.tracked:
        parts.append("no samia migration files: units are recorded in samia.ledger only (samia render --supabase "
                     "writes them)")
    pending, waiting = report.pending, report.foreign_pending
    if pending:
        parts += online_view(report.online)
    parts.append(f"{len(pending)} unit(s) pending" if pending else "nothing to apply")
    if waiting:
        parts.append(f"{len(waiting)} migration(s) that are not samia's need the Supabase CLI (see above)")
    if report.blocked:
        parts.append(escape(f"apply would refuse: {report.blocked}"))
    if report.drift:
        drift = new_table("live objects that drifted from the templates (fix with: samia diff --sql)",
                          [("change", "id"), ("object", "id"), ("name", "id"), ("details", "text")])
        for c in report.drift:
            drift.add_row(c.kind, c.object_type, escape(c.name), escape("; ".join(c.details)))
        parts.append(drift)
    elif report.drift_checked:
        parts.append("no live drift from the templates")
    if report.legacy is not None and (report.legacy.pending or report.legacy.refusals):
        legacy = new_table("legacy objects (samia consolidate --dry-run shows the rows; nothing is dropped)",
                           [("kind", "id"), ("object", "id"), ("shape", "text"), ("action", "id"), ("detail", "text")])
        for o in report.legacy.objects:
            if o.action != "leave" or o.shape == "unknown":
                legacy.add_row(o.kind, escape(o.name), escape(o.shape), o.action, escape(o.detail))
        parts.append(legacy)
        parts += [f"refused: {escape(r)}" for r in report.legacy.refusals]
        parts.append("run `samia consolidate --dry-run` to see every mapping, then `samia consolidate --backup DIR`")
    return Group(*parts)


def apply_json(report: ApplyReport) -> dict[str, Any]:
    r = report.result
    return {"database": report.database, "dry_run": r.dry_run, "applied": list(r.applied),
            "seconds": round(r.seconds, 3), "units": [status_json(s) for s in r.statuses],
            "not_ours": [foreign_json(f) for f in r.foreign], "summary": report.created or None,
            "attempts": r.attempts, "invalid_indexes_dropped": list(r.cleaned),
            "steps": [{**step_json(x.step), "outcome": x.outcome, "attempts": x.attempts,
                       "seconds": round(x.seconds, 3)} for x in r.steps],
            "online": online_json(r.online), "maintenance": list(report.maintenance)}


def apply_view(report: ApplyReport) -> RenderableType:
    r = report.result
    verb = "would apply" if r.dry_run else "applied"
    line = (f"{verb} {len(r.applied)} unit(s) to {report.database} in {r.seconds:.2f}s: " + ", ".join(r.applied)
            if r.applied else f"nothing to apply on {report.database}")
    waiting = [f.file_name for f in r.foreign if f.status != "applied"]
    parts: list[RenderableType] = [line]
    if r.attempts > 1:
        parts.append(f"the transaction was retried: {r.attempts} attempts (lock_timeout)")
    if r.applied:
        parts += online_view(r.online, r.steps)
    parts += [escape(("would: " if r.dry_run else "") + m) for m in report.maintenance]
    if waiting:
        parts.append(escape(f"not samia's and not applied (samia never runs them): {', '.join(waiting)}"))
    if report.created:
        table = new_table("created (counted from the catalogs)", [("object", "id"), ("count", "num")])
        for key, value in report.created.items():
            table.add_row(key.replace("_", " "), str(value))
        parts.append(table)
    return parts[0] if len(parts) == 1 else Group(*parts)
