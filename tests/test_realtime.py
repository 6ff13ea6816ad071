"""Realtime: the bootstrap of Realtime's schema, its authorization check, the chat topics' policies,
the database broadcasts of messages and sessions, and the publication setting."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from conftest import claims, make_message, make_session, make_user
from support import NO_MIGRATIONS, REPO, workspace

from samia_schema import api
from samia_schema.access.realtime import RealtimeClient, may_receive, may_send
from samia_schema.backends import Server
from samia_schema.catalog import reconcile_script
from samia_schema.db import execute_script
from samia_schema.errors import DatabaseError
from samia_schema.ledger import apply_plan, bootstrap
from samia_schema.packs.chat.realtime import DELETED_COLUMNS, MESSAGE_COLUMNS, session_topic, user_topic

ROWS = "select topic, event, payload, private, extension from realtime.messages order by inserted_at, topic"


def client(uid: uuid.UUID | None, role: str = "authenticated") -> RealtimeClient:
    return RealtimeClient(role, claims(uid) if uid else {"role": role})


def allowed(decisions: tuple[Any, ...]) -> dict[str, bool]:
    return {d.extension: d.allowed for d in decisions}


def broadcasts(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(ROWS).fetchall()


# --- the bootstrap -------------------------------------------------------------------------------
def test_bootstrap_creates_realtimes_schema(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        columns = dict(conn.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'realtime' and table_name = 'messages'").fetchall())
        assert columns == {"topic": "text", "extension": "text", "payload": "jsonb", "event": "text",
                           "private": "boolean", "updated_at": "timestamp without time zone",
                           "inserted_at": "timestamp without time zone", "id": "uuid", "binary_payload": "bytea"}
        row = conn.execute("select c.relkind, c.relrowsecurity, pg_get_userbyid(c.relowner),"
                           " pg_get_partkeydef(c.oid), has_table_privilege('authenticated', c.oid, 'select, insert')"
                           " from pg_class c where c.oid = 'realtime.messages'::regclass").fetchone()
        assert row == ("p", True, "supabase_realtime_admin", "RANGE (inserted_at)", True)
        for fn in ("realtime.topic()", "realtime.send(jsonb, text, text, boolean)",
                   "realtime.broadcast_changes(text, text, text, text, text, record, record, text)"):
            assert conn.execute("select to_regprocedure(%s) is not null", (fn,)).fetchone() == (True,), fn
        assert conn.execute("select count(*) from pg_policies where schemaname = 'realtime'").fetchone() == (0,)


def test_bootstrap_leaves_an_existing_realtime_schema_alone(empty_dsn: str) -> None:
    """A Supabase-like realtime.messages (daily partitions, no default one) and topic() stay as they are."""
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        conn.execute("create schema realtime;"
                     "create table realtime.messages (topic text not null, extension text not null, payload jsonb,"
                     " event text, private boolean, updated_at timestamp not null default now(),"
                     " inserted_at timestamp not null default now(), id uuid not null default gen_random_uuid(),"
                     " primary key (id, inserted_at)) partition by range (inserted_at);"
                     "create function realtime.topic() returns text language sql stable as $$ select 'fixed' $$")
        bootstrap(conn)
        assert conn.execute("select realtime.topic()").fetchone() == ("fixed",)
        assert conn.execute("select count(*) from pg_inherits where inhparent = 'realtime.messages'::regclass"
                            ).fetchone() == (0,)
        assert conn.execute("select to_regprocedure('realtime.send(jsonb, text, text, boolean)') is not null"
                            ).fetchone() == (True,)


def test_send_and_broadcast_changes_have_realtimes_semantics(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn, conn.transaction(force_rollback=True):
        conn.execute("select realtime.send('{\"a\": 1}', 'ev', 'room:1')")
        (topic, event, payload, private, extension), = broadcasts(conn)
        assert (topic, event, private, extension) == ("room:1", "ev", True, "broadcast")
        assert payload["a"] == 1 and uuid.UUID(payload["id"])  # the row's id, added when missing
        assert conn.execute("select realtime.topic()").fetchone() == ("room:1",)  # set for the transaction
        conn.execute("select realtime.send('{\"id\": \"mine\"}', 'ev', 'room:2', false)")
        assert broadcasts(conn)[-1][2:4] == ({"id": "mine"}, False)
        conn.execute("create table public.t (id int primary key, x text)")
        conn.execute("create function public.t_changes() returns trigger language plpgsql as $$ begin"
                     " perform realtime.broadcast_changes('t:' || new.id, tg_op, tg_op, tg_table_name,"
                     " tg_table_schema, new, old); return null; end $$")
        conn.execute("create trigger t_changes after insert on public.t"
                     " for each row execute function public.t_changes()")
        conn.execute("insert into public.t values (7, 'x')")
        last = broadcasts(conn)[-1]
        assert last[0:2] == ("t:7", "INSERT")
        assert {k: v for k, v in last[2].items() if k != "id"} == {
            "old_record": None, "record": {"id": 7, "x": "x"}, "operation": "INSERT", "table": "t", "schema": "public"}
        with pytest.raises(psycopg.errors.RaiseException, match="Unexpected operation type"):
            conn.execute("select realtime.broadcast_changes('t', 'e', 'TRUNCATE', 't', 'public', null::record,"
                         " null::record)")


def test_a_broadcast_that_cannot_be_stored_is_only_a_warning(fresh_dsn: str) -> None:
    notices: list[str] = []
    with psycopg.connect(fresh_dsn, autocommit=True) as conn, conn.transaction(force_rollback=True):
        conn.add_notice_handler(lambda d: notices.append(f"{d.severity}: {d.message_primary}"))
        conn.execute("alter table realtime.messages detach partition realtime.messages_default")
        conn.execute("select realtime.send('{}', 'ev', 'room:1')")  # no partition: no row, no error
        assert notices and notices[0].startswith("WARNING: WarnSendingBroadcastMessage")
        for check in (may_receive, may_send):  # never a silent "denied"
            with pytest.raises(DatabaseError, match="cannot insert the authorization rows"):
                check(conn, client(None, "anon"), "room:1")


# --- the authorization check, as Realtime runs it --------------------------------------------------
def test_authorization_check_sets_what_realtime_sets(fresh_dsn: str) -> None:
    """A policy on another app's topics sees the role, topic, claims and headers Realtime sets."""
    uid = uuid.uuid4()
    with psycopg.connect(fresh_dsn, autocommit=True) as conn, conn.transaction(force_rollback=True):
        conn.execute("create policy room_receive on realtime.messages for select to authenticated using ("
                     " (select realtime.topic()) = 'room:' || current_setting('request.jwt.claim.sub', true)"
                     " and current_setting('request.jwt.claim.role', true) = current_user"
                     " and (select auth.uid())::text = current_setting('request.jwt.claim.sub', true)"
                     " and current_setting('request.headers', true)::jsonb ->> 'x-probe' = 'yes'"
                     " and extension = 'broadcast')")
        conn.execute("create policy room_send on realtime.messages for insert to authenticated"
                     " with check ((select realtime.topic()) = 'room:' || (select auth.uid())"
                     " and extension = 'presence')")
        me = RealtimeClient("authenticated", claims(uid), {"x-probe": "yes"})
        assert allowed(may_receive(conn, me, f"room:{uid}")) == {"broadcast": True, "presence": False}
        assert allowed(may_receive(conn, me, f"room:{uuid.uuid4()}")) == {"broadcast": False, "presence": False}
        assert allowed(may_send(conn, me, f"room:{uid}")) == {"broadcast": False, "presence": True}
        assert allowed(may_send(conn, RealtimeClient("service_role", {"role": "service_role"}), "x")) == {
            "broadcast": True, "presence": True}
        assert conn.execute("select current_user, count(*) from realtime.messages group by 1").fetchall() == []


