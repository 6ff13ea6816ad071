"""`samia render`: render the templates; no database needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..reports.ledger import render_json
from . import options as opt
from .output import echo, handled, show


@handled
@opt.shared(db=False)
def render_command(
    common: opt.Common,
    out_dir: Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Write one .sql file per unit here.",
                                                 show_default=False)] = None,
    supabase: Annotated[bool, typer.Option(
        "--supabase", help="Write supabase/migrations/<timestamp>_samia_<unit>.sql for every changed unit "
                           "(and rewrite its older files to the same rendering).")] = False,
) -> None:
    """Render the templates (no database needed). Prints the SQL unless --out, --supabase or --json."""
    result = api.render(common.workspace(), out_dir=out_dir, supabase=supabase)
    if common.format == "json":
        echo(json.dumps(render_json(result), indent=2))
    elif out_dir is None and not supabase:
        typer.echo(result.plan.sql, nl=False)
    else:
        rewritten = set(result.migrations.rewritten if result.migrations else ())
        for path in result.written:
            show(f"rewrote {path} (an older file of the unit: now its latest rendering)" if path in rewritten
                 else f"wrote {path}")
        if supabase and not result.migrations_written:
            show("supabase migrations are up to date")
