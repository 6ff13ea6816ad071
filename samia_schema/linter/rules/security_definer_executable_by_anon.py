"""A security definer function anon (or PUBLIC, hence anon) may execute."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for fn in ctx.app_functions():
        if not fn.security_definer or fn.returns in ("trigger", "event_trigger"):
            continue
        holders = sorted({"anon", "public"} & fn.execute_roles)
        if holders:
            rpc = " (callable through /rest/v1/rpc)" if ctx.exposed(fn.schema) else ""
            who = ", ".join(holders).replace("public", "PUBLIC")
            yield Finding(
                f"{fn.schema}.{fn.name}({fn.identity_args})",
                f"security definer function executable by {who}{rpc}",
            )


RULE = Rule(
    "security_definer_executable_by_anon",
    "error",
    "Security definer function executable by anon or PUBLIC",
    "security",
    check,
)
