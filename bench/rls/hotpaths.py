"""The chat application's hot paths, written the way the documented access path says to send them.

Each hot path runs as the persona that would run it (`samia_schema.db.impersonate`). The same query
text runs under every policy set; where ours offers an RPC (`rpc_sql`), the naive set and the floor
run the plain query (`sql`). See ACCESS_PATH.md for the why of each explicit filter.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from samia_schema.access.realtime import RealtimeClient, join_request
from samia_schema.db import impersonate

SQL_DIR = Path(__file__).resolve().parent / "sql"
WATCHED_TABLES = ("chat_messages", "objects")  # no Seq Scan of these under ours (storage.objects)


MEMBER = "select s.id from public.chat_sessions s where s.participants @> array[%(uid)s::uuid]"
STAFF = ("exists (select 1 from public.profiles p where p.id = %(uid)s::uuid"
         " and p.role = any (array['monitor', 'admin', 'super_admin']))")


@dataclass(frozen=True)
class HotPath:
    """One hot path as each policy set runs it.

    `sql` is the app's query (ours and naive; ours calls `rpc_sql` instead when it offers an RPC);
    `floor_sql` is the same query with the access rule written out as a plain filter, run by a
    bypass role (the cost of the query plus the rule: the limit RLS can approach); `bare_sql` is the
    query with no rule at all (default: `sql`), for reference.
    """

    key: str
    title: str
    persona: str  # client | admin | monitor
    sql: str
    floor_sql: str
    rpc_sql: str | None = None
    rpc: str | None = None  # the function rpc_sql calls (regprocedure), to detect older schemas
    bare_sql: str | None = None
    write: bool = False
    tables: tuple[str, ...] = ("chat_messages",)  # the tables whose index use the test asserts
    realtime: bool = False  # run inside Realtime's join check (probe rows, role and topic set)

    @classmethod
    def ruled(cls, key: str, title: str, persona: str, template: str, rule: str, **kw: Any) -> HotPath:
        """A path whose floor is its query (`template` with a `{rule}` slot) plus the rule written out."""
        return cls(key, title, persona, template.format(rule=""), floor_sql=template.format(rule=rule), **kw)

    def text_for(self, policy_set: str, rpc_available: bool = True) -> str:
        """The query this policy set runs: ours calls the RPC when the schema has it."""
        if policy_set == "ours" and self.rpc_sql and rpc_available:
            return self.rpc_sql
        if policy_set == "floor":
            return self.floor_sql
        if policy_set == "bare":
            return self.bare_sql or self.sql
        return self.sql


_SESSIONS = ("select s.id, s.participants, s.title, s.status, s.last_message_at, s.last_message_preview"
             " from {src} s{where} order by s.last_message_at desc nulls last, s.id limit 50")
_PAGE = ("select m.id, m.sender_id, m.type, m.content, m.created_at from public.chat_messages m"
         " where m.session_id = %(sid)s::uuid{rule}"
         " and (m.created_at, m.id) < (%(cursor_ts)s::timestamptz, %(cursor_id)s::uuid)"
         " order by m.created_at desc, m.id desc limit 50")
# unread = messages others sent after the reader's cursor (chat_read_cursors); the floor is the RPC's body
_UNREAD = ("select m.session_id, count(*) as unread from public.chat_messages m"
           " left join public.chat_read_cursors c on c.session_id = m.session_id and c.user_id = %(uid)s::uuid"
           " where {scope}m.created_at > coalesce(c.read_at, '-infinity') and not m.is_deleted"
           " and m.sender_id <> %(uid)s::uuid group by m.session_id")
_UNREAD_FLOOR = ("select m.session_id, count(*) as unread from public.chat_sessions s"
                 " left join public.chat_read_cursors c on c.session_id = s.id and c.user_id = %(uid)s::uuid"
                 " join public.chat_messages m on m.session_id = s.id"
                 " and m.created_at > coalesce(c.read_at, '-infinity') and not m.is_deleted"
                 " where s.participants @> array[%(uid)s::uuid] and m.sender_id <> %(uid)s::uuid"
                 " group by m.session_id")
_LATEST = ("select m.id, m.session_id, m.sender_id, m.content, m.created_at from public.chat_messages m"
           "{rule} order by m.created_at desc, m.id desc limit 50")
_WEEK = ("select m.session_id, count(*) as messages from public.chat_messages m"
         " where m.created_at >= %(since)s::timestamptz{rule}"
         " group by m.session_id order by messages desc, m.session_id limit 100")
_HISTORY = ("select m.id, m.sender_id, m.type, m.content, m.created_at from public.chat_messages m"
            " where m.session_id = %(sid)s::uuid{rule} order by m.created_at, m.id")
_SEARCH = ("select m.id, m.session_id, m.content, m.created_at from public.chat_messages m"
           " where m.session_id = any(%(my_sids)s::uuid[]){rule}"
           " and m.content_tsv @@ to_tsquery('simple', %(word)s)"
           " order by m.created_at desc limit 50")
_FILES = ("select o.name, o.id, o.metadata, o.created_at from storage.objects o"
          " where o.bucket_id = 'chat-files' and o.name >= %(prefix_lo)s and o.name < %(prefix_hi)s{rule}"
          " order by o.name limit 100")
_WRITE = ("insert into public.chat_messages (session_id, sender_id, content)"
          " {values} returning id")
_VALUES = "values (%(sid)s::uuid, %(uid)s::uuid, 'bench: write path')"
# path 8 without the broadcast of the new message (run in a rolled-back transaction, to price it)
WITHOUT_BROADCAST = "alter table public.chat_messages disable trigger chat_messages_broadcast"
# Realtime's join check: the SELECT of its probe rows as the client (may it receive my session?)
_JOIN = "select m.id from realtime.messages m where m.id = any(%(probe_ids)s::uuid[]){rule}"
IN_SESSION = ("exists (select 1 from public.chat_sessions s"
              " where s.id = %(sid)s::uuid and s.participants @> array[%(uid)s::uuid])")
_RECEIVE = " and m.extension in ('broadcast', 'presence') and ({staff} or {member})"

HOT_PATHS: tuple[HotPath, ...] = (
    HotPath(
        "1", "list my sessions, newest activity first", "client",
        _SESSIONS.format(src="public.chat_sessions", where=" where s.participants @> array[%(uid)s::uuid]"),
        floor_sql=_SESSIONS.format(src="public.chat_sessions",
                                   where=" where s.participants @> array[%(uid)s::uuid]"),
        rpc_sql=_SESSIONS.format(src="public.my_chat_sessions()", where=""),
        rpc="public.my_chat_sessions()",
        tables=("chat_sessions",),
    ),
    HotPath.ruled("2", "one page (50) of messages in my session, keyset", "client", _PAGE,
                  f" and m.session_id in ({MEMBER})"),
    HotPath(
        "3", "my unread count across my sessions", "client",
        _UNREAD.format(scope=""),
        floor_sql=_UNREAD_FLOOR,
        rpc_sql="select u.session_id, u.unread from public.chat_unread_counts() u",
        rpc="public.chat_unread_counts()",
        bare_sql=_UNREAD.format(scope="m.session_id = any(%(my_sids)s::uuid[]) and "),
    ),
    HotPath.ruled("4", "admin: latest 50 messages across all sessions", "admin", _LATEST, f" where {STAFF}"),
    HotPath.ruled("4b", "admin: the 100 busiest sessions of the last 7 days", "admin", _WEEK, f" and {STAFF}"),
    HotPath.ruled("5", "monitor: a session's full history", "monitor", _HISTORY, f" and {STAFF}"),
    HotPath.ruled("6", "full-text search for a word within my sessions", "client", _SEARCH,
                  f" and m.session_id in ({MEMBER})"),
    HotPath.ruled("7", "list the objects in one of my session folders (chat-files)", "client", _FILES,
                  f" and split_part(o.name, '/', 1) in ({MEMBER.replace('s.id', 's.id::text', 1)})",
                  tables=("objects",)),
    HotPath(
        "8", "insert a message into my session (audit trigger included)", "client",
        _WRITE.format(values=_VALUES),
        floor_sql=_WRITE.format(values=_VALUES.replace("values (", "select ").rstrip(")")
                                + f" where %(sid)s::uuid in ({MEMBER} and s.status = 'active')"),
        write=True,
        tables=(),
    ),
    HotPath.ruled("9", "realtime: join my session's private channel (Realtime's authorization SELECT)", "client",
                  _JOIN, _RECEIVE.format(staff=STAFF, member=IN_SESSION), realtime=True, tables=()),
)


@dataclass(frozen=True)
class World:
    """Who runs the hot paths and with which arguments (found in the seeded data)."""

    client_id: UUID
    n_sessions: int
    client_session_ids: tuple[UUID, ...]
    session_id: UUID
    cursor_created_at: datetime
    cursor_id: UUID
    admin_id: UUID
    monitor_id: UUID

    @property
    def key(self) -> str:
        return str(self.client_id)

    @property
    def topic(self) -> str:
        """The private channel of the client's session (the chat pack's `chat:{session_id}`)."""
        return f"chat:{self.session_id}"

    def persona_id(self, persona: str) -> UUID:
        return {"client": self.client_id, "admin": self.admin_id, "monitor": self.monitor_id}[persona]

    def params(self, persona: str, since: datetime) -> dict[str, Any]:
        """Query parameters: what the app knows (its uid, its session ids from path 1, a cursor)."""
        sid = str(self.session_id)
        return {
            "uid": self.persona_id(persona),
            "sid": self.session_id,
            "my_sids": list(self.client_session_ids),
            "cursor_ts": self.cursor_created_at,
            "cursor_id": self.cursor_id,
            "since": since,
            "word": "tarot",
            "prefix_lo": sid + "/",
            "prefix_hi": sid + "0",  # '0' follows '/': the C-collation range of the prefix sid/
            "probe_ids": [uuid.uuid4(), uuid.uuid4()],  # for plans; request() passes the inserted rows' ids
        }


def available_rpcs(conn: psycopg.Connection[Any]) -> frozenset[str]:
    """The hot paths' RPCs this database has (a schema from before an RPC existed has not)."""
    wanted = [p.rpc for p in HOT_PATHS if p.rpc]
    rows = conn.execute("select f from unnest(%s::text[]) f where to_regprocedure(f) is not null", (wanted,))
    return frozenset(r[0] for r in rows.fetchall())


