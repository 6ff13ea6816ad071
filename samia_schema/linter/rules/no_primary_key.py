"""A table without a primary key (slow updates/deletes by row, no realtime UPDATE/DELETE identity)."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.app_tables():
        if not any(c.kind == "p" for c in table.constraints):
            yield Finding(table.qualified, "table has no primary key")


RULE = Rule("no_primary_key", "warn", "Table without a primary key", "performance", check)
