"""`samia audit`: the forensic inventory of the chat system, counted from the live catalogs.

No `from __future__ import annotations` here: Typer evaluates the command signature.
"""

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach `samia audit` to the app."""
    from samia_schema.cli import handled, out, resolve_dsn

    @app.command("audit")
    @handled
    def audit_command(
        db: Annotated[
            str | None,
            typer.Option(
                "--db", help="Database URL; else $SAMIA_DB_URL / $DATABASE_URL.", show_default=False
            ),
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="samia.toml (schema names).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    ) -> None:
        """Inventory tables, rows, RLS, policies, indexes, functions, triggers, buckets, realtime, ledger."""
        from samia_schema.audit import audit, render_report
        from samia_schema.config import load_settings
        from samia_schema.db import connect, redact_dsn

        settings = load_settings(config)
        dsn = resolve_dsn(db)
        assert dsn is not None
        with connect(dsn, autocommit=True) as conn:
            report = audit(conn, settings, redact_dsn(dsn))
        if as_json:
            print(json.dumps(report.to_json(), indent=2, default=str))
        else:
            out.print(f"samia audit: {report.database}", highlight=False)
            out.print(render_report(report))
