"""A foreign key to a unique (not primary) key of an auth table: it blocks the auth service's own changes."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule

AUTH = "auth"


def check(ctx: LintContext) -> Iterator[Finding]:
    for name, ref_schema, ref_table, ref_index in ctx.facts.foreign_keys:
        if ref_schema != AUTH or name.startswith(f"{AUTH}."):
            continue
        index = next((i for i in ctx.indexes_on(ref_schema, ref_table) if i.name == ref_index), None)
        if index is not None and index.unique and not index.primary:
            yield Finding(name, f"references {ref_schema}.{ref_table} ({', '.join(index.columns)}) through the "
                                f"unique index {ref_index}, not its primary key")


RULE = Rule("fkey_to_auth_unique", "error", "Foreign key to a unique constraint of the auth schema", "security",
            check)
