"""The migration directory as the Supabase CLI reads it, and samia's files in it.

The CLI reads every `^([0-9]+)_(.*)\\.sql$` file of `supabase/migrations/` in file-name order (it
skips a legacy `<timestamp>_init.sql` first file older than 2021-12-09). samia's files are
`<version>_samia_<unit>.sql`; every other file is the user's and samia never writes, runs or
records it. A unit gets a new file (a new version) when its rendering changes, and every older
file of the unit is rewritten to the same latest rendering, so running any of them can only put
the latest state back (see docs/migration-history.md).

Example:
    >>> local = local_history(ws.plan, Path("supabase/migrations"))
    >>> [f.path.name for f in local.files("070_rls")]
    ['20261124210442_samia_070_rls.sql']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .errors import ConfigError
from .splitting import split_statements
from .units import Plan, Unit, checksum

FILE_PATTERN = re.compile(r"([0-9]+)_(.*)\.sql")  # the CLI's ^([0-9]+)_(.*)\.sql$ (used with fullmatch)
_LEGACY_INIT = re.compile(r"([0-9]{14})_init\.sql")
_LEGACY_INIT_BEFORE = "20211209000000"
_TIMESTAMP = re.compile(r"[0-9]{14}")
OWN_PREFIX = "samia_"


@dataclass(frozen=True)
class MigrationFile:
    """One migration file: `version` and `name` as the CLI parses them from the file name."""

    version: str
    name: str
    path: Path
    sql: str

    @property
    def statements(self) -> tuple[str, ...]:
        """The statements the CLI records and runs for this file."""
        return split_statements(self.sql)

    @property
    def checksum(self) -> str:
        return checksum(self.sql)


def read_migrations(directory: Path) -> tuple[MigrationFile, ...]:
    """Every migration file the CLI would read in `directory`, in its order; none when it is missing.

    Example:
        >>> [f.version for f in read_migrations(Path("supabase/migrations"))][:1]
        ['20261124210435']
    """
    if not directory.is_dir():
        return ()
    found: list[MigrationFile] = []
    for index, path in enumerate(sorted(directory.iterdir(), key=lambda p: p.name)):
        legacy = _LEGACY_INIT.fullmatch(path.name)
        if path.is_dir() or (index == 0 and legacy and legacy.group(1) < _LEGACY_INIT_BEFORE):
            continue
        match = FILE_PATTERN.fullmatch(path.name)
        if match:
            text = path.read_bytes().decode("utf-8", errors="replace")  # as the CLI: bytes, no newline translation
            found.append(MigrationFile(match.group(1), match.group(2), path, text))
    versions: dict[str, Path] = {}
    for file in found:
        if file.version in versions:
            raise ConfigError(f"{file.path}: version {file.version} is also {versions[file.version].name}'s; "
                              "migration versions must be unique (rename one of them)")
        versions[file.version] = file.path
    return tuple(found)


def migration_name(unit: Unit) -> str:
    """`020_tables` -> `samia_020_tables` (the name part of its migration files)."""
    return f"{OWN_PREFIX}{unit.name}"


@dataclass(frozen=True)
class LocalHistory:
    """A migration directory seen against a plan: each unit's files (oldest first) and the rest.

    `tracked` is False when the directory holds no samia file (or does not exist): samia then
    records its units in samia.ledger only and writes nothing the CLI would read.
    """

    directory: Path | None
    units: dict[str, tuple[MigrationFile, ...]] = field(default_factory=dict)
    foreign: tuple[MigrationFile, ...] = ()

    @property
    def tracked(self) -> bool:
        return any(self.units.values())

    def files(self, unit: str) -> tuple[MigrationFile, ...]:
        return self.units.get(unit, ())

    def version(self, unit: str) -> str:
        """The unit's newest version ('' when untracked)."""
        files = self.files(unit)
        return files[-1].version if files else ""

    @property
    def versions(self) -> frozenset[str]:
        """Every local version, samia's and the user's."""
        return frozenset(f.version for files in self.units.values() for f in files) | {f.version for f in self.foreign}


