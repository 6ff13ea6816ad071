"""The library API: one function per command, each over a Workspace, each returning frozen data.

Example:
    >>> ws = load_workspace()
    >>> render(ws).plan.units[0].name
    '000_schemas'
    >>> verify(ws).passed                                  # embedded Postgres, bootstrap, apply, prove
    True
    >>> plan(ws, "postgresql://postgres@localhost/app").pending
    ()
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, DatabaseError, first_line
from .units import Plan
from .workspace import Workspace

if TYPE_CHECKING:
    import psycopg

    from .access.matrix import Expectation, Matrix
    from .access.verify import Report, SabotageResult
    from .catalog import Catalog, Change, Statement
    from .consolidate.protocol import Inventory
    from .consolidate.restore import RestoreReport
    from .consolidate.run import ConsolidationReport, StorageOptions
    from .history import ForeignMigration, UnitStatus
    from .inventory import AuditReport
    from .ledger import ApplyResult
    from .linter import Violation
    from .migrations import WrittenMigrations
    from .online.steps import OnlinePlan
    from .partitions import Detached, Partition


# --- render -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderResult:
    plan: Plan
    written: tuple[Path, ...] = ()
    migrations: WrittenMigrations | None = None  # with `supabase`: new and rewritten migration files

    @property
    def migrations_written(self) -> bool:
        return bool(self.migrations and self.migrations.paths)


def render(ws: Workspace, *, out_dir: Path | None = None, supabase: bool = False) -> RenderResult:
    """Render the templates; optionally write one file per unit and the Supabase migrations.

    With `supabase`, a unit whose rendering changed gets a new migration file and its older files
    are rewritten to the same rendering (docs/migration-history.md); the user's files are untouched.
    """
    from .migrations import write_supabase_migrations

    written: list[Path] = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for unit in ws.plan.units:
            path = out_dir / f"{unit.name}.sql"
            path.write_text(unit.sql, encoding="utf-8")
            written.append(path)
    migrations = write_supabase_migrations(ws.plan, ws.settings.migrations_dir) if supabase else None
    return RenderResult(ws.plan, tuple(written) + (migrations.paths if migrations else ()), migrations)


# --- plan -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanReport:
    database: str
    statuses: tuple[UnitStatus, ...]
    drift: tuple[Change, ...] = ()
    drift_checked: bool = False
    overrides: tuple[tuple[str, Path, Path], ...] = ()  # (unit, user template, pack template replaced)
    foreign: tuple[ForeignMigration, ...] = ()  # migrations that are not samia's
    blocked: str | None = None  # why apply would refuse to record now (the CLI's version order)
    tracked: bool = False  # samia's units have migration files
    legacy: Inventory | None = None  # what `samia consolidate` would migrate, archive, disable, leave
    online: OnlinePlan | None = None  # how apply would place the pending units' statements (online steps)

    @property
    def pending(self) -> tuple[UnitStatus, ...]:
        return tuple(s for s in self.statuses if s.pending or s.status == "drift")

    @property
    def foreign_pending(self) -> tuple[ForeignMigration, ...]:
        """The user's files not applied yet, and rows without a file (`supabase db push` refuses those)."""
        return tuple(f for f in self.foreign if f.status != "applied")

    @property
    def clean(self) -> bool:
        return (not self.pending and not self.drift and not self.foreign_pending
                and not (self.legacy is not None and self.legacy.pending))


def _overrides(ws: Workspace) -> tuple[tuple[str, Path, Path], ...]:
    return tuple((u.name, u.source, u.overrides) for u in ws.plan.units
                 if u.overrides is not None and u.source is not None)


