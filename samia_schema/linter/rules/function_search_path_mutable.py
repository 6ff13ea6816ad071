"""A security definer function (or any function in an exposed schema) without a fixed search_path."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for fn in ctx.app_functions():
        if fn.search_path is not None or fn.language in ("c", "internal"):
            continue
        if fn.security_definer:
            why = "security definer function"
        elif ctx.exposed(fn.schema):
            why = "function in an exposed schema"
        else:
            continue
        yield Finding(f"{fn.schema}.{fn.name}({fn.identity_args})", f"{why} has no fixed search_path")


RULE = Rule("function_search_path_mutable", "warn", "Function without a fixed search_path", "security", check)
