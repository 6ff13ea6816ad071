"""`samia apply`: bootstrap and apply pending units atomically, recording the ledger."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import api
from ..reports.ledger import apply_json, apply_view
from . import options as opt
from .output import echo, handled, progress_line, show


@handled
@opt.shared()
def apply_command(
    common: opt.Common,
    embedded: Annotated[bool, typer.Option(
        "--embedded", help="Apply to a throwaway embedded Postgres instead of --db (no server needed).")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Run everything, the bootstrap included, then roll back.")] = False,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive",
        help="Apply units that drop tables, columns or data (refused otherwise, exit 3).")] = False,
    bootstrap: Annotated[bool, typer.Option(
        "--bootstrap/--no-bootstrap", help="Create the Supabase parts missing on plain Postgres first.")] = True,
    online: Annotated[bool, typer.Option(
        "--online/--one-transaction",
        help="Build indexes concurrently and validate new constraints after the transaction, on tables that "
             "exist (default); --one-transaction runs every statement as written in one transaction.")] = True,
) -> None:
    """Apply pending units: one transaction, then the online steps. Exit 2 config, 3 destructive refused,
    4 database, 5 drift."""
    report = api.apply(common.workspace(), common.db, embedded=embedded, dry_run=dry_run,
                       allow_destructive=allow_destructive, bootstrap=bootstrap, online=online,
                       progress=progress_line)
    if common.format == "json":
        echo(json.dumps(apply_json(report), indent=2))
    else:
        show(apply_view(report))
