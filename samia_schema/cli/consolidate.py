"""`samia consolidate`: back up, detect, archive and migrate a legacy database, then prove it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import api
from ..consolidate.run import StorageOptions
from ..reports.consolidation import report_json, report_markdown
from . import options as opt
from .output import console, echo, handled


@handled
@opt.shared()
def consolidate_command(
    common: opt.Common,
    backup_dir: Annotated[Path | None, typer.Option(
        "--backup", metavar="DIR", help="Where the backup goes (a new or empty directory); required unless --dry-run.",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run the database part and roll it back: what would be migrated, archived, disabled.",
    )] = False,
    storage_url: opt.StorageUrlOption = None,
    service_key: opt.ServiceKeyOption = None,
    skip_storage: Annotated[bool, typer.Option(
        "--skip-storage", help="Run the database part only; objects stay pending until a run with the Storage API.",
    )] = False,
    no_prove: Annotated[bool, typer.Option(
        "--no-verify", help="Skip samia verify and the owned diff at the end.")] = False,
) -> None:
    """Consolidate a legacy database into the templates. Exit 0 proven, 1 not proven (verify, diff or a row
    unaccounted for), 2 config, 3 refused (unknown state, nothing changed), 4 database."""
    ws = common.workspace()
    storage = StorageOptions(*opt.storage(ws, storage_url, service_key), skip=skip_storage)
    chosen = common.format
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True, disable=chosen != "table") as bar:
        task = bar.add_task("consolidate", total=None)

        def progress(step: str, done: int, total: int | None) -> None:
            bar.update(task, description=step, completed=done, total=total)

        report = api.consolidate(ws, common.db, backup_dir=backup_dir, dry_run=dry_run, storage=storage,
                                 prove=not no_prove, progress=progress)
    text, payload = report_markdown(report), report_json(report)
    if backup_dir is not None and backup_dir.is_dir():
        (backup_dir / "report.md").write_text(text, encoding="utf-8")
        (backup_dir / "report.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    echo(json.dumps(payload, indent=2) if chosen == "json" else text)
    ok = report.dry_run or no_prove or report.proven
    raise typer.Exit(0 if ok and report.balanced else 1)
