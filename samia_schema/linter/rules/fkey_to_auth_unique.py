"""A foreign key to a unique (not primary) key of an auth table: it blocks the auth service's own changes."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule

AUTH = "auth"


def check(ctx: LintContext) -> Iterator[Finding]:
    for fk in ctx.facts.foreign_keys:
        if fk.ref_schema != AUTH or fk.schema == AUTH:
            continue
        index = next((i for i in ctx.indexes_on(fk.ref_schema, fk.ref_table) if i.name == fk.ref_index), None)
        if index is not None and index.unique and not index.primary:
            yield Finding(f"{fk.schema}.{fk.table}.{fk.name}",
                          f"references {fk.ref_schema}.{fk.ref_table} ({', '.join(index.columns)}) through the "
                          f"unique index {fk.ref_index}, not its primary key")


RULE = Rule("fkey_to_auth_unique", "error", "Foreign key to a unique constraint of the auth schema", "security",
            check)
