"""Catalog snapshot: read tables, policies, indexes, functions, ... into frozen objects."""

from __future__ import annotations

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
from samia_schema.catalog.snapshot import default_schemas, snapshot

__all__ = [
    "Bucket",
    "Catalog",
    "Column",
    "Constraint",
    "Function",
    "Grant",
    "Index",
    "Policy",
    "PublicationTable",
    "Table",
    "Trigger",
    "default_schemas",
    "snapshot",
]
