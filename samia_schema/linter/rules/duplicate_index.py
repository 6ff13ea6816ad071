"""Two indexes with the same method, key, operator classes, INCLUDE list and predicate."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from samia_schema.catalog.model import Index
from samia_schema.linter.model import MANAGED_SCHEMAS, Finding, LintContext, Rule

_HEAD = re.compile(r'^CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")*"|\S+) ON (?:ONLY )?', re.IGNORECASE)


def _signature(index: Index) -> str:
    return _HEAD.sub("", index.definition)


def _keeper(index: Index) -> tuple[int, str]:
    """Which of a group to keep: the primary key, then a constraint's index, then unique, then name."""
    return (0 if index.primary else 1 if index.constraint else 2 if index.unique else 3, index.name)


def check(ctx: LintContext) -> Iterator[Finding]:
    groups: dict[tuple[str, str, str], list[Index]] = defaultdict(list)
    for index in ctx.catalog.indexes:
        if index.schema not in MANAGED_SCHEMAS:
            groups[(index.schema, index.table, _signature(index))].append(index)
    for (schema, _table, _sig), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        keep, *rest = sorted(members, key=_keeper)
        for index in rest:
            yield Finding(f"{schema}.{index.name}", f"duplicates index {keep.name} on {schema}.{index.table}")


RULE = Rule("duplicate_index", "warn", "Duplicate index", "performance", check)
