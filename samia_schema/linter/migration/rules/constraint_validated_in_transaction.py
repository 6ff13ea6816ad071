"""A CHECK or foreign key added valid inside the transaction: the full scan runs under its lock."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.migration import MigrationContext, migration_rule
from samia_schema.linter.model import Finding


def check(ctx: MigrationContext) -> Iterator[Finding]:
    for item in ctx.items:
        causes = item.causes() & {"check_scan", "fk_scan"}
        if causes:
            why = item.placed.note or "name it, one constraint per ALTER TABLE, and apply adds it NOT VALID"
            yield Finding(item.object, f"validates a new {'foreign key' if 'fk_scan' in causes else 'CHECK'} on "
                          f"{item.table} inside the transaction ({why})")


RULE = migration_rule("constraint_validated_in_transaction", "error",
                     "Constraint validated inside the transaction on an existing table", check)
