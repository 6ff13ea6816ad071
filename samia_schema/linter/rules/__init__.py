"""The lint rules: one module per rule, each exposing `RULE`; the module name is the rule id."""

from __future__ import annotations

import sys

from samia_schema.linter.model import Rule, load_rules

RULES: tuple[Rule, ...] = load_rules(sys.modules[__name__], Rule)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
