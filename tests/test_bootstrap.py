"""The Supabase compatibility bootstrap: creates only what is missing; a second run changes nothing."""

from __future__ import annotations

from typing import Any

import psycopg

from samia_schema.db import impersonate
from samia_schema.ledger import bootstrap
from samia_schema.resources import static_sql


def fingerprint(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(static_sql("catalog_fingerprint.sql").encode()).fetchall()]  # type: ignore[misc]


def test_bootstrap_creates_supabase_parts(empty_dsn: str) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        bootstrap(conn)
        roles = dict(conn.execute(
            "select rolname, rolbypassrls from pg_roles where rolname in "
            "('anon', 'authenticated', 'service_role', 'authenticator', 'postgres')").fetchall())
        assert roles == {"anon": False, "authenticated": False, "service_role": True, "authenticator": False,
                         "postgres": True} or roles["service_role"] is True
        for name in ("auth.users", "storage.buckets", "storage.objects", "supabase_migrations.schema_migrations"):
            assert conn.execute("select to_regclass(%s) is not null", (name,)).fetchone() == (True,), name
        for fn in ("auth.uid()", "auth.role()", "auth.email()", "auth.jwt()", "storage.foldername(text)",
                   "storage.filename(text)", "storage.extension(text)"):
            assert conn.execute("select to_regprocedure(%s) is not null", (fn,)).fetchone() == (True,), fn
        publications = conn.execute("select count(*) from pg_publication where pubname = 'supabase_realtime'")
        assert publications.fetchone() == (1,)
        assert conn.execute(
            "select storage.foldername('a/b/avatar.png'), storage.filename('a/b/avatar.png'),"
            " storage.extension('a/b/avatar.png')").fetchone() == (["a", "b"], "avatar.png", "png")
        assert conn.execute("select relrowsecurity from pg_class where oid = 'storage.objects'::regclass"
                            ).fetchone() == (True,)


def test_bootstrap_twice_changes_nothing(empty_dsn: str) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        bootstrap(conn)
        first = fingerprint(conn)
        bootstrap(conn)
        assert fingerprint(conn) == first
        assert len(first) > 50


def test_bootstrap_leaves_existing_objects_alone(empty_dsn: str) -> None:
    """On a database that already has a part (as a real Supabase image does), it is not replaced."""
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        conn.execute("create schema auth;"
                     "create function auth.uid() returns uuid language sql stable as "
                     "$$ select '00000000-0000-0000-0000-000000000001'::uuid $$")
        bootstrap(conn)
        assert conn.execute("select auth.uid()").fetchone() == ("00000000-0000-0000-0000-000000000001",) or \
            str(conn.execute("select auth.uid()").fetchone()[0]) == "00000000-0000-0000-0000-000000000001"
        assert conn.execute("select to_regclass('auth.users') is not null").fetchone() == (True,)


def test_auth_helpers_read_both_guc_styles(fresh_dsn: str) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        uid = "11111111-2222-3333-4444-555555555555"
        with impersonate(conn, "authenticated", {"sub": uid, "role": "authenticated", "email": "a@b.c"}):
            row = conn.execute("select auth.uid()::text, auth.role(), auth.email(), auth.jwt() ->> 'sub'").fetchone()
            assert row == (uid, "authenticated", "a@b.c", uid)
        with conn.transaction(force_rollback=True):  # only the new style (request.jwt.claims) set
            conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{uid}", "role": "anon"}}',))
            assert conn.execute("select auth.uid()::text, auth.role()").fetchone() == (uid, "anon")
        with conn.transaction(force_rollback=True):  # only the legacy style
            conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (uid,))
            assert conn.execute("select auth.uid()::text").fetchone() == (uid,)
        assert conn.execute("select auth.uid()").fetchone() == (None,)  # after the transaction: ''
