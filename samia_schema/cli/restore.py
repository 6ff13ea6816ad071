"""`samia restore`: bring a database back to a consolidation backup (structure and rows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..consolidate.run import StorageOptions
from ..reports.consolidation import restore_json, restore_markdown
from . import options as opt
from .output import echo, handled


@handled
@opt.shared()
def restore_command(
    common: opt.Common,
    backup_dir: Annotated[Path, typer.Option(
        "--from", metavar="DIR", help="The backup directory (with manifest.json).")],
    shadow: opt.ShadowOption = None,
    storage_url: opt.StorageUrlOption = None,
    service_key: opt.ServiceKeyOption = None,
    skip_storage: Annotated[bool, typer.Option(
        "--skip-storage", help="Restore the database only, even when objects were moved.")] = False,
) -> None:
    """Restore the tables of a backup in one transaction; every checksum must equal the manifest's.
    Exit 0 restored, 2 config, 4 database (rolled back: nothing changed)."""
    ws = common.workspace()
    storage = StorageOptions(*opt.storage(ws, storage_url, service_key), skip=skip_storage)
    report = api.restore(ws, common.db, backup_dir=backup_dir, storage=storage, shadow=shadow)
    echo(json.dumps(restore_json(report), indent=2) if common.format == "json"
         else restore_markdown(report))
