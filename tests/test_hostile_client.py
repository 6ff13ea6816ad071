"""A hostile client against the applied schema, as PostgREST lets one act (docs/security.md).

Every test acts through `impersonate` (role, JWT claims, request headers, as PostgREST sets them)
on one database cloned for the module; each test runs inside a transaction that is rolled back.
Hypothesis draws header sets, sizes and read/send sequences where the input space is wide.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import rendered

from samia_schema.backends import Server, create_database, drop_database
from samia_schema.db import connect, impersonate
from samia_schema.packs.chat import SIZE_LIMITS

EXAMPLES = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def db(samia_server: Server, _samia_chat_template: str) -> Iterator[psycopg.Connection[Any]]:
    name = f"samia_hostile_{uuid.uuid4().hex[:10]}"
    dsn = create_database(samia_server, name, template=_samia_chat_template)
    try:
        with connect(dsn, autocommit=True) as conn:
            yield conn
    finally:
        drop_database(samia_server, name)


@pytest.fixture()
def conn(db: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    with db.transaction(force_rollback=True):
        yield db


def user(conn: psycopg.Connection[Any], role: str | None = "client") -> uuid.UUID:
    uid = uuid.uuid4()
    conn.execute("insert into auth.users (id, email) values (%s, %s)", (uid, f"{uid.hex[:8]}@hostile.test"))
    if role:
        conn.execute("insert into public.profiles (id, role) values (%s, %s)", (uid, role))
    return uid


def session(conn: psycopg.Connection[Any], *members: uuid.UUID) -> uuid.UUID:
    row = conn.execute("insert into public.chat_sessions (participants) values (%s) returning id",
                       (list(members),)).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


@contextmanager
def as_user(conn: psycopg.Connection[Any], uid: uuid.UUID,
            headers: dict[str, str] | None = None) -> Iterator[psycopg.Connection[Any]]:
    """Act as PostgREST does for `uid`; what the client did stays until the test's transaction ends.

    On an error the savepoint is rolled back, and with it the role and the claims.
    """
    claims = json.dumps({"sub": str(uid), "role": "authenticated"})
    with conn.transaction():
        conn.execute("select set_config('request.jwt.claims', %s, true), set_config('request.jwt.claim.sub', %s, true),"
                     " set_config('request.headers', %s, true)", (claims, str(uid), json.dumps(headers or {})))
        conn.execute("set local role authenticated")
        yield conn
        conn.execute("reset role")
        conn.execute("select set_config('request.jwt.claims', '', true), set_config('request.jwt.claim.sub', '', true),"
                     " set_config('request.headers', '', true)")


def send(c: psycopg.Connection[Any], sid: uuid.UUID, sender: uuid.UUID, content: str = "hi") -> uuid.UUID:
    row = c.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, %s)"
                    " returning id", (sid, sender, content)).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def one(conn: psycopg.Connection[Any], query: str, params: Any = None) -> Any:
    row = conn.execute(query.encode(), params).fetchone()  # type: ignore[call-overload]
    return row[0] if row else None


# --- 1. server-owned columns ------------------------------------------------------------------
SERVER_OWNED = {  # table: columns no client may set; (+): the client may change it later, never set it at insert
    "chat_sessions": ("id", "created_by", "created_at", "updated_at", "last_message_at", "last_message_preview",
                      "status (+)"),
    "chat_messages": ("id", "created_at", "updated_at", "status", "is_delivered", "delivered_at", "read_at",
                      "is_deleted (+)", "deleted_at", "file_url"),
    "chat_monitoring": ("id", "created_at"),
    "chat_read_cursors": ("session_id", "user_id", "read_at"),
}


@pytest.mark.parametrize(("table", "column"), [(t, c) for t, cols in SERVER_OWNED.items() for c in cols])
def test_clients_may_not_name_a_server_owned_column(conn: psycopg.Connection[Any], table: str, column: str) -> None:
    name, _, later = column.partition(" ")
    for privilege in ("insert",) if later else ("insert", "update"):
        assert one(conn, "select has_column_privilege('authenticated', %s, %s, %s)",
                   (f"public.{table}", name, privilege)) is False, (table, name, privilege)


def test_the_server_sets_them_even_if_a_grant_is_widened(conn: psycopg.Connection[Any]) -> None:
    """Second layer: with every column granted, the BEFORE triggers still set the server's values."""
    a, b, admin = user(conn), user(conn), user(conn, "admin")
    conn.execute("grant insert, update on public.chat_sessions, public.chat_messages to authenticated")
    chosen = uuid.uuid4()
    with as_user(conn, a) as c:
        sid = one(c, "insert into public.chat_sessions (id, participants, created_by, created_at, status,"
                     " last_message_preview) values (%s, %s, %s, now() + interval '1 year', 'closed', 'forged')"
                     " returning id", (chosen, [a, b], b))
        mid = one(c, "insert into public.chat_messages (id, session_id, sender_id, content, created_at, read_at,"
                     " status, is_delivered, file_url) values (%s, %s, %s, 'x', now() + interval '1 year',"
                     " now() + interval '1 year', 'read', true, 'https://evil.example/x') returning id",
                  (uuid.uuid4(), sid, a))
    with as_user(conn, admin) as c:  # an admin passes the column guard; the server columns stay the server's
        c.execute("update public.chat_messages set created_at = now() - interval '1 year', read_at = now(),"
                  " status = 'failed' where id = %s", (mid,))
    with conn.transaction():
        c = conn
        s = c.execute("select id, created_by, created_at <= now(), status, last_message_preview"
                      " from public.chat_sessions where id = %s", (sid,)).fetchone()
        m = c.execute("select created_at = now(), read_at, status, is_delivered, file_url"
                      " from public.chat_messages where id = %s", (mid,)).fetchone()
    assert s is not None and s[0] != chosen and s[1:] == (a, True, "active", "x")
    assert m == (True, None, "sent", False, None)


