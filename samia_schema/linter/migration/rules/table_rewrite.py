"""A statement that rewrites the whole table (SET LOGGED/UNLOGGED, SET TABLESPACE, VACUUM FULL, CLUSTER)."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("table_rewrite", "error", "Table rewritten under ACCESS EXCLUSIVE",
                     by_cause("rewrite", lambda i: f"rewrites {i.table} while reads and writes wait"))
