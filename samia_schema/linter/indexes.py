"""Which index can serve which lookup: leading columns, operator support, partial predicates.

An index serves `col OP value` only when `col` leads it, its operator family has OP for that
column (a GIN on an array serves `@>` `<@` `&&`, not `=` on an element; a btree serves `=`), and
any partial predicate is implied by the lookup (only `col is not null` is). BRIN never counts.
"""

from __future__ import annotations

from samia_schema.catalog.model import Index, Table
from samia_schema.linter.exprs import implied_by_equality
from samia_schema.linter.model import LintContext

_BTREE = frozenset({"<", "<=", "=", ">=", ">"})
_GIN_ARRAY = frozenset({"&&", "<@", "=", "@>"})
_GIN_JSONB = frozenset({"?", "?&", "?|", "@>", "@?", "@@"})


def unquote(name: str) -> str:
    """`"Foo"` -> `Foo`; other names unchanged."""
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _column_type(table: Table | None, column: str) -> str:
    if table is None:
        return ""
    return next((c.type for c in table.columns if c.name == column), "")


def column_operators(ctx: LintContext, index: Index, position: int) -> frozenset[str]:
    """Operators the index's key column at `position` (1-based) serves.

    Read from the catalog (`sql/lint/index_operators.sql`) when available; otherwise inferred from
    the access method and the column type.
    """
    known = ctx.facts.index_operators
    if known is not None:
        return known.get((index.schema, index.name, position), frozenset())
    if position > len(index.columns):
        return frozenset()
    kind = _column_type(ctx.table_of(index.schema, index.table), unquote(index.columns[position - 1]))
    if index.method == "btree":
        return _BTREE
    if index.method == "hash":
        return frozenset({"="})
    if index.method == "gin" and kind.endswith("[]"):
        return _GIN_ARRAY
    if index.method == "gin" and kind == "jsonb":
        return _GIN_JSONB
    return frozenset()


def serves(ctx: LintContext, index: Index, columns: tuple[str, ...], operator: str) -> bool:
    """True when `index` can answer `columns OP $n` lookups (all of `columns` lead it, any order)."""
    if index.method == "brin":
        return False  # lossy block ranges: no use for point lookups
    width = len(columns)
    leading = tuple(unquote(c) for c in index.columns[:width])
    if width == 0 or len(leading) < width or set(leading) != set(columns):
        return False
    if not all(operator in column_operators(ctx, index, pos) for pos in range(1, width + 1)):
        return False
    return implied_by_equality(index.predicate, columns)


def why_not(ctx: LintContext, index: Index, columns: tuple[str, ...], operator: str) -> str | None:
    """A short reason an index that starts with the right column still does not serve the lookup."""
    if not index.columns or unquote(index.columns[0]) not in columns:
        return None
    if index.method == "brin":
        return f"{index.name} is BRIN (no point lookups)"
    if not all(operator in column_operators(ctx, index, pos) for pos in range(1, len(columns) + 1)):
        return f"{index.name} ({index.method}) does not serve '{operator}'"
    if not implied_by_equality(index.predicate, columns):
        return f"{index.name} is partial (where {index.predicate}), not implied by the lookup"
    return None
