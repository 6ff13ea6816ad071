"""Lint output: a rich table, JSON, and SARIF 2.1.0 (for code-scanning UIs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from samia_schema import __version__
from samia_schema.linter.model import BaseRule, Violation
from samia_schema.reports import new_table

Rule = BaseRule[Any]  # a catalog rule or a migration rule


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warn": "warning", "info": "note"}
_DOCS = "docs/rules/{id}.md"


def as_table(violations: Sequence[Violation], title: str) -> Table:
    """A rich table of the findings (waived ones last, dimmed)."""
    table = new_table(title, [("level", "id"), ("rule", "id"), ("object", "id"), ("message", "text")])
    colors = {"error": "red", "warn": "yellow", "info": "cyan"}
    for v in sorted(violations, key=lambda v: v.waived):
        level = f"[{colors[v.level]}]{v.level}[/]" if not v.waived else f"[dim]{v.level} (waived)[/]"
        message = escape(v.message)
        if v.waived:
            message = f"[dim]{message} — waived: {escape(v.waiver or '')}[/]"
        table.add_row(level, v.rule, escape(v.object), message)
    return table


def summary_line(violations: Sequence[Violation], failing: Sequence[Violation], fail_level: str) -> str:
    counts = Counter(v.level for v in violations if not v.waived)
    waived = sum(1 for v in violations if v.waived)
    parts = [f"{counts.get(level, 0)} {level}" for level in ("error", "warn", "info")]
    verdict = f"{len(failing)} at or above {fail_level}" if failing else f"none at or above {fail_level}"
    return f"{', '.join(parts)}, {waived} waived; {verdict}"


def as_json(
    violations: Sequence[Violation], failing: Sequence[Violation], fail_level: str, target: str
) -> dict[str, Any]:
    return {
        "target": target,
        "fail_level": fail_level,
        "failed": bool(failing),
        "violations": [
            {
                "rule": v.rule,
                "level": v.level,
                "object": v.object,
                "message": v.message,
                "waived": v.waived,
                "waiver_reason": v.waiver,
            }
            for v in violations
        ],
    }


def as_sarif(violations: Sequence[Violation], rules: Sequence[Rule], target: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, every rule in `tool.driver.rules`, findings as results whose
    location is the database object (a logical location); waived findings carry a suppression."""
    index = {rule.id: n for n, rule in enumerate(rules)}
    driver = {
        "name": "samia-lint",
        "version": __version__,
        "informationUri": "https://github.com/samia-tarot/samia-schema",
        "rules": [
            {
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.title},
                "helpUri": _DOCS.format(id=rule.id),
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.level]},
                "properties": {"category": rule.category},
            }
            for rule in rules
        ],
    }
    results = []
    for v in violations:
        result: dict[str, Any] = {
            "ruleId": v.rule,
            "ruleIndex": index.get(v.rule, -1),
            "level": _SARIF_LEVEL[v.level],
            "message": {"text": f"{v.object}: {v.message}"},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": v.object, "kind": "object"}]}],
            "partialFingerprints": {"samiaObject/v1": f"{v.rule}:{v.object}"},
        }
        if v.waived:
            result["suppressions"] = [{"kind": "external", "justification": v.waiver}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results, "properties": {"target": target}}],
    }


def rules_view(rules: Sequence[Rule]) -> Table:
    """`samia lint --rules`: every rule with its level and category."""
    table = new_table("lint rules", [("rule", "id"), ("level", "id"), ("category", "id"), ("title", "text")])
    for rule in rules:
        table.add_row(rule.id, rule.level, rule.category, rule.title)
    return table


def rules_json(rules: Sequence[Rule]) -> list[dict[str, str]]:
    return [{"id": r.id, "level": r.level, "category": r.category, "title": r.title, "doc": _DOCS.format(id=r.id)}
            for r in rules]
