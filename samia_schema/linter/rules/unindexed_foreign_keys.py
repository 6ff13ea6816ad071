"""A foreign key without an index that serves its lookups (deletes and updates on the parent scan).

Partial indexes count only when their predicate is implied by `fk = $1` (e.g. `where fk is not
null`); GIN/GiST count only when their operator class serves `=` on the column.
"""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.indexes import serves, why_not
from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.app_tables():
        indexes = ctx.indexes_on(table.schema, table.name)
        for con in table.constraints:
            if con.kind != "f" or not con.columns:
                continue
            if any(serves(ctx, idx, con.columns, "=") for idx in indexes):
                continue
            misses = [r for r in (why_not(ctx, idx, con.columns, "=") for idx in indexes) if r]
            note = f" ({'; '.join(misses)})" if misses else ""
            yield Finding(
                f"{table.qualified}.{con.name}",
                f"foreign key ({', '.join(con.columns)}) -> {con.ref_table} has no usable index{note}",
            )


RULE = Rule("unindexed_foreign_keys", "warn", "Foreign key without a usable index", "performance", check)
