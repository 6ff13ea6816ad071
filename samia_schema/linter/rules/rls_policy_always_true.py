"""A write policy whose USING or WITH CHECK is `true`: any caller of its roles may write any row."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.exprs import is_always_true, parse_expr
from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for policy in ctx.linted_policies():
        if policy.command == "select" or policy.roles == {"service_role"}:
            continue
        parts = []
        if policy.command in ("update", "delete", "all") and is_always_true(parse_expr(policy.using)):
            parts.append("USING (true)")
        if policy.command in ("insert", "update", "all") and is_always_true(parse_expr(policy.with_check)):
            parts.append("WITH CHECK (true)")
        if parts:
            roles = ", ".join(sorted(policy.roles))
            yield Finding(
                f"{policy.schema}.{policy.table}.{policy.name}",
                f"{policy.command} policy for {roles} has {' and '.join(parts)}",
            )


RULE = Rule("rls_policy_always_true", "error", "Write policy that is always true", "security", check)
