"""A new column with a volatile default (or serial, identity, stored generated) rewrites the table."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("volatile_default", "error", "Column added with a volatile default (table rewrite)",
                     by_cause("volatile_default", lambda i: f"rewrites {i.table} under ACCESS EXCLUSIVE: add the "
                              "column without a default (or with a constant one), then backfill in batches"))
