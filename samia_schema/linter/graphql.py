"""Relations pg_graphql's introspection shows a role (the two pg_graphql_*_table_exposed rules)."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import MANAGED_SCHEMAS, Finding, LintContext

# what pg_graphql reflects: tables, views, materialized views and foreign tables (not partitioned roots)
KINDS = {"r": "table", "v": "view", "m": "materialized view", "f": "foreign table"}
# schemas of the platform and of extensions that pg_graphql's advisors leave out
NOT_REFLECTED = MANAGED_SCHEMAS | {"information_schema", "pgmq", "pgroonga", "repack", "tiger", "topology",
                                   "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config",
                                   "_timescaledb_internal"}


def visible_in_graphql(ctx: LintContext, role: str) -> Iterator[Finding]:
    """Relations `role` may select any column of, when pg_graphql is installed (introspection
    reflects the caller's privileges, RLS or not)."""
    if not ctx.facts.has_extension("pg_graphql"):
        return
    for schema, name, kind in ctx.facts.relations:
        if kind in KINDS and schema not in NOT_REFLECTED and ctx.may_select(schema, name, role, any_column=True):
            yield Finding(f"{schema}.{name}",
                          f"{KINDS[kind]} visible in /graphql/v1 introspection to {role} (it may SELECT it)")
