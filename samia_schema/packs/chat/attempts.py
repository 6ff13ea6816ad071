"""The write attempts behind each matrix cell, and which of them each level lets succeed.

A level is the exact set of attempts that must succeed; every other attempt must fail. Attempts
that do not apply to a persona (e.g. "own message" for a persona with no sessions) are left out of
both sides, never counted as a pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from psycopg import sql

from ...access.probes import AttemptResult, Probe
from ...access.vocabulary import WriteProbe, levels
from . import hardening, storage_api
from .trail import AuditExpect
from .world import World, foreign_session, home_session, max_audit_id, other_user, own_session, table

Attempts = Callable[[Probe], list[AttemptResult]]


def _new_id() -> str:
    return str(uuid.uuid4())


# --- chat_sessions -----------------------------------------------------------------------------
def session_insert(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_sessions")
    a, b, c = other_user(p, "other_a"), other_user(p, "other_b"), other_user(p, "other_c")
    me = [p.uid] if p.uid else []
    plain = sql.SQL("insert into {} (participants, title) values (%(participants)s, 'probe') returning id").format(t)
    forged = sql.SQL("insert into {} (participants, created_by, title) values "
                     "(%(participants)s, %(created_by)s, 'probe') returning id").format(t)
    results = [p.attempt(name, stmt, params, audit=AuditExpect("chat_sessions", "insert", None))
               for name, stmt, params in (("own", plain, {"participants": me + [c]}),
                                          ("without_self", plain, {"participants": [a, b]}),
                                          ("forged_creator", forged, {"participants": me + [a], "created_by": b}))]
    return results + hardening.session_identity(p, me + [c])


def session_update(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_sessions")
    own, foreign = own_session(p), foreign_session(p)
    results = []

    def run(name: str, assignment: str, target: uuid.UUID) -> None:
        stmt = sql.SQL("update {} set {} where id = %(id)s").format(t, sql.SQL(assignment))
        results.append(p.attempt(name, stmt, {"id": target, "other": other_user(p, "other_c")},
                                 audit=AuditExpect("chat_sessions", "update", str(target))))

    if own:
        run("own_title", "title = 'renamed by probe'", own.id)
        closed = own_session(p, "closed")
        if closed:
            run("reopen_own_closed", "status = 'active'", closed.id)
        run("own_participants", "participants = participants || %(other)s", own.id)
        run("own_created_by", "created_by = %(other)s", own.id)
    run("foreign_title", "title = 'renamed by probe'", foreign.id)
    return results


def session_delete(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_sessions")
    stmt = sql.SQL("delete from {} where id = %(id)s").format(t)
    results = []
    own = own_session(p, "closed")
    if own:
        results.append(p.attempt("own", stmt, {"id": own.id},
                                 audit=AuditExpect("chat_sessions", "delete", str(own.id))))
    foreign = foreign_session(p, "closed")
    results.append(p.attempt("foreign", stmt, {"id": foreign.id},
                             audit=AuditExpect("chat_sessions", "delete", str(foreign.id))))
    return results


# --- chat_messages -----------------------------------------------------------------------------
def message_insert(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_messages")
    stmt = sql.SQL("insert into {} (session_id, sender_id, content) values "
                   "(%(session)s, %(sender)s, 'probe message') returning id").format(t)
    cases: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
    own, closed = own_session(p), own_session(p, "closed")
    if p.uid:
        if own:
            cases["own_session"] = (own.id, p.uid)
        if closed:
            cases["closed_own_session"] = (closed.id, p.uid)
        cases["foreign_session"] = (foreign_session(p).id, p.uid)
    cases["spoof_sender"] = (home_session(p).id, other_user(p, "other_a"))
    results = [p.attempt(name, stmt, {"session": session, "sender": sender},
                         audit=AuditExpect("chat_messages", "insert", None))
               for name, (session, sender) in cases.items()]
    return results + hardening.message_inserts(p)


def _message(p: Probe, session: uuid.UUID, sender: uuid.UUID | None, read: bool | None = None,
             old: bool = False) -> uuid.UUID | None:
    world: World = p.world
    for m in world.messages:
        if m.session_id == session and m.sender_id == sender and m.old == old and (read is None or m.read == read):
            return m.id
    return None


def message_update(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_messages")
    results = []

    def run(name: str, assignment: str, target: uuid.UUID | None) -> None:
        if target is None:
            return
        stmt = sql.SQL("update {} set {} where id = %(id)s").format(t, sql.SQL(assignment))
        results.append(p.attempt(name, stmt, {"id": target, "other": other_user(p, "other_a"),
                                              "session": foreign_session(p).id},
                                 audit=AuditExpect("chat_messages", "update", str(target))))

    own = own_session(p)
    if own and p.uid:
        run("own_content", "content = 'edited by probe'", _message(p, own.id, p.uid, read=False))
        run("own_delete_flag", "is_deleted = true", _message(p, own.id, p.uid, read=True))
        run("own_content_after_edit_window", "content = 'edited late'", _message(p, own.id, p.uid, old=True))
        run("own_created_at", "created_at = created_at - interval '1 day'", _message(p, own.id, p.uid, read=False))
        run("own_sender", "sender_id = %(other)s", _message(p, own.id, p.uid, read=False))
        run("own_session_move", "session_id = %(session)s", _message(p, own.id, p.uid, read=False))
        run("others_message_in_my_session", "content = 'edited by probe'",
            _message(p, own.id, other_user(p, "other_a"), read=False))
    foreign_message = _message(p, foreign_session(p).id, other_user(p, "other_b"), read=False)
    run("foreign_message", "content = 'edited by probe'", foreign_message)
    mine = _message(p, own.id, p.uid, read=False) if own and p.uid else None
    run("server_columns", "status = 'read', read_at = now(), is_delivered = true", mine or foreign_message)
    return results


def message_delete(p: Probe) -> list[AttemptResult]:
    t = table(p, "chat_messages")
    stmt = sql.SQL("delete from {} where id = %(id)s").format(t)
    results = []
    own = own_session(p)
    target = _message(p, own.id, p.uid, read=True) if own and p.uid else None
    if target:
        results.append(p.attempt("own", stmt, {"id": target},
                                 audit=AuditExpect("chat_messages", "delete", str(target))))
    foreign = _message(p, foreign_session(p).id, other_user(p, "other_b"), read=True)
    results.append(p.attempt("foreign", stmt, {"id": foreign},
                             audit=AuditExpect("chat_messages", "delete", str(foreign))))
    return results


def mark_read(p: Probe) -> list[AttemptResult]:
    fn = sql.SQL("select {}.mark_session_read(%(session)s)").format(sql.Identifier(p.settings.schema))
    # effect: the caller's cursor moved to now; nobody else's did; no message row carries read state
    verify = sql.SQL(
        "select coalesce((select c.read_at = now() from {cursors} c where c.session_id = %(session)s"
        " and c.user_id = %(me)s), false)"
        " and not exists (select 1 from {cursors} c where c.session_id = %(session)s"
        " and c.user_id <> %(me)s and c.read_at = now())"
        " and not exists (select 1 from {messages} m where m.session_id = %(session)s"
        " and (m.read_at is not null or m.status = 'read'))"
    ).format(cursors=table(p, "chat_read_cursors"), messages=table(p, "chat_messages"))
    results = []
    own = own_session(p)
    if own and p.uid:
        results.append(p.attempt("own_session", fn, {"session": own.id, "me": p.uid}, verify=verify,
                                 audit=AuditExpect("chat_read_cursors", "mark_read", str(own.id))))
    foreign = foreign_session(p)
    results.append(p.attempt("foreign_session", fn, {"session": foreign.id, "me": p.uid},
                             audit=AuditExpect("chat_read_cursors", "mark_read", str(foreign.id))))
    return results


# --- chat-files: requests to the Storage API (storage_api.py) ---------------------------------


# --- audit log and monitoring -----------------------------------------------------------------
def _audit_writes(kind: str) -> Attempts:
    def attempts(p: Probe) -> list[AttemptResult]:
        t = table(p, "chat_audit_logs")
        target = max_audit_id(p)
        statements = {
            "insert": sql.SQL("insert into {} (action, table_schema, table_name) values ('insert', 'public', 'x')"),
            "update": sql.SQL("update {} set action = 'delete', old_values = null where id = %(id)s"),
            "delete": sql.SQL("delete from {} where id = %(id)s"),
        }
        return [p.attempt(kind, statements[kind].format(t), {"id": target})]

    return attempts


def monitoring_insert(p: Probe) -> list[AttemptResult]:
    stmt = sql.SQL("insert into {} (user_id, event_type, session_id) values (%(user)s, %(event)s, %(session)s)").format(
        table(p, "chat_monitoring"))
    cases: dict[str, tuple[uuid.UUID, str, uuid.UUID | None]] = {}
    own = own_session(p)
    if p.uid:
        cases["self_event"] = (p.uid, "session_joined", own.id if own else None)
        cases["self_event_foreign_session"] = (p.uid, "session_joined", foreign_session(p).id)
    cases["event_for_other_user"] = (other_user(p, "other_a"), "user_connected", None)
    results = [p.attempt(name, stmt, {"user": u, "event": e, "session": s}) for name, (u, e, s) in cases.items()]
    return results + hardening.monitoring_inserts(p)


# --- RPCs --------------------------------------------------------------------------------------
def rpc_create_session(p: Probe) -> list[AttemptResult]:
    stmt = sql.SQL("select id from {}.create_chat_session(%(others)s::uuid[], 'probe via rpc')"
                   " where participants @> array[%(me)s]::uuid[]").format(sql.Identifier(p.settings.schema))
    return [p.attempt("self", stmt, {"others": [other_user(p, "other_c")], "me": p.uid},
                      audit=AuditExpect("chat_sessions", "insert", None))]


def rpc_unread_counts(p: Probe) -> list[AttemptResult]:
    expected: dict[str, int] = {}
    for m in p.world.messages_in(p.world.own_sessions(p.uid)):
        if not m.read and m.sender_id != p.uid:
            expected[str(m.session_id)] = expected.get(str(m.session_id), 0) + 1
    # succeeds only when the RPC returns exactly the caller's unread counts (as one row: true)
    stmt = sql.SQL(
        "select nullif(coalesce(jsonb_object_agg(session_id::text, unread), '{{}}') = %(expected)s::jsonb, false)"
        " from {}.chat_unread_counts()"
    ).format(sql.Identifier(p.settings.schema))
    import json

    return [p.attempt("own", stmt, {"expected": json.dumps(expected)})]


WRITE_PROBES: dict[tuple[str, str], WriteProbe] = {
    ("chat_sessions", "insert"): WriteProbe(session_insert, levels(
        deny=(), self=("own",), all=("own", "without_self"),
        bypass=("own", "without_self", "forged_creator", "chosen_id", "chosen_server_columns"))),
    ("chat_sessions", "update"): WriteProbe(session_update, levels(
        deny=(), own=("own_title",), all=("own_title", "own_participants", "reopen_own_closed", "foreign_title"),
        bypass=("own_title", "own_participants", "reopen_own_closed", "own_created_by", "foreign_title"))),
    ("chat_sessions", "delete"): WriteProbe(session_delete, levels(
        deny=(), all=("own", "foreign"), bypass=("own", "foreign"))),
    ("chat_messages", "insert"): WriteProbe(message_insert, levels(
        deny=(), self=("own_session",), all=("own_session", "foreign_session", "system_message"),
        bypass=("own_session", "foreign_session", "closed_own_session", "spoof_sender", "chosen_id",
                "chosen_server_columns", "system_message"))),
    ("chat_messages", "update"): WriteProbe(message_update, levels(
        deny=(), self=("own_content", "own_delete_flag"),
        all=("own_content", "own_delete_flag", "own_content_after_edit_window", "others_message_in_my_session",
             "foreign_message"),
        bypass=("own_content", "own_delete_flag", "own_content_after_edit_window", "own_created_at", "own_sender",
                "own_session_move",
                "others_message_in_my_session", "foreign_message", "server_columns"))),
    ("chat_messages", "delete"): WriteProbe(message_delete, levels(
        deny=(), all=("own", "foreign"), bypass=("own", "foreign"))),
    ("chat_messages", "mark_read"): WriteProbe(mark_read, levels(deny=(), own=("own_session",))),
    **{("chat_files", op): probe for op, probe in storage_api.WRITES.items()},
    ("chat_audit_logs", "insert"): WriteProbe(_audit_writes("insert"), levels(deny=(), bypass=("insert",))),
    ("chat_audit_logs", "update"): WriteProbe(_audit_writes("update"), levels(deny=(), bypass=("update",))),
    ("chat_audit_logs", "delete"): WriteProbe(_audit_writes("delete"), levels(deny=(), bypass=("delete",))),
    ("chat_monitoring", "insert"): WriteProbe(monitoring_insert, levels(
        deny=(), self=("self_event",), all=("self_event", "self_event_foreign_session", "event_for_other_user"),
        bypass=("self_event", "self_event_foreign_session", "event_for_other_user", "chosen_server_columns"))),
    ("rpc", "create_chat_session"): WriteProbe(rpc_create_session, levels(deny=(), self=("self",))),
    ("rpc", "chat_unread_counts"): WriteProbe(rpc_unread_counts, levels(deny=(), own=("own",))),
}
