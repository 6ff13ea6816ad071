"""Normalise SQL expressions (policy USING / WITH CHECK, index predicates) for comparison.

Postgres stores expressions in its own deparsed form: `( SELECT auth.uid() AS uid)`, redundant
parentheses, `'x'::text` casts, `x = ANY (ARRAY[...])` for `x IN (...)`, `'00:15:00'::interval`.
`normalize()` maps such spellings to one canonical text with sqlglot (postgres dialect), so two
expressions compare equal exactly when their normalised texts are equal. Text sqlglot cannot parse
falls back to whitespace- and case-normalised text (string literals kept verbatim).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlglot import exp

_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\s+|[^'\"\s]+")
_INTERVAL_PART = re.compile(
    r"^\s*(-?\d+(?:\.\d+)?)\s*(years?|months?|mons?|weeks?|days?|hours?|minutes?|mins?|seconds?|secs?)\s*"
)
_INTERVAL_CLOCK = re.compile(r"^\s*(-?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*")
_UNIT_SECONDS = {"hour": 3600.0, "min": 60.0, "minute": 60.0, "sec": 1.0, "second": 1.0}
_TEXTUAL = ("TEXT", "VARCHAR", "CHAR", "NAME")


def _fallback(text: str) -> str:
    """Collapse whitespace, lowercase everything outside quoted literals and identifiers."""
    out: list[str] = []
    for token in _TOKENS.findall(text.strip()):
        if token.isspace():
            out.append(" ")
        elif token[0] in "'\"":
            out.append(token)
        else:
            out.append(token.lower())
    joined = "".join(out)
    joined = re.sub(r"\s*([(),\[\]])\s*", r"\1", joined)
    return joined.strip()


def _interval_key(text: str) -> str | None:
    """Canonical `months:days:seconds` of a simple interval literal, or None."""
    rest = text.strip().lower().removeprefix("@").strip()
    months = days = 0.0
    seconds = 0.0
    while rest:
        clock = _INTERVAL_CLOCK.match(rest)
        if clock:
            sign = -1.0 if clock.group(1) else 1.0
            seconds += sign * (int(clock.group(2)) * 3600 + int(clock.group(3)) * 60
                               + float(clock.group(4) or 0))
            rest = rest[clock.end():]
            continue
        part = _INTERVAL_PART.match(rest)
        if not part:
            return None
        amount, unit = float(part.group(1)), part.group(2).rstrip("s") or "s"
        if unit in ("year",):
            months += 12 * amount
        elif unit in ("mon", "month"):
            months += amount
        elif unit == "week":
            days += 7 * amount
        elif unit == "day":
            days += amount
        else:
            seconds += _UNIT_SECONDS.get(unit, 1.0) * amount
        rest = rest[part.end():]
    return f"{months:g}:{days:g}:{seconds:g}"


def _is_string(node: Any) -> bool:
    from sqlglot import exp

    return isinstance(node, exp.Literal) and node.is_string


def _type_name(dtype: Any) -> str:
    return str(dtype.this.name) if hasattr(dtype.this, "name") else str(dtype.this)


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One bottom-up rewrite step towards the canonical tree."""
    from sqlglot import exp

    if isinstance(node, exp.Paren):
        unwrapped: exp.Expression = node.this
        return unwrapped
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Subquery) and not node.alias:
        nested: exp.Expression = node.this
        return nested
    if isinstance(node, exp.Alias) and isinstance(node.parent, exp.Select):
        aliased: exp.Expression = node.this
        return aliased
    if isinstance(node, exp.Identifier):
        name = node.name if node.quoted else node.name.lower()
        return exp.Identifier(this=name, quoted=not _SIMPLE_IDENT.match(name))
    if isinstance(node, exp.Interval):
        unit = node.args.get("unit")
        text = f"{node.this.name} {unit.name if unit is not None else ''}".strip()
        key = _interval_key(text)
        return exp.Anonymous(this="interval_", expressions=[exp.Literal.string(key or text.lower())])
    if isinstance(node, exp.Cast):
        to, inner = node.args["to"], node.this
        kind = _type_name(to)
        if kind == "INTERVAL" and _is_string(inner):
            key = _interval_key(inner.name) or inner.name.lower()
            return exp.Anonymous(this="interval_", expressions=[exp.Literal.string(key)])
        if kind in _TEXTUAL and _is_string(inner):
            literal: exp.Expression = inner
            return literal
        if (kind == "ARRAY" and isinstance(inner, exp.Array) and to.expressions
                and _type_name(to.expressions[0]) in _TEXTUAL
                and all(_is_string(e) for e in inner.expressions)):
            return inner
    if isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        if len(node.expressions) == 1:  # Postgres deparses `x in (a)` as `x = a`
            return exp.EQ(this=node.this, expression=node.expressions[0])
        array = exp.Array(expressions=list(node.expressions))
        return exp.EQ(this=node.this, expression=exp.Anonymous(this="any_", expressions=[array]))
    if isinstance(node, exp.Anonymous) and isinstance(node.this, str):
        name = node.this.lower()
        if name in ("any", "some", "all") and len(node.expressions) == 1:
            name = "all_" if name == "all" else "any_"
        if name != node.this:
            return exp.Anonymous(this=name, expressions=list(node.expressions))
    if isinstance(node, exp.Any | exp.All) and not isinstance(node.this, exp.Subquery | exp.Select):
        name = "any_" if isinstance(node, exp.Any) else "all_"
        return exp.Anonymous(this=name, expressions=[node.this])
    return node


