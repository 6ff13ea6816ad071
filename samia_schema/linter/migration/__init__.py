"""Migration-safety lint: rules over the rendered units' statements, as `samia apply` would run them.

Catalog rules (`samia_schema/linter/rules/`) look at a database; these look at what the units do
to tables that already exist: what the online apply cannot make harmless (a volatile default, a
column type change, a NOT NULL without a validated check, an index it cannot build concurrently,
…). Each rule is one module in `rules/` with a doc page (docs/rules/<id>.md) and good/bad fixtures
(tests/fixtures/migration_lint/<id>/). Without a database every table a unit does not create is
taken to exist; with one, the live catalog decides (docs/online-apply.md).

Example:
    >>> [v.rule for v in lint_migrations(ws.plan.units, None, LintConfig())]
    []
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from samia_schema.linter.config import LintConfig
from samia_schema.linter.model import LEVELS, BaseRule, Finding, Violation, load_rules
from samia_schema.online.analysis import Analysis, analyze
from samia_schema.online.steps import Placed, plan_online
from samia_schema.resources import static_sql
from samia_schema.splitting import split_statements
from samia_schema.units import Unit


@dataclass(frozen=True)
class Item:
    """One statement: where apply would run it (`placed`), its analysis and its text."""

    placed: Placed
    analysis: Analysis
    sql: str

    @property
    def object(self) -> str:
        """How findings and waivers name it: `<unit>:<statement number>`."""
        return f"{self.placed.unit}:{self.placed.number}"

    @property
    def on_existing(self) -> bool:
        return bool(self.placed.locks)

    def causes(self) -> frozenset[str]:
        """Hazard causes left in the transaction on an existing table."""
        if self.placed.where != "transaction" or not self.on_existing:
            return frozenset()
        return frozenset(h.cause for h in self.placed.hazards)

    @property
    def table(self) -> str:
        return self.placed.locks[0].relation if self.placed.locks else "?"


@dataclass(frozen=True)
class MigrationContext:
    """The statements of the linted units, and (with a database) the validated NOT NULL checks."""

    items: tuple[Item, ...]
    not_null_checks: frozenset[tuple[str, str]] = frozenset()  # (table as regclass text, column)


Check = Callable[[MigrationContext], Iterable[Finding]]


@dataclass(frozen=True)
class MigrationRule(BaseRule[MigrationContext]):
    """A migration-safety rule (category 'migration'), over a MigrationContext."""


def migration_rule(rule_id: str, level: str, title: str, check: Check) -> MigrationRule:
    return MigrationRule(rule_id, level, title, "migration", check)


def context(units: Sequence[Unit], conn: psycopg.Connection[Any] | None) -> MigrationContext:
    """Each unit placed on its own, as if only it were pending (against `conn`, or assumed tables)."""
    items: list[Item] = []
    for unit in units:
        placed = plan_online(conn, [unit]).statements
        texts = dict(enumerate(split_statements(unit.sql), 1))
        items += [Item(p, analyze(texts[p.number]), texts[p.number]) for p in placed]
    checks: frozenset[tuple[str, str]] = frozenset()
    if conn is not None:
        checks = frozenset((r[0], r[1]) for r in conn.execute(static_sql("online/not_null_checks.sql")).fetchall())
    return MigrationContext(tuple(items), checks)


def lint_migrations(units: Sequence[Unit], conn: psycopg.Connection[Any] | None, config: LintConfig,
                    rules: Iterable[MigrationRule] | None = None) -> tuple[Violation, ...]:
    """Run the migration rules over `units`; waived findings are kept, marked with their reason."""
    ctx = context(units, conn)
    found: set[Violation] = set()
    for rule in rules if rules is not None else MIGRATION_RULES:
        for finding in rule.check(ctx):
            waiver = config.waiver_for(rule.id, finding.object)
            found.add(Violation(rule.id, rule.level, finding.object, finding.message,
                                waiver.reason if waiver else None))
    return tuple(sorted(found, key=lambda v: (-LEVELS.index(v.level), v.key)))


def by_cause(cause: str, message: Callable[[Item], str]) -> Check:
    """A check reporting every statement whose `cause` stays in the transaction on an existing table."""

    def check(ctx: MigrationContext) -> Iterable[Finding]:
        return [Finding(item.object, message(item)) for item in ctx.items if cause in item.causes()]

    return check


def _load() -> tuple[MigrationRule, ...]:
    from . import rules

    return load_rules(rules, MigrationRule)


MIGRATION_RULES: tuple[MigrationRule, ...] = _load()
MIGRATION_RULES_BY_ID: dict[str, MigrationRule] = {r.id: r for r in MIGRATION_RULES}
