"""Security definer functions an API role may execute (the two *_security_definer_function_executable rules)."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.catalog.model import Function
from samia_schema.linter.model import Finding, LintContext, Rule

TRIGGER_RESULTS = ("trigger", "event_trigger")


def executable_definers(ctx: LintContext, role: str, *, exposed_only: bool) -> Iterator[Finding]:
    """Definer functions `role` may execute, granted directly or through PUBLIC (the default).

    In an exposed schema every such function is reported, trigger functions included (Supabase's
    advisor reports them too); elsewhere (`exposed_only` False) only functions a caller can invoke.
    """
    for fn in ctx.app_functions():
        exposed = ctx.exposed(fn.schema)
        if not fn.security_definer or (exposed_only and not exposed):
            continue
        if not exposed and fn.returns in TRIGGER_RESULTS:
            continue
        holders = sorted({role, "public"} & fn.execute_roles)
        if holders:
            yield Finding(_name(fn), _message(fn, holders, exposed))


def _name(fn: Function) -> str:
    return f"{fn.schema}.{fn.name}({fn.identity_args})"


def _message(fn: Function, holders: list[str], exposed: bool) -> str:
    who = ", ".join(holders).replace("public", "PUBLIC")
    if not exposed:
        where = " (not in an exposed schema: reachable through other functions and policies)"
    elif fn.returns in TRIGGER_RESULTS:
        where = " (a trigger function: not callable, but listed by Supabase's advisor)"
    else:
        where = f" (callable through /rest/v1/rpc/{fn.name})"
    return f"security definer function executable by {who}{where}"


def definer_rule(rule_id: str, level: str, title: str, role: str, *, exposed_only: bool) -> Rule:
    """The rule reporting `executable_definers(ctx, role, exposed_only=…)`."""
    return Rule(rule_id, level, title, "security",
                lambda ctx: executable_definers(ctx, role, exposed_only=exposed_only))