def find_world(conn: psycopg.Connection[Any]) -> World:
    """Pick the personas (as superuser) from the seeded data."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute((SQL_DIR / "personas.sql").read_text().encode()).fetchone()  # type: ignore[call-overload]
    if row is None or row["session_id"] is None:
        raise RuntimeError("no client with sessions in the seeded data")
    row["client_session_ids"] = tuple(row["client_session_ids"])
    return World(**row)


@contextmanager
def as_persona(
    conn: psycopg.Connection[Any], policy_set: str, persona_id: UUID
) -> Iterator[psycopg.Connection[Any]]:
    """ours / naive: `authenticated` with the persona's JWT; floor / bare: `service_role` (no RLS)."""
    role = "service_role" if policy_set in ("floor", "bare") else "authenticated"
    claims: Mapping[str, Any] = {"sub": str(persona_id), "role": role, "aud": "authenticated"}
    with impersonate(conn, role, claims) as c:
        yield c


@contextmanager
def request(conn: psycopg.Connection[Any], policy_set: str, path: HotPath, world: World,
            params: Mapping[str, Any]) -> Iterator[tuple[psycopg.Connection[Any], dict[str, Any]]]:
    """The persona's request for `path`, set up but not yet run: PostgREST's (as_persona), or for a
    realtime path Realtime's join check up to its SELECT (probe rows inserted by the bench's own role,
    then role, topic, claims and headers set). Yields the connection and the parameters to run with."""
    persona_id = world.persona_id(path.persona)
    if not path.realtime:
        with as_persona(conn, policy_set, persona_id) as c:
            yield c, dict(params)
        return
    role = "service_role" if policy_set in ("floor", "bare") else "authenticated"
    client = RealtimeClient(role, {"sub": str(persona_id), "role": role, "aud": "authenticated"})
    with join_request(conn, client, world.topic) as rows:
        yield conn, {**params, "probe_ids": list(rows.values())}


