"""A table column of a reg* type that stores an OID: pg_upgrade refuses such a database."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule

# reg* types whose stored OIDs pg_upgrade cannot carry over (regclass, regrole and regtype it can)
UNSUPPORTED = frozenset({"regcollation", "regconfig", "regdictionary", "regnamespace", "regoper",
                         "regoperator", "regproc", "regprocedure"})
SKIPPED_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pgsodium"})


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.catalog.tables:
        if table.schema in SKIPPED_SCHEMAS:
            continue
        for column in table.columns:
            base = column.type.removesuffix("[]")
            if base in UNSUPPORTED:
                yield Finding(f"{table.schema}.{table.name}.{column.name}",
                              f"column of type {column.type}: pg_upgrade cannot carry it to a new major version")


RULE = Rule("unsupported_reg_types", "warn", "Column of a reg* type pg_upgrade does not support", "security", check)
