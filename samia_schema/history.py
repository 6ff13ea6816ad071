"""One migration history: samia.ledger and the Supabase CLI's schema_migrations, read together.

`supabase_migrations.schema_migrations` says which migration files a database has run, whoever
ran them (samia, `supabase db push`, `migration repair`, `db reset`); samia.ledger adds which unit
content samia applied, when and by whom, and is the only record of units that have no migration
file. A unit is applied when every one of its files has a row and the newest row holds the
unit's statements (the checksum comes from the file); see docs/migration-history.md.

Example:
    >>> history = read_history(conn, ws.plan, local_history(ws.plan, Path("supabase/migrations")))
    >>> [(s.name, s.status) for s in history.units][:1]
    [('000_schemas', 'applied')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from .migrations import LocalHistory, MigrationFile
from .resources import static_sql
from .splitting import same_statements
from .units import Plan, Unit

_DESTRUCTIVE = re.compile(
    r"^\s*(drop\s+(table|schema|view|materialized\s+view|type|sequence)\b|truncate\b|delete\s+from\b"
    r"|alter\s+table\s+[^;]*\bdrop\s+(column\b|constraint\b))",
    re.IGNORECASE | re.MULTILINE,
)
_COMMENT = re.compile(r"--[^\n]*")

# new: never applied; changed: applied with other content; reverted: its rows were removed
# (`supabase migration repair --status reverted`); unrecorded: applied before its files existed
PENDING = ("new", "changed", "reverted", "unrecorded")
STATUSES = (*PENDING, "applied", "drift")


def is_destructive(sql_text: str) -> bool:
    """True when a unit drops or deletes data (dropping and recreating a policy is not).

    Example:
        >>> is_destructive("drop policy p on t; create policy p on t using (true);")
        False
    """
    return bool(_DESTRUCTIVE.search(_COMMENT.sub("", sql_text)))


@dataclass(frozen=True)
class Recorded:
    """A schema_migrations row; `statements` is None when the row carries none."""

    version: str
    name: str
    statements: tuple[str, ...] | None


Applications = tuple[tuple[str, str], ...]  # one unit's samia.ledger rows: (version, checksum), oldest first


@dataclass(frozen=True)
class UnitStatus:
    """Where one unit stands: its newest version ('' without a file), status, and the versions of
    its files the database has not recorded (`unrecorded`, what apply would record)."""

    name: str
    version: str
    checksum: str
    status: str
    recorded_checksum: str | None
    destructive: bool
    unrecorded: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.status in PENDING


@dataclass(frozen=True)
class ForeignMigration:
    """A migration that is not samia's: a user's file (applied or pending) or a row without a file."""

    version: str
    name: str
    status: str  # "applied" | "pending" | "remote only"
    path: Path | None = None

    @property
    def file_name(self) -> str:
        return self.path.name if self.path else f"{self.version}_{self.name}.sql"


@dataclass(frozen=True)
class History:
    """Every unit's status and every migration that is not samia's."""

    units: tuple[UnitStatus, ...]
    foreign: tuple[ForeignMigration, ...] = ()
    tracked: bool = False

    def foreign_with(self, status: str) -> tuple[ForeignMigration, ...]:
        return tuple(f for f in self.foreign if f.status == status)

    def order_conflict(self) -> str | None:
        """Why recording the pending units now would make `supabase db push` refuse a user's file.

        The CLI refuses to push a file older than the newest recorded version, so samia never
        records a version after a user's pending migration.
        """
        waiting = sorted(self.foreign_with("pending"), key=lambda f: f.version)
        ours = sorted((v, s.name) for s in self.units if s.pending for v in s.unrecorded)
        if not waiting:
            return None
        later = [(v, name) for v, name in ours if v > waiting[0].version]
        if not later:
            return None
        version, unit = later[0]
        return (f"your migration {waiting[0].file_name} is not applied and is older than samia's "
                f"{version}_samia_{unit}.sql: recording samia's first would make `supabase db push` "
                "refuse yours; run `supabase db push` first (it applies both, in version order)")


def _presence(conn: psycopg.Connection[Any]) -> tuple[bool, bool]:
    row = conn.execute(static_sql("history/presence.sql")).fetchone()
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def read_recorded(conn: psycopg.Connection[Any]) -> dict[str, Recorded]:
    """The schema_migrations rows by version (none when the table does not exist)."""
    if not _presence(conn)[1]:
        return {}
    found: dict[str, Recorded] = {}
    for (row,) in conn.execute(static_sql("history/recorded.sql")).fetchall():
        statements = row.get("statements")
        found[str(row["version"])] = Recorded(str(row["version"]), str(row.get("name") or ""),
                                              tuple(statements) if isinstance(statements, list) else None)
    return found


def read_ledger(conn: psycopg.Connection[Any]) -> dict[str, Applications]:
    """samia.ledger by unit (empty when it does not exist)."""
    if not _presence(conn)[0]:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for unit, version, digest in conn.execute(static_sql("history/ledger.sql")).fetchall():
        found.setdefault(unit, []).append((version, digest))
    return {unit: tuple(rows) for unit, rows in found.items()}


def _tracked_status(unit: Unit, files: tuple[MigrationFile, ...], recorded: dict[str, Recorded],
                    applications: Applications) -> tuple[str, str | None, tuple[str, ...]]:
    newest = recorded.get(files[-1].version)
    unrecorded = tuple(f.version for f in files if f.version not in recorded)
    was = applications[-1][1] if applications else None
    if newest is not None and newest.statements is not None and not same_statements(newest.statements, unit.sql):
        under = next((digest for version, digest in reversed(applications) if version == files[-1].version), None)
        return "drift", under, unrecorded
    if newest is not None:
        return ("reverted" if unrecorded else "applied"), files[-1].checksum, unrecorded
    if was is None and len(unrecorded) == len(files):
        return "new", None, unrecorded
    if was != unit.checksum:
        return "changed", was, unrecorded
    if any(version in unrecorded for version, _ in applications):
        return "reverted", was, unrecorded
    return "unrecorded", was, unrecorded


def unit_statuses(plan: Plan, local: LocalHistory, recorded: dict[str, Recorded],
                  ledger: dict[str, Applications]) -> tuple[UnitStatus, ...]:
    """Each unit against both histories (pure: no database access)."""
    statuses = []
    for unit in plan.units:
        applications = ledger.get(unit.name, ())
        files = local.files(unit.name)
        if files:
            status, was, unrecorded = _tracked_status(unit, files, recorded, applications)
        else:
            was = applications[-1][1] if applications else None
            status = "new" if was is None else "applied" if was == unit.checksum else "changed"
            unrecorded = ()
        statuses.append(UnitStatus(unit.name, local.version(unit.name), unit.checksum, status, was,
                                   is_destructive(unit.sql), unrecorded))
    return tuple(statuses)


def foreign_migrations(local: LocalHistory, recorded: dict[str, Recorded]) -> tuple[ForeignMigration, ...]:
    """The user's files (applied or pending) and rows no local file explains, in version order."""
    found = [ForeignMigration(f.version, f.name, "applied" if f.version in recorded else "pending", f.path)
             for f in local.foreign]
    found += [ForeignMigration(r.version, r.name, "remote only") for r in recorded.values()
              if r.version not in local.versions]
    return tuple(sorted(found, key=lambda f: f.version))


def read_history(conn: psycopg.Connection[Any], plan: Plan, local: LocalHistory) -> History:
    """Both histories of the database behind `conn`, against the plan and the migration directory."""
    recorded = read_recorded(conn)
    return History(unit_statuses(plan, local, recorded, read_ledger(conn)), foreign_migrations(local, recorded),
                   local.tracked)
