"""The Storage API as the verifier runs it (samia_schema/packs/chat/storage_api.py), on a real Postgres.

The bootstrap's delete protection and storage.search(); each request's SQL and answers; the audit
trail of uploads, overwrites, moves and removes finished the way the API finishes them; MIME types
as the API compares them; a permissive delete policy caught on a protected database; reconcile SQL
that deletes a bucket. The real Storage API server is used only where SAMIA_TEST_STORAGE_URL and
SAMIA_TEST_STORAGE_SERVICE_KEY point at one.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import make_session, make_user
from support import workspace

from samia_schema.access.probes import PROBE_HEADERS, PROBE_IP
from samia_schema.access.verify import run_cells, sabotages
from samia_schema.catalog import Bucket, Change, reconcile_script, reconcile_sql
from samia_schema.db import execute_script
from samia_schema.errors import ConfigError
from samia_schema.packs.chat import PACK
from samia_schema.packs.chat.storage_api import (
    SERVICE_CLAIMS,
    Caller,
    download,
    list_objects,
    mime_allowed,
    move,
    remove,
    upload,
    upload_content_types,
)

BUCKET = "chat-files"
TEXT = {"mimetype": "text/plain", "size": 5}


@pytest.fixture()
def conn(chat_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """A superuser connection inside a transaction that is always rolled back."""
    with psycopg.connect(chat_dsn, autocommit=True) as connection, connection.transaction(force_rollback=True):
        yield connection


def _caller(uid: uuid.UUID | None, role: str = "authenticated") -> Caller:
    claims: dict[str, Any] = {"role": role, "aud": role}
    if uid:
        claims["sub"] = str(uid)
    return Caller.of(claims, PROBE_HEADERS)


def _put(conn: psycopg.Connection[Any], name: str, owner: uuid.UUID) -> uuid.UUID:
    oid = uuid.uuid4()
    conn.execute("insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, version) "
                 "values (%s, %s, %s, %s, %s::text, '{}', 'v1')", (oid, BUCKET, name, owner, owner))
    return oid


def _audit(conn: psycopg.Connection[Any], since: int) -> list[dict[str, Any]]:
    conn.execute("reset role")  # a request's committed part leaves its role set in our transaction
    rows = conn.execute("select user_id, actor_role, action, record_id, host(ip_address), metadata, new_values"
                        " from public.chat_audit_logs where id > %s and table_name = 'objects' order by id",
                        (since,)).fetchall()
    keys = ("user_id", "actor_role", "action", "record_id", "ip", "metadata", "new_values")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _mark(conn: psycopg.Connection[Any]) -> int:
    conn.execute("reset role")
    row = conn.execute("select coalesce(max(id), 0) from public.chat_audit_logs").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture()
def pair(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Two clients a and b in one active session (a, b, session id)."""
    a, b = make_user(conn, "client", "a"), make_user(conn, "client", "b")
    return a, b, make_session(conn, [a, b])


