"""`samia audit`: the forensic inventory of the pack's objects, counted from the live catalogs."""

from __future__ import annotations

import json

from .. import api
from ..reports.audit import audit_view
from .options import ConfigOption, DbOption, FormatOption, JsonOption, PackOption, TableOrJson, output_format, workspace
from .output import echo, handled, show


@handled
def audit_command(
    config: ConfigOption = None,
    pack: PackOption = None,
    db: DbOption = None,
    fmt: FormatOption = TableOrJson.table,
    as_json: JsonOption = False,
) -> None:
    """Inventory tables, rows, RLS, policies, indexes, functions, triggers, buckets, realtime, ledger."""
    report = api.audit(workspace(config, pack), db)
    if output_format(fmt, as_json) == "json":
        echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        show(audit_view(report))
