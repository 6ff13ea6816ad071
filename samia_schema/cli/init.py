"""`samia init`: scaffold a project of your own (config, Supabase folder, optionally the templates)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from . import options as opt
from .output import echo, handled, show


@handled
def init_command(
    directory: Annotated[Path, typer.Argument(help="Project directory (created if missing).")] = Path("."),
    pack: Annotated[str, typer.Option("--pack", metavar="PACK", help="Content pack to start from.")] = "chat",
    eject: Annotated[bool, typer.Option(
        "--eject", help="Copy the pack's templates into templates/ to edit them; they override the pack's.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite an existing samia.toml and ejected templates.")] = False,
    fmt: opt.FormatOption = opt.TableOrJson.table,
    as_json: opt.JsonOption = False,
) -> None:
    """Create samia.toml, supabase/config.toml and supabase/migrations/ (and templates/ with --eject)."""
    result = api.init(directory, pack=pack, eject=eject, force=force)
    if opt.output_format(fmt, as_json) == "json":
        echo(json.dumps({"directory": str(result.directory), "written": [str(p) for p in result.written],
                         "kept": [str(p) for p in result.kept]}, indent=2))
        return
    for path in result.written:
        show(f"wrote {path}")
    for path in result.kept:
        show(f"kept {path} (already there)")
    show(f"next: cd {result.directory} && samia plan --db URL")
