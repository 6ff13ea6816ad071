"""With pg_graphql installed, every signed-in user can see a table, view or foreign table in the GraphQL schema."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.graphql import visible_in_graphql
from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    return visible_in_graphql(ctx, "authenticated")


RULE = Rule("pg_graphql_authenticated_table_exposed", "warn", "Object visible in the GraphQL schema to signed-in users",
            "security", check)
