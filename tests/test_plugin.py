"""The pytest plugin, used the way another project would: fixtures and as_persona()."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

pytest_plugins = ["pytester"]


def test_as_persona_sets_role_and_claims(conn: psycopg.Connection[Any], as_persona: Any) -> None:
    uid = uuid.uuid4()
    with as_persona(conn, "authenticated", sub=uid, app_metadata={"plan": "pro"},
                    headers={"x-forwarded-for": "192.0.2.1"}) as c:
        row = c.execute("select current_user, auth.uid(), auth.role(), auth.jwt() -> 'app_metadata' ->> 'plan',"
                        " current_setting('request.headers')::jsonb ->> 'x-forwarded-for',"
                        " current_setting('request.jwt.claim.sub')").fetchone()
    assert row == ("authenticated", uid, "authenticated", "pro", "192.0.2.1", str(uid))
    assert conn.execute("select current_user").fetchone() == ("postgres",) or \
        conn.execute("select current_user <> 'authenticated'").fetchone() == (True,)


def test_as_persona_always_rolls_back(conn: psycopg.Connection[Any], as_persona: Any) -> None:
    with as_persona(conn, "service_role") as c:
        c.execute("insert into storage.buckets (id, name) values ('scratch', 'scratch')")
    assert conn.execute("select count(*) from storage.buckets where id = 'scratch'").fetchone() == (0,)


def test_anon_sees_no_chat_table(conn: psycopg.Connection[Any], as_persona: Any) -> None:
    for table in ("chat_sessions", "chat_messages", "chat_audit_logs", "chat_monitoring", "profiles"):
        with as_persona(conn, "anon") as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(f"select 1 from public.{table}")  # noqa: S608 - constant table names


def test_plugin_works_in_another_project(pytester: pytest.Pytester) -> None:
    """An outside test suite gets the fixtures through the pytest11 entry point alone."""
    pytester.makepyfile(test_outside="""
        import psycopg

        def test_uses_samia_fixtures(chat_dsn, as_persona):
            with psycopg.connect(chat_dsn, autocommit=True) as conn:
                with as_persona(conn, "authenticated", sub="00000000-0000-0000-0000-000000000001") as c:
                    assert c.execute("select count(*) from public.chat_sessions").fetchone() == (0,)
    """)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
