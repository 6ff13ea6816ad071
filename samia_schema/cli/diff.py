"""`samia diff`: how a live database differs from the templates (or from another database)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import api
from ..reports.diff import diff_json, diff_sql, diff_view
from . import options as opt
from .output import echo, handled, show


@handled
@opt.shared()
def diff_command(
    common: opt.Common,
    against: Annotated[str | None, typer.Option(
        "--against", metavar="URL", help="Compare with this database instead of the templates.",
        show_default=False)] = None,
    shadow: opt.ShadowOption = None,
    schema: Annotated[list[str] | None, typer.Option(
        "--schema", metavar="SCHEMA", help="Only this schema (repeatable).", show_default=False)] = None,
    table: Annotated[list[str] | None, typer.Option(
        "--table", metavar="TABLE", help="Only this table, schema.table or table (repeatable).",
        show_default=False)] = None,
    as_sql: Annotated[bool, typer.Option("--sql", help="Print the reconcile SQL instead of the report.")] = False,
    all_objects: Annotated[bool, typer.Option(
        "--all", help="Compare every object of the schemas, not only those the templates own.")] = False,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive",
        help="Let reconcile SQL drop tables, columns, functions or buckets the templates do not own.")] = False,
) -> None:
    """Compare a live database with the templates or another database. Exit 0 same, 1 differs."""
    report = api.diff(common.workspace(), common.db, against=against, shadow=shadow, schemas=tuple(schema or ()),
                      tables=tuple(table or ()), sql=as_sql, all_objects=all_objects,
                      allow_destructive=allow_destructive)
    if common.format == "json":
        echo(json.dumps(diff_json(report), indent=2))
    elif as_sql:
        typer.echo(diff_sql(report), nl=False)
    else:
        show(diff_view(report))
    raise typer.Exit(1 if report.changes else 0)