def test_a_future_dated_message_cannot_pin_the_preview(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_user(conn, a) as c:
        c.execute("insert into public.chat_messages (session_id, sender_id, content, created_at)"
                  " values (%s, %s, 'x', now() + interval '1 year')", (sid, a))
    with as_user(conn, b) as c:
        send(c, sid, b, "latest")
        c.execute("reset role")
        assert one(c, "select last_message_preview from public.chat_sessions where id = %s", (sid,)) == "latest"


# --- 2. identity reuse ------------------------------------------------------------------------
def test_a_deleted_sessions_id_is_retired_for_everyone(conn: psycopg.Connection[Any]) -> None:
    a, b, boss = user(conn), user(conn), user(conn, "super_admin")
    sid = session(conn, a, b)
    conn.execute("insert into storage.objects (bucket_id, name, owner_id) values ('chat-files', %s, %s)",
                 (f"{sid}/{a}/secret.txt", str(a)))
    with as_user(conn, boss) as c:
        assert c.execute("delete from public.chat_sessions where id = %s", (sid,)).rowcount == 1
    for role in ("service_role", "postgres"):  # the trusted backend and the owner may choose ids, not this one
        with conn.transaction(force_rollback=True), pytest.raises(psycopg.errors.UniqueViolation, match="retired"):
            conn.execute(f"set local role {role}")
            conn.execute("insert into public.chat_sessions (id, participants) values (%s, %s)", (sid, [a]))
    with as_user(conn, a) as c:  # the old participants' files are out of reach
        assert c.execute("select count(*) from storage.objects where name like %s", (f"{sid}/%",)).fetchone() == (0,)


def test_ids_never_change(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    mid = send(conn, sid, a)
    for table, key in (("chat_sessions", sid), ("chat_messages", mid)):
        with conn.transaction(force_rollback=True), pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                                  match="never changes"):
            conn.execute(f"update public.{table} set id = gen_random_uuid() where id = %s", (key,))  # noqa: S608


# --- 3. the audit IP ---------------------------------------------------------------------------
addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
# not an address in either parser (no digits, dots, colons or slashes: Postgres reads more forms than Python)
garbage = st.text(st.characters(codec="utf-8", exclude_characters=",\x00/:.", exclude_categories=("Nd",)),
                  min_size=1, max_size=40).filter(
    lambda s: _address(s) is None and s.strip(" ") != "")


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip(" ")))
    except ValueError:
        return None


@EXAMPLES
@given(forged=st.lists(addresses, max_size=3), last=st.one_of(addresses, garbage),
       edge=st.one_of(st.none(), addresses, garbage))
