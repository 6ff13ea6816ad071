"""ADD UNIQUE / PRIMARY KEY / EXCLUDE builds its index under ACCESS EXCLUSIVE."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("unique_constraint_builds_index", "error", "Unique constraint building its index under lock",
                     by_cause("unique_build", lambda i: f"builds a unique index on {i.table} while reads and writes"
                              " wait: create the unique index (apply builds it concurrently) in one apply, then"
                              " ADD CONSTRAINT … USING INDEX"))
