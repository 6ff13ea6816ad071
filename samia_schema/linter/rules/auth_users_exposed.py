"""A view in an exposed schema reads auth.users and API roles may select from it."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import API_ROLES, Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for view in ctx.facts.views:
        if not (ctx.exposed(view.schema) and view.reads_auth_users):
            continue
        readers = sorted({*API_ROLES, "public"} & view.select_roles)
        if readers and (view.materialized or not view.security_invoker):
            yield Finding(
                f"{view.schema}.{view.name}", f"exposes auth.users (emails, metadata) to {', '.join(readers)}"
            )


RULE = Rule("auth_users_exposed", "error", "auth.users exposed through a view", "security", check)
