"""An index drop apply cannot run concurrently (several names, CASCADE): reads and writes wait until commit."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("index_drop_not_concurrent", "warn", "Index dropped inside the transaction",
                     by_cause("index_drop_locked", lambda i: f"drops an index of {i.table} under ACCESS EXCLUSIVE"
                              " until the transaction commits (one name, no CASCADE: apply drops it concurrently)"))