# --- the chat topics -------------------------------------------------------------------------------
@pytest.fixture()
def chat(conn: psycopg.Connection[Any]) -> Iterator[dict[str, uuid.UUID]]:
    a, b, c = make_user(conn, "client", "rt_a"), make_user(conn, "reader", "rt_b"), make_user(conn, "client", "rt_c")
    yield {"a": a, "b": b, "c": c, "ab": make_session(conn, [a, b]), "bc": make_session(conn, [b, c])}


def test_topics_not_ours_are_left_to_other_policies(conn: psycopg.Connection[Any], chat: dict[str, uuid.UUID]) -> None:
    admin = make_user(conn, "admin")
    for who in (chat["a"], admin):
        for topic in ("room:lobby", f"chat:{str(chat['ab']).upper()}", f"chat:{chat['ab']}x", "chat:", "chat:user:",
                      f"chat:{uuid.uuid4()}", session_topic(chat["bc"]) if who == chat["a"] else user_topic(chat["a"])):
            assert allowed(may_receive(conn, client(who), topic)) == {"broadcast": False, "presence": False}, topic
            assert allowed(may_send(conn, client(who), topic)) == {"broadcast": False, "presence": False}, topic
    with conn.transaction(force_rollback=True):
        conn.execute("create policy lobby on realtime.messages for select to authenticated"
                     " using ((select realtime.topic()) = 'room:lobby')")
        assert allowed(may_receive(conn, client(chat["a"]), "room:lobby")) == {"broadcast": True, "presence": True}
    assert allowed(may_receive(conn, client(chat["a"]), session_topic(chat["ab"]))) == {
        "broadcast": True, "presence": True}


