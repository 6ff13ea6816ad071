"""sqlglot helpers for policy and index-predicate expressions (as `pg_get_expr` prints them).

Decisions are made on the AST, never on text: a call counts as wrapped only when it sits in the
select list of a scalar subquery, and "row-independent" means no column of the policy's own row
is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from samia_schema.catalog.model import Policy
from samia_schema.linter.model import Finding

# Operators policy comparisons use, by sqlglot node class.
COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.ArrayContainsAll: "@>",
    exp.ArrayContainedBy: "<@",
    exp.ArrayOverlaps: "&&",
}


@lru_cache(maxsize=4096)
def parse_expr(text: str | None) -> exp.Expr | None:
    """Parse one Postgres expression; None when absent or unparseable.

    Example:
        >>> parse_expr("(user_id = ( SELECT auth.uid() AS uid))").sql("postgres")
        '(user_id = (SELECT auth.uid() AS uid))'
    """
    if not text:
        return None
    try:
        return sqlglot.parse_one(text, read="postgres")
    except SqlglotError:
        return None


def policy_trees(policies: Iterable[Policy]) -> Iterator[tuple[Policy, tuple[exp.Expr, ...]]]:
    """Each policy with its parsed USING and WITH CHECK expressions (unparseable ones left out)."""
    for policy in policies:
        trees = tuple(t for t in (parse_expr(policy.using), parse_expr(policy.with_check)) if t is not None)
        yield policy, trees


def policy_findings(policies: Iterable[Policy], collect: Callable[[exp.Expr], Iterable[str]],
                    message: Callable[[str], str]) -> Iterator[Finding]:
    """One finding per policy whose expressions `collect` names something in (each name once, in order).

    Example:
        >>> list(policy_findings(ctx.linted_policies(), lambda t: ["x"], "uses {}".format))[0].message
        'uses x'
    """
    for policy, trees in policy_trees(policies):
        names = dict.fromkeys(name for tree in trees for name in collect(tree))
        if names:
            yield Finding(f"{policy.schema}.{policy.table}.{policy.name}", message(", ".join(names)))


def strip(node: exp.Expr) -> exp.Expr:
    """The expression without enclosing parentheses."""
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def conjuncts(node: exp.Expr) -> list[exp.Expr]:
    """The AND-ed terms of an expression (parentheses removed)."""
    node = strip(node)
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    return [node]


def is_always_true(node: exp.Expr | None) -> bool:
    """`true`, `(true)`, `1 = 1`, `'a' = 'a'`, or an AND/OR whose outcome is always true."""
    if node is None:
        return False
    node = strip(node)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Cast):
        return is_always_true(node.this)
    if isinstance(node, exp.EQ):
        left, right = strip(node.this), strip(node.expression)
        return isinstance(left, exp.Literal) and left == right
    if isinstance(node, exp.Or):
        return is_always_true(node.this) or is_always_true(node.expression)
    if isinstance(node, exp.And):
        return is_always_true(node.this) and is_always_true(node.expression)
    return False


@dataclass(frozen=True)
class Call:
    """A function call found in an expression; `node` is the Dot for a qualified call."""

    schema: str | None
    name: str
    node: exp.Expr
    args: tuple[exp.Expr, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def iter_calls(tree: exp.Expr) -> Iterator[Call]:
    """Every user-visible function call: `schema.f(...)` and unqualified unknown functions."""
    for node in tree.walk():
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
            fn = node.expression
            yield Call(node.this.name.lower(), str(fn.this).lower(), node, tuple(fn.expressions))
        elif isinstance(node, exp.Anonymous) and not isinstance(node.parent, exp.Dot):
            yield Call(None, str(node.this).lower(), node, tuple(node.expressions))


def _sources(select: exp.Select) -> set[str]:
    names: set[str] = set()
    for key in ("from_", "from", "joins"):
        value = select.args.get(key)
        for part in value if isinstance(value, list) else [value] if value is not None else []:
            for table in part.find_all(exp.Table):
                names.add(table.alias_or_name.lower())
                names.add(table.name.lower())
    return names


def outer_columns(node: exp.Expr) -> list[exp.Column]:
    """Columns under `node` that belong to the policy's row (not to a subquery's own tables).

    A column inside a subquery counts as outer when it is qualified with a name none of its
    enclosing subqueries declares, or when unqualified and no enclosing subquery has a FROM.
    """
    found: list[exp.Column] = []
    for col in node.find_all(exp.Column):
        selects: list[exp.Select] = []
        parent = col.parent if col is not node else None
        while parent is not None:
            if isinstance(parent, exp.Select):
                selects.append(parent)
            if parent is node:
                break
            parent = parent.parent
        if not selects:
            found.append(col)
            continue
        sources = set().union(*(_sources(s) for s in selects))
        qualifier = col.table.lower() if col.table else ""
        if (qualifier and qualifier not in sources) or (not qualifier and not sources):
            found.append(col)
    return found


def row_independent(node: exp.Expr) -> bool:
    """True when the value of `node` does not depend on the row being checked."""
    return not outer_columns(node)


def is_wrapped(node: exp.Expr) -> bool:
    """True when `node` is evaluated once per statement: in the select list of an uncorrelated
    scalar subquery such as `(select auth.uid())`."""
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.Select) and child.arg_key == "expressions":
            has_from = bool(_sources(parent))
            if has_from or row_independent(parent):
                return True
        child, parent = parent, parent.parent
    return False


def is_identity_call(call: Call) -> bool:
    """`auth.<anything>()` or `current_setting(...)` (the GUCs PostgREST sets per request)."""
    return call.schema == "auth" or (call.name == "current_setting" and call.schema in (None, "pg_catalog"))


def mentions_identity(node: exp.Expr) -> bool:
    """True when `node` calls auth.*(), current_setting() or any schema-qualified helper."""
    return any(
        is_identity_call(c) or (c.schema is not None and c.schema != "pg_catalog") for c in iter_calls(node)
    )


def top_level(node: exp.Expr, root: exp.Expr) -> bool:
    """True when `node` is not inside a subquery of `root` (it is evaluated against the row)."""
    parent = node.parent
    while parent is not None and parent is not root:
        if isinstance(parent, exp.Select | exp.Subquery):
            return False
        parent = parent.parent
    return True


def column_name(node: exp.Expr) -> str | None:
    """The name when `node` (parentheses and casts removed) is a plain column reference."""
    node = strip(node)
    while isinstance(node, exp.Cast):
        node = strip(node.this)
    return node.name if isinstance(node, exp.Column) else None


def implied_by_equality(predicate: str | None, columns: tuple[str, ...]) -> bool:
    """True when a partial-index predicate holds for every row an equality lookup on `columns` finds.

    `col = $1` implies `col is not null`; any other predicate (e.g. `archived_at is null`) is not implied.
    A missing predicate is trivially implied.

    Example:
        >>> implied_by_equality("(owner_id IS NOT NULL)", ("owner_id",))
        True
        >>> implied_by_equality("(archived_at IS NULL)", ("owner_id",))
        False
    """
    if predicate is None:
        return True
    tree = parse_expr(predicate)
    if tree is None:
        return False
    wanted = {c.lower() for c in columns}
    for term in conjuncts(tree):
        if is_always_true(term):
            continue
        if isinstance(term, exp.Not) and isinstance(strip(term.this), exp.Is):
            inner = strip(term.this)
            negated = not inner.args.get("negate")
        elif isinstance(term, exp.Is):
            inner, negated = term, bool(term.args.get("negate"))
        else:
            return False
        name = column_name(inner.this)
        if not (negated and isinstance(inner.expression, exp.Null) and name and name.lower() in wanted):
            return False
    return True
