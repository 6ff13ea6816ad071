"""Presentation: rich tables and JSON for each command's result (the library computes, these show).

Tables never split an identifier: identifier columns do not wrap; only free text folds. On a
terminal the console's width applies; elsewhere (CI logs) tables take the width of their content.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.table import Table

ColumnKind = Literal["id", "text", "num", "flag"]


def new_table(title: str | None, columns: Sequence[tuple[str, ColumnKind]], **options: object) -> Table:
    """A table whose `id` columns never wrap, `text` columns fold, `num` columns align right.

    Example:
        >>> new_table("policies", [("table", "id"), ("using", "text"), ("rows", "num")])
    """
    table = Table(title=title, title_justify="left", **options)  # type: ignore[arg-type]
    for name, kind in columns:
        if kind == "id":
            table.add_column(name, no_wrap=True, overflow="ignore")
        elif kind == "num":
            table.add_column(name, justify="right", no_wrap=True)
        elif kind == "flag":
            table.add_column(name, justify="center", no_wrap=True)
        else:
            table.add_column(name, overflow="fold")
    return table
