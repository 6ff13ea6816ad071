"""`samia audit`: a true inventory of a pack's objects in a live database (counted, never assumed)."""

from __future__ import annotations

from samia_schema.inventory.core import AuditReport, BucketUsage, LedgerEntry, TableUsage, inventory

__all__ = ["AuditReport", "BucketUsage", "LedgerEntry", "TableUsage", "inventory"]
