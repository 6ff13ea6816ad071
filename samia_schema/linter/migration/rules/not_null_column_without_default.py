"""A NOT NULL column without a default cannot be added to a table that has rows."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("not_null_column_without_default", "error", "NOT NULL column added without a default",
                     by_cause("not_null_no_default", lambda i: f"fails on {i.table} as soon as it has a row: add "
                              "it nullable (or with a constant default), backfill, then add the NOT NULL"))
