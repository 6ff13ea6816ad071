"""A view in an exposed schema runs with its owner's rights (no security_invoker): RLS is bypassed."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import API_ROLES, Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.facts.server_version_num and ctx.facts.server_version_num < 150000:
        return  # security_invoker exists from PostgreSQL 15
    for view in ctx.facts.views:
        if view.materialized or view.security_invoker or not ctx.exposed(view.schema):
            continue
        readers = sorted({*API_ROLES, "public"} & view.select_roles)
        if readers:
            yield Finding(
                f"{view.schema}.{view.name}",
                f"view runs as its owner for {', '.join(readers)} (set security_invoker = true)",
            )


RULE = Rule(
    "security_definer_view", "error", "View without security_invoker in an exposed schema", "security", check
)
