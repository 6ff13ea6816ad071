"""Each defect of the earlier SAMIA SQL (reference/chat-system.md) is impossible in what we ship."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import claims, make_message, make_session, make_user
from support import rendered, workspace

from samia_schema.db import impersonate
from samia_schema.packs.chat import PACK

REPO = Path(__file__).resolve().parent.parent
# as Supabase's edge sends them: the client's own x-forwarded-for entry first, the real address appended
HEADERS = {"x-forwarded-for": "10.0.0.5, 198.51.100.23", "cf-connecting-ip": "198.51.100.23", "user-agent": "pytest"}


def _strip_bodies(sql: str) -> str:
    """SQL with dollar-quoted bodies and comments removed: what runs at the top level."""
    sql = re.sub(r"\$(\w*)\$.*?\$\1\$", "", sql, flags=re.S)
    return re.sub(r"--[^\n]*", "", sql)


# 1. RAISE NOTICE outside a block made a whole script a no-op --------------------------------------
def test_1_no_plpgsql_statements_at_top_level() -> None:
    for unit in rendered().units:
        top = _strip_bodies(unit.sql)
        assert not re.search(r"\b(raise|perform|return)\b", top, re.I), unit.name


def test_1_every_unit_runs_as_one_simple_query(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        for unit in rendered().units:
            conn.execute(unit.sql.encode())  # type: ignore[call-overload]
        assert conn.execute("select count(*) from pg_tables where tablename like 'chat\\_%'").fetchone() == (5,)


# 2. The audit trigger broke every insert on chat_sessions; uppercase actions broke the CHECK ----------
def test_2_session_insert_is_audited_for_users_and_service_role(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "reader")
    with impersonate(conn, "authenticated", claims(a), HEADERS):
        row = conn.execute("select id from public.create_chat_session(%s::uuid[])", ([b],)).fetchone()
        assert row is not None
        conn.execute("reset role")
        audit = conn.execute("select action, table_name, record_id, session_id::text, user_id from "
                             "public.chat_audit_logs where record_id = %s", (str(row[0]),)).fetchall()
        assert audit == [("insert", "chat_sessions", str(row[0]), str(row[0]), a)]
    with impersonate(conn, "service_role", {"role": "service_role"}):
        conn.execute("insert into public.chat_sessions (participants) values (%s)", ([a, b],))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("insert into public.chat_audit_logs (action, table_schema, table_name) values ('INSERT','p','t')")


# 3. inet_client_addr() recorded the pooler, not the user ----------------------------------------------
def test_3_audit_ip_comes_from_request_headers(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    with impersonate(conn, "authenticated", claims(a), HEADERS):
        mid = make_message(conn, session, a)
        conn.execute("reset role")
        row = conn.execute("select host(ip_address), user_agent from public.chat_audit_logs where record_id = %s",
                           (str(mid),)).fetchone()
    assert row == ("198.51.100.23", "pytest")
    with impersonate(conn, "authenticated", claims(a), {"x-forwarded-for": "not an ip"}):
        mid = make_message(conn, session, a)
        conn.execute("reset role")
        assert conn.execute("select ip_address, metadata ->> 'ip_unparsed' from public.chat_audit_logs"
                            " where record_id = %s", (str(mid),)).fetchone() == (None, "not an ip")
    source = _strip_bodies(rendered().sql.replace("$fn$", "")) + " ".join(
        re.sub(r"--[^\n]*", "", u.sql) for u in rendered().units)
    assert "inet_client_addr" not in source


# 4. Only SELECT policies: recipients could not mark read, admins could not post -------------------------
def test_4_recipient_marks_read_and_admin_posts(conn: psycopg.Connection[Any]) -> None:
    a, b, admin = make_user(conn, "client"), make_user(conn, "reader"), make_user(conn, "admin")
    session = make_session(conn, [a, b])
    mid = make_message(conn, session, a)
    with impersonate(conn, "authenticated", claims(b)):
        assert conn.execute("select public.mark_session_read(%s)", (session,)).fetchone() == (1,)
        conn.execute("reset role")
        assert conn.execute("select c.read_at >= m.created_at from public.chat_read_cursors c, public.chat_messages m"
                            " where c.session_id = %s and c.user_id = %s and m.id = %s",
                            (session, b, mid)).fetchone() == (True,)
    with impersonate(conn, "authenticated", claims(admin)):
        make_message(conn, session, admin, "moderator here")
    commands = {r[0] for r in conn.execute("select cmd from pg_policies where tablename = 'chat_messages'")}
    assert commands == {"SELECT", "INSERT", "UPDATE", "DELETE"}


# 5. Unbounded edits: created_at, other columns, participants, sessions without self ---------------------
def test_5_sender_cannot_edit_created_at_or_sender(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    mid = make_message(conn, session, a)
    for assignment in ("created_at = now() - interval '1 day'", "sender_id = %s", "session_id = %s"):
        with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege):
            params = (b,) if "sender" in assignment else (session,) if "session" in assignment else ()
            conn.execute(f"update public.chat_messages set {assignment} where id = '{mid}'", params)  # noqa: S608


def test_5_content_edit_window(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    recent = make_message(conn, session, a)
    old = make_message(conn, session, a)
    conn.execute("update public.chat_messages set created_at = now() - interval '1 hour' where id = %s", (old,))
    with impersonate(conn, "authenticated", claims(a)):
        assert conn.execute("update public.chat_messages set content = 'fixed' where id = %s", (recent,)).rowcount == 1
    with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                                       match="within 15 minutes"):
        conn.execute("update public.chat_messages set content = 'rewrite history' where id = %s", (old,))
    with impersonate(conn, "authenticated", claims(b)):  # not the sender: the row is not even visible for update
        assert conn.execute("update public.chat_messages set content = 'x' where id = %s", (recent,)).rowcount == 0


def test_5_participants_cannot_rewrite_participants_or_exclude_themselves(conn: psycopg.Connection[Any]) -> None:
    a, b, c = make_user(conn, "client"), make_user(conn, "reader"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("update public.chat_sessions set participants = participants || %s where id = %s", (c, session))
    with impersonate(conn, "authenticated", claims(a)):
        assert conn.execute("update public.chat_sessions set title = 'ok' where id = %s", (session,)).rowcount == 1
    with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("insert into public.chat_sessions (participants, created_by) values (%s, %s)", ([b, c], a))


def test_5_participants_must_be_existing_distinct_users(conn: psycopg.Connection[Any]) -> None:
    a = make_user(conn, "client")
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="not an existing user"):
        conn.execute("insert into public.chat_sessions (participants) values (%s)",
                     ([a, uuid.UUID("00000000-0000-0000-0000-00000000dead")],))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("insert into public.chat_sessions (participants) values (%s)", ([a, a],))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("insert into public.chat_sessions (participants) values (array[]::uuid[])")


# 6. SECURITY DEFINER functions that took the user id, no caller check, no search_path -------------------
def test_6_definer_functions_fix_search_path_and_take_no_user_id(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute("""
        select p.proname, p.proconfig, coalesce(p.proargnames, '{}')
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'chat_private') and p.prosecdef""").fetchall()
    assert len(rows) >= 8
    for name, config, args in rows:
        assert config == ["search_path=pg_catalog, pg_temp"], (name, config)
        assert not any(re.search(r"user|sender|uid|owner", a) for a in args), (name, args)


def test_6_nobody_posts_as_someone_else(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege):
        make_message(conn, session, b)
    with impersonate(conn, "anon", {"role": "anon"}), pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select public.mark_session_read(%s)", (session,))


# 7. auth.uid() never wrapped; per-row EXISTS on profiles for the admin check ---------------------------
def test_7_policies_wrap_auth_calls_and_use_helpers(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute("""
        select tablename, policyname, coalesce(qual, '') || ' ' || coalesce(with_check, ''), roles
        from pg_policies
        where (schemaname = 'public' and tablename in ('chat_sessions','chat_messages','chat_audit_logs',
               'chat_monitoring','profiles'))
           or (schemaname = 'storage' and policyname like 'chat_files_%')""").fetchall()
    assert len(rows) >= 15
    for table, name, text, roles in rows:
        calls = len(re.findall(r"auth\.uid\(\)", text))
        wrapped = len(re.findall(r"SELECT auth\.uid\(\) AS uid", text))
        assert calls == wrapped, (table, name, text)
        assert text.count("chat_private.has_role(") == text.count("SELECT chat_private.has_role("), name
        assert "profiles" not in text, (name, "per-row lookup of profiles")
        assert roles == ["authenticated"], (name, roles)


# 8. Storage inserts into any folder; monitoring `with check (true)` --------------------------------------
def test_8_no_storage_write_into_another_users_or_sessions_folder(conn: psycopg.Connection[Any]) -> None:
    a, b, c = make_user(conn, "client"), make_user(conn, "client"), make_user(conn, "client")
    mine, theirs = make_session(conn, [a, b]), make_session(conn, [b, c])
    insert = ("insert into storage.objects (bucket_id, name, owner_id) values ('chat-files', %s, %s)")
    with impersonate(conn, "authenticated", claims(a)):
        conn.execute(insert, (f"{mine}/{a}/voice.webm", str(a)))
    for path in (f"{mine}/{b}/voice.webm", f"{theirs}/{a}/voice.webm", f"{mine}/voice.webm"):
        with impersonate(conn, "authenticated", claims(a)), pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert, (path, str(a)))


def test_8_no_policy_is_always_true(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute("select policyname from pg_policies where qual = 'true' or with_check = 'true'").fetchall()
    assert rows == []


# 9. Old `using (true)` policies survived; names created twice ------------------------------------------
def test_9_reapplying_rls_drops_leftover_policies(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create policy old_open_read on public.chat_messages for select using (true)")
    conn.execute(rendered().unit("070_rls").sql.encode())  # type: ignore[call-overload]
    assert conn.execute("select count(*) from pg_policies where policyname = 'old_open_read'").fetchone() == (0,)


def test_9_every_created_policy_is_dropped_first_and_unique() -> None:
    sql = rendered().sql
    created = re.findall(r"create policy (\w+) on ([\w.]+)", sql)
    assert len(created) == len(set(created))
    for name, table in created:
        assert f"drop policy if exists {name} on {table};" in sql


# 10. The claimed schema did not exist: no monitoring, no triggers, nothing in realtime --------------------
def test_10_the_schema_is_what_we_say(conn: psycopg.Connection[Any]) -> None:
    counts = PACK.summary(conn, workspace().settings)
    assert counts["chat_tables"] == 5 and counts["chat_indexes"] >= 15 and counts["chat_policies"] >= 8
    assert counts["storage_policies"] == 4 and counts["triggers"] >= 8 and counts["helper_functions"] >= 3
    # realtime is private channels (docs/realtime.md): policies on realtime.messages and database
    # broadcasts; postgres_changes (the publication) only with realtime_publication = true
    policies = {r[0] for r in conn.execute("select policyname from pg_policies where tablename = 'messages'"
                                           " and schemaname = 'realtime'")}
    assert policies == {"chat_realtime_receive", "chat_realtime_send"}
    triggers = {r[0] for r in conn.execute("select tgname from pg_trigger where tgname like '%broadcast%'")}
    assert {"chat_messages_broadcast", "chat_messages_broadcast_update"} <= triggers


# 11. The unread index was on a column the API never wrote ------------------------------------------------
def test_11_unread_index_serves_the_unread_query(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    conn.execute("""insert into public.chat_messages (session_id, sender_id, content, created_at)
        select %s, case when g %% 2 = 0 then %s::uuid else %s::uuid end, 'm' || g,
               now() - interval '1 hour' + g * interval '1 second'
        from generate_series(1, 3000) g""", (session, a, b))
    conn.execute("insert into public.chat_read_cursors (session_id, user_id, read_at)"
                 " values (%s, %s, now() - interval '1 hour' + 2880 * interval '1 second')", (session, a))
    conn.execute("analyze public.chat_messages")
    with conn.transaction(force_rollback=True):
        conn.execute("set local enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute("""explain
            select m.session_id, count(*) from public.chat_messages m
            where m.session_id = any(%s) and m.created_at > now() - interval '10 minutes' and not m.is_deleted
              and m.sender_id <> %s
            group by m.session_id""", ([session], a)).fetchall())
    assert "chat_messages_session_unread_idx" in plan, plan
    with impersonate(conn, "authenticated", claims(a)):
        assert conn.execute("select unread from public.chat_unread_counts()").fetchall() == [(60,)]


# 12. RPCs that did not exist ---------------------------------------------------------------------------
@pytest.mark.parametrize("signature", ["create_chat_session(uuid[], text, text, uuid)", "mark_session_read(uuid)",
                                       "chat_unread_counts()"])
def test_12_the_rpcs_the_app_calls_exist_for_users_only(conn: psycopg.Connection[Any], signature: str) -> None:
    fn = f"public.{signature}"
    assert conn.execute("select has_function_privilege('authenticated', %s, 'execute'),"
                        " has_function_privilege('anon', %s, 'execute')", (fn, fn)).fetchone() == (True, False)


# the private bucket and its limits ----------------------------------------------------------------------
def test_bucket_is_private_with_limits(conn: psycopg.Connection[Any]) -> None:
    settings = workspace(REPO / "samia.toml").settings
    row = conn.execute("select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'chat-files'"
                       ).fetchone()
    assert row == (False, settings.file_size_limit, list(settings.allowed_mime_types))
    assert "audio/webm;codecs=opus" in row[2]


def test_message_file_checks(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "client"), make_user(conn, "client")
    session = make_session(conn, [a, b])
    ok = ("insert into public.chat_messages (session_id, sender_id, type, file_path, file_type, file_size,"
          " duration_seconds) values (%s, %s, 'audio', %s, %s, %s, %s)")
    conn.execute(ok, (session, a, f"{session}/{a}/v.webm", "audio/webm;codecs=opus", 2048, 12.5))
    bad = [
        (f"{session}/{b}/v.webm", "audio/webm", 2048, 12),  # someone else's folder
        (f"{session}/{a}/v.webm", "video/x-msvideo", 2048, 12),  # MIME type not allowed
        (f"{session}/{a}/v.webm", "audio/webm", 11 * 1024 * 1024, 12),  # over the size limit
        (f"{session}/{a}/v.webm", "audio/webm", 2048, 301),  # voice notes up to 300 s
    ]
    for path, mime, size, duration in bad:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(ok, (session, a, path, mime, size, duration))


def test_audit_log_is_append_only(conn: psycopg.Connection[Any]) -> None:
    a, b = make_user(conn, "admin"), make_user(conn, "client")
    make_session(conn, [a, b])
    for role, cl in (("authenticated", claims(a)), ("service_role", {"role": "service_role"})):
        for statement in ("update public.chat_audit_logs set action = 'delete'", "delete from public.chat_audit_logs",
                          "truncate public.chat_audit_logs"):
            with impersonate(conn, role, cl), pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("delete from public.chat_audit_logs")
