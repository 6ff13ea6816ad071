"""A public bucket with a broad SELECT policy on storage.objects: anyone may list every file.

Public buckets serve files by URL without any policy; a SELECT policy only adds listing (and
enumeration of every path). "Broad" means: the policy applies to the bucket (names it, or names no
bucket at all) and everything else in it is independent of the object (true, a login check, ...).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from samia_schema.linter.exprs import column_name, conjuncts, parse_expr, row_independent, strip
from samia_schema.linter.model import API_ROLES, Finding, LintContext, Rule


def _bucket_literals(term: exp.Expr) -> set[str] | None:
    """The bucket ids a `bucket_id = 'x'` / `bucket_id in ('x', ...)` term allows; None otherwise."""
    term = strip(term)
    if isinstance(term, exp.EQ):
        for col, lit in ((term.this, term.expression), (term.expression, term.this)):
            lit = strip(lit)
            while isinstance(lit, exp.Cast):
                lit = strip(lit.this)
            if column_name(col) == "bucket_id" and isinstance(lit, exp.Literal):
                return {lit.this}
    if isinstance(term, exp.In) and column_name(term.this) == "bucket_id" and term.expressions:
        values = set()
        for item in term.expressions:
            item = strip(item)
            while isinstance(item, exp.Cast):
                item = strip(item.this)
            if not isinstance(item, exp.Literal):
                return None
            values.add(item.this)
        return values
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    public = [b.id for b in ctx.catalog.buckets if b.public]
    if not public:
        return
    for policy in ctx.catalog.policies_on("storage", "objects"):
        if policy.command not in ("select", "all") or not policy.permissive:
            continue
        if not ({*API_ROLES, "public"} & policy.roles):
            continue
        tree = parse_expr(policy.using) if policy.using else exp.true()
        if tree is None:
            continue
        allowed: set[str] | None = None
        broad = True
        for term in conjuncts(tree):
            ids = _bucket_literals(term)
            if ids is not None:
                allowed = ids if allowed is None else allowed & ids
            elif not row_independent(term):
                broad = False
        if not broad:
            continue
        for bucket in public:
            if allowed is None or bucket in allowed:
                yield Finding(
                    f"storage.buckets.{bucket}",
                    f"public bucket can be listed by {', '.join(sorted(policy.roles))} "
                    f"through policy {policy.name}",
                )


RULE = Rule(
    "public_bucket_allows_listing", "warn", "Public bucket with a broad SELECT policy", "security", check
)
