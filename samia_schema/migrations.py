"""The Supabase CLI's migration files: `supabase/migrations/<14-digit UTC timestamp>_<name>.sql`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import ConfigError
from .units import Plan, Unit, checksum

_FILE_RE = re.compile(r"^(\d{14})_([A-Za-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    sql: str

    @property
    def checksum(self) -> str:
        return checksum(self.sql)


def read_migrations(directory: Path) -> tuple[MigrationFile, ...]:
    """Every migration file of a directory, oldest first; a missing directory has none."""
    if not directory.is_dir():
        return ()
    found = []
    for path in sorted(directory.iterdir()):
        match = _FILE_RE.match(path.name)
        if match:
            found.append(MigrationFile(match.group(1), match.group(2), path, path.read_text(encoding="utf-8")))
    return tuple(found)


def latest_by_unit(files: tuple[MigrationFile, ...]) -> dict[str, MigrationFile]:
    latest: dict[str, MigrationFile] = {}
    for file in files:
        if file.name not in latest or file.version > latest[file.name].version:
            latest[file.name] = file
    return latest


def migration_name(unit: Unit) -> str:
    """`020_tables` -> `samia_020_tables` (a Supabase migration name)."""
    return f"samia_{unit.name}"


def _timestamps(after: str | None, count: int) -> list[str]:
    start = datetime.now(UTC).replace(microsecond=0)
    if after:
        floor = datetime.strptime(after, "%Y%m%d%H%M%S").replace(tzinfo=UTC) + timedelta(seconds=1)
        start = max(start, floor)
    return [(start + timedelta(seconds=i)).strftime("%Y%m%d%H%M%S") for i in range(count)]


@dataclass(frozen=True)
class Versioned:
    """A unit with the Supabase migration version it is (or will be) recorded under."""

    unit: Unit
    version: str
    file: MigrationFile | None


def assign_versions(plan: Plan, directory: Path | None, recorded_max: str | None = None,
                    recorded: dict[str, tuple[str, str]] | None = None) -> tuple[Versioned, ...]:
    """Each unit's version: its migration file's, else the version it was recorded under with the
    same checksum (`recorded`: unit -> (version, checksum)), else a fresh timestamp.

    Fresh timestamps come after every file and after `recorded_max` (the newest version the
    database has recorded), so they never collide with an applied version.

    A unit whose newest migration file differs from the rendering means the committed migrations
    are stale; that is a usage error (run `samia render --supabase`), not something to guess about.
    """
    files = read_migrations(directory) if directory else ()
    latest = latest_by_unit(files)
    newest = max([f.version for f in files] + ([recorded_max] if recorded_max else []), default=None)
    fresh = iter(_timestamps(newest, len(plan.units)))
    result = []
    for unit in plan.units:
        file = latest.get(migration_name(unit))
        applied = (recorded or {}).get(unit.name)
        if file is None and applied is not None and applied[1] == unit.checksum:
            result.append(Versioned(unit, applied[0], None))
        elif file is None:
            result.append(Versioned(unit, next(fresh), None))
        elif file.sql == unit.sql:
            result.append(Versioned(unit, file.version, file))
        else:
            raise ConfigError(
                f"{file.path}: differs from the rendered unit {unit.name}; "
                "run `samia render --supabase` to write the new migration"
            )
    return tuple(result)


def write_supabase_migrations(plan: Plan, directory: Path) -> tuple[Path, ...]:
    """Write a migration file for every unit whose rendering is not yet the newest file for it."""
    directory.mkdir(parents=True, exist_ok=True)
    files = read_migrations(directory)
    latest = latest_by_unit(files)
    changed = [u for u in plan.units if (f := latest.get(migration_name(u))) is None or f.sql != u.sql]
    stamps = _timestamps(max((f.version for f in files), default=None), len(changed))
    written = []
    for unit, stamp in zip(changed, stamps, strict=True):
        path = directory / f"{stamp}_{migration_name(unit)}.sql"
        path.write_text(unit.sql, encoding="utf-8")
        written.append(path)
    return tuple(written)
