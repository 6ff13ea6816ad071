"""`samia lint`: security and performance rules over a live database or the rendered templates.

No `from __future__ import annotations` here: Typer evaluates the command signature.
Exit codes: 0 nothing at or above the fail level, 1 findings, 2 config, 4 database.
"""

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


class Level(StrEnum):
    error = "error"
    warn = "warn"
    info = "info"


def register(app: typer.Typer) -> None:
    """Attach `samia lint` to the app."""
    from samia_schema.cli import handled, out, resolve_dsn

    @app.command("lint")
    @handled
    def lint_command(
        db: Annotated[
            str | None,
            typer.Option(
                "--db", help="Database URL; else $SAMIA_DB_URL / $DATABASE_URL.", show_default=False
            ),
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="samia.toml with [samia.lint].")
        ] = None,
        fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
        fail_level: Annotated[
            Level | None,
            typer.Option(
                "--fail-level",
                help="Exit 1 when a finding at or above this level remains (default: config, else error).",
                show_default=False,
            ),
        ] = None,
        templates: Annotated[
            bool,
            typer.Option(
                "--templates", help="Lint the rendered templates applied to a throwaway embedded Postgres."
            ),
        ] = False,
        list_rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
    ) -> None:
        """Lint RLS, policies, functions, indexes and buckets. Exit 1 on findings at the fail level."""
        from samia_schema.config import load_settings
        from samia_schema.db import connect, redact_dsn
        from samia_schema.lint import RULES, failing, lint_database, lint_templates, load_lint_config
        from samia_schema.lint.report import as_json, as_sarif, as_table, summary_line

        if list_rules:
            if fmt is Format.table:
                for rule in RULES:
                    out.print(
                        f"{rule.id:40} {rule.level:6} {rule.category:12} {rule.title}",
                        highlight=False,
                        soft_wrap=True,
                    )
            else:
                print(
                    json.dumps(
                        [
                            {"id": r.id, "level": r.level, "category": r.category, "title": r.title}
                            for r in RULES
                        ],
                        indent=2,
                    )
                )
            return
        lint_config = load_lint_config(config)
        settings = load_settings(config)
        level = fail_level.value if fail_level else lint_config.fail_level
        if templates:
            target = "rendered templates (embedded PostgreSQL)"
            violations = lint_templates(settings, lint_config)
        else:
            dsn = resolve_dsn(db)
            assert dsn is not None
            target = redact_dsn(dsn)
            with connect(dsn, autocommit=True) as conn:
                violations = lint_database(conn, lint_config, settings)
        failed = failing(violations, level)
        if fmt is Format.json:
            print(json.dumps(as_json(violations, failed, level, target), indent=2))
        elif fmt is Format.sarif:
            print(json.dumps(as_sarif(violations, RULES, target), indent=2))
        else:
            if violations:
                out.print(as_table(violations, f"samia lint: {target}"))
            out.print(summary_line(violations, failed, level), highlight=False)
        raise typer.Exit(1 if failed else 0)
