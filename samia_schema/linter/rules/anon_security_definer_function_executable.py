"""A security definer function anon (or PUBLIC, hence anon) may execute: anyone holding the public key."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.definers import executable_definers
from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    # every application schema: a definer helper anon may execute is a hole even when not exposed
    return executable_definers(ctx, "anon", exposed_only=False)


RULE = Rule(
    "anon_security_definer_function_executable",
    "error",
    "Security definer function executable by anon or PUBLIC",
    "security",
    check,
)
