"""Attempts and checks of the hostile-client rules (docs/security.md): server-owned columns, no
identity reuse, the audit IP the edge vouches for, bounded sizes, bounded work per request.

The attempts join the write cells of `attempts.py` (a level is the exact set that succeeds); the
checks are cells of their own (`chat_audit_logs.client_ip`, `chat_messages.bulk_write`).
"""

from __future__ import annotations

import uuid
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ...access.matrix import Matrix
from ...access.probes import AttemptResult, Probe
from ...db import impersonate
from .trail import AuditExpect
from .world import World, foreign_session, home_session, other_user, own_session, table

OVERSIZED = "x" * 9000  # over every jsonb size check (8 KiB)


def _author(p: Probe) -> tuple[uuid.UUID, uuid.UUID]:
    """(session, sender) a persona writes as: itself in its own session, else other_a in its home session."""
    own = own_session(p)
    if own and p.uid:
        return own.id, p.uid
    return home_session(p).id, other_user(p, "other_a")


def _stuck(p: Probe, name: str, stmt: LiteralString, params: dict[str, Any], table_name: str,
           record: str | None = None) -> AttemptResult:
    """An insert whose RETURNING says whether the client's value stuck (null: the server replaced it)."""
    statement = sql.SQL(stmt).format(t=table(p, table_name))
    return p.attempt(name, statement, params, audit=AuditExpect(table_name, "insert", record))


def session_identity(p: Probe, participants: list[uuid.UUID]) -> list[AttemptResult]:
    """A client-chosen id, client-chosen timestamps/preview, and the id of a deleted session."""
    chosen = str(uuid.uuid4())
    insert_id = ("insert into {t} (id, participants, title) values (%(id)s, %(participants)s, 'probe')"
                 " returning nullif(id = %(id)s, false)")
    results = [
        _stuck(p, "chosen_id", insert_id, {"id": chosen, "participants": participants}, "chat_sessions", chosen),
        _stuck(p, "chosen_server_columns",
               "insert into {t} (participants, title, created_at, last_message_at, last_message_preview) values "
               "(%(participants)s, 'probe', now() + interval '1 year', now() + interval '1 year', 'forged')"
               " returning nullif("
               "created_at > now() + interval '300 days' and last_message_preview = 'forged', false)",
               {"participants": participants}, "chat_sessions"),
    ]
    world: World = p.world
    if world.retired_session:
        retired = str(world.retired_session)
        results.append(_stuck(p, "retired_id", insert_id, {"id": retired, "participants": participants},
                              "chat_sessions", retired))
    return results


def _reply_target(p: Probe, session: uuid.UUID) -> uuid.UUID:
    """A message of another session than `session` (the closed foreign session's)."""
    world: World = p.world
    other = foreign_session(p, "closed").id
    return next(m.id for m in world.messages if m.session_id == other and m.session_id != session)


def message_inserts(p: Probe) -> list[AttemptResult]:
    """Server-owned columns, system messages, replies across sessions, sizes, `.`/`..` file names."""
    session, sender = _author(p)
    base = {"session": session, "sender": sender}
    chosen = str(uuid.uuid4())
    cases: dict[str, tuple[LiteralString, dict[str, Any], str | None]] = {
        "chosen_id": ("insert into {t} (id, session_id, sender_id, content) values "
                      "(%(id)s, %(session)s, %(sender)s, 'probe') returning nullif(id = %(id)s, false)",
                      {"id": chosen}, chosen),
        "chosen_server_columns": (
            "insert into {t} (session_id, sender_id, content, created_at, status, read_at, is_delivered, "
            "delivered_at) values (%(session)s, %(sender)s, 'probe', now() + interval '20 days', 'read',"
            " now() + interval '20 days', true, now())"  # 20 days: inside the partitions of a monthly layout
            " returning nullif(created_at > now() + interval '10 days' and read_at is not null, false)", {}, None),
        "system_message": ("insert into {t} (session_id, sender_id, type, content) values "
                           "(%(session)s, %(sender)s, 'system', 'probe') returning id", {}, None),
        "reply_into_other_session": (
            "insert into {t} (session_id, sender_id, content, reply_to_message_id) values "
            "(%(session)s, %(sender)s, 'probe', %(reply)s) returning id", {"reply": _reply_target(p, session)}, None),
        "oversized_metadata": ("insert into {t} (session_id, sender_id, content, metadata) values "
                               "(%(session)s, %(sender)s, 'probe', jsonb_build_object('x', %(big)s::text))"
                               " returning id", {"big": OVERSIZED}, None),
        "dot_file_name": ("insert into {t} (session_id, sender_id, type, file_path, file_name) values "
                          "(%(session)s, %(sender)s, 'file', %(session)s || '/' || %(sender)s || '/..', '..')"
                          " returning id", {}, None),
    }
    return [_stuck(p, name, stmt, {**base, **extra}, "chat_messages", record)
            for name, (stmt, extra, record) in cases.items()]


