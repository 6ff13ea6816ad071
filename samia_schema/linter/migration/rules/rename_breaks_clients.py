"""Renaming a table or column breaks every client that still uses the old name."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("rename_breaks_clients", "warn", "Table or column renamed",
                     by_cause("rename", lambda i: f"renames on {i.table}: clients (PostgREST, the app) that use the "
                              "old name fail; add the new name alongside (a view or a new column) first"))