def local_history(plan: Plan, directory: Path | None, *, check: bool = True) -> LocalHistory:
    """Sort the directory's files into units and the user's own; with `check`, refuse stale ones.

    Stale (a usage error, exit 2: run `samia render --supabase`): a samia file whose statements are
    not its unit's rendering, a unit without a file while others have one, a samia file of a unit
    the templates no longer have.
    """
    files = read_migrations(directory) if directory is not None else ()
    owner = {migration_name(u): u.name for u in plan.units}
    units: dict[str, list[MigrationFile]] = {u.name: [] for u in plan.units}
    foreign: list[MigrationFile] = []
    for file in files:
        if file.name in owner:
            units[owner[file.name]].append(file)
        elif file.name.startswith(OWN_PREFIX):
            raise ConfigError(f"{file.path}: no template renders unit {file.name.removeprefix(OWN_PREFIX)} "
                              "(removed or renamed?); restore the template, or delete the file and its "
                              f"record (supabase migration repair --status reverted {file.version})")
        else:
            foreign.append(file)
    local = LocalHistory(directory, {name: tuple(found) for name, found in units.items()}, tuple(foreign))
    if check:
        _check_current(plan, local)
    return local


def _check_current(plan: Plan, local: LocalHistory) -> None:
    if not local.tracked:
        return
    for unit in plan.units:
        files = local.files(unit.name)
        if not files:
            raise ConfigError(f"{local.directory}: no migration file for unit {unit.name}; "
                              "run `samia render --supabase` to write it")
        for file in files:
            if file.statements != split_statements(unit.sql):
                which = "" if file is files[-1] else " (a superseded file holds the latest rendering too)"
                raise ConfigError(f"{file.path}: differs from the rendered unit {unit.name}{which}; "
                                  "run `samia render --supabase`")


def _timestamps(after: str | None, count: int) -> list[str]:
    """`count` versions from now (UTC), never before one second after `after`."""
    start = datetime.now(UTC).replace(microsecond=0)
    if after:
        floor = datetime.strptime(after, "%Y%m%d%H%M%S").replace(tzinfo=UTC) + timedelta(seconds=1)
        start = max(start, floor)
    return [(start + timedelta(seconds=i)).strftime("%Y%m%d%H%M%S") for i in range(count)]


@dataclass(frozen=True)
class WrittenMigrations:
    """What `write_supabase_migrations` changed: new files (new versions) and rewritten older files."""

    new: tuple[Path, ...] = ()
    rewritten: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.new + self.rewritten


def write_supabase_migrations(plan: Plan, directory: Path) -> WrittenMigrations:
    """Bring samia's files in `directory` up to the plan; the user's files are never touched.

    A unit whose newest file's statements differ from its rendering (or that has no file) gets a
    new file, versioned after every file in the directory; each other file of the unit that is
    not byte-identical to the rendering is rewritten to it. Running it again changes nothing.

    Example:
        >>> [p.name for p in write_supabase_migrations(plan, Path("supabase/migrations")).new]
        ['20261201093000_samia_070_rls.sql']
    """
    local = local_history(plan, directory, check=False)
    newest = max((v for v in local.versions if _TIMESTAMP.fullmatch(v)), default=None)
    changed = [u for u in plan.units
               if not local.files(u.name) or local.files(u.name)[-1].statements != split_statements(u.sql)]
    stamps = dict(zip((u.name for u in changed), _timestamps(newest, len(changed)), strict=True))
    directory.mkdir(parents=True, exist_ok=True)
    new: list[Path] = []
    rewritten: list[Path] = []
    for unit in plan.units:
        for file in local.files(unit.name):
            if file.sql != unit.sql:
                file.path.write_bytes(unit.sql.encode("utf-8"))
                rewritten.append(file.path)
        if unit.name in stamps:
            path = directory / f"{stamps[unit.name]}_{migration_name(unit)}.sql"
            path.write_bytes(unit.sql.encode("utf-8"))
            new.append(path)
    return WrittenMigrations(tuple(new), tuple(rewritten))
