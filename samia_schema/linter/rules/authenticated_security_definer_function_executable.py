"""A security definer function in an exposed schema that authenticated (or PUBLIC) may execute."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.definers import executable_definers
from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    # exposed schemas only: definer helpers in a private schema, called from policies and invoker
    # RPCs, are the recommended pattern
    return executable_definers(ctx, "authenticated", exposed_only=True)


RULE = Rule(
    "authenticated_security_definer_function_executable",
    "warn",
    "Security definer function in an exposed schema executable by signed-in users",
    "security",
    check,
)
