"""An UPDATE policy without WITH CHECK: what a row may become is left implicit."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for policy in ctx.linted_policies():
        if policy.command == "update" and policy.with_check is None:
            yield Finding(
                f"{policy.schema}.{policy.table}.{policy.name}",
                "update policy has no WITH CHECK (USING is silently reused for the new row)",
            )


RULE = Rule("update_policy_without_with_check", "warn", "UPDATE policy without WITH CHECK", "security", check)