def test_audit_ip_is_what_the_edge_vouches_for(db: psycopg.Connection[Any], forged: list[str], last: str,
                                               edge: str | None) -> None:
    headers = {"x-forwarded-for": ", ".join([*forged, last])}
    if edge is not None:
        headers["cf-connecting-ip"] = edge
    with db.transaction(force_rollback=True):
        a, b = user(db), user(db)
        sid = session(db, a, b)
        with as_user(db, a, headers) as c:
            mid = send(c, sid, a)
            c.execute("reset role")
            ip, meta = c.execute("select host(ip_address), metadata from public.chat_audit_logs"
                                 " where record_id = %s", (str(mid),)).fetchone() or (None, None)
    # the database trims spaces (btrim), as the edge writes them
    source, raw = ("cf-connecting-ip", edge) if edge is not None and edge.strip(" ") else ("x-forwarded-for", last)
    expected = _address(raw)
    assert meta["ip_source"] == source
    if expected is None:  # never silently null: the raw value is kept beside it
        assert ip is None and meta["ip_unparsed"] == raw.strip(" ")[:100]
    else:
        assert ip is not None and ipaddress.ip_address(ip) == ipaddress.ip_address(expected)


def test_the_trusted_header_is_a_setting(db: psycopg.Connection[Any]) -> None:
    helpers = rendered(trusted_ip_header="x-real-ip").unit("040_helpers").sql
    with db.transaction(force_rollback=True):
        db.execute(helpers.encode())  # type: ignore[call-overload]
        db.execute("select set_config('request.headers', %s, true)",
                   (json.dumps({"x-real-ip": "192.0.2.7", "cf-connecting-ip": "192.0.2.99",
                                "x-forwarded-for": "192.0.2.1"}),))
        assert one(db, "select chat_private.request_origin() ->> 'ip'") == "192.0.2.7"


# --- 4. sizes ------------------------------------------------------------------------------------
@EXAMPLES
@given(column=st.sampled_from(["metadata", "waveform_data", "file_url"]), slack=st.integers(-64, 64))
def test_client_writable_columns_have_a_size_limit(db: psycopg.Connection[Any], column: str, slack: int) -> None:
    """A check constraint holds for every writer; file_url is the server's, the others a client's."""
    size = SIZE_LIMITS[column] + slack
    # jsonb is measured in its text form: {"k": "xx…"} is 9 characters more than the string
    value = json.dumps({"k": "x" * (size - 9)}) if column != "file_url" else "x" * size
    with db.transaction(force_rollback=True):
        a, b = user(db), user(db)
        sid = session(db, a, b)
        try:
            with db.transaction():
                db.execute(f"insert into public.chat_messages (session_id, sender_id, content, {column})"  # noqa: S608
                           " values (%s, %s, 'x', %s)", (sid, a, value))
            stored = True
        except psycopg.errors.CheckViolation as exc:
            assert f"{column}_size_check" in str(exc), exc
            stored = False
    assert stored == (size <= SIZE_LIMITS[column]), (column, size)


def test_every_client_writable_text_column_is_bounded(conn: psycopg.Connection[Any]) -> None:
    """No text/jsonb column a client may write lacks a check that names it."""
    rows = conn.execute("""
        select c.table_name, c.column_name from information_schema.column_privileges p
        join information_schema.columns c using (table_schema, table_name, column_name)
        where p.grantee = 'authenticated' and p.privilege_type in ('INSERT', 'UPDATE')
          and p.table_schema = 'public' and c.data_type in ('text', 'jsonb', 'ARRAY')
        group by 1, 2""").fetchall()
    checks = conn.execute("""
        select conrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint
        where contype = 'c' and connamespace = 'public'::regnamespace""").fetchall()
    unbounded = [(t, c) for t, c in rows
                 if not any(rel in (t, f"public.{t}") and c in definition and
                            ("length" in definition or "cardinality" in definition or "= ANY" in definition)
                            for rel, definition in checks)]
    assert rows and unbounded == []


