"""Plan and apply: advisory lock, one transaction, one migration history with the Supabase CLI.

`apply_plan` is the one place the Supabase bootstrap and the units are executed: every command,
fixture and shadow database goes through it. A unit runs statement by statement, split as the
Supabase CLI splits its migration file, and is recorded in samia.ledger and (when it has
migration files) in supabase_migrations.schema_migrations, one row per file, as the CLI records
them (docs/migration-history.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from . import __version__
from .config import Settings
from .db import execute_script
from .errors import ConfigError, DatabaseError, DestructiveChangeRefused, LedgerDriftError, first_line
from .history import ForeignMigration, History, UnitStatus, is_destructive, read_history
from .migrations import LocalHistory, local_history
from .resources import static_sql
from .splitting import split_statements
from .units import Plan, Unit

__all__ = ["APPLY_LOCK_KEY", "ApplyResult", "UnitStatus", "apply_plan", "bootstrap", "is_destructive", "plan_status"]

APPLY_LOCK_KEY = 7_262_846_321  # one advisory lock for every samia apply on a database


@dataclass(frozen=True)
class ApplyResult:
    statuses: tuple[UnitStatus, ...]
    applied: tuple[str, ...]
    dry_run: bool
    seconds: float
    foreign: tuple[ForeignMigration, ...] = ()


def bootstrap(conn: psycopg.Connection[Any]) -> None:
    """Create the Supabase parts missing on plain Postgres (no-op on Supabase)."""
    execute_script(conn, static_sql("bootstrap.sql"), label="bootstrap")


def plan_status(conn: psycopg.Connection[Any], plan: Plan, migrations_dir: Path | None) -> History:
    """What `apply` would do, without taking the lock or changing anything.

    Example:
        >>> [s.status for s in plan_status(conn, ws.plan, ws.settings.migrations_dir).units][:2]
        ['applied', 'applied']
    """
    return read_history(conn, plan, local_history(plan, migrations_dir))


def _refuse(history: History, allow_destructive: bool) -> None:
    """Drift (exit 5), an order the CLI would refuse (exit 2), destructive units (exit 3)."""
    drift = [s for s in history.units if s.status == "drift"]
    if drift:
        names = ", ".join(f"{s.name} (version {s.version})" for s in drift)
        raise LedgerDriftError(
            f"ledger drift: {names} changed after it was applied under the same version; "
            "write a new migration (samia render --supabase) instead of editing an applied one"
        )
    conflict = history.order_conflict()
    if conflict:
        raise ConfigError(f"apply refused: {conflict}")
    destructive = [s.name for s in history.units if s.pending and s.destructive]
    if destructive and not allow_destructive:
        raise DestructiveChangeRefused(
            f"destructive units refused: {', '.join(destructive)} (pass --allow-destructive)")


def run_unit(conn: psycopg.Connection[Any], unit: Unit) -> None:
    """Run a unit's statements one by one, as `supabase db push` runs its migration file."""
    statements = split_statements(unit.sql)
    for number, statement in enumerate(statements, 1):
        execute_script(conn, statement, label=f"unit {unit.name} (statement {number} of {len(statements)})")


def record_unit(conn: psycopg.Connection[Any], unit: Unit, status: UnitStatus, local: LocalHistory) -> None:
    """samia.ledger gets the application; schema_migrations a row for every file of the unit."""
    conn.execute(static_sql("history/record_unit.sql"), (unit.name, status.version, unit.checksum, __version__))
    for file in local.files(unit.name):
        conn.execute(static_sql("history/record_migration.sql"), (file.version, file.name, list(file.statements)))


def apply_plan(
    conn: psycopg.Connection[Any],
    plan: Plan,
    settings: Settings,
    *,
    migrations_dir: Path | None = None,
    dry_run: bool = False,
    allow_destructive: bool = False,
    run_bootstrap: bool = True,
) -> ApplyResult:
    """Bootstrap the missing Supabase parts and apply every pending unit, in one transaction.

    `conn` must be in autocommit mode (the transaction is managed here). The advisory lock is taken
    first; a failure anywhere leaves the schema and both histories exactly as they were. `dry_run`
    runs everything, the bootstrap included, then rolls back. Stale migration files are refused
    before anything runs.

    Example:
        >>> apply_plan(connect(dsn, autocommit=True), ws.plan, ws.settings).applied
        ('000_schemas', '010_tables', ...)
    """
    started = time.monotonic()
    local = local_history(plan, migrations_dir)  # stale files: a usage error, before any database work
    try:
        with conn.transaction(force_rollback=dry_run):
            conn.execute("select pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))
            conn.execute("select set_config('lock_timeout', %s, true)", (settings.lock_timeout,))
            conn.execute("select set_config('statement_timeout', %s, true)", (settings.statement_timeout,))
            if run_bootstrap:
                bootstrap(conn)
            execute_script(conn, static_sql("ledger.sql"), label="ledger")
            history = read_history(conn, plan, local)  # read under the lock: a concurrent apply is done
            _refuse(history, allow_destructive)
            pending = [s for s in history.units if s.pending]
            for status in pending:
                unit = plan.unit(status.name)
                run_unit(conn, unit)
                record_unit(conn, unit, status, local)
    except psycopg.errors.LockNotAvailable as exc:
        raise DatabaseError(f"apply: lock_timeout ({settings.lock_timeout}) reached: {exc}") from exc
    except psycopg.Error as exc:
        raise DatabaseError(f"apply: {first_line(exc)}") from exc
    return ApplyResult(history.units, tuple(s.name for s in pending), dry_run, time.monotonic() - started,
                       history.foreign)
