"""Backups: a consistent snapshot of the tables a change touches, streamed to files, with a manifest.

Everything is read in one REPEATABLE READ transaction (one snapshot): each table's rows go to a
COPY file, checksummed as they stream (one pass, never a whole table in memory: see manifest.py);
the catalog of the snapshotted schemas is saved as JSON (the restore rebuilds structure from it).
When a `pg_dump` at least as new as the server is found, it writes a custom-format archive of the
whole tables from the same snapshot (for `pg_restore` by hand), running while the COPY files are
written.

Example:
    >>> manifest = backup(conn, dsn, [BackupItem("public", "messages")], Path("backup-1"), ("public",))
    >>> manifest.tables[0].rows
    1100
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from .. import __version__
from ..catalog import snapshot
from ..catalog.serial import catalog_to_json
from ..db import redact_dsn
from ..errors import ConfigError, DatabaseError, first_line
from .manifest import CATALOG, BackupItem, Manifest, SavedTable, copy_out, exists, stored_columns, write_manifest

Progress = Callable[[str, int, int | None], None]  # (step, done, total)


def _noop(step: str, done: int, total: int | None) -> None:
    return None


def find_pg_tool(name: str, server_major: int) -> Path | None:
    """A PostgreSQL client program (pg_dump, pg_restore) whose major version is >= the server's."""
    from ..engines import find_bin_dir

    candidates: list[Path] = []
    try:
        candidates.append(find_bin_dir() / name)
    except DatabaseError:
        pass
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    for path in candidates:
        try:
            out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False, timeout=10)
        except OSError:
            continue
        words = out.stdout.split()
        if out.returncode == 0 and words and words[-1].split(".")[0].isdigit():
            if int(words[-1].split(".")[0]) >= server_major:
                return path
    return None


def tool_env(dsn: str) -> tuple[str, dict[str, str]]:
    """A DSN without its password, and an environment carrying it (never on a command line)."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}), env


def _pattern(item: BackupItem) -> str:
    """A pg_dump -t pattern matching exactly this table (double quotes make every character literal)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (item.schema, item.table))


def _start_dump(dsn: str, snapshot_id: str, items: Sequence[BackupItem], target: Path,
                major: int) -> tuple[subprocess.Popen[str] | None, str]:
    """Start pg_dump of the whole tables on the exported snapshot (None: not available, and why)."""
    tool = find_pg_tool("pg_dump", major)
    whole = [i for i in items if i.mode == "whole"]
    if tool is None:
        return None, f"pg_dump {major} or newer not found: COPY files and the manifest only"
    if not whole:
        return None, "no whole tables to dump"
    conninfo, env = tool_env(dsn)
    args = [str(tool), "--format=custom", "--compress=1", f"--file={target}", f"--snapshot={snapshot_id}",
            "--no-password"]
    for item in whole:
        args += ["--table", _pattern(item)]
    process = subprocess.Popen([*args, "--dbname", conninfo], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    return process, f"pg_dump archive ({tool.parent.parent.name}): pg_restore --list {target.name}"


def _finish_dump(process: subprocess.Popen[str] | None) -> None:
    if process is None:
        return
    _, err = process.communicate()
    if process.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {first_line(RuntimeError(err.strip() or 'no output'))}")


def _save(conn: psycopg.Connection[Any], item: BackupItem, directory: Path, name: str) -> SavedTable:
    """One table's COPY file and checksum, in one streamed pass."""
    if not exists(conn, item.schema, item.table):
        return SavedTable(item, 0, "0:0:0", None)
    columns = stored_columns(conn, item.schema, item.table)
    with open(directory / name, "wb") as out:
        total = copy_out(conn, item, columns, out.write)
    identity = copy_out(conn, item, item.identity).digest if item.identity else ""
    return SavedTable(item, total.rows, total.digest, name, columns, identity)


def backup(conn: psycopg.Connection[Any], dsn: str, items: Sequence[BackupItem], directory: Path,
           schemas: Sequence[str], *, absent_schemas: Sequence[str] = (), progress: Progress = _noop) -> Manifest:
    """Save `items` and the catalog of `schemas` to `directory` from one snapshot; returns the manifest.

    `conn` must be in autocommit mode. The directory must be empty or new (a backup is never
    overwritten). `absent_schemas` are schemas that do not exist yet and that a restore removes.
    """
    try:
        if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
            raise ConfigError(f"{directory}: not an empty directory; a backup is never written over anything"
                              " (pass a new directory)")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "data").mkdir()
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write a backup there ({exc.strerror or exc});"
                          " nothing changed") from None
    try:
        return _snapshot(conn, dsn, items, directory, schemas, absent_schemas, progress)
    except OSError as exc:  # a full disk, a file the backup cannot write: the database was only read
        raise ConfigError(f"backup: {exc.filename or directory}: {exc.strerror or exc}; nothing changed"
                          " (the directory holds an incomplete backup)") from None


def _snapshot(conn: psycopg.Connection[Any], dsn: str, items: Sequence[BackupItem], directory: Path,
              schemas: Sequence[str], absent_schemas: Sequence[str], progress: Progress) -> Manifest:
    saved: list[SavedTable] = []
    progress("backup: snapshot and catalog", 0, len(items))
    try:
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            row = conn.execute("select pg_export_snapshot(), current_setting('server_version_num')::int / 10000,"
                               " current_database()").fetchone()
            assert row is not None
            snapshot_id, major, dbname = row
            catalog = snapshot(conn, schemas)
            (directory / CATALOG).write_text(json.dumps(catalog_to_json(catalog)) + "\n", encoding="utf-8")
            dump_process, note = _start_dump(dsn, snapshot_id, items, directory / "tables.pgdump", major)
            try:
                for number, item in enumerate(items, 1):
                    progress(f"backup {item.name}", number - 1, len(items))
                    saved.append(_save(conn, item, directory, f"data/{number:03d}.copy"))
            except BaseException:
                if dump_process is not None:  # the snapshot ends with this transaction: stop pg_dump too
                    dump_process.kill()
                    dump_process.wait()
                raise
            _finish_dump(dump_process)
            dump = "tables.pgdump" if dump_process is not None else None
            progress("backup", len(items), len(items))
    except psycopg.Error as exc:
        raise DatabaseError(f"backup: {first_line(exc)}") from exc
    manifest = Manifest(datetime.now(UTC).isoformat(timespec="seconds"), f"{dbname} ({redact_dsn(dsn)})", major,
                        tuple(saved), tuple(absent_schemas), dump, note, __version__)
    write_manifest(directory, manifest)
    return manifest