def _payloads(conn: psycopg.Connection[Any], topic: str) -> list[tuple[str, dict[str, Any]]]:
    rows = conn.execute("select event, payload from realtime.messages where topic = %s and private"
                        " order by event, payload ->> 'id'", (topic,)).fetchall()
    return [(event, payload) for event, payload in rows]


def test_a_new_message_is_broadcast_once_to_its_session_topic(
        conn: psycopg.Connection[Any], chat: dict[str, uuid.UUID], as_persona: Any) -> None:
    conn.execute("delete from realtime.messages")  # the fixture's session_added notifications
    with as_persona(conn, sub=chat["a"]) as c:  # as the app sends it, under RLS
        mid = c.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, 'hello')"
                        " returning id", (chat["ab"], chat["a"])).fetchone()[0]
        c.execute("reset role")
        row = c.execute("select to_jsonb(m) from public.chat_messages m where id = %s", (mid,)).fetchone()[0]
        ((event, payload),) = _payloads(c, session_topic(chat["ab"]))
        assert event == "INSERT" and payload["operation"] == "INSERT" and payload["old_record"] is None
        assert payload["table"] == "chat_messages" and payload["schema"] == "public"
        assert payload["record"] == {k: row[k] for k in MESSAGE_COLUMNS}
        assert _payloads(c, session_topic(chat["bc"])) == []
        # the other participant's user topic hears of it, without the content; the sender's does not
        ((event, note),) = _payloads(c, user_topic(chat["b"]))
        assert event == "new_message" and "hello" not in json.dumps(note)
        assert (note["session_id"], note["message_id"], note["sender_id"]) == (
            str(chat["ab"]), str(mid), str(chat["a"]))
        assert _payloads(c, user_topic(chat["a"])) == []
        assert c.execute("select count(*) from realtime.messages").fetchone()[0] == 2


def test_edits_and_deletions_are_broadcast_without_the_deleted_content(
        conn: psycopg.Connection[Any], chat: dict[str, uuid.UUID], as_persona: Any) -> None:
    mid = make_message(conn, chat["ab"], chat["a"], "secret words")
    make_message(conn, chat["ab"], chat["b"], "unread")
    topic = session_topic(chat["ab"])
    conn.execute("delete from realtime.messages")
    with as_persona(conn, sub=chat["a"]) as c:
        c.execute("update public.chat_messages set content = 'edited words' where id = %s", (mid,))
        c.execute("select public.mark_session_read(%s)", (chat["ab"],))  # read state: no broadcast
        c.execute("update public.chat_messages set is_deleted = true where id = %s", (mid,))
        c.execute("update public.chat_messages set content = content where id = %s", (mid,))  # no change
        events = _payloads(c, topic)
        c.execute("reset role")
        c.execute("delete from public.chat_messages where id = %s", (mid,))  # removed already: nothing more
        assert _payloads(c, topic) == events
    by_event = dict(events)  # one transaction: the rows share inserted_at, so no order between them
    assert sorted(by_event) == ["DELETE", "UPDATE"] and len(events) == 2
    assert by_event["UPDATE"]["record"]["content"] == "edited words"
    deletion = by_event["DELETE"]
    assert deletion["record"] is None and set(deletion["old_record"]) == set(DELETED_COLUMNS)
    assert deletion["old_record"]["id"] == str(mid) and deletion["old_record"]["deleted_at"]
    assert "words" not in json.dumps(deletion)
    with conn.transaction(force_rollback=True):
        conn.execute("delete from realtime.messages")
        conn.execute("delete from public.chat_messages where id = %s", (mid,))  # a hard delete
        ((event, payload),) = _payloads(conn, topic)
        assert event == "DELETE" and payload["old_record"]["id"] == str(mid) and "words" not in json.dumps(payload)


