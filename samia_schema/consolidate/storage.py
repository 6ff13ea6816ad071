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

JOURNAL = "samia_storage_moves"
JOURNAL_DDL = """
create table if not exists {journal} (
  id bigint generated always as identity primary key,
  source_bucket text not null,
  source_name text not null,
  target_bucket text,
  target_name text,
  ref_table text,
  ref_id text,
  mimetype text,
  state text not null default 'pending' check (state in ('pending', 'moved', 'kept')),
  reason text,
  updated_at timestamptz not null default now()
)
"""


@dataclass(frozen=True)
class MoveCounts:
    """Journaled moves: pending, done (objects already at their target not counted), kept."""

    pending: int = 0
    moved: int = 0
    kept: int = 0
    failed: tuple[str, ...] = ()


def journal(schema: str) -> sql.Identifier:
    return sql.Identifier(schema, JOURNAL)


def create_journal(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL(JOURNAL_DDL).format(journal=journal(schema)))
    conn.execute(sql.SQL("revoke all on table {} from public").format(journal(schema)))


def counts(conn: psycopg.Connection[Any], schema: str) -> MoveCounts:
    """How many journaled moves are pending, done, kept (zeros when there is no journal)."""
    row = conn.execute("select to_regclass(format('%%I.%%I', %s::text, %s::text)) is not null",
                       (schema, JOURNAL)).fetchone()
    if not row or not row[0]:
        return MoveCounts()
    statement = sql.SQL("select state, count(*) from {} group by state").format(journal(schema))
    found = dict(conn.execute(statement).fetchall())
    in_place = conn.execute(sql.SQL(
        "select count(*) from {} where state = 'moved' and (source_bucket, source_name)"
        " is not distinct from (target_bucket, target_name)").format(journal(schema))).fetchone()
    found["moved"] = found.get("moved", 0) - (in_place[0] if in_place else 0)
    return MoveCounts(found.get("pending", 0), found.get("moved", 0), found.get("kept", 0))


def storage_client(url: str, service_key: str) -> Any:
    """A synchronous storage3 client authenticated with the service key."""
    try:
        from storage3 import create_client
    except ImportError:  # pragma: no cover - an optional dependency
        raise ConfigError("the Storage API needs the storage3 package: pip install 'samia-schema[storage]'") from None
    headers = {"apikey": service_key, "Authorization": f"Bearer {service_key}"}
    return create_client(url.rstrip("/") + ("" if url.rstrip("/").endswith("/storage/v1") else "/storage/v1"),
                         headers, is_async=False)


def _exists(client: Any, bucket: str, name: str) -> bool:
    return bool(client.from_(bucket).exists(name))


def _transfer(client: Any, src_bucket: str, src: str, dst_bucket: str, dst: str, mimetype: str | None) -> None:
    if not _exists(client, dst_bucket, dst):
        if src_bucket == dst_bucket:
            client.from_(src_bucket).move(src, dst)
            return
        data = client.from_(src_bucket).download(src)
        client.from_(dst_bucket).upload(dst, data, {"content-type": mimetype or "application/octet-stream",
                                                    "upsert": "false"})
    if not _exists(client, dst_bucket, dst):
        raise DatabaseError(f"storage: {dst_bucket}/{dst} missing after the transfer")
    if _exists(client, src_bucket, src):
        client.from_(src_bucket).remove([src])


def run_moves(conn: psycopg.Connection[Any], schema: str, client: Any, *, reverse: bool = False,
              progress: Callable[[int, int], None] | None = None) -> MoveCounts:
    """Carry out the pending moves (or, with `reverse`, undo the done ones), marking each as it completes.

    `conn` must be in autocommit mode: each mark is committed at once. A failing object is
    reported and left pending; the others go on.
    """
    want, then = ("moved", "pending") if reverse else ("pending", "moved")
    rows = conn.execute(sql.SQL("select id, source_bucket, source_name, target_bucket, target_name, mimetype"
                                " from {} where state = %s and target_name is not null"
                                " and (source_bucket, source_name) is distinct from (target_bucket, target_name)"
                                " order by id").format(journal(schema)), (want,)).fetchall()
    failed: list[str] = []
    for number, (move_id, sb, sn, tb, tn, mime) in enumerate(rows, 1):
        try:
            if reverse:
                _transfer(client, tb, tn, sb, sn, mime)
            else:
                _transfer(client, sb, sn, tb, tn, mime)
        except Exception as exc:  # the API's errors are not typed; report and go on
            failed.append(f"{sb}/{sn}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        conn.execute(sql.SQL("update {} set state = %s, updated_at = now() where id = %s").format(journal(schema)),
                     (then, move_id))
        if progress:
            progress(number, len(rows))
    done = counts(conn, schema)
    return MoveCounts(done.pending, done.moved, done.kept, tuple(failed))
