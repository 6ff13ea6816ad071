"""`samia verify`: prove the access-control matrix on a real Postgres."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from ..cli import handled

    @app.command("verify")
    @handled
    def verify_command(
        config: Annotated[Path | None, typer.Option("--config", "-c", help="samia.toml.")] = None,
        db: Annotated[str | None, typer.Option(
            "--db", help="Verify this database (chat schema applied). Default: boot an embedded Postgres, "
                         "bootstrap, apply, verify.", show_default=False)] = None,
        matrix_path: Annotated[Path | None, typer.Option(
            "--matrix", "-m",
            help="Matrix spec (TOML). Default: [samia.matrix] in samia.toml, else the bundled one.")] = None,
        output: Annotated[str, typer.Option("--format", "-f", help="table | json | junit")] = "table",
        self_test: Annotated[bool, typer.Option(
            "--self-test", help="Also plant each known sabotage (rolled back); every one must be caught.")] = False,
        junit_out: Annotated[Path | None, typer.Option("--junit-file", help="Also write JUnit XML here.")] = None,
    ) -> None:
        """Impersonate every persona as PostgREST does and prove the declared matrix.

        Exit 0: every cell holds; 1: a mismatch (or an uncaught sabotage); 2: bad spec; 4: database error.
        """
        from ..errors import ConfigError
        from .verify_run import run_verify

        if output not in ("table", "json", "junit"):
            raise ConfigError(f"--format must be table, json or junit, got {output!r}")
        code = run_verify(config, db, matrix_path, output, self_test, junit_out)
        sys.stdout.flush()
        raise typer.Exit(code)
