"""`samia lint`: security and performance rules over a live database or the rendered templates."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import api
from ..linter import RULES
from ..linter.migration import MIGRATION_RULES
from ..linter.report import as_json, as_sarif, as_table, rules_json, rules_view, summary_line
from . import options as opt
from .output import echo, handled, show


@handled
@opt.shared(formats=opt.LintFormat)
def lint_command(
    common: opt.Common,
    templates: Annotated[bool, typer.Option(
        "--templates", help="Lint the rendered templates, applied to a throwaway embedded Postgres.")] = False,
    migrations: Annotated[bool, typer.Option(
        "--migrations", help="Migration-safety rules over the rendered units (with --db: its tables decide "
                             "which exist).")] = False,
    fail_level: Annotated[opt.FailLevel | None, typer.Option(
        "--fail-level", help="Exit 1 when a finding at or above this level remains (default: samia.lint.fail_level, "
                             "else error).", show_default=False)] = None,
    list_rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
) -> None:
    """Lint RLS, policies, functions, indexes and buckets. Exit 1 on findings at the fail level."""
    chosen = common.format
    rules = MIGRATION_RULES if migrations else RULES
    if list_rules:
        show(rules_view(rules)) if chosen == "table" else echo(json.dumps(rules_json(rules), indent=2))
        return
    report = api.lint(common.workspace(), common.db, templates=templates, migrations=migrations,
                      fail_level=fail_level.value if fail_level else None)
    if chosen == "json":
        echo(json.dumps(as_json(report.violations, report.failing, report.fail_level, report.target), indent=2))
    elif chosen == "sarif":
        echo(json.dumps(as_sarif(report.violations, rules, report.target), indent=2))
    else:
        if report.violations:
            show(as_table(report.violations, f"samia lint: {report.target}"))
        show(summary_line(report.violations, report.failing, report.fail_level))
    raise typer.Exit(1 if report.failing else 0)
