"""`samia audit`: the forensic inventory of the pack's objects, counted from the live catalogs."""

from __future__ import annotations

import json

from .. import api
from ..reports.audit import audit_view
from . import options as opt
from .output import echo, handled, show


@handled
def audit_command(
    config: opt.ConfigOption = None,
    pack: opt.PackOption = None,
    db: opt.DbOption = None,
    fmt: opt.FormatOption = opt.TableOrJson.table,
    as_json: opt.JsonOption = False,
) -> None:
    """Inventory tables, rows, RLS, policies, indexes, functions, triggers, buckets, realtime, ledger."""
    report = api.audit(opt.workspace(config, pack), db)
    if opt.output_format(fmt, as_json) == "json":
        echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        show(audit_view(report))
