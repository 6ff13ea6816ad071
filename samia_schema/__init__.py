"""samia-schema: Supabase-native schema, migration and RLS policy toolkit.

The library API (the `samia` CLI calls only this)::

    ws = load_workspace()                   # samia.toml: pack, settings, lint config, matrix, templates
    render(ws).plan                         # the rendered units
    plan(ws, dsn).pending                   # what apply would run; live drift
    apply(ws, dsn)                          # bootstrap + units in one transaction, ledger recorded
    verify(ws).passed                       # the matrix on an embedded Postgres (or verify(ws, dsn))
    diff(ws, dsn).changes                   # live vs the templates (or against=another DSN)
    lint(ws, dsn).failing                   # security and performance rules
    audit(ws, dsn).counts                   # the inventory
    init(Path("my-project"), eject=True)    # scaffold a project of your own

Heavier parts load on first use, so that `samia --help` starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

_LAZY = {
    "Workspace": "samia_schema.workspace", "load_workspace": "samia_schema.workspace",
    "render": "samia_schema.api", "plan": "samia_schema.api", "apply": "samia_schema.api",
    "verify": "samia_schema.api", "diff": "samia_schema.api", "lint": "samia_schema.api",
    "audit": "samia_schema.api", "init": "samia_schema.api",
    "Pack": "samia_schema.packs", "load_pack": "samia_schema.packs",
    "Plan": "samia_schema.units", "Unit": "samia_schema.units", "Settings": "samia_schema.config",
    "SamiaError": "samia_schema.errors", "ConfigError": "samia_schema.errors", "TemplateError": "samia_schema.errors",
    "SpecError": "samia_schema.errors", "DatabaseError": "samia_schema.errors",
    "LedgerDriftError": "samia_schema.errors", "DestructiveChangeRefused": "samia_schema.errors",
    "connect": "samia_schema.db", "impersonate": "samia_schema.db", "redact_dsn": "samia_schema.db",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'samia_schema' has no attribute {name!r}")


__all__ = ["__version__", *sorted(_LAZY)]
