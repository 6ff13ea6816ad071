"""CONCURRENTLY written in a unit: `supabase db push` runs each file in a transaction, where it fails."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.migration import MigrationContext, migration_rule
from samia_schema.linter.model import Finding


def check(ctx: MigrationContext) -> Iterator[Finding]:
    for item in ctx.items:
        a = item.analysis
        if (a.index and a.index.concurrently) or (a.drop_index and a.drop_index.concurrently):
            yield Finding(item.object, "CONCURRENTLY cannot run in the transaction `supabase db push` wraps each "
                          "migration file in; write the plain statement: samia apply runs it concurrently on "
                          "tables that exist")


RULE = migration_rule("concurrently_in_migration", "warn", "CONCURRENTLY in a migration file", check)
