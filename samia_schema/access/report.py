"""Verification reports: a rich matrix table, JSON, and JUnit XML (one testcase per cell)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..reports import new_table
from .verify import Outcome, Report, SabotageResult
from .vocabulary import Vocabulary


def _rows(report: Report) -> tuple[list[str], list[tuple[str, str]]]:
    personas: list[str] = []
    rows: list[tuple[str, str]] = []
    for o in report.outcomes:
        if o.persona not in personas:
            personas.append(o.persona)
        if (o.resource, o.operation) not in rows:
            rows.append((o.resource, o.operation))
    return personas, rows


def matrix_table(report: Report) -> Table:
    """Personas across, resource/operation down; ✓ level, or ✗ expected → observed."""
    personas, rows = _rows(report)
    cells = {o.key: o for o in report.outcomes}
    title = f"access matrix ({report.matrix_source})"
    table = new_table(title, [("resource / operation", "id"), *((p, "flag") for p in personas)])
    for resource, operation in rows:
        line = [f"{resource} {operation}"]
        for persona in personas:
            o = cells.get((resource, operation, persona))
            if o is None:
                line.append("")
            elif o.passed:
                line.append(f"[green]✓[/] {o.observed}")
            else:
                line.append(f"[red]✗ {o.expected}→{o.observed}[/]")
        table.add_row(*line)
    return table


def failure_lines(report: Report) -> list[Text]:
    """One red line per failing cell (plain text: details may hold brackets)."""
    return [Text(f"✗ {o.resource} {o.operation} as {o.persona}: expected {o.expected}, observed {o.observed} — "
                 f"{o.detail}", style="red") for o in report.failures]


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "resource": o.resource, "operation": o.operation, "persona": o.persona, "expected": o.expected,
        "observed": o.observed, "passed": o.passed, "detail": o.detail,
        "attempts": [{"name": a.name, "succeeded": a.succeeded, "detail": a.detail, "audit_problem": a.audit_problem}
                     for a in o.attempts],
    }


def to_json(report: Report, extra: dict[str, Any] | None = None) -> str:
    body = {
        "passed": report.passed, "cells": len(report.outcomes), "failures": len(report.failures),
        "seconds": round(report.seconds, 3), "matrix": report.matrix_source,
        "outcomes": [_outcome_json(o) for o in report.outcomes], **(extra or {}),
    }
    return json.dumps(body, indent=2, default=str)


def to_junit(report: Report) -> str:
    """JUnit XML: one <testcase classname="resource.operation" name="persona"> per cell."""
    suite = ET.Element("testsuite", {
        "name": "samia-verify", "tests": str(len(report.outcomes)), "failures": str(len(report.failures)),
        "errors": "0", "skipped": "0", "time": f"{report.seconds:.3f}",
    })
    for o in report.outcomes:
        case = ET.SubElement(suite, "testcase", {"classname": f"{o.resource}.{o.operation}", "name": o.persona,
                                                 "time": "0"})
        if not o.passed:
            failure = ET.SubElement(case, "failure", {
                "message": f"expected {o.expected}, observed {o.observed}", "type": "AccessMismatch"})
            failure.text = o.detail
    suites = ET.Element("testsuites", {"tests": suite.get("tests", "0"), "failures": suite.get("failures", "0")})
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def self_test_table(results: tuple[SabotageResult, ...]) -> Table:
    table = new_table("self-test: planted sabotages", [("sabotage", "id"), ("what it plants", "text"),
                                                       ("killed", "flag"), ("cells that caught it", "text")])
    for r in results:
        caught = ", ".join(sorted({f"{o.resource}.{o.operation}" for o in r.failures}))
        table.add_row(escape(r.name), escape(r.description), "[green]yes[/]" if r.killed else "[red]NO[/]",
                      escape(caught))
    return table


def vocabulary_table(vocabulary: Vocabulary) -> Table:
    """`samia verify --list`: the resources, operations and levels a matrix may declare."""
    table = new_table("matrix vocabulary", [("resource", "id"), ("operation", "id"), ("kind", "id"),
                                            ("levels", "text")])
    for resource, operations in vocabulary.items():
        for operation, probe in operations.items():
            table.add_row(resource, operation, type(probe).__name__.removesuffix("Probe").lower(),
                          " | ".join(probe.levels))
    return table
