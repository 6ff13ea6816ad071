"""An extension installed in the public schema (its objects become part of the API surface)."""

from __future__ import annotations

from collections.abc import Iterator

from samia_schema.linter.model import Finding, LintContext, Rule


def check(ctx: LintContext) -> Iterator[Finding]:
    for name, schema in ctx.facts.extensions:
        if schema == "public":
            yield Finding(name, "extension is installed in schema public; use schema extensions")


RULE = Rule("extension_in_public", "warn", "Extension in the public schema", "security", check)