def plan(ws: Workspace, db: str | None = None, *, drift: bool = True, shadow: str | None = None) -> PlanReport:
    """What `apply` would run on the database, the migrations that are not samia's, and live objects
    that drifted from the templates."""
    from .ledger import plan_status
    from .online.steps import plan_online

    dsn = ws.dsn(db)
    assert dsn is not None
    with ws.database(dsn) as target, _guarded("plan"), target.connect() as conn:
        history = plan_status(conn, ws.plan, ws.settings.migrations_dir)
        online = plan_online(conn, [ws.plan.unit(s.name) for s in history.units if s.pending])
        applied_before = any(s.status != "new" for s in history.units)
        changes = live_drift(ws, conn, shadow) if drift and applied_before else ()
        legacy = _legacy(ws, conn)
    return PlanReport(target.label, history.units, changes, drift and applied_before, _overrides(ws),
                      history.foreign, history.order_conflict(), history.tracked, legacy, online)


def _legacy(ws: Workspace, conn: psycopg.Connection[Any]) -> Inventory | None:
    """The pack's legacy inventory of a database (None: the pack has no consolidation)."""
    found = ws.pack.consolidation(ws.settings)
    return found.detect(conn) if found is not None else None


def live_drift(ws: Workspace, conn: psycopg.Connection[Any], shadow: str | None = None,
               desired: Catalog | None = None) -> tuple[Change, ...]:
    """How a live database drifted from the templates, limited to what the templates define.

    Objects the templates define that are changed or missing live, plus leftovers (extra
    policies, grants, triggers, indexes, publication rows) on tables the templates define.
    """
    from .catalog import Scope, diff, snapshot

    schemas = ws.pack.schemas(ws.settings)
    if desired is None:
        desired = desired_catalog(ws, shadow)
    scope = Scope.templates(defined_only=True, external=ws.pack.external_tables(ws.settings),
                            platform=ws.pack.platform_schemas(ws.settings), owns=ws.pack.owns_platform_object)
    return diff(snapshot(conn, schemas), desired, scope)


def desired_catalog(ws: Workspace, shadow: str | None = None) -> Catalog:
    """Snapshot of the workspace's plan applied to a shadow database."""
    from .catalog import snapshot

    with ws.shadow(shadow) as db, db.connect(autocommit=False) as conn:
        return snapshot(conn, ws.pack.schemas(ws.settings))


# --- apply ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplyReport:
    database: str
    result: ApplyResult
    created: dict[str, int] = field(default_factory=dict)
    maintenance: tuple[str, ...] = ()  # the pack's upkeep (e.g. partitions created; dry run: would be)


def apply(ws: Workspace, db: str | None = None, *, embedded: bool = False, dry_run: bool = False,
          allow_destructive: bool = False, bootstrap: bool = True, online: bool = True,
          progress: Callable[[str], None] | None = None) -> ApplyReport:
    """Bootstrap and apply pending units (an embedded Postgres with `embedded`): a transactional part,
    then the online steps on existing tables, unless `online` is False (docs/online-apply.md).

    Example:
        >>> [s.step.label for s in apply(ws, dsn, dry_run=True).result.steps]
        ['create index concurrently notes_owner_idx on notes']
    """
    from .ledger import apply_plan

    dsn = ws.dsn(db, required=not embedded)
    if embedded and (db or None) is not None:
        raise ConfigError("--db and --embedded exclude each other (--embedded applies to a throwaway Postgres)")
    with ws.database(None if embedded else dsn, schema=False) as target, target.connect() as conn:
        with _guarded("apply"):
            legacy = _legacy(ws, conn)
        if legacy is not None and legacy.of("table", "archive"):
            from .consolidate.run import ConsolidationRefused

            names = ", ".join(o.name for o in legacy.of("table", "archive"))
            raise ConsolidationRefused(f"legacy tables in the way ({names}): run `samia consolidate` first"
                                       " (apply changed nothing)")
        result = apply_plan(conn, ws.plan, ws.settings, migrations_dir=ws.settings.migrations_dir,
                            dry_run=dry_run, allow_destructive=allow_destructive, run_bootstrap=bootstrap,
                            online=online, progress=progress)
        with _guarded("apply"):
            maintenance = _maintain(ws, conn, dry_run)
            created = {} if dry_run else ws.pack.summary(conn, ws.settings)
    return ApplyReport(target.label, result, created, maintenance)