def test_participants_hear_of_their_sessions(conn: psycopg.Connection[Any], chat: dict[str, uuid.UUID]) -> None:
    conn.execute("delete from realtime.messages")
    sid = make_session(conn, [chat["a"], chat["b"]])
    conn.execute("update public.chat_sessions set participants = %s where id = %s", ([chat["a"], chat["c"]], sid))
    got = sorted((t, e) for t, e, p, *_ in broadcasts(conn) if p["session_id"] == str(sid))
    assert got == sorted([(user_topic(chat["a"]), "session_added"), (user_topic(chat["b"]), "session_added"),
                          (user_topic(chat["c"]), "session_added"), (user_topic(chat["b"]), "session_removed")])


# --- settings: the publication, realtime off ------------------------------------------------------
def _members(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("select tablename from pg_publication_tables where pubname = 'supabase_realtime'")
    return {r[0] for r in rows}


def test_publication_and_realtime_settings_converge(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        # statement-level triggers: one event each (insert, update, delete of messages; insert, update of sessions)
        steps = (({"realtime_publication": True}, {"chat_sessions", "chat_messages"}, (2, 5)),
                 ({}, set(), (2, 5)), ({"realtime": False}, set(), (0, 0)))
        for overrides, members, expected in steps:
            ws = workspace(**NO_MIGRATIONS, **overrides)
            apply_plan(conn, ws.plan, ws.settings)
            assert _members(conn) == members, overrides
            found = conn.execute("select (select count(*) from pg_policies where schemaname = 'realtime'),"
                                 " (select count(*) from pg_trigger where tgname like '%broadcast%')").fetchone()
            assert found == expected, overrides


def test_diff_against_templates_with_the_publication(chat_dsn: str, samia_server: Server) -> None:
    """The tables a `realtime_publication = true` template set publishes are reported missing, and the
    reconcile SQL adds them (the publication kind's "removed" side, no longer in the default fixtures)."""
    ws = workspace(REPO / "samia.toml", realtime_publication=True, **NO_MIGRATIONS)
    report = api.diff(ws, chat_dsn, shadow=samia_server.base_dsn, sql=True)
    assert {(c.kind, c.object_type, c.name) for c in report.changes} == {
        ("removed", "publication_table", f"supabase_realtime.public.{t}") for t in ("chat_sessions", "chat_messages")}
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, reconcile_script(report.statements))
    assert api.diff(ws, chat_dsn, shadow=samia_server.base_dsn).changes == ()


def test_diff_sees_our_realtime_policies_and_leaves_other_channels_alone(chat_dsn: str, samia_server: Server) -> None:
    """realtime is a platform schema: our policies on realtime.messages are compared, a leftover that
    opens our topics is reported, and another feature's policy (its own topic prefix) is left alone."""
    ws = workspace(REPO / "samia.toml", **NO_MIGRATIONS)
    assert api.diff(ws, chat_dsn, shadow=samia_server.base_dsn).changes == ()
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        conn.execute("alter policy chat_realtime_receive on realtime.messages using (true)")
        conn.execute("create policy open_all on realtime.messages for select to authenticated using (true)")
        conn.execute("create policy game_rooms on realtime.messages for select to authenticated"
                     " using (realtime.topic() like 'game:%')")
    changes = {(c.kind, c.name) for c in api.diff(ws, chat_dsn, shadow=samia_server.base_dsn).changes}
    assert changes == {("changed", "realtime.messages.chat_realtime_receive"), ("added", "realtime.messages.open_all")}
