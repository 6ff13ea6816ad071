"""`samia diff`: how a live database differs from the templates (or from another database).

No `from __future__ import annotations` here: Typer evaluates the command signature.
"""

import atexit
import gc
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from samia_schema.diff import Change
    from samia_schema.reconcile import Statement

_KIND_TITLES = {
    "added": ("added", "present live only (leftovers)", "yellow"),
    "removed": ("removed", "defined but missing live", "red"),
    "changed": ("changed", "present on both sides, different", "magenta"),
}
_EXPRESSION_FIELDS = ("using", "with_check", "roles", "command", "permissive", "definition", "source",
                      "execute_roles", "search_path", "public", "file_size_limit", "allowed_mime_types")


def compute(db: str, against: str | None, shadow: str | None, schemas: tuple[str, ...],
            tables: tuple[str, ...], config: Path | None) -> "tuple[Change, ...]":
    """The changes `samia diff` reports."""
    from samia_schema.config import load_settings
    from samia_schema.desired import diff_databases, diff_templates

    if against:
        settings = None if schemas else load_settings(config)  # only for the default schemas
        return diff_databases(db, against, schemas or None, tables or None, settings)
    return diff_templates(db, load_settings(config), shadow, schemas or None, tables or None)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(value)) or "(none)"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _print_report(console: "Console", changes: "tuple[Change, ...]", desired_label: str) -> None:
    from rich.table import Table

    if not changes:
        console.print(f"[green]no differences[/green] between the live database and {desired_label}")
        return
    for kind, (title, meaning, colour) in _KIND_TITLES.items():
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        console.print(f"\n[bold {colour}]{title}[/bold {colour}] ({len(group)}) — {meaning}")
        for change in group:
            detail = f"  [dim]{', '.join(change.details)}[/dim]" if change.details else ""
            console.print(f"  {change.object_type:<17} {change.name}{detail}", highlight=False)
            shown = [d for d in change.details if d in _EXPRESSION_FIELDS]
            if kind == "changed" and shown:
                table = Table(show_header=True, header_style="bold", expand=True, padding=(0, 1))
                table.add_column("field", no_wrap=True)
                table.add_column(f"desired ({desired_label})", overflow="fold")
                table.add_column("live", overflow="fold")
                for name in shown:
                    before, after = getattr(change.before, name), getattr(change.after, name)
                    table.add_row(name, _show(before), _show(after))
                console.print(table)
    counts = {k: sum(1 for c in changes if c.kind == k) for k in _KIND_TITLES}
    console.print(f"\n{len(changes)} difference(s): " + ", ".join(f"{n} {k}" for k, n in counts.items()))


def register(app: typer.Typer) -> None:
    """Attach `samia diff` to the app."""
    from samia_schema.cli import ConfigOption, DbOption, JsonOption, handled, out, resolve_dsn

    @app.command("diff")
    @handled
    def diff_command(
        db: DbOption = None,
        against: Annotated[str | None, typer.Option(
            "--against", help="Compare with this database instead of the templates.",
            show_default=False)] = None,
        shadow: Annotated[str | None, typer.Option(
            "--shadow", help="Server URL for a scratch shadow database (default: embedded Postgres).",
            show_default=False)] = None,
        schema: Annotated[list[str] | None, typer.Option(
            "--schema", help="Only this schema (repeatable).", show_default=False)] = None,
        table: Annotated[list[str] | None, typer.Option(
            "--table", help="Only this table, `schema.table` or `table` (repeatable).",
            show_default=False)] = None,
        as_json: JsonOption = False,
        as_sql: Annotated[bool, typer.Option("--sql", help="Print the reconcile SQL.")] = False,
        config: ConfigOption = None,
    ) -> None:
        """Compare a live database with the templates (or with another database): exit 1 on differences."""
        from samia_schema.errors import ConfigError

        dsn = resolve_dsn(db)
        assert dsn is not None
        if against and shadow:
            raise ConfigError("--against and --shadow exclude each other (--shadow builds the templates)")
        changes = compute(dsn, against, shadow, tuple(schema or ()), tuple(table or ()), config)
        statements: tuple[Statement, ...] = ()
        if as_sql:
            from samia_schema.reconcile import reconcile_sql

            statements = reconcile_sql(changes)
        if as_json:
            from samia_schema.diff import change_to_dict, summarize

            payload: dict[str, Any] = {
                "differences": len(changes),
                "summary": summarize(changes),
                "against": "database" if against else "templates",
                "changes": [change_to_dict(c) for c in changes],
            }
            if as_sql:
                payload["sql"] = [{"sql": s.sql, "destructive": s.destructive} for s in statements]
            typer.echo(json.dumps(payload, indent=2))
        elif as_sql:
            from samia_schema.reconcile import reconcile_script

            if statements:
                typer.echo(reconcile_script(statements), nl=False)
            else:
                typer.echo("-- no differences")
        else:
            _print_report(out, changes, "the other database" if against else "the templates")
        # At interpreter exit, skip the collector's full pass over every imported module's objects
        # (about 40 ms of a ~0.6 s run); atexit keeps an in-process caller (tests) unaffected until then.
        atexit.register(gc.freeze)
        if changes:
            raise typer.Exit(1)
