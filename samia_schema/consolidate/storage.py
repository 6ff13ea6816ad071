"""Object moves through the Storage API, journaled in the database: resumable and idempotent.

The journal (`<schema>.samia_storage_moves`) lists each planned move: source bucket/name, target
bucket/name, the row that refers to it, and its state (`pending`, `moved`, `kept` with a reason).
A pack fills it; `run_moves` carries out the pending ones with the service key and marks each one
as it completes, so a re-run continues where the last one stopped. A move within a bucket is the
API's move; across buckets it is download, upload, check, remove (the bytes of one object in
memory at a time). A source is removed only once its target exists; nothing else is deleted.

Example:
    >>> client = storage_client("http://127.0.0.1:5000", key)
    >>> run_moves(conn, "chat_legacy", client).moved
    634
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..errors import ConfigError, DatabaseError
from ..resources import static_sql
from .manifest import exists

JOURNAL = "samia_storage_moves"
PAGE = 500         # journal rows read at a time
STOP_AFTER = 20    # consecutive failures that stop a run
MAX_LISTED = 100   # failures listed one by one


@dataclass(frozen=True)
class MoveGroup:
    """Journaled objects of one source bucket and path layout, target, state and reason."""

    source_bucket: str
    layout: str
    target_bucket: str
    state: str
    reason: str
    objects: int
    example: str


@dataclass(frozen=True)
class MoveCounts:
    """Journaled moves: pending, done (objects already at their target not counted), kept; the plan in groups."""

    pending: int = 0
    moved: int = 0
    kept: int = 0
    failed: tuple[str, ...] = ()
    plan: tuple[MoveGroup, ...] = ()


def journal(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, JOURNAL)


def create_journal(conn: psycopg.Connection[Any], schema: str) -> None:
    with psycopg.ClientCursor(conn) as cur:
        cur.execute(sql.SQL(static_sql("consolidate/journal.sql")).format(
            journal=journal(schema), index=sql.Identifier(f"{JOURNAL}_source_idx")))


def counts(conn: psycopg.Connection[Any], schema: str, *, plan: bool = False) -> MoveCounts:
    """How many journaled moves are pending, done, kept (zeros when there is no journal); with `plan`
    also the journal in groups (what would move where, what stays and why: no object is listed one by one)."""
    if not exists(conn, schema, JOURNAL):
        return MoveCounts()
    statement = sql.SQL("select state, count(*) from {} group by state").format(journal(schema))
    found = dict(conn.execute(statement).fetchall())
    in_place = conn.execute(sql.SQL(
        "select count(*) from {} where state = 'moved' and (source_bucket, source_name)"
        " is not distinct from (target_bucket, target_name)").format(journal(schema))).fetchone()
    found["moved"] = found.get("moved", 0) - (in_place[0] if in_place else 0)
    groups = () if not plan else tuple(MoveGroup(*row) for row in conn.execute(
        sql.SQL(static_sql("consolidate/storage_plan.sql")).format(journal=journal(schema))).fetchall())
    return MoveCounts(found.get("pending", 0), found.get("moved", 0), found.get("kept", 0), plan=groups)


def storage_client(url: str, service_key: str) -> Any:
    """A synchronous storage3 client authenticated with the service key."""
    try:
        from storage3 import create_client
    except ImportError:  # pragma: no cover - an optional dependency
        raise ConfigError("the Storage API needs the storage3 package: pip install 'samia-schema[storage]'") from None
    headers = {"apikey": service_key, "Authorization": f"Bearer {service_key}"}
    return create_client(url.rstrip("/") + ("" if url.rstrip("/").endswith("/storage/v1") else "/storage/v1"),
                         headers, is_async=False)


def _object_exists(client: Any, bucket: str, name: str) -> bool:
    return bool(client.from_(bucket).exists(name))


def _transfer(client: Any, src_bucket: str, src: str, dst_bucket: str, dst: str, mimetype: str | None) -> None:
    if not _object_exists(client, dst_bucket, dst):
        if src_bucket == dst_bucket:
            client.from_(src_bucket).move(src, dst)
            return
        data = client.from_(src_bucket).download(src)
        client.from_(dst_bucket).upload(dst, data, {"content-type": mimetype or "application/octet-stream",
                                                    "upsert": "false"})
    if not _object_exists(client, dst_bucket, dst):
        raise DatabaseError(f"storage: {dst_bucket}/{dst} missing after the transfer")
    if _object_exists(client, src_bucket, src):
        client.from_(src_bucket).remove([src])


def run_moves(conn: psycopg.Connection[Any], schema: str, client: Any, *, reverse: bool = False,
              progress: Callable[[int, int], None] | None = None) -> MoveCounts:
    """Carry out the pending moves (or, with `reverse`, undo the done ones), marking each as it completes.

    `conn` must be in autocommit mode: each mark is committed at once. The journal is read a page
    at a time. A failing object is reported and left pending; the others go on, unless
    STOP_AFTER fail in a row (a wrong URL or key: every object would fail).

    Example:
        >>> run_moves(conn, "chat_legacy", storage_client(url, key)).pending
        0
    """
    want, then = ("moved", "pending") if reverse else ("pending", "moved")
    where = sql.SQL(" from {} where state = %s and target_name is not null and (source_bucket, source_name)"
                    " is distinct from (target_bucket, target_name)").format(journal(schema))
    total_row = conn.execute(sql.SQL("select count(*)") + where, (want,)).fetchone()
    total = int(total_row[0]) if total_row else 0
    failed: list[str] = []
    failures = in_a_row = done_count = 0
    last = 0
    while in_a_row < STOP_AFTER:
        page = conn.execute(sql.SQL("select id, source_bucket, source_name, target_bucket, target_name, mimetype")
                            + where + sql.SQL(" and id > %s order by id limit %s"), (want, last, PAGE)).fetchall()
        if not page:
            break
        for move_id, sb, sn, tb, tn, mime in page:
            last = move_id
            try:
                if reverse:
                    _transfer(client, tb, tn, sb, sn, mime)
                else:
                    _transfer(client, sb, sn, tb, tn, mime)
            except Exception as exc:  # the API's errors are not typed; report and go on
                failures, in_a_row = failures + 1, in_a_row + 1
                if len(failed) < MAX_LISTED:
                    failed.append(f"{sb}/{sn}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                if in_a_row >= STOP_AFTER:
                    failed.append(f"stopped: {STOP_AFTER} objects failed in a row (check the URL and the key)")
                    break
                continue
            in_a_row = 0
            conn.execute(sql.SQL("update {} set state = %s, updated_at = now() where id = %s").format(
                journal(schema)), (then, move_id))
            done_count += 1
            if progress:
                progress(done_count + failures, total)
    if failures > MAX_LISTED:
        failed.append(f"… {failures - MAX_LISTED} more failed")
    done = counts(conn, schema, plan=True)
    return MoveCounts(done.pending, done.moved, done.kept, tuple(failed), done.plan)
