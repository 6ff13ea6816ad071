"""The consolidation report: markdown (for people and the backup directory) and JSON (for machines)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from ..catalog import change_to_dict
from ..consolidate.protocol import Inventory
from ..consolidate.restore import RestoreReport
from ..consolidate.run import ConsolidationReport


def inventory_json(inventory: Inventory) -> dict[str, Any]:
    return {"pending": inventory.pending, "refusals": list(inventory.refusals),
            "objects": [{"kind": o.kind, "name": o.name, "shape": o.shape, "action": o.action, "detail": o.detail}
                        for o in inventory.objects]}


def inventory_markdown(inventory: Inventory) -> list[str]:
    """The inventory as markdown lines: a count per kind and action, then every object that changes."""
    lines = ["## Inventory", "", "| kind | action | count |", "|---|---|---:|"]
    for (kind, action), n in sorted(Counter((o.kind, o.action) for o in inventory.objects).items()):
        lines.append(f"| {kind} | {action} | {n} |")
    lines += ["", "| kind | object | shape | action | detail |", "|---|---|---|---|---|"]
    for o in inventory.objects:
        if o.action != "leave" or o.shape == "unknown":
            lines.append(f"| {o.kind} | `{o.name}` | {o.shape} | {o.action} | {o.detail} |")
    lines += [f"- refused: {r}" for r in inventory.refusals]
    return lines


def report_json(report: ConsolidationReport) -> dict[str, Any]:
    return {
        "database": report.database, "dry_run": report.dry_run, "migrated": report.migrated,
        "proven": report.proven, "balanced": report.balanced, "checksums_kept": report.checksums_kept,
        "seconds": round(report.seconds, 2), "applied": list(report.applied),
        "backup": str(report.backup_dir) if report.backup_dir else None,
        "pg_dump": report.manifest.dump_note if report.manifest else None,
        "tables": [{"table": a.table, "found": a.found, "migrated": a.migrated, "archived": a.found,
                    "skipped": a.skipped, "reasons": dict(a.reasons), "target": a.target, "balanced": a.balanced,
                    "checksum_before": a.checksum_before, "checksum_after": a.checksum_after}
                   for a in report.accounts],
        "skipped_rows": [{"table": t, "id": i, "reason": r} for t, i, r in report.skipped_rows],
        "storage": {"pending": report.storage.pending, "moved": report.storage.moved, "kept": report.storage.kept,
                    "failed": list(report.storage.failed), "ran": report.storage_ran,
                    "plan": [asdict(g) for g in report.storage.plan]},
        "verify": None if report.verify is None else {"passed": report.verify.passed,
                                                       "failures": len(report.verify.report.failures)},
        "diff": None if report.diff is None else {"differences": len(report.diff.changes),
                                                   "changes": [change_to_dict(c) for c in report.diff.changes]},
        "inventory": inventory_json(report.inventory),
    }


def report_markdown(report: ConsolidationReport) -> str:
    title = "Consolidation plan (dry run: rolled back)" if report.dry_run else "Consolidation report"
    lines = [f"# {title}", "", f"database: {report.database}; {report.seconds:.1f}s"]
    if report.backup_dir:
        lines.append(f"backup: `{report.backup_dir}`" + (f" ({report.manifest.dump_note})" if report.manifest else ""))
    if not report.migrated:
        lines.append("nothing to migrate: the database part was done before (or there is no legacy table)")
    lines += ["", "## Legacy tables", "",
              "| table | found | migrated | archived | skipped | target | checksum before = after |",
              "|---|---:|---:|---:|---:|---|---|"]
    for a in report.accounts:
        same = "—" if not a.checksum_before else ("yes" if a.checksum_before == a.checksum_after else "**no**")
        lines.append(f"| {a.table} | {a.found} | {a.migrated} | {a.found} | {a.skipped} | {a.target} | {same} |")
    reasons = [(a.table, r, n) for a in report.accounts for r, n in a.reasons]
    if reasons:
        lines += ["", "Skipped rows, by reason (every one is listed in chat_legacy.samia_skipped):", ""]
        lines += [f"- {t}: {n} × {r}" for t, r, n in reasons]
    s = report.storage
    lines += ["", "## Storage", "", f"moved (or already in place): {s.moved}; pending: {s.pending};"
              f" kept where they are (reported, never deleted): {s.kept}"]
    if s.pending and not report.storage_ran:
        lines.append("pending objects move when consolidate runs again with --storage-url and --service-key")
    lines += [f"- failed: {f}" for f in s.failed]
    if s.plan:
        lines += ["", "| from bucket | layout | to | state | reason | objects | example |",
                  "|---|---|---|---|---|---:|---|"]
        lines += [f"| {g.source_bucket} | `{g.layout}` | {g.target_bucket or '—'} | {g.state} | {g.reason or '—'} |"
                  f" {g.objects} | `{g.example}` |" for g in s.plan]
    lines += ["", *inventory_markdown(report.inventory), "", "## Proof", ""]
    lines.append(f"- every legacy row migrated or listed: {'yes' if report.balanced else '**no**'}")
    lines.append(f"- archived tables equal the backup (checksums): {'yes' if report.checksums_kept else '**no**'}")
    if report.verify is not None:
        lines.append(f"- samia verify: {'all cells hold' if report.verify.passed else '**cells fail**'}"
                     f" ({len(report.verify.report.outcomes)} cells)")
        lines += [f"  - {o.resource}.{o.operation} {o.persona}: {o.detail}" for o in report.verify.report.failures]
    if report.diff is not None:
        lines.append(f"- samia diff of the owned objects: {len(report.diff.changes)} difference(s)")
        lines += [f"  - {c.kind} {c.object_type} {c.name}" for c in report.diff.changes]
    return "\n".join(lines) + "\n"


def restore_json(report: RestoreReport) -> dict[str, Any]:
    return {"backup": str(report.directory), "statements": report.statements,
            "dropped_schemas": list(report.dropped_schemas), "equal": not report.mismatches,
            "tables": [{"table": t.name, "mode": t.mode, "rows": t.rows, "expected": t.expected, "found": t.found,
                        "reloaded": t.reloaded, "equal": t.equal, "checked": t.checked} for t in report.tables]}


def restore_markdown(report: RestoreReport) -> str:
    lines = [f"# Restore of `{report.directory}`", "", f"{report.statements} reconcile statements;"
             f" schemas dropped: {', '.join(report.dropped_schemas) or '-'}", "",
             "| table | mode | rows | reloaded | checksum equal |", "|---|---|---:|---|---|"]
    lines += [f"| {t.name} | {t.mode} | {t.rows} | {'yes' if t.reloaded else 'no'} | {'yes' if t.equal else '**no**'} |"
              for t in report.tables]
    lines += [f"- {t.name}: left as it is (objects stay where they were moved: --skip-storage)"
              for t in report.left_as_they_are]
    return "\n".join(lines) + "\n"
