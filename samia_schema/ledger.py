"""Plan and apply: advisory lock, one transaction, a checksum ledger Supabase's CLI agrees with.

`apply_plan` is the one place the Supabase bootstrap and the units are executed: every command,
fixture and shadow database goes through it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from . import __version__
from .config import Settings
from .db import execute_script
from .errors import DatabaseError, DestructiveChangeRefused, LedgerDriftError, first_line
from .migrations import Versioned, assign_versions, migration_name
from .resources import static_sql
from .units import Plan

APPLY_LOCK_KEY = 7_262_846_321  # one advisory lock for every samia apply on a database
_DESTRUCTIVE = re.compile(
    r"^\s*(drop\s+(table|schema|view|materialized\s+view|type|sequence)\b|truncate\b|delete\s+from\b"
    r"|alter\s+table\s+[^;]*\bdrop\s+(column\b|constraint\b))",
    re.IGNORECASE | re.MULTILINE,
)
_COMMENT = re.compile(r"--[^\n]*")


def is_destructive(sql_text: str) -> bool:
    """True when a unit drops or deletes data (dropping and recreating a policy is not)."""
    return bool(_DESTRUCTIVE.search(_COMMENT.sub("", sql_text)))


@dataclass(frozen=True)
class UnitStatus:
    """Where one unit stands against the ledger: new, changed, applied or drift."""

    name: str
    version: str
    checksum: str
    status: str
    recorded_checksum: str | None
    destructive: bool

    @property
    def pending(self) -> bool:
        return self.status in ("new", "changed")


@dataclass(frozen=True)
class ApplyResult:
    statuses: tuple[UnitStatus, ...]
    applied: tuple[str, ...]
    dry_run: bool
    seconds: float


def bootstrap(conn: psycopg.Connection[Any]) -> None:
    """Create the Supabase parts missing on plain Postgres (no-op on Supabase)."""
    execute_script(conn, static_sql("bootstrap.sql"), label="bootstrap")


def _ledger_rows(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    row = conn.execute("select to_regclass('samia.ledger') is not null").fetchone()
    if not row or not row[0]:
        return []
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select unit, version, checksum from samia.ledger order by id").fetchall()


def unit_statuses(conn: psycopg.Connection[Any], versioned: tuple[Versioned, ...]) -> tuple[UnitStatus, ...]:
    """Compare each versioned unit with the ledger."""
    rows = _ledger_rows(conn)
    latest = {r["unit"]: r for r in rows}
    recorded = {(r["unit"], r["version"]): r["checksum"] for r in rows}
    statuses = []
    for v in versioned:
        name, digest = v.unit.name, v.unit.checksum
        under_version = recorded.get((name, v.version))
        last = latest.get(name)
        if under_version is not None and under_version != digest:
            status = "drift"
        elif last is None:
            status = "new"
        elif last["checksum"] == digest:
            status = "applied"
        else:
            status = "changed"
        statuses.append(UnitStatus(
            name, v.version, digest, status, last["checksum"] if last else None, is_destructive(v.unit.sql)
        ))
    return tuple(statuses)


def _recorded_max(conn: psycopg.Connection[Any]) -> str | None:
    row = conn.execute("select to_regclass('supabase_migrations.schema_migrations') is not null").fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute("select max(version) from supabase_migrations.schema_migrations"
                         " where version ~ '^[0-9]{14}$'").fetchone()
    return found[0] if found else None


def _versions(conn: psycopg.Connection[Any], plan: Plan, migrations_dir: Path | None) -> tuple[Versioned, ...]:
    """Versions for the plan: a unit without a migration file keeps the version it was applied under."""
    rows = _ledger_rows(conn)
    recorded = {r["unit"]: (r["version"], r["checksum"]) for r in rows}  # latest row per unit wins
    return assign_versions(plan, migrations_dir, _recorded_max(conn), recorded)


def plan_status(conn: psycopg.Connection[Any], plan: Plan, migrations_dir: Path | None) -> tuple[UnitStatus, ...]:
    """What `apply` would do, without taking the lock or changing anything."""
    return unit_statuses(conn, _versions(conn, plan, migrations_dir))


def _raise_on_drift(statuses: tuple[UnitStatus, ...]) -> None:
    drift = [s for s in statuses if s.status == "drift"]
    if drift:
        names = ", ".join(f"{s.name} (version {s.version})" for s in drift)
        raise LedgerDriftError(
            f"ledger drift: {names} changed after it was applied under the same version; "
            "write a new migration (samia render --supabase) instead of editing an applied one"
        )


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
    first; a failure anywhere leaves the schema and the ledger exactly as they were. `dry_run` runs
    everything, the bootstrap included, then rolls back.

    Example:
        >>> apply_plan(connect(dsn, autocommit=True), ws.plan, ws.settings).applied
        ('000_schemas', '010_tables', ...)
    """
    started = time.monotonic()
    assign_versions(plan, migrations_dir)  # stale migration files are a usage error: fail before connecting work
    try:
        with conn.transaction(force_rollback=dry_run):
            conn.execute("select pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))
            conn.execute("select set_config('lock_timeout', %s, true)", (settings.lock_timeout,))
            conn.execute("select set_config('statement_timeout', %s, true)", (settings.statement_timeout,))
            if run_bootstrap:
                bootstrap(conn)
            execute_script(conn, static_sql("ledger.sql"), label="ledger")
            versioned = _versions(conn, plan, migrations_dir)
            by_name = {v.unit.name: v for v in versioned}
            statuses = unit_statuses(conn, versioned)  # read under the lock: a concurrent apply is done
            _raise_on_drift(statuses)
            pending = [s for s in statuses if s.pending]
            destructive = [s.name for s in pending if s.destructive]
            if destructive and not allow_destructive:
                raise DestructiveChangeRefused(
                    f"destructive units refused: {', '.join(destructive)} (pass --allow-destructive)"
                )
            for status in pending:
                unit = by_name[status.name].unit
                execute_script(conn, unit.sql, label=f"unit {unit.name}")
                conn.execute(
                    "insert into samia.ledger (unit, version, checksum, samia_version) values (%s, %s, %s, %s)",
                    (unit.name, status.version, unit.checksum, __version__),
                )
                conn.execute(
                    "insert into supabase_migrations.schema_migrations (version, name, statements)"
                    " values (%s, %s, %s) on conflict (version) do nothing",
                    (status.version, migration_name(unit), [unit.sql]),
                )
    except psycopg.errors.LockNotAvailable as exc:
        raise DatabaseError(f"apply: lock_timeout ({settings.lock_timeout}) reached: {exc}") from exc
    except psycopg.Error as exc:
        raise DatabaseError(f"apply: {first_line(exc)}") from exc
    return ApplyResult(statuses, tuple(s.name for s in pending), dry_run, time.monotonic() - started)
