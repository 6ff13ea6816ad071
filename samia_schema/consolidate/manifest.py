"""What a backup holds: the tables it saved (whole, or the rows of a filter), their row counts and
checksums, the catalog it was taken from, and the schemas that did not exist yet.

A checksum does not depend on row order or column order: it is the count plus two 60-bit sums of
the md5 of each row's `to_jsonb`, computed by the server (no row travels to Python).

Example:
    >>> item = BackupItem("public", "messages")
    >>> checksum(conn, item)
    Checksum(rows=1100, digest='1100:5c2f…')
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql

from ..errors import ConfigError

Mode = Literal["whole", "rows", "verify"]
MANIFEST = "manifest.json"
CATALOG = "catalog.json"


@dataclass(frozen=True)
class BackupItem:
    """One table a consolidation touches.

    mode: `whole` (dropped and recreated by a restore), `rows` (the rows of `where` are replaced:
    a platform or shared table), `verify` (never written by the consolidation: only checksummed).
    where/params: a filter for `rows` items, e.g. `bucket_id = any(%(buckets)s)`.
    """

    schema: str
    table: str
    mode: Mode = "whole"
    where: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def relation(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table)

    def filter(self) -> sql.Composable:
        """`where <filter>` (trusted text from the pack; values are parameters), or nothing."""
        return sql.SQL(" where {}").format(sql.SQL(self.where)) if self.where else sql.SQL("")


@dataclass(frozen=True)
class Checksum:
    rows: int
    digest: str


@dataclass(frozen=True)
class SavedTable:
    """A table as the backup saved it: its rows, checksum and data file (None: absent then)."""

    item: BackupItem
    rows: int
    digest: str
    file: str | None


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str
    server_version: int
    tables: tuple[SavedTable, ...]
    absent_schemas: tuple[str, ...] = ()
    dump: str | None = None   # pg_dump archive of the whole tables, when pg_dump was available
    dump_note: str = ""
    samia_version: str = ""

    def table(self, name: str) -> SavedTable | None:
        return next((t for t in self.tables if t.item.name == name), None)


def checksum(conn: psycopg.Connection[Any], item: BackupItem) -> Checksum:
    """Row count and order-independent digest of an item's rows (server side, one pass)."""
    statement = sql.SQL(
        "select count(*), coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text,"
        " coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)::text"
        " from (select md5(to_jsonb(t)::text) h from {} t{}) rows").format(item.relation(), item.filter())
    row = conn.execute(statement, item.params).fetchone()
    assert row is not None
    return Checksum(int(row[0]), f"{row[0]}:{row[1]}:{row[2]}")


def exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute("select to_regclass(format('%%I.%%I', %s::text, %s::text)) is not null",
                       (schema, table)).fetchone()
    return bool(row and row[0])


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    path = directory / MANIFEST
    path.write_text(json.dumps(asdict(manifest), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a backup directory; a clear error when it is not one."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tables = tuple(SavedTable(BackupItem(**t["item"]), t["rows"], t["digest"], t["file"]) for t in data["tables"])
        return Manifest(data["created_at"], data["database"], data["server_version"], tables,
                        tuple(data.get("absent_schemas", ())), data.get("dump"), data.get("dump_note", ""),
                        data.get("samia_version", ""))
    except FileNotFoundError:
        raise ConfigError(f"{directory}: not a samia backup (no {MANIFEST})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a valid samia manifest ({exc})") from None
