"""Run online steps after the transaction commits: session timeouts, bounded retries, cleanup.

Each step runs on an autocommit connection with `lock_timeout` (the apply's) and
`statement_timeout` = `online_timeout`, both restored afterwards. A step that reaches
lock_timeout (or loses a deadlock) is retried up to `lock_retries` times with exponential backoff
and jitter. An index build that fails leaves an INVALID index: it is dropped (concurrently)
before the retry, and before the error is reported. A validation that fails on the data drops
the NOT VALID constraint again when this apply added it, so a rerun starts from the same state.

Example:
    >>> run_steps(conn, online.steps, ws.settings, progress=print)
    (StepResult(step=Step(...), outcome='done', attempts=1, seconds=12.3), ...)
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..config import DURATION_RE, Settings
from ..db import execute_script
from ..errors import DatabaseError, first_line
from ..resources import static_sql
from .steps import Step

RETRYABLE = frozenset({"55P03", "40P01"})  # lock_not_available (lock_timeout), deadlock_detected
_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}
MAX_DELAY = 10.0
Progress = Callable[[str], None]


def seconds(duration: str) -> float:
    """'200ms' -> 0.2 (the config's duration syntax)."""
    found = DURATION_RE.match(duration)
    if not found:
        raise ValueError(duration)
    return int(found.group(1)) * _UNITS[found.group(2)]


def backoff(settings: Settings, attempt: int) -> float:
    """Seconds to wait before retry `attempt` (1, 2, …): doubling from lock_retry_delay, ±50% jitter."""
    base = min(seconds(settings.lock_retry_delay) * 2 ** (attempt - 1), MAX_DELAY)
    return float(base * random.uniform(0.5, 1.5))  # jitter, not security


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error, or of the driver error a DatabaseError wraps."""
    for candidate in (exc, exc.__cause__):
        state = getattr(candidate, "sqlstate", None)
        if state:
            return str(state)
    return None


def retryable(exc: BaseException) -> bool:
    return sqlstate(exc) in RETRYABLE


@dataclass(frozen=True)
class StepResult:
    """What happened to a step: done, skipped (already done), or would run (dry run)."""

    step: Step
    outcome: str
    attempts: int = 0
    seconds: float = 0.0


@contextmanager
def session_timeouts(conn: psycopg.Connection[Any], lock_timeout: str, statement_timeout: str) -> Iterator[None]:
    """Session-level timeouts for statements that cannot run in a transaction; restored on exit."""
    names = ("lock_timeout", "statement_timeout")
    row = conn.execute("select current_setting('lock_timeout'), current_setting('statement_timeout')").fetchone()
    before = tuple(row) if row else ("0", "0")
    for name, value in zip(names, (lock_timeout, statement_timeout), strict=True):
        conn.execute("select set_config(%s, %s, false)", (name, value))
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:
            for name, value in zip(names, before, strict=True):
                conn.execute("select set_config(%s, %s, false)", (name, value))


def index_state(conn: psycopg.Connection[Any], schema: str, name: str) -> str:
    """'valid', 'invalid' or 'absent': the index `schema.name` now."""
    row = conn.execute(static_sql("online/index_state.sql"), (schema, name)).fetchone()
    if row is None:
        return "absent"
    return "valid" if row[0] else "invalid"


def drop_invalid(conn: psycopg.Connection[Any], schema: str, name: str) -> bool:
    """Drop `schema.name` concurrently if it is an INVALID index (a failed concurrent build's leftover)."""
    if index_state(conn, schema, name) != "invalid":
        return False
    conn.execute(sql.SQL("drop index concurrently if exists {}").format(sql.Identifier(schema, name)))
    return True


def child_index_name(partition: str, index: str) -> str:
    """The name of `index`'s index on `partition`: both names, shortened with a digest past 63 bytes."""
    name = f"{partition}_{index}"
    if len(name.encode()) <= 63:
        return name
    return f"{name.encode()[:54].decode(errors='ignore')}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _partition_index_build(conn: psycopg.Connection[Any], step: Step, label: str) -> str:
    """The parent's index ON ONLY, then per partition: build concurrently (an INVALID leftover
    dropped first) and attach. Resumable: what is attached already is left as it is."""
    if index_state(conn, step.schema, step.target) == "valid":
        return "skipped"
    execute_script(conn, step.sql, label=label)
    rows = conn.execute(static_sql("online/partition_indexes.sql"),
                        {"table": step.relation, "schema": step.schema, "index": step.target}).fetchall()
    for schema, partition, attached in rows:
        if attached:
            continue
        child = child_index_name(partition, step.target)
        drop_invalid(conn, schema, child)
        build = sql.SQL("create index concurrently if not exists {} on {}").format(
            sql.Identifier(child), sql.Identifier(schema, partition)).as_string(conn) + step.definition
        execute_script(conn, build, label=f"{label}: {schema}.{partition}")
        conn.execute(sql.SQL("alter index {} attach partition {}").format(
            sql.Identifier(step.schema, step.target), sql.Identifier(schema, child)))
    return "done"


def _attempt(conn: psycopg.Connection[Any], step: Step) -> str:
    """Run a step once; 'done' or 'skipped' (already there / already gone / already validated)."""
    label = f"unit {step.unit} (statement {step.number}, online: {step.label})"
    if step.kind == "partition_index_build":
        return _partition_index_build(conn, step, label)
    if step.kind == "index_build":
        state = index_state(conn, step.schema, step.target)
        if state == "valid":
            return "skipped"
        if state == "invalid":
            drop_invalid(conn, step.schema, step.target)
        execute_script(conn, step.sql, label=label)
        return "done"
    if step.kind == "index_drop":
        if index_state(conn, step.schema, step.target) == "absent":
            return "skipped"
        execute_script(conn, step.sql, label=label)
        return "done"
    with conn.transaction():
        row = conn.execute(static_sql("online/constraint_state.sql"), (step.relation, step.target)).fetchone()
        if row is not None and row[0]:
            return "skipped"
        execute_script(conn, step.sql, label=label)
    return "done"


def _undo(conn: psycopg.Connection[Any], step: Step, settings: Settings) -> str:
    """After a step failed for good: drop what it left behind. Returns what was done, for the message."""
    try:
        if step.kind == "index_build" and drop_invalid(conn, step.schema, step.target):
            return f"the INVALID index {step.schema}.{step.target} was dropped"
        if step.kind == "validate" and step.added:
            statement = sql.SQL("alter table {} drop constraint if exists {}").format(
                sql.Identifier(step.schema, step.table_name), sql.Identifier(step.target))
            with session_timeouts(conn, settings.lock_timeout, settings.statement_timeout):
                conn.execute(statement)
            return f"the NOT VALID constraint {step.target} was dropped again"
    except psycopg.Error as exc:
        return f"cleaning up failed too: {first_line(exc)}"
    return "nothing was left behind"


def run_step(conn: psycopg.Connection[Any], step: Step, settings: Settings,
             progress: Progress | None = None) -> StepResult:
    """One step with lock_timeout retries; on a lasting failure, clean up and raise DatabaseError."""
    started = time.monotonic()
    attempt = 0
    with session_timeouts(conn, settings.lock_timeout, settings.online_timeout):
        while True:
            attempt += 1
            try:
                outcome = _attempt(conn, step)
                return StepResult(step, outcome, attempt, time.monotonic() - started)
            except (DatabaseError, psycopg.Error) as exc:
                if retryable(exc) and attempt <= settings.lock_retries:
                    if step.kind == "index_build":
                        drop_invalid(conn, step.schema, step.target)
                    delay = backoff(settings, attempt)
                    if progress:
                        progress(f"{step.label}: {first_line(exc.__cause__ or exc)}; retry {attempt} of "
                                 f"{settings.lock_retries} in {delay:.1f}s")
                    time.sleep(delay)
                    continue
                cleanup = _undo(conn, step, settings)
                reason = str(exc) if isinstance(exc, DatabaseError) else first_line(exc)
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise DatabaseError(f"apply: {reason}{tries}; {cleanup}; the unit is not recorded (its "
                                    "transactional part is committed): fix the cause and run samia apply again"
                                    ) from exc


def run_steps(conn: psycopg.Connection[Any], steps: Sequence[Step], settings: Settings,
              progress: Progress | None = None) -> tuple[StepResult, ...]:
    """Every step in order (the first lasting failure stops the apply)."""
    results = []
    for step in steps:
        if progress:
            progress(f"online: {step.label} ({step.unit})")
        results.append(run_step(conn, step, settings, progress))
    return tuple(results)
