"""What a backup holds: the tables it saved (whole, or the rows of a filter), their row counts and
checksums, the catalog it was taken from, and the schemas that did not exist yet.

A checksum does not depend on row order or column order: the rows are read with COPY (the stored
columns in name order, generated ones left out, the output settings pinned: ISO dates in UTC,
shortest exact floats, hex bytea) and the checksum is the count plus two 64-bit sums of the md5 of
each row's line. The stream is hashed as it arrives (never a whole table in memory), so a backup
writes and checksums a table in one pass.

Example:
    >>> item = BackupItem("public", "messages")
    >>> checksum(conn, item)
    Checksum(rows=1100, digest='1100:5c2f…:09ab…')
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from operator import methodcaller
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql

from ..errors import ConfigError

Mode = Literal["whole", "rows", "verify", "platform"]
MANIFEST = "manifest.json"
CATALOG = "catalog.json"
# the output settings COPY text depends on, pinned for every checksum, backup and restore
PINNED = {"DateStyle": "ISO, MDY", "TimeZone": "UTC", "IntervalStyle": "postgres", "extra_float_digits": "1",
          "bytea_output": "hex"}
_MASK = (1 << 64) - 1
_BLOCK = 1 << 20  # bytes of COPY data hashed (and written) at a time
_DIGEST = methodcaller("digest")


@dataclass(frozen=True)
class BackupItem:
    """One table a consolidation touches.

    mode: `whole` (dropped and recreated by a restore), `rows` (the rows of `where` are replaced:
    a shared table), `verify` (never written by the consolidation: only checksummed), `platform`
    (rows only the platform's API writes, e.g. storage objects: saved, never written back by a
    restore, compared on their `identity` columns).
    where/params: a filter, e.g. `bucket_id = any(%(buckets)s)`.
    """

    schema: str
    table: str
    mode: Mode = "whole"
    where: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    identity: tuple[str, ...] = ()

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
    columns: tuple[str, ...] = ()  # the COPY file's columns, in order
    identity_digest: str = ""      # `platform` items: the checksum of their identity columns


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


def stored_columns(conn: psycopg.Connection[Any], schema: str, table: str) -> tuple[str, ...]:
    """The columns a COPY saves and loads: not dropped, not generated, in name order.

    Example:
        >>> stored_columns(conn, "public", "notes")
        ('body', 'created_at', 'id')
    """
    rows = conn.execute("select a.attname from pg_attribute a where a.attrelid = format('%%I.%%I', %s::text,"
                        " %s::text)::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''"
                        " order by a.attname collate \"C\"", (schema, table)).fetchall()
    return tuple(str(r[0]) for r in rows)


@contextmanager
def pinned_output(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Pin PINNED for the body (inside a transaction or a savepoint), then put the earlier values back.

    Example:
        >>> with pinned_output(conn):
        ...     conn.execute("select now()::text").fetchone()   # ISO, in UTC
    """
    with conn.transaction():
        names = list(PINNED)
        before = conn.execute("select " + ", ".join(["current_setting(%s)"] * len(names)), names).fetchone()
        assert before is not None
        for name, value in PINNED.items():
            conn.execute("select set_config(%s, %s, true)", (name, value))
        yield
        for name, value in zip(names, before, strict=True):
            conn.execute("select set_config(%s, %s, true)", (name, value))


class _LineHasher:
    """Count and sum the md5 of newline-terminated lines fed in blocks (C-level loops: no per-row bytecode)."""

    def __init__(self) -> None:
        self.rows = self.high = self.low = 0
        self.rest = b""

    def feed(self, block: bytes) -> None:
        lines = (self.rest + block).split(b"\n")
        self.rest = lines.pop()
        if not lines:
            return
        digests = array("Q", b"".join(map(_DIGEST, map(hashlib.md5, lines))))
        if sys.byteorder == "little":
            digests.byteswap()  # each half read as a big-endian 64-bit number
        self.rows += len(lines)
        self.high += sum(digests[0::2])
        self.low += sum(digests[1::2])

    def result(self) -> Checksum:
        return Checksum(self.rows, f"{self.rows}:{self.high & _MASK:016x}:{self.low & _MASK:016x}")


def copy_out(conn: psycopg.Connection[Any], item: BackupItem, columns: Sequence[str],
             sink: Callable[[bytes], object] | None = None) -> Checksum:
    """Stream the rows of `item` (those `columns`) with COPY, hashing each line; `sink` gets every block.

    Example:
        >>> with open("messages.copy", "wb") as out:
        ...     copy_out(conn, BackupItem("public", "messages"), ("id", "content"), out.write).rows
        1100
    """
    hasher = _LineHasher()
    statement = sql.SQL("copy (select {} from {}{}) to stdout").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), item.relation(), item.filter())
    pending: list[bytes] = []
    size = 0

    def flush() -> None:
        block = b"".join(pending)
        pending.clear()
        if sink is not None:
            sink(block)
        hasher.feed(block)

    with pinned_output(conn), conn.cursor() as cur, cur.copy(statement, item.params) as copy:
        for chunk in copy:
            pending.append(bytes(chunk))
            size += len(chunk)
            if size >= _BLOCK:
                flush()
                size = 0
    flush()
    return hasher.result()


def checksum(conn: psycopg.Connection[Any], item: BackupItem, *, identity: bool = False) -> Checksum:
    """Row count and order-independent digest of an item's rows (one streamed pass; see the module docstring);
    with `identity`, of its identity columns only."""
    columns = item.identity if identity else stored_columns(conn, item.schema, item.table)
    return copy_out(conn, item, columns) if columns else Checksum(0, "0:0:0")


def exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    """Whether the table `schema.table` exists (names as they are: no quoting needed).

    Example:
        >>> exists(conn, "chat_legacy", "samia_skipped")
        True
    """
    row = conn.execute("select to_regclass(format('%%I.%%I', %s::text, %s::text)) is not null",
                       (schema, table)).fetchone()
    return bool(row and row[0])


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    return conn.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone() is not None


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    path = directory / MANIFEST
    path.write_text(json.dumps(asdict(manifest), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a backup directory; a clear error when it is not one."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        tables = tuple(SavedTable(BackupItem(**{**t["item"], "identity": tuple(t["item"].get("identity", ()))}),
                                  t["rows"], t["digest"], t["file"], tuple(t.get("columns", ())),
                                  t.get("identity_digest", "")) for t in data["tables"])
        return Manifest(data["created_at"], data["database"], data["server_version"], tables,
                        tuple(data.get("absent_schemas", ())), data.get("dump"), data.get("dump_note", ""),
                        data.get("samia_version", ""))
    except (FileNotFoundError, NotADirectoryError):
        raise ConfigError(f"{directory}: not a samia backup (no {MANIFEST})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a valid samia manifest ({exc})") from None
