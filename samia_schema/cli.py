"""The `samia` command: a thin Typer layer over the library. Errors map to exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .apply import ApplyResult, UnitStatus, apply, bootstrap, plan_status, summary
from .commands import register_all
from .config import load_settings
from .db import connect, redact_dsn
from .engines import embedded_postgres
from .errors import ConfigError, SamiaError
from .migrations import write_supabase_migrations
from .render import render

app = typer.Typer(
    name="samia",
    help="Supabase-native schema, migration and RLS policy toolkit (SAMIA TAROT chat & audio).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="samia.toml (default: ./samia.toml or [tool.samia]).")
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL; else $SAMIA_DB_URL, else $DATABASE_URL.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def handled(func: F) -> F:
    """Run a command; a SamiaError becomes one line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SamiaError as exc:
            err.print(f"[red]samia: error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("samia: interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def resolve_dsn(db: str | None, *, required: bool = True) -> str | None:
    """--db, then $SAMIA_DB_URL, then $DATABASE_URL."""
    dsn = db or os.environ.get("SAMIA_DB_URL") or os.environ.get("DATABASE_URL")
    if required and not dsn:
        raise ConfigError("no database: pass --db URL or set SAMIA_DB_URL / DATABASE_URL")
    return dsn


def _status_table(statuses: tuple[UnitStatus, ...], title: str) -> Table:
    table = Table(title=title)
    for column in ("unit", "version", "status", "checksum", "destructive"):
        table.add_column(column)
    colors = {"new": "yellow", "changed": "yellow", "applied": "green", "drift": "red"}
    for s in statuses:
        table.add_row(s.name, s.version, f"[{colors[s.status]}]{s.status}[/]", s.checksum[:12],
                      "yes" if s.destructive else "")
    return table


def _status_json(s: UnitStatus) -> dict[str, Any]:
    return {"unit": s.name, "version": s.version, "status": s.status, "checksum": s.checksum,
            "recorded_checksum": s.recorded_checksum, "destructive": s.destructive}


@app.command("render")
@handled
def render_command(
    config: ConfigOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write one .sql file per unit here.")] = None,
    supabase: Annotated[
        bool, typer.Option("--supabase", help="Write supabase/migrations/<timestamp>_<name>.sql for changed units.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Render the templates. No database needed. Prints the SQL unless --out/--supabase/--json."""
    settings = load_settings(config)
    plan = render(settings)
    written: list[str] = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for unit in plan.units:
            (out_dir / f"{unit.name}.sql").write_text(unit.sql, encoding="utf-8")
            written.append(str(out_dir / f"{unit.name}.sql"))
    if supabase:
        written += [str(p) for p in write_supabase_migrations(plan, settings.migrations_dir)]
    if as_json:
        print(json.dumps({"units": [{"name": u.name, "checksum": u.checksum, "bytes": len(u.sql.encode())}
                                    for u in plan.units], "written": written}, indent=2))
    elif out_dir is None and not supabase:
        sys.stdout.write(plan.sql)
    else:
        for path in written:
            out.print(f"wrote {path}")
        if supabase and not any("migrations" in p for p in written):
            out.print("supabase migrations are up to date")


@app.command("plan")
@handled
def plan_command(
    config: ConfigOption = None,
    db: DbOption = None,
    drift: Annotated[bool, typer.Option(
        "--drift/--no-drift", help="Also diff applied objects against the templates (a shadow database).")] = True,
    shadow: Annotated[str | None, typer.Option(
        "--shadow", help="Server for the shadow database (default: embedded).", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Show what apply would run, and live objects that drifted since. Exit 0: nothing; 1: pending or drift."""
    from .desired import live_drift
    from .diff import change_to_dict

    settings = load_settings(config)
    dsn = resolve_dsn(db)
    assert dsn is not None
    plan = render(settings)
    with connect(dsn, autocommit=True) as conn:
        statuses = plan_status(conn, plan, settings.migrations_dir)
        applied_before = any(s.status != "new" for s in statuses)
        changes = live_drift(conn, settings, shadow) if drift and applied_before else ()
    pending = [s for s in statuses if s.pending or s.status == "drift"]
    if as_json:
        print(json.dumps({"database": redact_dsn(dsn), "units": [_status_json(s) for s in statuses],
                          "pending": [s.name for s in pending],
                          "live_drift": [change_to_dict(c) for c in changes]}, indent=2, default=str))
    else:
        out.print(_status_table(statuses, f"plan for {redact_dsn(dsn)}"))
        out.print(f"{len(pending)} unit(s) pending" if pending else "nothing to apply")
        if changes:
            table = Table(title="live objects that drifted from the templates (fix with: samia diff --sql)")
            for column in ("change", "object", "name", "details"):
                table.add_column(column)
            for c in changes:
                table.add_row(c.kind, c.object_type, c.name, "; ".join(c.details)[:100])
            out.print(table)
        elif drift and applied_before:
            out.print("no live drift from the templates")
    raise typer.Exit(1 if pending or changes else 0)


def _print_apply(result: ApplyResult, counts: dict[str, int] | None, target: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"database": target, "dry_run": result.dry_run, "applied": list(result.applied),
                          "seconds": round(result.seconds, 3),
                          "units": [_status_json(s) for s in result.statuses], "summary": counts}, indent=2))
        return
    verb = "would apply" if result.dry_run else "applied"
    if result.applied:
        out.print(f"{verb} {len(result.applied)} unit(s) to {target} in {result.seconds:.2f}s: "
                  + ", ".join(result.applied))
    else:
        out.print(f"nothing to apply on {target}")
    if counts:
        table = Table(title="created (counted from the catalogs)")
        table.add_column("object")
        table.add_column("count", justify="right")
        for key, value in counts.items():
            table.add_row(key.replace("_", " "), str(value))
        out.print(table)


@app.command("apply")
@handled
def apply_command(
    config: ConfigOption = None,
    db: DbOption = None,
    embedded: Annotated[
        bool, typer.Option("--embedded", help="Apply to a throwaway embedded Postgres (no server needed).")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Run everything, then roll back.")] = False,
    allow_destructive: Annotated[bool, typer.Option("--allow-destructive")] = False,
    run_bootstrap: Annotated[
        bool, typer.Option("--bootstrap/--no-bootstrap", help="Create missing Supabase parts first.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Apply pending units atomically and record the ledger. Exit 4 database, 5 ledger drift."""
    settings = load_settings(config)
    plan = render(settings)
    if embedded:
        with embedded_postgres() as pg, connect(pg.dsn, autocommit=True) as conn:
            bootstrap(conn)
            result = apply(conn, plan, settings, migrations_dir=settings.migrations_dir, dry_run=dry_run,
                           allow_destructive=allow_destructive)
            _print_apply(result, summary(conn, settings), f"embedded PostgreSQL {pg.version}", as_json)
        return
    dsn = resolve_dsn(db)
    assert dsn is not None
    with connect(dsn, autocommit=True) as conn:
        if run_bootstrap and not dry_run:
            bootstrap(conn)
        result = apply(conn, plan, settings, migrations_dir=settings.migrations_dir, dry_run=dry_run,
                       allow_destructive=allow_destructive)
        counts = None if dry_run else summary(conn, settings)
    _print_apply(result, counts, redact_dsn(dsn), as_json)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"samia {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Supabase-native schema, migration and RLS policy toolkit."""


register_all(app)


def main() -> None:
    app()
