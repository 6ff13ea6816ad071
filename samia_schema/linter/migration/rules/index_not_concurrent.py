"""An index build on an existing table that apply cannot run concurrently: writes wait for the build."""

from __future__ import annotations

from samia_schema.linter.migration import by_cause, migration_rule

RULE = migration_rule("index_not_concurrent", "error", "Index built inside the transaction on an existing table",
                     by_cause("index_build", lambda i: f"builds an index on {i.table} while writes wait"
                              f" ({i.placed.note.removeprefix('not built concurrently: ') or 'in the transaction'})"))
