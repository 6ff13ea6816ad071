"""`samia audit`: the forensic inventory of the pack's objects, counted from the live catalogs."""

from __future__ import annotations

import json

from .. import api
from ..reports.audit import audit_view
from . import options as opt
from .output import echo, handled, show


@handled
@opt.shared()
def audit_command(
    common: opt.Common,
) -> None:
    """Inventory tables, rows, RLS, policies, indexes, functions, triggers, buckets, realtime, ledger."""
    report = api.audit(common.workspace(), common.db)
    if common.format == "json":
        echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        show(audit_view(report))