def plan_json(conn: psycopg.Connection[Any], text: str, params: Mapping[str, Any]) -> Any:
    """EXPLAIN (FORMAT JSON) without running the query."""
    row = conn.execute(("explain (format json) " + text).encode(), params).fetchone()  # type: ignore[call-overload]
    assert row is not None
    return row[0] if not isinstance(row[0], str) else json.loads(row[0])


def scans(plan: Any) -> list[tuple[str, str]]:
    """(node type, relation) for every scan node of a JSON plan."""
    found: list[tuple[str, str]] = []

    def walk(node: Mapping[str, Any]) -> None:
        if "Relation Name" in node:
            found.append((str(node["Node Type"]), str(node["Relation Name"])))
        for child in node.get("Plans", []):
            walk(child)

    for entry in plan:
        walk(entry["Plan"])
    return found


def seq_scans_of_watched(plan: Any, tables: tuple[str, ...] = WATCHED_TABLES) -> list[str]:
    """Relations of `tables` read by a Seq Scan in this plan."""
    return sorted({rel for node, rel in scans(plan) if node == "Seq Scan" and rel in tables})


def uses_index_on(plan: Any, table: str) -> bool:
    """True when the plan reads `table` through an index (index, index-only or bitmap scan)."""
    return any(rel == table and ("Index" in node or "Bitmap" in node) for node, rel in scans(plan))
