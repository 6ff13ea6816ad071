"""`samia partitions` results: one table per partitioned table, then what was (or would be) detached."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape

from ..api import PartitionsReport
from ..partitions import Partition
from . import new_table


def _partition_json(p: Partition) -> dict[str, Any]:
    return {"schema": p.schema, "name": p.name, "bounds": p.bounds, "ends": p.upper,
            "estimated_rows": p.estimated_rows, "detach_pending": p.detach_pending}


def partitions_json(report: PartitionsReport) -> dict[str, Any]:
    return {"database": report.database, "dry_run": report.dry_run,
            "tables": {t: [_partition_json(p) for p in ps] for t, ps in report.tables.items()},
            "detached": [{**_partition_json(d.partition), "references_unlinked": d.unlinked,
                          "finished_pending": d.finished_pending} for d in report.detached]}


def partitions_view(report: PartitionsReport) -> RenderableType:
    parts: list[RenderableType] = []
    for table, listed in report.tables.items():
        view = new_table(f"{table}: {len(listed)} partitions", [("partition", "id"), ("range", "text"),
                                                                  ("rows (estimate)", "num")])
        for p in listed:
            note = " (detach pending)" if p.detach_pending else ""
            view.add_row(escape(p.qualified), escape(p.bounds + note), str(max(p.estimated_rows, 0)))
        parts.append(view)
    verb = "would detach" if report.dry_run else "detached"
    for d in report.detached:
        unlinked = f", {d.unlinked} references set to NULL first" if d.unlinked else ""
        parts.append(escape(f"{verb} {d.partition.qualified} ({d.partition.bounds}){unlinked}"))
    return Group(*parts)
