"""Changing a column's type rewrites (or scans) the table and its indexes under ACCESS EXCLUSIVE."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("column_type_change", "error", "Column type changed on an existing table",
                     by_cause("type_change", lambda i: f"changes a column type of {i.table}: reads and writes wait"
                              " for the rewrite; add a new column, backfill, switch, drop the old one"))