def _maintain(ws: Workspace, conn: psycopg.Connection[Any], dry_run: bool) -> tuple[str, ...]:
    """The pack's upkeep in its own transaction, under apply's lock_timeout (a dry run rolls it back)."""
    with conn.transaction(force_rollback=dry_run):
        conn.execute("select set_config('lock_timeout', %s, true)", (ws.settings.lock_timeout,))
        return ws.pack.maintain(conn, ws.settings)


# --- verify -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyReport:
    database: str
    report: Report
    sabotages: tuple[SabotageResult, ...] = ()
    self_tested: bool = False

    @property
    def killed(self) -> int:
        return sum(1 for r in self.sabotages if r.killed)

    @property
    def passed(self) -> bool:
        return self.report.passed and (not self.self_tested or self.killed == len(self.sabotages))


def verify(ws: Workspace, db: str | None = None, *, matrix: Matrix | None = None, self_test: bool = False,
           progress: Callable[[Expectation], None] | None = None,
           sabotage_progress: Callable[[str], None] | None = None) -> VerifyReport:
    """Prove the matrix: on `db` (schema applied), else on an embedded Postgres prepared here."""
    from .access.verify import self_test as run_self_test
    from .access.verify import verify_matrix
    from .errors import NotPreparedError

    spec = matrix or ws.matrix()
    with ws.database(ws.dsn(db, required=False)) as target, target.connect() as conn:
        with _guarded("verify"):
            missing = ws.pack.preflight(conn, ws.settings)
        if missing:
            raise NotPreparedError(
                f"{target.label} lacks what the {ws.pack.name} schema needs (missing: {', '.join(missing)}); "
                "run `samia apply --db URL` first")
        report = verify_matrix(conn, ws.pack, spec, ws.settings, progress)
        results = run_self_test(conn, ws.pack, spec, ws.settings, sabotage_progress) if self_test else ()
    return VerifyReport(target.label, report, results, self_test)


# --- diff -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffReport:
    changes: tuple[Change, ...]
    against: str  # "templates" | "database"
    statements: tuple[Statement, ...] = ()


def _known_scope(schemas: tuple[str, ...], tables: tuple[str, ...], *catalogs: Catalog) -> None:
    known_tables = {t.key for c in catalogs for t in c.tables}
    known_schemas = {s for c in catalogs for s in c.schemas}
    for schema in schemas:
        if schema not in known_schemas:
            raise ConfigError(f"--schema {schema}: no such schema in the compared databases or the templates")
    for name in tables:
        schema, _, table = name.rpartition(".")
        if not any(t == table and (not schema or s == schema) for s, t in known_tables):
            raise ConfigError(f"--table {name}: no such table in the compared databases or the templates")


