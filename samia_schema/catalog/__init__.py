"""Catalog snapshot and comparison: frozen objects, diff by kind descriptor, reconcile SQL."""

from __future__ import annotations

from samia_schema.catalog.changes import Change, Scope, Statement, change_to_dict, summarize
from samia_schema.catalog.compare import diff, reconcile_script, reconcile_sql
from samia_schema.catalog.model import (
    Bucket,
    Catalog,
    Column,
    Constraint,
    Function,
    Grant,
    Index,
    Policy,
    PublicationTable,
    Table,
    Trigger,
)
from samia_schema.catalog.snapshot import snapshot

__all__ = [
    "Bucket", "Catalog", "Change", "Column", "Constraint", "Function", "Grant", "Index", "Policy",
    "PublicationTable", "Scope", "Statement", "Table", "Trigger", "change_to_dict", "diff",
    "reconcile_script", "reconcile_sql", "snapshot", "summarize",
]
