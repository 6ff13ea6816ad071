"""Plan and apply: advisory lock, a transactional part, online steps, one history with the Supabase CLI.

`apply_plan` is the one place the Supabase bootstrap and the units are executed: every command,
fixture and shadow database goes through it. A unit runs statement by statement, split as the
Supabase CLI splits its migration file, and is recorded in samia.ledger and (when it has
migration files) in supabase_migrations.schema_migrations, one row per file, as the CLI records
them (docs/migration-history.md). Index builds and constraint validations on existing tables run
after the transaction commits, and the units are recorded only when they are done
(docs/online-apply.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from . import __version__
from .config import Settings
from .db import execute_script
from .errors import ConfigError, DatabaseError, DestructiveChangeRefused, LedgerDriftError, first_line
from .history import ForeignMigration, History, UnitStatus, is_destructive, read_history
from .migrations import LocalHistory, local_history
from .online.run import Progress, StepResult, backoff, drop_invalid, retryable, run_steps, session_timeouts
from .online.steps import OnlinePlan, plan_online
from .resources import static_sql
from .splitting import split_statements
from .units import Plan, Unit

__all__ = ["APPLY_LOCK_KEY", "ApplyResult", "UnitStatus", "apply_plan", "bootstrap", "is_destructive", "plan_status"]

APPLY_LOCK_KEY = 7_262_846_321  # one advisory lock for every samia apply on a database
_T = TypeVar("_T")


@dataclass(frozen=True)
class ApplyResult:
    statuses: tuple[UnitStatus, ...]
    applied: tuple[str, ...]
    dry_run: bool
    seconds: float
    foreign: tuple[ForeignMigration, ...] = ()
    online: OnlinePlan = OnlinePlan()  # where each statement of the pending units ran
    steps: tuple[StepResult, ...] = ()  # the online steps (outcome "would run" in a dry run)
    attempts: int = 1  # of the transactional part (lock_timeout retries + 1)
    cleaned: tuple[str, ...] = ()  # INVALID indexes dropped before the transaction (dry run: would be)


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


def run_unit(conn: psycopg.Connection[Any], unit: Unit, statements: Sequence[tuple[int, str]] | None = None) -> None:
    """Run a unit's statements one by one, as `supabase db push` runs its migration file.

    `statements` ((number, sql) pairs) replaces them with the transactional part of an online
    apply (index builds moved out, constraints NOT VALID); the numbers stay the file's.
    """
    every = split_statements(unit.sql)
    chosen = statements if statements is not None else tuple(enumerate(every, 1))
    for number, statement in chosen:
        execute_script(conn, statement, label=f"unit {unit.name} (statement {number} of {len(every)})")


def record_unit(conn: psycopg.Connection[Any], unit: Unit, status: UnitStatus, local: LocalHistory) -> None:
    """samia.ledger gets the application; schema_migrations a row for every file of the unit."""
    conn.execute(static_sql("history/record_unit.sql"), (unit.name, status.version, unit.checksum, __version__))
    for file in local.files(unit.name):
        conn.execute(static_sql("history/record_migration.sql"), (file.version, file.name, list(file.statements)))


@dataclass(frozen=True)
class _Run:
    """One apply's inputs (what every phase needs)."""

    conn: psycopg.Connection[Any]
    plan: Plan
    settings: Settings
    local: LocalHistory
    dry_run: bool
    allow_destructive: bool
    run_bootstrap: bool
    progress: Progress | None

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def transaction(self, online: OnlinePlan | None, record: bool) -> tuple[History, OnlinePlan]:
        """The transactional part: lock, timeouts, bootstrap, ledger, refusals, units, (records).

        `online` is the placement decided before the transaction (None: every statement as written)."""
        conn = self.conn
        conn.execute("select pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))
        conn.execute("select set_config('lock_timeout', %s, true)", (self.settings.lock_timeout,))
        conn.execute("select set_config('statement_timeout', %s, true)", (self.settings.statement_timeout,))
        if self.run_bootstrap:
            bootstrap(conn)
        execute_script(conn, static_sql("ledger.sql"), label="ledger")
        history = read_history(conn, self.plan, self.local)  # read under the lock: a concurrent apply is done
        _refuse(history, self.allow_destructive)
        pending = [self.plan.unit(s.name) for s in history.units if s.pending]
        if online is None:
            online = plan_online(conn, pending, online=False)
        elif {p.unit for p in online.statements} != {u.name for u in pending if split_statements(u.sql)}:
            raise DatabaseError("apply: the migration history changed while the apply started; run it again")
        for unit in pending:
            run_unit(conn, unit, online.transactional(unit.name))
        if record:
            self.record(history)
        return history, online

    def record(self, history: History) -> None:
        for status in history.units:
            if status.pending:
                record_unit(self.conn, self.plan.unit(status.name), status, self.local)

    def retrying(self, what: str, body: Callable[[], _T]) -> tuple[_T, int]:
        """`body` in a transaction, again (after a backoff) when lock_timeout is reached."""
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.conn.transaction(force_rollback=self.dry_run and what == "apply"):
                    return body(), attempt
            except (DatabaseError, psycopg.Error) as exc:
                if not retryable(exc):
                    raise
                if attempt > self.settings.lock_retries:
                    raise DatabaseError(f"{what}: lock_timeout ({self.settings.lock_timeout}) reached "
                                        f"{attempt} times, nothing changed: {first_line(exc.__cause__ or exc)}"
                                        ) from exc
                delay = backoff(self.settings, attempt)
                self.say(f"{what}: {first_line(exc.__cause__ or exc)}; retry {attempt} of "
                         f"{self.settings.lock_retries} in {delay:.1f}s")
                time.sleep(delay)


def _online(run: _Run, started: float) -> ApplyResult:
    """Under the session lock: refusals and placement first, then the transaction, the online
    steps, and the records (one history shows a unit only when all its parts are done)."""
    conn, settings = run.conn, run.settings
    before = read_history(conn, run.plan, run.local)
    _refuse(before, run.allow_destructive)
    online = plan_online(conn, [run.plan.unit(s.name) for s in before.units if s.pending])
    cleaned = tuple(f"{schema}.{name}" for schema, name in online.invalid)
    if not run.dry_run:
        with session_timeouts(conn, settings.lock_timeout, settings.online_timeout):
            cleaned = tuple(f"{schema}.{name}" for schema, name in online.invalid if drop_invalid(conn, schema, name))
    (history, online), attempts = run.retrying("apply", lambda: run.transaction(online, record=not online.steps))
    if run.dry_run:
        steps = tuple(StepResult(step, "would run") for step in online.steps)
    elif online.steps:
        steps = run_steps(conn, online.steps, settings, run.progress)
        run.retrying("record", lambda: _record_after(run))
    else:
        steps = ()
    return ApplyResult(history.units, tuple(s.name for s in history.units if s.pending), run.dry_run,
                       time.monotonic() - started, history.foreign, online, steps, attempts, cleaned)


def _record_after(run: _Run) -> None:
    run.conn.execute("select set_config('lock_timeout', %s, true)", (run.settings.lock_timeout,))
    run.record(read_history(run.conn, run.plan, run.local))


def apply_plan(
    conn: psycopg.Connection[Any],
    plan: Plan,
    settings: Settings,
    *,
    migrations_dir: Path | None = None,
    dry_run: bool = False,
    allow_destructive: bool = False,
    run_bootstrap: bool = True,
    online: bool = True,
    progress: Progress | None = None,
) -> ApplyResult:
    """Bootstrap the missing Supabase parts and apply every pending unit: a transactional part, then
    the online steps (docs/online-apply.md).

    `conn` must be in autocommit mode. One advisory lock is held for the whole apply; refusals
    (drift, order, destructive) and stale files change nothing. The transactional part is atomic
    and retried (with backoff) when lock_timeout is reached; `dry_run` runs it, the bootstrap
    included, then rolls back and lists the online steps it would run. Index builds on existing
    tables run concurrently after it commits, new constraints are validated then, and the units
    are recorded when every step is done. With `online=False`, or when `conn` is already in a
    transaction, everything runs in one transaction as written (as `supabase db push` runs it).

    Example:
        >>> apply_plan(connect(dsn, autocommit=True), ws.plan, ws.settings).applied
        ('000_schemas', '010_tables', ...)
    """
    started = time.monotonic()
    local = local_history(plan, migrations_dir)  # stale files: a usage error, before any database work
    run = _Run(conn, plan, settings, local, dry_run, allow_destructive, run_bootstrap, progress)
    nested = not conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    try:
        if nested:
            with conn.transaction(force_rollback=dry_run):
                history, placed = run.transaction(None, record=True)
            return ApplyResult(history.units, tuple(s.name for s in history.units if s.pending), dry_run,
                               time.monotonic() - started, history.foreign, placed)
        conn.execute("select pg_advisory_lock(%s)", (APPLY_LOCK_KEY,))
        try:
            if online:
                return _online(run, started)
            (history, placed), attempts = run.retrying("apply", lambda: run.transaction(None, record=True))
            return ApplyResult(history.units, tuple(s.name for s in history.units if s.pending), dry_run,
                               time.monotonic() - started, history.foreign, placed, (), attempts)
        finally:
            if not conn.broken:
                conn.execute("select pg_advisory_unlock(%s)", (APPLY_LOCK_KEY,))
    except psycopg.errors.LockNotAvailable as exc:
        raise DatabaseError(f"apply: lock_timeout ({settings.lock_timeout}) reached: {first_line(exc)}") from exc
    except psycopg.Error as exc:
        raise DatabaseError(f"apply: {first_line(exc)}") from exc
