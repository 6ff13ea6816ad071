"""The Typer application: one module per command, each a thin function over the library API."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from .apply import apply_command
from .audit import audit_command
from .consolidate import consolidate_command
from .diff import diff_command
from .init import init_command
from .lint import lint_command
from .partitions import partitions_command
from .plan import plan_command
from .render import render_command
from .restore import restore_command
from .verify import verify_command

app = typer.Typer(
    name="samia",
    help="Supabase-native schema, migration and RLS policy toolkit (bundled pack: SAMIA TAROT chat & audio).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text is plain: [tool.samia] and other brackets stay as written
)
for name, command in (("init", init_command), ("render", render_command), ("plan", plan_command),
                      ("apply", apply_command), ("verify", verify_command), ("diff", diff_command),
                      ("lint", lint_command), ("audit", audit_command), ("consolidate", consolidate_command),
                      ("restore", restore_command), ("partitions", partitions_command)):
    app.command(name)(command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"samia {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Supabase-native schema, migration and RLS policy toolkit."""
