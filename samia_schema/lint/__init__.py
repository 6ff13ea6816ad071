"""Security and performance lints over a catalog snapshot; one rule per module in `rules/`.

Example:
    >>> with connect(dsn) as conn:
    ...     violations = lint_database(conn, load_lint_config())
    >>> [v.rule for v in failing(violations, "warn")]
    []
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import psycopg

from samia_schema.catalog import Catalog, snapshot
from samia_schema.errors import DatabaseError
from samia_schema.lint.config import LintConfig, Waiver, load_lint_config
from samia_schema.lint.model import (
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
from samia_schema.lint.rules import RULES, RULES_BY_ID
from samia_schema.project import static_sql

if TYPE_CHECKING:
    from samia_schema.config import Settings

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
    "lint_templates",
    "load_lint_config",
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
    settings: Settings | None = None,
) -> tuple[Facts, tuple[str, ...]]:
    """Read what the rules need beyond the catalog; returns the facts and the schemas to snapshot.

    Exposed schemas = public, graphql_public, pgrst.db_schemas (authenticator or database setting),
    the chat schema of `settings`, and `exposed_schemas` of the lint config.
    """
    config = config or LintConfig()
    try:
        schemas_row = _rows(conn, "schemas")[0]
        schemas = tuple(schemas_row[0])
        exposed = set(DEFAULT_EXPOSED) | set(config.exposed_schemas)
        exposed |= {s.strip().strip('"') for s in (schemas_row[1] or "").split(",") if s.strip()}
        if settings is not None:
            exposed.add(settings.schema)
        params = {"schemas": list(schemas)}
        operators = {(r[0], r[1], int(r[2])): frozenset(r[3]) for r in _rows(conn, "index_operators", params)}
        views = tuple(
            View(r[0], r[1], bool(r[2]), bool(r[3]), bool(r[4]), frozenset(r[5]))
            for r in _rows(conn, "views", params)
        )
        extensions = tuple((r[0], r[1]) for r in _rows(conn, "extensions"))
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"lint: reading the catalog failed: {first}") from exc
    facts = Facts(frozenset(exposed), operators, views, extensions, int(schemas_row[2]))
    return facts, schemas


def lint_database(
    conn: psycopg.Connection[Any],
    config: LintConfig | None = None,
    settings: Settings | None = None,
) -> tuple[Violation, ...]:
    """Snapshot every non-system schema of a live database and lint it."""
    facts, schemas = collect_facts(conn, config, settings)
    return lint(snapshot(conn, schemas), config, facts)


def lint_templates(settings: Settings, config: LintConfig | None = None) -> tuple[Violation, ...]:
    """Lint the rendered templates: apply them to a throwaway embedded Postgres, then lint that."""
    from samia_schema.apply import apply, bootstrap
    from samia_schema.db import connect
    from samia_schema.engines import embedded_postgres
    from samia_schema.render import render

    plan = render(settings)
    with embedded_postgres() as pg, connect(pg.dsn, autocommit=True) as conn:
        bootstrap(conn)
        apply(conn, plan, settings)
        return lint_database(conn, config, settings)
