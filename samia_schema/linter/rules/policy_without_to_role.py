"""A policy without `TO <role>` applies to PUBLIC: every role, anon included, evaluates it."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for policy in ctx.linted_policies():
        if "public" in policy.roles:
            yield Finding(
                f"{policy.schema}.{policy.table}.{policy.name}",
                f"{policy.command} policy applies to PUBLIC (no TO role)",
            )


RULE = Rule(
    "policy_without_to_role", "warn", "Policy without TO role (applies to PUBLIC)", "performance", check
)
