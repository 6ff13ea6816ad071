"""`samia partitions`: list a partitioned layout's partitions, detach old ones for archival."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from .. import api
from ..errors import ConfigError
from ..reports.partitions import partitions_json, partitions_view
from . import options as opt
from .output import echo, handled, progress_line, show


def _month(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"--detach-before: expected a month as YYYY-MM, got {value!r}") from None


@handled
@opt.shared()
def partitions_command(
    common: opt.Common,
    detach_before: Annotated[str | None, typer.Option(
        "--detach-before", metavar="YYYY-MM",
        help="Detach every partition that ends at or before this month's start (UTC).")] = None,
    unlink: Annotated[bool, typer.Option(
        "--unlink", help="Set references into those partitions (replies) to NULL first; without it, a "
                         "referenced partition is refused.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be detached; change nothing.")] = False,
) -> None:
    """List the partitions (oldest first); --detach-before detaches old ones concurrently.
    Exit 0 done, 2 config, 4 database (nothing detached when refused)."""
    report = api.partitions(common.workspace(), common.db, detach_before=_month(detach_before), unlink=unlink,
                            dry_run=dry_run, progress=progress_line)
    if common.format == "json":
        echo(json.dumps(partitions_json(report), indent=2, default=str))
    else:
        show(partitions_view(report))
