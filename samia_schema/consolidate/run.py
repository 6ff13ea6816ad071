"""Consolidate a database into a workspace's templates: detect → backup → archive + apply + fill (one
transaction) → storage moves (journaled) → accounts, checksums, verify and the owned diff.

Example:
    >>> report = consolidate(ws, dsn, backup_dir=Path("backup"), skip_storage=True)
    >>> all(a.balanced for a in report.accounts), report.proven
    (True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ..errors import ConfigError, DatabaseError, SamiaError, first_line
from .backup import Progress, _noop, backup
from .manifest import Manifest, checksum, exists, read_manifest, schema_exists
from .protocol import Consolidation, Inventory, TableAccount
from .storage import MoveCounts, counts, run_moves, storage_client

if TYPE_CHECKING:
    from ..api import DiffReport, VerifyReport
    from ..workspace import Workspace


class ConsolidationRefused(SamiaError):
    """The database holds something the consolidation must not touch (exit 3, nothing changed)."""

    exit_code = 3


@dataclass(frozen=True)
class StorageOptions:
    url: str | None = None
    service_key: str = field(default="", repr=False)
    skip: bool = False


@dataclass(frozen=True)
class ConsolidationReport:
    database: str
    inventory: Inventory
    dry_run: bool
    migrated: bool                       # the database part ran (and committed, unless dry_run)
    accounts: tuple[TableAccount, ...]
    storage: MoveCounts
    storage_ran: bool
    backup_dir: Path | None = None
    manifest: Manifest | None = None
    applied: tuple[str, ...] = ()
    skipped_rows: tuple[tuple[str, str, str], ...] = ()
    verify: VerifyReport | None = None
    diff: DiffReport | None = None
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return all(a.balanced for a in self.accounts)

    @property
    def checksums_kept(self) -> bool:
        return all(a.checksum_before == a.checksum_after for a in self.accounts if a.checksum_before)

    @property
    def proven(self) -> bool:
        """Every row accounted for, archives equal to the backup, verify holding, the owned diff empty."""
        return (self.balanced and self.checksums_kept and self.verify is not None and self.verify.passed
                and self.diff is not None and not self.diff.changes)


def consolidation_of(ws: Workspace) -> Consolidation:
    found = ws.pack.consolidation(ws.settings)
    if found is None:
        raise ConfigError(f"the {ws.pack.name} pack has no consolidation")
    return found


def _checksums(conn: psycopg.Connection[Any], c: Consolidation, accounts: tuple[TableAccount, ...],
               manifest: Manifest | None) -> tuple[TableAccount, ...]:
    from dataclasses import replace

    from .manifest import BackupItem

    if manifest is None:
        return accounts
    out = []
    for account in accounts:
        saved = next((t for t in manifest.tables if t.item.table == account.table and t.item.mode == "whole"), None)
        after = None
        if exists(conn, c.archive_schema, account.table):
            after = checksum(conn, BackupItem(c.archive_schema, account.table)).digest
        out.append(replace(account, checksum_before=saved.digest if saved else None, checksum_after=after))
    return tuple(out)


def _migrate(ws: Workspace, conn: psycopg.Connection[Any], c: Consolidation, inventory: Inventory,
             dry_run: bool, step: Callable[[str], None]) -> tuple[tuple[str, ...], tuple[TableAccount, ...],
                                                                   tuple[tuple[str, str, str], ...], MoveCounts]:
    from ..ledger import APPLY_LOCK_KEY, apply_plan

    with conn.transaction(force_rollback=dry_run):
        conn.execute("select pg_advisory_xact_lock(%s)", (APPLY_LOCK_KEY,))
        # a lock the application holds is waited for at most lock_timeout (a queued exclusive lock would
        # block the app's readers meanwhile); the long statements themselves have no timeout
        conn.execute("select set_config('lock_timeout', %s, true), set_config('statement_timeout', '0', true)",
                     (ws.settings.lock_timeout,))
        c.prepare(conn, inventory, step)
        step("apply the templates")
        result = apply_plan(conn, ws.plan, ws.settings, migrations_dir=ws.settings.migrations_dir)
        conn.execute("select set_config('statement_timeout', '0', true)")
        c.fill(conn, inventory, step)
        step("accounts")
        accounts, skipped = c.accounts(conn), c.skipped(conn, 200)
        moves = counts(conn, c.archive_schema, plan=True)
    return result.applied, accounts, skipped, moves


def consolidate(ws: Workspace, dsn: str, *, backup_dir: Path | None, dry_run: bool = False,
                storage: StorageOptions = StorageOptions(), prove: bool = True,
                progress: Progress = _noop) -> ConsolidationReport:
    """Consolidate the database at `dsn` (see the module docstring)."""
    from .. import api
    from ..db import connect, redact_dsn

    started = time.monotonic()
    c = consolidation_of(ws)

    def step(what: str) -> None:
        progress(what, 0, None)

    with connect(dsn, autocommit=True) as conn:
        step("detect")
        try:
            inventory = c.detect(conn)
        except psycopg.Error as exc:
            raise DatabaseError(f"consolidate: {first_line(exc)}") from exc
        if inventory.refusals:
            raise ConsolidationRefused("consolidate refused, nothing changed: " + "; ".join(inventory.refusals))
        before = counts(conn, c.archive_schema, plan=True)
        if not dry_run and (before.pending or inventory.pending) and not storage.skip and not storage.url:
            raise ConfigError("objects must move through the Storage API: pass --storage-url and --service-key"
                              " (or SAMIA_STORAGE_URL / SAMIA_SERVICE_KEY), or --skip-storage to run the database"
                              " part only (run again with the API later: it continues)")
        manifest = None
        applied: tuple[str, ...] = ()
        accounts: tuple[TableAccount, ...] = ()
        skipped: tuple[tuple[str, str, str], ...] = ()
        moves = before
        if inventory.pending:
            if not dry_run:
                if backup_dir is None:
                    raise ConfigError("a consolidation backs up first: pass --backup DIR (an empty or new directory)")
                absent = [s for s in (c.archive_schema, *ws.pack.schemas(ws.settings), "samia")
                          if not schema_exists(conn, s)]
                manifest = backup(conn, dsn, c.backup_items(conn, inventory), backup_dir,
                                  (*ws.pack.schemas(ws.settings), "supabase_migrations"), absent_schemas=absent,
                                  progress=progress)
            try:
                applied, accounts, skipped, moves = _migrate(ws, conn, c, inventory, dry_run, step)
            except psycopg.errors.LockNotAvailable as exc:
                raise DatabaseError(f"consolidate: a table is in use, its lock was not granted within lock_timeout"
                                    f" ({ws.settings.lock_timeout}): {first_line(exc)} (rolled back: the database is"
                                    " as it was; run in a quiet window, or raise samia.lock_timeout)") from exc
            except psycopg.Error as exc:
                raise DatabaseError(f"consolidate: {first_line(exc)} (rolled back: the database is as it was)") from exc
        elif backup_dir is not None and (backup_dir / "manifest.json").is_file():
            manifest = read_manifest(backup_dir)
        if not inventory.pending:
            accounts, skipped = c.accounts(conn), c.skipped(conn, 200)
        ran = False
        if not dry_run and storage.url and not storage.skip and moves.pending:
            step("storage: moving objects")
            moves = run_moves(conn, c.archive_schema, storage_client(storage.url, storage.service_key),
                              progress=lambda done, total: progress("storage", done, total))
            ran = True
        if manifest is not None:
            step("checksums: archive against backup")
        accounts = _checksums(conn, c, accounts, manifest)
    verify = diff = None
    if prove and not dry_run:
        step("verify")
        verify = api.verify(ws, dsn)
        step("diff of the owned objects")
        diff = api.diff(ws, dsn)
    return ConsolidationReport(redact_dsn(dsn), inventory, dry_run, inventory.pending, accounts, moves, ran,
                               backup_dir, manifest, applied, skipped, verify, diff, time.monotonic() - started)
