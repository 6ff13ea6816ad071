"""Time-range partitions of a pack's partitioned tables: list them, detach old ones for archival.

A detached partition stays where it is (a plain table with its rows, indexes and RLS, no longer
reached through the parent); what to do with it next (dump, move, drop) is the DBA's call. Detaching
runs `DETACH PARTITION … CONCURRENTLY` (a SHARE UPDATE EXCLUSIVE lock: writes to the other
partitions go on), which Postgres refuses while a foreign key still references rows of the partition
(a self-referencing key included): `unlink` first sets those references to NULL, one UPDATE per key
(the rows' audit triggers, if any, record the old values). docs/partitioning.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from .errors import DatabaseError, first_line
from .resources import static_sql


@dataclass(frozen=True)
class Partition:
    """One partition: where it is, its bounds as Postgres writes them, and its upper bound."""

    schema: str
    name: str
    bounds: str
    upper: datetime | None  # None for a DEFAULT partition
    estimated_rows: int
    detach_pending: bool  # an interrupted DETACH … CONCURRENTLY (finished by the next detach)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Reference:
    """A foreign key (`name`) on `table` (schema, name) whose `columns` reference `ref_columns`."""

    table: tuple[str, str]
    name: str
    columns: tuple[str, ...]
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Detached:
    partition: Partition
    unlinked: int  # references set to NULL first
    finished_pending: bool  # it was an interrupted detach, finalized


def list_partitions(conn: psycopg.Connection[Any], table: str) -> tuple[Partition, ...]:
    """The partitions of `table` (schema-qualified), oldest first.

    Example:
        >>> [p.name for p in list_partitions(conn, "public.events")][:1]
        ['events_p202611']
    """
    try:
        with conn.transaction():
            conn.execute("set local timezone = 'UTC'")
            rows = conn.execute(static_sql("partitions/list.sql"), {"table": table}).fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"partitions: listing {table}: {first_line(exc)}") from exc
    return tuple(Partition(r[0], r[1], r[2], r[3], int(r[4]), bool(r[5])) for r in rows)


def references(conn: psycopg.Connection[Any], table: str) -> tuple[Reference, ...]:
    """Foreign keys referencing `table` (declared on a table, not their per-partition clones)."""
    rows = conn.execute(static_sql("partitions/references.sql"), {"table": table}).fetchall()
    return tuple(Reference((r[0], r[1]), r[2], tuple(r[3]), tuple(r[4])) for r in rows)


def _matches(ref: Reference, partition: Partition) -> sql.Composed:
    """`(r.<columns>) in (select <referenced columns> from <partition>)`, r the referencing table."""
    return sql.SQL("({}) in (select {} from {})").format(
        sql.SQL(", ").join(sql.Identifier("r", c) for c in ref.columns),
        sql.SQL(", ").join(map(sql.Identifier, ref.ref_columns)), sql.Identifier(partition.schema, partition.name))


def referencing_rows(conn: psycopg.Connection[Any], partition: Partition, refs: Sequence[Reference]) -> int:
    """How many rows reference a row of `partition` through `refs` (what blocks its detach)."""
    total = 0
    for ref in refs:
        row = conn.execute(sql.SQL("select count(*) from {} r where {}").format(
            sql.Identifier(*ref.table), _matches(ref, partition))).fetchone()
        total += int(row[0]) if row else 0
    return total


def _unlink(conn: psycopg.Connection[Any], partition: Partition, refs: Sequence[Reference]) -> int:
    changed = 0
    with conn.transaction():
        for ref in refs:
            cleared = sql.SQL(", ").join(sql.SQL("{} = null").format(sql.Identifier(c)) for c in ref.columns)
            changed += conn.execute(sql.SQL("update {} r set {} where {}").format(
                sql.Identifier(*ref.table), cleared, _matches(ref, partition))).rowcount
    return changed


def detach_before(conn: psycopg.Connection[Any], table: str, before: datetime, *, unlink: bool = False,
                  dry_run: bool = False, progress: Callable[[str], None] | None = None) -> tuple[Detached, ...]:
    """Detach every partition of `table` whose range ends at or before `before`.

    `conn` must be in autocommit mode (DETACH … CONCURRENTLY runs outside a transaction). Refuses,
    before detaching anything, when rows still reference a partition to detach and `unlink` is not
    given. A dry run changes nothing and reports what would be detached.

    Example:
        >>> [d.partition.name for d in detach_before(conn, "public.events", datetime(2026, 1, 1, tzinfo=UTC))]
        ['events_p202511', 'events_p202512']
    """
    if not conn.autocommit:
        raise DatabaseError("partitions: detaching needs an autocommit connection (it runs concurrently)")
    chosen = [p for p in list_partitions(conn, table) if p.upper is not None and p.upper <= before]
    refs = references(conn, table)
    blocked = {p.qualified: n for p in chosen if (n := referencing_rows(conn, p, refs))}
    if blocked and not unlink:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in blocked.items())
        raise DatabaseError(f"partitions: rows still reference {listed} through "
                            f"{', '.join(r.name for r in refs)}; pass --unlink to set those references to NULL "
                            "first (nothing was detached)")
    done = []
    for partition in chosen:
        count = blocked.get(partition.qualified, 0)
        if not dry_run:
            if progress:
                progress(f"detaching {partition.qualified} ({partition.bounds})")
            if count:
                count = _unlink(conn, partition, refs)
            mode = sql.SQL("finalize" if partition.detach_pending else "concurrently")
            try:
                conn.execute(sql.SQL("alter table {} detach partition {} {}").format(
                    _qualified(table), sql.Identifier(partition.schema, partition.name), mode))
            except psycopg.Error as exc:
                raise DatabaseError(f"partitions: detaching {partition.qualified}: {first_line(exc)}") from exc
        done.append(Detached(partition, count, partition.detach_pending))
    return tuple(done)


def _qualified(table: str) -> sql.Composable:
    schema, _, name = table.rpartition(".")
    return sql.Identifier(schema, name) if schema else sql.Identifier(name)
