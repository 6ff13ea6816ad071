"""A column a policy compares with auth.uid() or a helper has no index serving that operator.

Only USING expressions are checked (they filter rows; WITH CHECK sees one new row). `=` and `IN`
need an index leading with the column whose operator class has `=` (btree); `@>` on an array needs
GIN. `helper() = any(column)` cannot use any index and is reported with the rewrite.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from samia_schema.linter.exprs import (
    COMPARISONS,
    column_name,
    mentions_identity,
    parse_expr,
    row_independent,
    strip,
    top_level,
)
from samia_schema.linter.indexes import serves
from samia_schema.linter.model import Finding, LintContext, Rule

_MIRROR = {"=": "=", "@>": "<@", "<@": "@>", "&&": "&&"}


def _identity_value(node: exp.Expr) -> bool:
    return row_independent(node) and mentions_identity(node)


def _lookups(tree: exp.Expr) -> Iterator[tuple[str, str]]:
    """(column, operator) pairs the policy looks rows up by; operator '' = not indexable."""
    for node in tree.walk():
        if not top_level(node, tree):
            continue
        if type(node) in COMPARISONS:
            op = COMPARISONS[type(node)]
            left, right = node.this, node.expression
            if isinstance(strip(right), exp.Any) and column_name(strip(right).this) and _identity_value(left):
                yield column_name(strip(right).this) or "", ""
                continue
            if column_name(left) and _identity_value(right):
                yield column_name(left) or "", op
            elif column_name(right) and _identity_value(left):
                yield column_name(right) or "", _MIRROR[op]
        elif isinstance(node, exp.In) and column_name(node.this):
            query = node.args.get("query")
            values = [query] if query is not None else list(node.expressions)
            if values and all(_identity_value(v) for v in values):
                yield column_name(node.this) or "", "="


def check(ctx: LintContext) -> Iterator[Finding]:
    for policy in ctx.linted_policies():
        if policy.command == "insert":
            continue
        tree = parse_expr(policy.using)
        if tree is None:
            continue
        indexes = ctx.indexes_on(policy.schema, policy.table)
        problems: list[str] = []
        for column, op in dict.fromkeys(_lookups(tree)):
            if not op:
                problems.append(
                    f"'= any({column})' cannot use an index; write {column} @> array[...] with a GIN index"
                )
            elif not any(serves(ctx, idx, (column,), op) for idx in indexes):
                kind = "GIN" if op in ("@>", "<@", "&&") else "btree"
                problems.append(f"no index serves {column} {op} (needs a {kind} index leading with {column})")
        if problems:
            yield Finding(f"{policy.schema}.{policy.table}.{policy.name}", "; ".join(problems))


RULE = Rule("policy_column_unindexed", "warn", "Policy column without a usable index", "performance", check)
