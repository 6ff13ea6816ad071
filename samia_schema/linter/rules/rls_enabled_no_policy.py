"""RLS is enabled but the table has no policy: every API role is denied every row."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.app_tables():
        if table.rls_enabled and not ctx.catalog.policies_on(table.schema, table.name):
            yield Finding(table.qualified, "RLS is enabled but no policy exists (deny all to API roles)")


RULE = Rule("rls_enabled_no_policy", "info", "RLS enabled without any policy", "security", check)
