"""Security and performance lints over a catalog snapshot; one rule per module in `rules/`.

Example:
    >>> with connect(dsn) as conn:
    ...     violations = lint_database(conn, ws.lint_config, ws.pack.exposed_schemas(ws.settings))
    >>> [v.rule for v in failing(violations, "warn")]
    []
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from samia_schema.catalog import Catalog, snapshot
from samia_schema.errors import DatabaseError, first_line
from samia_schema.linter.config import LintConfig, Waiver, lint_config_from
from samia_schema.linter.model import (
    DEFAULT_EXPOSED,
    LEVELS,
    Facts,
    Finding,
    LintContext,
    Rule,
    View,
    Violation,
    at_least,
)
from samia_schema.linter.rules import RULES, RULES_BY_ID
from samia_schema.resources import static_sql

__all__ = [
    "LEVELS",
    "RULES",
    "RULES_BY_ID",
    "Facts",
    "Finding",
    "LintConfig",
    "LintContext",
    "Rule",
    "View",
    "Violation",
    "Waiver",
    "collect_facts",
    "failing",
    "lint",
    "lint_database",
    "lint_config_from",
]


def lint(
    catalog: Catalog,
    config: LintConfig | None = None,
    facts: Facts | None = None,
    *,
    rules: Iterable[Rule] | None = None,
) -> tuple[Violation, ...]:
    """Run the rules over a catalog; waived findings are kept, marked with their waiver reason.

    Example:
        >>> lint(snapshot(conn), LintConfig(), collect_facts(conn))
        (Violation(rule='rls_disabled_in_public', level='error', object='public.notes', ...),)
    """
    config = config or LintConfig()
    ctx = LintContext(catalog, facts or Facts(), config)
    found: set[Violation] = set()
    for rule in rules if rules is not None else RULES:
        for finding in rule.check(ctx):
            waiver = config.waiver_for(rule.id, finding.object)
            found.add(
                Violation(
                    rule.id, rule.level, finding.object, finding.message, waiver.reason if waiver else None
                )
            )
    return tuple(sorted(found, key=lambda v: (-LEVELS.index(v.level), v.key)))


def failing(violations: Iterable[Violation], fail_level: str) -> tuple[Violation, ...]:
    """Unwaived violations at or above `fail_level`."""
    return tuple(v for v in violations if not v.waived and at_least(v.level, fail_level))


def _rows(
    conn: psycopg.Connection[Any], name: str, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    query = static_sql(f"lint/{name}.sql")
    if params is None:
        return conn.execute(query.encode()).fetchall()
    return conn.execute(query.encode(), params).fetchall()


def collect_facts(
    conn: psycopg.Connection[Any],
    config: LintConfig | None = None,
    exposed_schemas: Iterable[str] = (),
) -> tuple[Facts, tuple[str, ...]]:
    """Read what the rules need beyond the catalog; returns the facts and the schemas to snapshot.

    Exposed schemas = public, graphql_public, pgrst.db_schemas (authenticator or database setting),
    `exposed_schemas` (the pack's) and `exposed_schemas` of the lint config.
    """
    config = config or LintConfig()
    try:
        schemas_row = _rows(conn, "schemas")[0]
        schemas = tuple(schemas_row[0])
        exposed = set(DEFAULT_EXPOSED) | set(config.exposed_schemas)
        exposed |= {s.strip().strip('"') for s in (schemas_row[1] or "").split(",") if s.strip()}
        exposed |= set(exposed_schemas)
        params = {"schemas": list(schemas)}
        operators = {(r[0], r[1], int(r[2])): frozenset(r[3]) for r in _rows(conn, "index_operators", params)}
        views = tuple(
            View(r[0], r[1], bool(r[2]), bool(r[3]), bool(r[4]), frozenset(r[5]))
            for r in _rows(conn, "views", params)
        )
        extensions = tuple((r[0], r[1]) for r in _rows(conn, "extensions"))
        relations = tuple((r[0], r[1], r[2]) for r in _rows(conn, "relations", params))
        foreign_keys = tuple((f"{r[0]}.{r[1]}.{r[2]}", r[3], r[4], r[5]) for r in _rows(conn, "foreign_keys", params))
    except psycopg.Error as exc:
        raise DatabaseError(f"lint: reading the catalog failed: {first_line(exc)}") from exc
    facts = Facts(frozenset(exposed), operators, views, extensions, int(schemas_row[2]), relations, foreign_keys)
    return facts, schemas


def lint_database(
    conn: psycopg.Connection[Any],
    config: LintConfig | None = None,
    exposed_schemas: Iterable[str] = (),
) -> tuple[Violation, ...]:
    """Snapshot every non-system schema of a live database and lint it."""
    facts, schemas = collect_facts(conn, config, exposed_schemas)
    return lint(snapshot(conn, schemas), config, facts)