def _negated_in(node: exp.Expression) -> exp.Expression:
    """`x not in (a)` -> `x <> a`; `x not in (a, b)` -> `x <> all_(array[a, b])` (Postgres' forms)."""
    from sqlglot import exp

    inner = node.this if isinstance(node, exp.Not) else None
    while isinstance(inner, exp.Paren):
        inner = inner.this
    if isinstance(inner, exp.In) and inner.expressions and not inner.args.get("query"):
        items = list(inner.expressions)
        if len(items) == 1:
            return exp.NEQ(this=inner.this, expression=items[0])
        every = exp.Anonymous(this="all_", expressions=[exp.Array(expressions=items)])
        return exp.NEQ(this=inner.this, expression=every)
    return node


_GROUPING = ("Binary", "Connector", "Not", "Neg", "Unary", "Is", "Like", "ILike", "Between", "In")


def _fully_parenthesise(node: exp.Expression) -> exp.Expression:
    """Wrap every operator node below the root so the text fixes the tree's shape."""
    from sqlglot import exp

    groups = tuple(getattr(exp, name) for name in _GROUPING if hasattr(exp, name))

    def wrap(child: exp.Expression) -> exp.Expression:
        if child is not node and isinstance(child, groups) and not isinstance(child.parent, exp.Paren):
            return exp.Paren(this=child)
        return child

    return node.transform(wrap, copy=False)


@lru_cache(maxsize=65536)
def normalize(text: str | None) -> str | None:
    """Canonical text of a SQL expression; None stays None.

    Example:
        >>> normalize("( SELECT auth.uid() AS uid)") == normalize("(select auth.uid())")
        True
        >>> normalize("bucket_id = 'x'::text") == normalize("(bucket_id = 'x')")
        True
    """
    if text is None:
        return None
    try:
        import sqlglot
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        parsed = sqlglot.parse_one(f"SELECT {text}", read="postgres")
        if not isinstance(parsed, exp.Select) or len(parsed.expressions) != 1:
            return _fallback(text)
        tree = parsed.expressions[0].transform(_negated_in)
        previous = None
        for _ in range(8):  # rewrites can expose new ones (a paren around a cast around a literal)
            tree = tree.transform(_rewrite)
            current = repr(tree)
            if current == previous:
                break
            previous = current
        return str(_fully_parenthesise(tree).sql(dialect="postgres"))
    except (SqlglotError, ValueError, TypeError, AttributeError, RecursionError):
        return _fallback(text)


def equivalent(a: str | None, b: str | None) -> bool:
    """True when two expressions normalise to the same text (fast path: identical text).

    Example:
        >>> equivalent("ARRAY['a'::text, 'b'::text]", "array['a','b']::text[]")
        True
    """
    if a == b:
        return True
    if a is None or b is None:
        return False
    return normalize(a) == normalize(b)