def monitoring_inserts(p: Probe) -> list[AttemptResult]:
    """A monitoring event dated by the client (a year back)."""
    user = p.uid or other_user(p, "other_a")
    stmt = sql.SQL("insert into {} (user_id, event_type, created_at) values "
                   "(%(user)s, 'user_connected', now() - interval '1 year')"
                   " returning nullif(created_at < now() - interval '300 days', false)").format(
        table(p, "chat_monitoring"))
    return [p.attempt("chosen_server_columns", stmt, {"user": user})]


# --- checks (cells of their own) -----------------------------------------------------------------
REAL_IP, EDGE_IP, FORGED_IP = "203.0.113.5", "203.0.113.9", "198.51.100.1"


def _as_client(p: Probe) -> tuple[uuid.UUID, uuid.UUID, dict[str, Any]]:
    """(user, session, claims) of a world client (other_a) writing in the active foreign session."""
    author = other_user(p, "other_a")
    claims: dict[str, Any] = {"sub": str(author), "role": "authenticated", "aud": "authenticated"}
    if p.settings.role_source == "claim":
        claims["app_metadata"] = {"role": p.settings.app_roles.client}
    return author, foreign_session(p).id, claims


def _client_write(p: Probe, headers: dict[str, str]) -> dict[str, Any] | None:
    """As a world client, send a message with `headers`; its audit row (all rolled back)."""
    author, session, claims = _as_client(p)
    try:
        with impersonate(p.conn, "authenticated", claims, headers) as conn:
            conn.execute(sql.SQL("insert into {} (session_id, sender_id, content) values (%s, %s, 'ip probe')")
                         .format(table(p, "chat_messages")), (session, author))
            conn.execute("reset role")
            with conn.cursor(row_factory=dict_row) as cur:
                return cur.execute(sql.SQL(
                    "select host(ip_address) as ip, metadata from {} where table_name = 'chat_messages'"
                    " and action = 'insert' order by id desc limit 1").format(table(p, "chat_audit_logs"))
                ).fetchone()
    except psycopg.Error:
        return None


def client_ip(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """The audit IP is the one the edge vouches for: trusted header, else the last x-forwarded-for entry."""
    trusted = p.settings.trusted_ip_header
    forwarded = f"{FORGED_IP}, {REAL_IP}"
    cases = [({"x-forwarded-for": forwarded}, REAL_IP)]
    if trusted:
        cases.append(({"x-forwarded-for": forwarded, trusted: EDGE_IP}, EDGE_IP))
    for headers, expected in cases:
        row = _client_write(p, headers)
        if row is None:
            return "wrong", f"an audited write with {headers} failed"
        if row["ip"] == FORGED_IP:
            return "spoofable", f"recorded the client-written x-forwarded-for entry {FORGED_IP} for {headers}"
        if row["ip"] != expected:
            return "wrong", f"recorded {row['ip']}, expected {expected} for {headers}"
    row = _client_write(p, {"x-forwarded-for": "garbage"})
    if row is None or row["ip"] is not None or (row["metadata"] or {}).get("ip_unparsed") != "garbage":
        return "lossy", f"an unparsable address was not kept beside a null ip_address: {row}"
    return "trusted", f"{trusted or 'x-forwarded-for'} trusted; forged entries ignored; garbage kept as ip_unparsed"


def bulk_write(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """Bounded work per request: no row-level AFTER trigger on the chat tables, and a row cap."""
    rows = p.conn.execute(
        "select c.relname || '.' || t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname like 'chat\\_%%' and not t.tgisinternal"
        " and t.tgtype & 1 = 1 and t.tgtype & 2 = 0 order by 1", (p.settings.schema,)).fetchall()
    if rows:
        return "per_row", "row-level AFTER triggers: " + ", ".join(r[0] for r in rows)
    cap = p.settings.max_rows_per_request
    author, session, claims = _as_client(p)
    stmt = sql.SQL("insert into {} (session_id, sender_id, content) select %s, %s, 'bulk ' || g"
                   " from generate_series(1, %s) g").format(table(p, "chat_messages"))
    try:
        with impersonate(p.conn, "authenticated", claims) as conn:
            conn.execute(stmt, (session, author, cap + 1))
    except psycopg.errors.ProgramLimitExceeded:
        return "bounded", f"statement-level triggers only; {cap + 1} rows in one request refused"
    except psycopg.Error as exc:
        return "uncapped", f"{cap + 1} rows refused for another reason: {exc}"
    return "uncapped", f"a client inserted {cap + 1} rows in one request (cap {cap})"
