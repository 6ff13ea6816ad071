"""`samia plan`: what apply would run, and live objects that drifted from the templates."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import api
from ..reports.ledger import plan_json, plan_view
from . import options as opt
from .output import echo, handled, show


@handled
@opt.shared()
def plan_command(
    common: opt.Common,
    drift: Annotated[bool, typer.Option(
        "--drift/--no-drift",
        help="Also diff applied objects against the templates (builds a shadow database).")] = True,
    shadow: opt.ShadowOption = None,
) -> None:
    """Show what apply would run. Exit 0: nothing to do; 1: pending units or live drift."""
    report = api.plan(common.workspace(), common.db, drift=drift, shadow=shadow)
    if common.format == "json":
        echo(json.dumps(plan_json(report), indent=2, default=str))
    else:
        show(plan_view(report))
    raise typer.Exit(0 if report.clean else 1)