def test_the_audit_log_stores_no_generated_or_derived_column(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    with as_user(conn, a) as c:
        sid = one(c, "select id from public.create_chat_session(%s::uuid[])", ([b],))
        mid = send(c, sid, a, "words to index")
        c.execute("update public.chat_messages set content = 'edited' where id = %s", (mid,))
        c.execute("reset role")
        rows = c.execute("select table_name, coalesce(new_values, '{}') || coalesce(old_values, '{}')"
                         " from public.chat_audit_logs where session_id = %s", (sid,)).fetchall()
    assert {r[0] for r in rows} == {"chat_sessions", "chat_messages"} and len(rows) == 3  # the preview is no event
    for _table, values in rows:
        assert not {"content_tsv", "last_message_preview", "last_message_at"} & set(values)


# --- 5. bounded work -----------------------------------------------------------------------------
def test_one_request_writes_at_most_the_cap(conn: psycopg.Connection[Any], samia_settings: Any) -> None:
    cap = samia_settings.max_rows_per_request
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    bulk = ("insert into public.chat_messages (session_id, sender_id, content)"
            " select %s, %s, 'bulk ' || g from generate_series(1, %s) g")
    with as_user(conn, a) as c:
        assert c.execute(bulk, (sid, a, cap)).rowcount == cap
        assert c.execute("select count(*) from public.chat_audit_logs").fetchone() is not None
    with pytest.raises(psycopg.errors.ProgramLimitExceeded, match="per request"), as_user(conn, a) as c:
        c.execute(bulk, (sid, a, cap + 1))
    with impersonate(conn, "service_role", {"role": "service_role"}) as c:  # the backend is not capped
        assert c.execute(bulk, (sid, a, cap + 1)).rowcount == cap + 1


def test_a_bulk_insert_updates_the_session_once_with_the_newest_message(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    with as_user(conn, a) as c:
        before = one(c, "select n_tup_upd from pg_stat_xact_user_tables where relid = 'public.chat_sessions'::regclass")
        c.execute("insert into public.chat_messages (session_id, sender_id, content)"
                  " select %s, %s, 'bulk ' || g from generate_series(1, 50) g", (sid, a))
        after = one(c, "select n_tup_upd from pg_stat_xact_user_tables where relid = 'public.chat_sessions'::regclass")
        c.execute("reset role")
        newest = one(c, "select content from public.chat_messages where session_id = %s"
                        " order by created_at desc, id desc limit 1", (sid,))
        assert one(c, "select last_message_preview from public.chat_sessions where id = %s", (sid,)) == newest
    assert after - before == 1


def test_mark_read_is_one_row_whatever_the_backlog(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    conn.execute("insert into public.chat_messages (session_id, sender_id, content)"
                 " select %s, %s, 'flood ' || g from generate_series(1, 5000) g", (sid, a))
    with as_user(conn, b) as c:
        stats = ("select n_tup_upd + n_tup_ins from pg_stat_xact_user_tables"
                 " where relid = 'public.chat_messages'::regclass")
        before = one(c, stats)
        assert one(c, "select public.mark_session_read(%s)", (sid,)) == 1
        assert one(c, stats) == before  # no message row written
        assert c.execute("select unread from public.chat_unread_counts()").fetchall() == []


# --- 6. read state per participant ------------------------------------------------------------------
@EXAMPLES
@given(steps=st.lists(st.tuples(st.sampled_from(("send", "read")), st.integers(0, 2)), min_size=1, max_size=12))
def test_read_state_is_per_participant(db: psycopg.Connection[Any], steps: list[tuple[str, int]]) -> None:
    """A model: each member's unread = messages others sent since that member last marked the session read."""
    with db.transaction(force_rollback=True):
        members = [user(db), user(db, "reader"), user(db)]
        sid = session(db, *members)
        unread = [0, 0, 0]
        for n, (action, who) in enumerate(steps):
            with as_user(db, members[who]) as c:
                if action == "send":
                    send(c, sid, members[who], f"step {n}")
                else:
                    c.execute("select public.mark_session_read(%s)", (sid,))
            # inside one transaction now() does not move: shift what happened so far one second back
            db.execute("update public.chat_messages set created_at = created_at - interval '1 second'"
                       " where session_id = %s", (sid,))
            db.execute("update public.chat_read_cursors set read_at = read_at - interval '1 second'"
                       " where session_id = %s", (sid,))
            if action == "send":
                unread = [u + (i != who) for i, u in enumerate(unread)]
            else:
                unread[who] = 0
        for i, uid in enumerate(members):
            with as_user(db, uid) as c:
                got = dict(c.execute("select session_id, unread from public.chat_unread_counts()").fetchall())
            assert got.get(sid, 0) == unread[i], (i, steps)


def test_receipts_derive_from_the_cursors(conn: psycopg.Connection[Any]) -> None:
    a, b, c3 = user(conn), user(conn), user(conn)
    sid = session(conn, a, b, c3)
    with as_user(conn, a) as c:
        mid = send(c, sid, a)
    conn.execute("update public.chat_messages set created_at = now() - interval '1 minute' where id = %s", (mid,))
    with as_user(conn, b) as c:
        c.execute("select public.mark_session_read(%s)", (sid,))
    with as_user(conn, a) as c:  # the sender sees who read it: b, not c3
        readers = {r[0] for r in c.execute(
            "select r.user_id from public.chat_read_cursors r join public.chat_messages m"
            " on m.session_id = r.session_id and r.read_at >= m.created_at where m.id = %s", (mid,))}
    assert readers == {b}
    stranger = user(conn)
    with as_user(conn, stranger) as c:  # not a participant: sees no cursor
        assert c.execute("select count(*) from public.chat_read_cursors").fetchone() == (0,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_user(conn, a) as c:  # nor writes one
        c.execute("insert into public.chat_read_cursors (session_id, user_id) values (%s, %s)", (sid, a))


# --- 7. decided and fixed ------------------------------------------------------------------------
def test_a_reply_stays_in_its_session_and_tells_nothing(conn: psycopg.Connection[Any]) -> None:
    a, b, x = user(conn), user(conn), user(conn)
    mine, theirs = session(conn, a, b), session(conn, b, x)
    foreign = send(conn, theirs, b)
    errors = []
    for target in (foreign, uuid.uuid4()):  # another session's message, and one that does not exist
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as caught, as_user(conn, a) as c:
            c.execute("insert into public.chat_messages (session_id, sender_id, content, reply_to_message_id)"
                      " values (%s, %s, 'x', %s)", (mine, a, target))
        errors.append(str(caught.value).splitlines()[0])
    assert errors[0] == errors[1]  # no existence oracle


def test_system_messages_come_from_the_server_or_an_admin(conn: psycopg.Connection[Any]) -> None:
    a, b, admin = user(conn), user(conn), user(conn, "admin")
    sid = session(conn, a, b, admin)
    stmt = "insert into public.chat_messages (session_id, sender_id, type, content) values (%s, %s, 'system', 'x')"
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="system"), as_user(conn, a) as c:
        c.execute(stmt, (sid, a))
    with as_user(conn, admin) as c:
        assert c.execute(stmt, (sid, admin)).rowcount == 1


@pytest.mark.parametrize("leaf", [".", ".."])
def test_dot_file_names_are_refused(conn: psycopg.Connection[Any], leaf: str) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    with pytest.raises(psycopg.errors.CheckViolation), as_user(conn, a) as c:
        c.execute("insert into public.chat_messages (session_id, sender_id, type, file_path, file_name)"
                  " values (%s, %s, 'file', %s, %s)", (sid, a, f"{sid}/{a}/{leaf}", leaf))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_user(conn, a) as c:
        c.execute("insert into storage.objects (bucket_id, name, owner_id) values ('chat-files', %s, %s)",
                  (f"{sid}/{a}/{leaf}", str(a)))


def test_an_edited_or_deleted_message_leaves_the_preview(conn: psycopg.Connection[Any]) -> None:
    a, b = user(conn), user(conn)
    sid = session(conn, a, b)
    with as_user(conn, a) as c:
        first = send(c, sid, a, "first")
    conn.execute("update public.chat_messages set created_at = now() - interval '1 minute' where id = %s", (first,))
    with as_user(conn, a) as c:
        last = send(c, sid, a, "a secret")
        c.execute("update public.chat_messages set content = 'fixed' where id = %s", (last,))
        c.execute("reset role")
        assert one(c, "select last_message_preview from public.chat_sessions where id = %s", (sid,)) == "fixed"
    with as_user(conn, a) as c:
        c.execute("update public.chat_messages set is_deleted = true where id = %s", (last,))
        c.execute("reset role")
        assert one(c, "select last_message_preview from public.chat_sessions where id = %s", (sid,)) == "first"