# --- the bootstrap's parts --------------------------------------------------------------------
def test_direct_deletes_are_refused_unless_the_request_allows_them(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as c:
        triggers = {r[0] for r in c.execute(
            "select tgname from pg_trigger where tgrelid in ('storage.objects'::regclass, 'storage.buckets'::regclass)"
            " and not tgisinternal").fetchall()}
        assert triggers >= {"protect_objects_delete", "protect_buckets_delete"}
        c.execute("insert into storage.buckets (id, name) values ('b1', 'b1')")
        c.execute("insert into storage.objects (bucket_id, name) values ('b1', 'x/y.txt')")
        for table in ("storage.objects", "storage.buckets"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Storage API"):
                c.execute(f"delete from {table}")  # noqa: S608 - constant table names
        with c.transaction():
            c.execute("select set_config('storage.allow_delete_query', 'true', true)")
            assert c.execute("delete from storage.objects").rowcount == 1
            assert c.execute("delete from storage.buckets").rowcount == 1


def test_search_lists_one_level_folders_first(conn: psycopg.Connection[Any]) -> None:
    owner = make_user(conn, "client")
    for name in ("s/u/b.txt", "s/u/A.txt", "s/u/deep/c.txt", "s/v/d.txt", "t/e.txt"):
        _put(conn, name, owner)
    rows = conn.execute("select name, id is null from storage.search('s/u/', %s, 100, 3)", (BUCKET,)).fetchall()
    assert rows == [("deep", True), ("A.txt", False), ("b.txt", False)]
    assert conn.execute("select name from storage.search('s/', %s, 100, 2)", (BUCKET,)).fetchall() == [("u",), ("v",)]
    assert conn.execute("select name from storage.search('S/U/', %s, 100, 3, 1, 'b')",  # prefix || search, any case
                        (BUCKET,)).fetchall() == []
    assert conn.execute("select name from storage.search('S/U/', %s, 100, 3, 0, 'b')", (BUCKET,)).fetchall() == [
        ("b.txt",)]
    assert conn.execute("select name from storage.search('s/u/', %s, 1, 3, 1)", (BUCKET,)).fetchall() == [("A.txt",)]
    assert conn.execute("select prosecdef from pg_proc where oid = 'storage.search(text, text, integer, integer,"
                        " integer, text, text, text)'::regprocedure").fetchone() == (False,)


# --- requests and answers ---------------------------------------------------------------------
def test_requests_answer_as_the_api_does(conn: psycopg.Connection[Any], pair: tuple[uuid.UUID, ...]) -> None:
    a, b, sid = pair
    mine, theirs = f"{sid}/{a}/mine.txt", f"{sid}/{b}/theirs.txt"
    ours = upload(conn, _caller(a), BUCKET, mine, TEXT)
    assert ours.ok and ours.body["Key"] == f"{BUCKET}/{mine}"
    refused = upload(conn, _caller(a), BUCKET, f"{sid}/{b}/forged.txt", TEXT)
    assert (refused.status, refused.body["statusCode"]) == (400, "403")
    assert upload(conn, _caller(a), BUCKET, mine, TEXT).body["statusCode"] == "409"  # exists: not an upsert
    assert upload(conn, _caller(a), BUCKET, mine, TEXT, upsert=True).ok
    _put(conn, theirs, b)
    assert {n: x.ok for n, x in download(conn, _caller(a), BUCKET, [mine, theirs, f"{sid}/{a}/none"]).items()} == {
        mine: True, theirs: True, f"{sid}/{a}/none": False}
    assert download(conn, _caller(None, "anon"), BUCKET, [mine])[mine].body["statusCode"] == "404"
    listed = list_objects(conn, _caller(a), BUCKET, [f"{sid}/", f"{sid}/{a}/"])
    assert sorted(e["name"] for e in listed[f"{sid}/"].body) == sorted([str(a), str(b)])
    assert [e["name"] for e in listed[f"{sid}/{a}/"].body] == ["mine.txt"]
    assert move(conn, _caller(a), BUCKET, theirs, f"{sid}/{a}/taken.txt").body["statusCode"] == "404"
    assert move(conn, _caller(a), BUCKET, mine, f"{sid}/{b}/pushed.txt").body["statusCode"] == "403"
    assert move(conn, _caller(a), BUCKET, mine, f"{sid}/{a}/renamed.txt").ok
    # a refused remove answers success with an empty list; an allowed one returns what it deleted
    assert remove(conn, _caller(a), BUCKET, [theirs]).body == []
    removed = remove(conn, _caller(a), BUCKET, [f"{sid}/{a}/renamed.txt", theirs])
    assert removed.ok and [e["name"] for e in removed.body] == [f"{sid}/{a}/renamed.txt"]


def test_the_request_settings_are_the_apis(conn: psycopg.Connection[Any], pair: tuple[uuid.UUID, ...]) -> None:
    a, _, sid = pair
    conn.execute("create temporary table seen (operation text, role text, sub text, claims jsonb, jwt text,"
                 " headers jsonb, method text, path text, allow_delete text)")
    conn.execute("grant all on seen to public")
    conn.execute("""create function pg_temp.spy() returns trigger language plpgsql as $$ begin
      insert into seen values (current_setting('storage.operation'), current_user,
        current_setting('request.jwt.claim.sub'), current_setting('request.jwt.claims')::jsonb,
        current_setting('request.jwt'), current_setting('request.headers')::jsonb,
        current_setting('request.method'), current_setting('request.path'),
        current_setting('storage.allow_delete_query'));
      return null; end $$""")
    conn.execute("create trigger spy after insert or update on storage.objects for each row "
                 "execute function pg_temp.spy()")
    assert upload(conn, _caller(a), BUCKET, f"{sid}/{a}/spied.txt", TEXT).ok
    rows = conn.execute("select operation, role, sub, claims ->> 'sub', headers ->> 'authorization' like 'Bearer %',"
                        " headers ->> 'x-forwarded-for', method, path, allow_delete, jwt <> '' from seen").fetchall()
    path = f"/object/{BUCKET}/{sid}/{a}/spied.txt"
    forwarded = PROBE_HEADERS["x-forwarded-for"]
    # the service role's completion only: the caller's test insert was rolled back with its row
    assert rows == [("storage.object.upload", "service_role", "", None, True, forwarded, "POST", path, "true", True)]


# --- the audit trail through the API's sequences -----------------------------------------------
def test_audit_records_the_real_user_and_ip(conn: psycopg.Connection[Any], pair: tuple[uuid.UUID, ...]) -> None:
    a, b, sid = pair
    mark = _mark(conn)
    name = f"{sid}/{a}/voice.webm"
    assert upload(conn, _caller(a), BUCKET, name, TEXT).ok
    assert upload(conn, _caller(a), BUCKET, name, TEXT, upsert=True).ok  # an overwrite
    assert move(conn, _caller(a), BUCKET, name, f"{sid}/{a}/moved.webm").ok
    assert remove(conn, _caller(a), BUCKET, [f"{sid}/{a}/moved.webm"]).body
    rows = _audit(conn, mark)
    assert [(r["action"], r["user_id"], r["ip"]) for r in rows] == [
        ("insert", a, PROBE_IP), ("update", a, PROBE_IP), ("update", a, PROBE_IP), ("delete", a, PROBE_IP)]
    assert [r["actor_role"] for r in rows] == ["service_role"] * 3 + ["authenticated"]
    assert [r["metadata"].get("on_behalf_of") for r in rows] == ["request"] * 3 + [None]
    assert [r["metadata"]["storage_operation"] for r in rows] == [
        "storage.object.upload", "storage.object.upload", "storage.object.move", "storage.object.delete_many"]
    assert all("path_tokens" not in (r["new_values"] or {}) for r in rows)
    # the service key itself acting (no sub) is nobody's action; a direct insert names its owner
    mark = _mark(conn)
    service = Caller.of(SERVICE_CLAIMS, PROBE_HEADERS)
    assert upload(conn, service, BUCKET, f"{sid}/{b}/by-backend.txt", TEXT).ok
    assert upload(conn, service, BUCKET, name, TEXT).ok
    _put(conn, f"{sid}/{b}/direct.txt", b)
    assert [(r["user_id"], r["metadata"].get("on_behalf_of")) for r in _audit(conn, mark)] == [
        (None, None), (None, None), (b, "owner_id")]


# --- the verifier on a database with the delete protection -----------------------------------------
def test_verify_catches_a_permissive_delete_policy(chat_dsn: str, samia_settings: Any) -> None:
    sabotage = next(s for s in sabotages(PACK.sabotage_dir()) if s.name == "50_storage_delete_whole_bucket")
    matrix = workspace().matrix()
    with psycopg.connect(chat_dsn, autocommit=True) as c:
        assert c.execute("select count(*) from pg_trigger where tgname = 'protect_objects_delete'").fetchone() == (1,)
        planted = psycopg.sql.SQL(sabotage.template).format(**PACK.sabotage_params(samia_settings)).as_string(c)
        outcomes = run_cells(c, PACK, matrix, samia_settings, sabotage_sql=planted)
        failed = {(o.resource, o.operation, o.persona) for o in outcomes if not o.passed}
        assert {("chat_files", "delete", p) for p in ("client", "reader", "monitor")} <= failed, failed
        assert {(r, op) for r, op, _ in failed} == {("chat_files", "delete")}
        # what a probe that did not set storage.allow_delete_query would have seen: a refusal for
        # everybody, so every "deny" cell would have passed without testing the policy
        with c.transaction(force_rollback=True):
            execute_script(c, planted)
            c.execute("insert into storage.objects (bucket_id, name) values (%s, 'x/y/z.txt')", (BUCKET,))
            c.execute("select set_config('role', 'authenticated', true)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Storage API"):
                c.execute("delete from storage.objects where name = 'x/y/z.txt'")


def test_reconcile_deletes_a_bucket_through_the_protection(chat_dsn: str) -> None:
    leftover = Bucket("leftover-uploads", True, None, None)
    statements = reconcile_sql([Change("added", "bucket", leftover.key, None, leftover)])
    assert [s.destructive for s in statements] == [True]
    with psycopg.connect(chat_dsn, autocommit=True) as c:
        c.execute("insert into storage.buckets (id, name, public) values (%s, %s, true)", (leftover.id, leftover.id))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("delete from storage.buckets where id = 'leftover-uploads'")
        execute_script(c, reconcile_script(statements))  # autocommit: the statement carries the setting
        assert c.execute("select count(*) from storage.buckets where id = 'leftover-uploads'").fetchone() == (0,)
        assert c.execute("select current_setting('storage.allow_delete_query', true)").fetchone() in (("",), (None,))


# --- MIME types as the API compares them -------------------------------------------------------
@pytest.mark.parametrize(("allowed", "mime", "ok"), [
    (("audio/webm",), "audio/webm", True),
    (("audio/webm",), "audio/webm;codecs=opus", False),  # parameters are part of the comparison
    (("audio/webm;codecs=opus",), "audio/webm;codecs=opus", True),
    (("audio/webm;codecs=opus",), "audio/webm; codecs=opus", False),  # so is the space
    (("audio/*",), "audio/webm; codecs=opus", True),
    (("audio/webm",), "Audio/webm", False),
    (("audio/webm",), "audio", False),
])
def test_mime_allowed_is_the_apis_comparison(allowed: tuple[str, ...], mime: str, ok: bool) -> None:
    assert mime_allowed(allowed, mime) is ok


def test_recorder_types_must_pass_raw_and_multipart(tmp_path: Path) -> None:
    assert upload_content_types("audio/webm;codecs=opus") == {"raw": "audio/webm;codecs=opus",
                                                              "multipart": "audio/webm"}
    config = tmp_path / "samia.toml"
    for allowed, refused in ((["audio/webm"], "a raw upload"), (["audio/webm;codecs=opus"], "a multipart upload")):
        config.write_text(f"[samia]\nallowed_mime_types = {json.dumps(allowed)}\n")
        with pytest.raises(ConfigError, match=f"would refuse {refused} of 'audio/webm;codecs=opus'"):
            workspace(config)
    config.write_text('[samia]\nallowed_mime_types = ["audio/*"]\n')
    assert workspace(config).settings.allowed_mime_types == ("audio/*",)


def test_bucket_settings_cell_names_a_refused_recording(chat_dsn: str, samia_settings: Any) -> None:
    matrix = workspace().matrix()
    with psycopg.connect(chat_dsn, autocommit=True) as c:
        planted = "update storage.buckets set allowed_mime_types = array_remove(allowed_mime_types, " \
                  "'audio/webm;codecs=opus') where id = 'chat-files'"
        outcomes = run_cells(c, PACK, matrix, samia_settings, sabotage_sql=planted)
    cell = next(o for o in outcomes if (o.resource, o.operation, o.persona) == ("bucket", "settings", "client"))
    assert cell.observed == "misconfigured" and "refuses a raw upload of 'audio/webm;codecs=opus'" in cell.detail


# --- the real server, when one is configured ---------------------------------------------------
STORAGE_URL = os.environ.get("SAMIA_TEST_STORAGE_URL", "")
SERVICE_KEY = os.environ.get("SAMIA_TEST_STORAGE_SERVICE_KEY", "")


def _call(method: str, path: str, body: bytes | None = None, content_type: str = "application/json") -> Any:
    request = urllib.request.Request(f"{STORAGE_URL.rstrip('/')}{path}", data=body, method=method, headers={
        "authorization": f"Bearer {SERVICE_KEY}", "apikey": SERVICE_KEY, "content-type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a configured test URL
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.mark.skipif(not (STORAGE_URL and SERVICE_KEY),
                    reason="needs a running Storage API: set SAMIA_TEST_STORAGE_URL (e.g. http://127.0.0.1:54321/storage/v1"
                           " from `supabase start`) and SAMIA_TEST_STORAGE_SERVICE_KEY (its service_role key)")
def test_the_real_server_answers_as_modelled() -> None:
    bucket = f"samia-probe-{uuid.uuid4().hex[:8]}"
    assert _call("POST", "/bucket", json.dumps({"id": bucket, "name": bucket, "public": False,
                                               "allowed_mime_types": ["audio/webm"]}).encode())[0] == 200
    try:
        status, body = _call("POST", f"/object/{bucket}/a/b.webm", b"x", "audio/webm;codecs=opus")
        assert status == 400 and str(body.get("statusCode")) == "415"  # raw upload: parameters compared
        assert _call("POST", f"/object/{bucket}/a/b.webm", b"x", "audio/webm")[0] == 200
        assert _call("POST", "/object/list/" + bucket, json.dumps({"prefix": "a/"}).encode())[1][0]["name"] == "b.webm"
        assert _call("DELETE", f"/object/{bucket}", json.dumps({"prefixes": ["a/none.webm"]}).encode()) == (200, [])
    finally:
        _call("DELETE", f"/object/{bucket}", json.dumps({"prefixes": ["a/b.webm"]}).encode())
        _call("DELETE", f"/bucket/{bucket}")
