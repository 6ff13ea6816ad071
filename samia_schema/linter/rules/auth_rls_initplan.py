"""auth.*(), current_setting() or a stable helper called per row instead of once per statement."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from samia_schema.linter.exprs import (
    Call,
    is_identity_call,
    is_wrapped,
    iter_calls,
    policy_findings,
    row_independent,
)
from samia_schema.linter.model import Finding, LintContext, Rule


def _candidate(ctx: LintContext, call: Call) -> bool:
    if is_identity_call(call):
        return True
    if call.schema is None or call.schema == "pg_catalog":
        return False
    overloads = ctx.functions_named(call.schema, call.name)
    return bool(overloads) and all(f.volatility != "volatile" and f.returns != "trigger" for f in overloads)


def check(ctx: LintContext) -> Iterator[Finding]:
    def unwrapped(tree: exp.Expr) -> Iterator[str]:
        for call in iter_calls(tree):
            if _candidate(ctx, call) and row_independent(call.node) and not is_wrapped(call.node):
                yield f"{call.qualified}()"

    return policy_findings(ctx.linted_policies(), unwrapped, "{} evaluated for every row; wrap as (select ...)".format)


RULE = Rule(
    "auth_rls_initplan",
    "warn",
    "Row-independent call in a policy not wrapped in (select ...)",
    "performance",
    check,
)
