"""A table has policies, but row level security is off, so none of them is enforced."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.catalog.tables:
        policies = ctx.catalog.policies_on(table.schema, table.name)
        if policies and not table.rls_enabled:
            names = ", ".join(p.name for p in policies)
            yield Finding(table.qualified, f"{len(policies)} policies ({names}) exist but RLS is disabled")


RULE = Rule("policy_exists_rls_disabled", "error", "Policies exist but RLS is disabled", "security", check)