def diff(ws: Workspace, db: str | None = None, *, against: str | None = None, shadow: str | None = None,
         schemas: tuple[str, ...] = (), tables: tuple[str, ...] = (), sql: bool = False,
         all_objects: bool = False, allow_destructive: bool = False) -> DiffReport:
    """The live database against the templates (applied to a shadow), or against another database.

    Against the templates only what they own is compared (their objects, and leftovers on their
    tables) unless `all_objects`; reconcile SQL never drops a table, column, function or bucket the
    templates do not own unless `allow_destructive` (such statements are withheld, as comments).
    """
    from .catalog import Scope, reconcile_sql, snapshot
    from .catalog import diff as compare

    dsn = ws.dsn(db)
    assert dsn is not None
    if against and shadow:
        raise ConfigError("--against and --shadow exclude each other (--shadow builds the templates)")
    wanted = schemas or ws.pack.schemas(ws.settings)
    with ws.database(dsn) as live_db, live_db.connect(autocommit=False) as conn, \
            ThreadPoolExecutor(max_workers=1) as pool:  # connect first: fail fast
        live_future = pool.submit(snapshot, conn, wanted)
        if against:
            with ws.database(against) as other, other.connect(autocommit=False) as other_conn:
                desired = snapshot(other_conn, wanted)
        else:
            with ws.shadow(shadow) as shadow_db, shadow_db.connect(autocommit=False) as shadow_conn:
                desired = snapshot(shadow_conn, wanted)
        live = live_future.result()
    _known_scope(schemas, tables, live, desired)
    external = ws.pack.external_tables(ws.settings)
    scope = Scope(tables=frozenset(tables) if tables else None) if against else Scope.templates(
        tables=tables or None, defined_only=not all_objects, external=external,
        platform=ws.pack.platform_schemas(ws.settings), owns=ws.pack.owns_platform_object)
    changes = compare(live, desired, scope)
    statements = reconcile_sql(changes, allow_destructive=allow_destructive) if sql else ()
    return DiffReport(changes, "database" if against else "templates", statements)


# --- lint -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LintReport:
    target: str
    violations: tuple[Violation, ...]
    fail_level: str

    @property
    def failing(self) -> tuple[Violation, ...]:
        from .linter import failing

        return failing(self.violations, self.fail_level)


def lint(ws: Workspace, db: str | None = None, *, templates: bool = False, migrations: bool = False,
         fail_level: str | None = None) -> LintReport:
    """Security and performance rules over a live database, or over the rendered templates; with
    `migrations`, the migration-safety rules over the rendered units (against `db` when given:
    its tables decide what exists, else every table a unit does not create is taken to exist).

    Example:
        >>> lint(ws, migrations=True).violations
        ()
    """
    from .linter import lint_database

    level = fail_level or ws.lint_config.fail_level
    if migrations:
        from .linter.migration import lint_migrations

        if templates:
            raise ConfigError("--migrations and --templates exclude each other")
        if db is None and ws.dsn(None, required=False) is None:
            return LintReport("rendered units (tables they do not create taken to exist)",
                              lint_migrations(ws.plan.units, None, ws.lint_config), level)
        with ws.database(ws.dsn(db)) as target, target.connect() as conn, _guarded("lint"):
            return LintReport(f"rendered units against {target.label}",
                              lint_migrations(ws.plan.units, conn, ws.lint_config), level)
    exposed = ws.pack.exposed_schemas(ws.settings)
    if templates:
        with ws.database(None) as target, target.connect() as conn:
            found = lint_database(conn, ws.lint_config, exposed)
        return LintReport(f"rendered templates ({target.label})", found, level)
    with ws.database(ws.dsn(db)) as target, target.connect() as conn:
        return LintReport(target.label, lint_database(conn, ws.lint_config, exposed), level)


# --- audit ------------------------------------------------------------------------------------
def audit(ws: Workspace, db: str | None = None) -> AuditReport:
    """The forensic inventory of the pack's objects in a live database."""
    from .inventory import inventory

    with ws.database(ws.dsn(db)) as target, target.connect() as conn:
        return inventory(conn, ws.pack.inventory_scope(ws.settings), target.label)


# --- partitions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartitionsReport:
    database: str
    tables: dict[str, tuple[Partition, ...]]  # partitioned table -> its partitions, oldest first
    detached: tuple[Detached, ...] = ()
    dry_run: bool = False


