"""Several permissive policies for one table, role and action: each is evaluated for every row.

Policies that pin the same column to disjoint constants (e.g. `bucket_id = 'avatars'` and
`bucket_id = 'avatars'` on storage.objects) never match the same row and are not reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations

from sqlglot import exp

from samia_schema.catalog.model import Policy
from samia_schema.linter.exprs import column_name, conjuncts, parse_expr, strip
from samia_schema.linter.model import API_ROLES, Finding, LintContext, Rule

_ACTIONS = ("select", "insert", "update", "delete")


def _literal(node: exp.Expr) -> str | None:
    node = strip(node)
    while isinstance(node, exp.Cast):
        node = strip(node.this)
    return str(node.this) if isinstance(node, exp.Literal) else None


def pinned(policy: Policy) -> dict[str, frozenset[str]]:
    """Columns the policy's USING (else WITH CHECK) restricts to constants: `col = 'x'`, `col in (...)`."""
    tree = parse_expr(policy.using if policy.using is not None else policy.with_check)
    result: dict[str, frozenset[str]] = {}
    if tree is None:
        return result
    for term in conjuncts(tree):
        values: list[str | None] = []
        name = None
        if isinstance(term, exp.EQ):
            for col, val in ((term.this, term.expression), (term.expression, term.this)):
                if column_name(col) and _literal(val) is not None:
                    name, values = column_name(col), [_literal(val)]
        elif isinstance(term, exp.In) and column_name(term.this) and term.expressions:
            name, values = column_name(term.this), [_literal(v) for v in term.expressions]
        if name and values and all(v is not None for v in values):
            allowed = frozenset(v for v in values if v is not None)
            result[name] = result.get(name, allowed) & allowed
    return result


def _disjoint(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]) -> bool:
    return any(not (a[col] & b[col]) for col in a.keys() & b.keys())


def check(ctx: LintContext) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str, str], list[Policy]] = defaultdict(list)
    for policy in ctx.linted_policies():
        if not policy.permissive:
            continue
        roles = set(policy.roles - {"public"}) | (set(API_ROLES) if "public" in policy.roles else set())
        actions = _ACTIONS if policy.command == "all" else (policy.command,)
        for role in roles:
            for action in actions:
                groups[(policy.schema, policy.table, role, action)].append(policy)
    for (schema, table, role, action), policies in sorted(groups.items()):
        pins = {p.name: pinned(p) for p in policies}
        overlapping = sorted(
            {
                name
                for a, b in combinations(policies, 2)
                if not _disjoint(pins[a.name], pins[b.name])
                for name in (a.name, b.name)
            }
        )
        if overlapping:
            yield Finding(
                f"{schema}.{table}",
                f"role {role}, {action}: {len(overlapping)} permissive policies ({', '.join(overlapping)})",
            )


RULE = Rule(
    "multiple_permissive_policies",
    "warn",
    "Multiple permissive policies per role and action",
    "performance",
    check,
)
