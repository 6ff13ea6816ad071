"""The lint rules: one module per rule, each exposing `RULE`; the module name is the rule id."""

from __future__ import annotations

import importlib
import pkgutil

from samia_schema.linter.model import Rule


def _load() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule) or rule.id != info.name:
            raise RuntimeError(f"lint rule module {info.name} must define RULE with id {info.name!r}")
        rules.append(rule)
    return tuple(rules)


RULES: tuple[Rule, ...] = _load()
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
