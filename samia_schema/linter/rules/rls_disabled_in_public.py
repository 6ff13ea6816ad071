"""A table in a schema PostgREST exposes has row level security disabled."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import API_ROLES, Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for table in ctx.app_tables():
        if not ctx.exposed(table.schema) or table.rls_enabled:
            continue
        granted = sorted(
            {
                g.grantee
                for g in ctx.catalog.grants
                if (g.schema, g.table) == table.key and g.grantee in (*API_ROLES, "public")
            }
        )
        who = f"; granted to {', '.join(granted)}" if granted else ""
        yield Finding(table.qualified, f"row level security is disabled on an exposed table{who}")


RULE = Rule("rls_disabled_in_public", "error", "Exposed table without row level security", "security", check)
