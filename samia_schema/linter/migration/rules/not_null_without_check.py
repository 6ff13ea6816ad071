"""SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) exists."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.migration import Item, MigrationContext, migration_rule
from samia_schema.linter.model import Finding
from samia_schema.online.tokens import tokenize


def _column(item: Item) -> str | None:
    tokens = tokenize(item.sql)
    for n in range(1, len(tokens) - 2):
        if tokens[n].is_("set") and tokens[n + 1].is_("not") and tokens[n + 2].is_("null"):
            return tokens[n - 1].value
    return None


def check(ctx: MigrationContext) -> Iterator[Finding]:
    for item in ctx.items:
        if "not_null_scan" in item.causes() and (item.table, _column(item) or "") not in ctx.not_null_checks:
            yield Finding(item.object, f"SET NOT NULL scans {item.table} while reads and writes wait: add "
                          "CHECK (col IS NOT NULL) in an earlier apply (samia validates it online), then SET NOT "
                          "NULL, then drop the check")


RULE = migration_rule("not_null_without_check", "warn", "SET NOT NULL without a validated check", check)
