"""A foreign table in an exposed schema that API roles may select: RLS does not apply to it."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import MANAGED_SCHEMAS, Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for schema, name, kind in ctx.facts.relations:
        if kind != "f" or not ctx.exposed(schema) or schema in MANAGED_SCHEMAS:
            continue
        readers = ctx.api_readers(schema, name)
        if readers:
            yield Finding(f"{schema}.{name}", f"foreign table selectable by {', '.join(readers)} "
                          "(RLS does not apply to foreign tables)")


RULE = Rule("foreign_table_in_api", "warn", "Foreign table served by the API", "security", check)
