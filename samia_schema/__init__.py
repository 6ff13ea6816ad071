"""samia-schema: Supabase-native schema, migration and RLS policy toolkit.

The library API (the CLI is a thin layer over it)::

    settings = load_settings()                      # samia.toml, env, defaults
    plan = render(settings)                         # Plan of Units (name, sql, checksum)
    apply(conn, plan, settings)                     # one transaction, advisory lock, ledger
    report = verify(conn, load_matrix(), settings)  # prove the access matrix
    changes = live_drift(conn, settings); reconcile_sql(changes)
    violations = lint_database(conn, settings=settings)
    # from samia_schema.diff import diff; from samia_schema.audit import audit
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .config import AppRoles, Settings, load_settings, mime_accepts
from .errors import (
    ConfigError,
    DatabaseError,
    LedgerDriftError,
    SamiaError,
    SpecError,
    TemplateError,
)
from .plan import Plan, Unit
from .project import Project
from .render import render

__version__ = "0.1.0"

# heavier parts load on first use, so that `samia --help` and `samia render` start fast
_LAZY = {
    "apply": "samia_schema.apply", "bootstrap": "samia_schema.apply", "plan_status": "samia_schema.apply",
    "connect": "samia_schema.db", "impersonate": "samia_schema.db", "redact_dsn": "samia_schema.db",
    "embedded_postgres": "samia_schema.engines",
    "load_matrix": "samia_schema.access.matrix", "parse_matrix": "samia_schema.access.matrix",
    "verify": "samia_schema.access.verify", "self_test": "samia_schema.access.verify",
    "snapshot": "samia_schema.catalog", "reconcile_sql": "samia_schema.reconcile",
    "live_drift": "samia_schema.desired", "lint_database": "samia_schema.lint",
}
# diff, lint and audit share their module's name: `from samia_schema.diff import diff`, etc.


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'samia_schema' has no attribute {name!r}")


__all__ = [
    "AppRoles", "ConfigError", "DatabaseError", "LedgerDriftError", "Plan", "Project", "SamiaError",
    "Settings", "SpecError", "TemplateError", "Unit", "__version__", "load_settings", "mime_accepts",
    "render", *sorted(_LAZY),
]
