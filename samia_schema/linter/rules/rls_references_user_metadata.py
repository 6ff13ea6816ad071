"""A policy reads `user_metadata`, which every user can edit about themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from samia_schema.linter.exprs import iter_calls, policy_findings
from samia_schema.linter.model import Finding, LintContext, Rule

_NAMES = ("user_metadata", "raw_user_meta_data")
_SOURCE = re.compile(r"\b(user_metadata|raw_user_meta_data)\b", re.IGNORECASE)


def _direct(tree: exp.Expr) -> bool:
    for node in tree.walk():
        if isinstance(node, exp.Literal) and node.is_string and node.this.lower() in _NAMES:
            return True
        if isinstance(node, exp.Identifier) and node.name.lower() in _NAMES:
            return True
    return False


def check(ctx: LintContext) -> Iterator[Finding]:
    def reasons(tree: exp.Expr) -> Iterator[str]:
        if _direct(tree):
            yield "the policy expression"
        for call in iter_calls(tree):
            if call.schema and any(_SOURCE.search(f.source) for f in ctx.functions_named(call.schema, call.name)):
                yield f"helper {call.qualified}()"

    return policy_findings(ctx.linted_policies(), reasons, "authorises on user_metadata (user-editable) via {}".format)


RULE = Rule("rls_references_user_metadata", "error", "Policy authorises on user_metadata", "security", check)