def partitions(ws: Workspace, db: str | None = None, *, detach_before: datetime | None = None,
               unlink: bool = False, dry_run: bool = False,
               progress: Callable[[str], None] | None = None) -> PartitionsReport:
    """The partitions of the pack's partitioned tables; with `detach_before`, detach those that end
    at or before it (docs/partitioning.md).

    Example:
        >>> partitions(ws, dsn, detach_before=datetime(2026, 1, 1, tzinfo=UTC), dry_run=True).detached
        (Detached(partition=Partition(schema='private', name='events_p202511', …), …),)
    """
    from .partitions import detach_before as detach
    from .partitions import list_partitions

    tables = ws.pack.partitioned_tables(ws.settings)
    if not tables:
        raise ConfigError(f"{ws.settings.source}: no partitioned tables in this configuration "
                          "(the pack's partitioned layout is off)")
    with ws.database(ws.dsn(db)) as target, target.connect(autocommit=True) as conn, _guarded("partitions"):
        done: list[Detached] = []
        if detach_before is not None:
            for table in tables:
                done += detach(conn, table, detach_before, unlink=unlink, dry_run=dry_run, progress=progress)
        listed = {table: list_partitions(conn, table) for table in tables}
    return PartitionsReport(target.label, listed, tuple(done), dry_run)


# --- consolidate, restore -----------------------------------------------------------------------
def consolidate(ws: Workspace, db: str | None = None, *, backup_dir: Path | None = None, dry_run: bool = False,
                storage: StorageOptions | None = None, prove: bool = True,
                progress: Callable[[str, int, int | None], None] | None = None) -> ConsolidationReport:
    """Back up, detect, archive, migrate and prove a legacy database (see docs/consolidation.md)."""
    from .consolidate.run import StorageOptions
    from .consolidate.run import consolidate as run

    dsn = ws.dsn(db)
    assert dsn is not None
    return run(ws, dsn, backup_dir=backup_dir, dry_run=dry_run, storage=storage or StorageOptions(), prove=prove,
               progress=progress or (lambda *_: None))


def restore(ws: Workspace, db: str | None = None, *, backup_dir: Path, storage: StorageOptions | None = None,
            shadow: str | None = None) -> RestoreReport:
    """Bring the tables of a backup back (structure, rows, policies, grants, triggers); checksums must match."""
    from .consolidate.restore import restore as run
    from .consolidate.run import StorageOptions, consolidation_of
    from .consolidate.storage import counts, run_moves, storage_client

    dsn = ws.dsn(db)
    assert dsn is not None
    options = storage or StorageOptions()
    archive = consolidation_of(ws).archive_schema
    desired = desired_catalog(ws, shadow)
    with ws.database(dsn) as target, target.connect() as conn, _guarded("restore"):
        moved = counts(conn, archive).moved
        if moved and not options.skip:
            if not options.url:
                raise ConfigError(f"{moved} objects were moved through the Storage API: pass --storage-url and"
                                  " --service-key to move them back, or --skip-storage to restore the database only")
            back = run_moves(conn, archive, storage_client(options.url, options.service_key), reverse=True)
            if back.failed:
                raise DatabaseError(f"restore: {len(back.failed)} objects could not be moved back (the database is"
                                    f" unchanged; run restore again): {back.failed[0]}")
        return run(conn, backup_dir, owned=desired, platform_may_differ=bool(moved and options.skip))


# --- helpers ----------------------------------------------------------------------------------
class _guarded:
    """Turn a driver error escaping a library step into a one-line DatabaseError (exit 4)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        import psycopg

        if isinstance(exc, psycopg.Error):
            raise DatabaseError(f"{self.what}: {first_line(exc)}") from exc


# --- init -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InitResult:
    directory: Path
    written: tuple[Path, ...]
    kept: tuple[Path, ...]  # files that existed and were left alone


def init(directory: Path, *, pack: str = "chat", eject: bool = False, force: bool = False) -> InitResult:
    """Scaffold a project: samia.toml, supabase/config.toml, supabase/migrations/ (rendered), and with
    `eject` a copy of the pack's templates in templates/ (listed after the pack's, so they override it)."""
    from .scaffold import scaffold

    return InitResult(directory, *scaffold(directory, pack, eject=eject, force=force))
