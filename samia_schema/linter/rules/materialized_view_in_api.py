"""A materialized view in an exposed schema that API roles may select: it has no RLS."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import API_ROLES, MANAGED_SCHEMAS, Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for view in ctx.facts.views:
        if not view.materialized or not ctx.exposed(view.schema) or view.schema in MANAGED_SCHEMAS:
            continue
        readers = sorted({*API_ROLES, "public"} & view.select_roles)
        if readers:
            yield Finding(f"{view.schema}.{view.name}",
                          f"materialized view selectable by {', '.join(readers).replace('public', 'PUBLIC')} "
                          "(no RLS: every row)")


RULE = Rule("materialized_view_in_api", "warn", "Materialized view served by the API", "security", check)
