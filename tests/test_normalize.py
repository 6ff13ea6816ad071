"""Expression normalisation: data-driven pairs, and agreement with Postgres' own deparsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from samia_schema.db import connect, execute_script
from samia_schema.normalize import _fallback, equivalent, normalize

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"
EQUIVALENT = json.loads((FIXTURES / "equivalent.json").read_text())
DIFFERENT = json.loads((FIXTURES / "different.json").read_text())


@pytest.mark.parametrize(("a", "b", "why"), EQUIVALENT, ids=[p[2] for p in EQUIVALENT])
def test_equivalent_pairs(a: str, b: str, why: str) -> None:
    assert normalize(a) == normalize(b), why
    assert equivalent(a, b) and equivalent(b, a)


@pytest.mark.parametrize(("a", "b", "why"), DIFFERENT, ids=[p[2] for p in DIFFERENT])
def test_different_pairs(a: str, b: str, why: str) -> None:
    assert normalize(a) != normalize(b), why
    assert not equivalent(a, b)


def test_none_and_identity() -> None:
    assert normalize(None) is None
    assert equivalent(None, None)
    assert not equivalent(None, "true")
    assert equivalent("x", "x")


@pytest.mark.parametrize("text", [p[0] for p in EQUIVALENT + DIFFERENT])
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert once is not None
    assert normalize(once) == once


def test_unparseable_text_falls_back_to_whitespace_and_case() -> None:
    assert normalize("broken ((( SQL") == normalize("BROKEN   (((  sql")
    assert _fallback("  Foo   =  'Bar X' ") == "foo = 'Bar X'"
    assert normalize("broken ((( 'A'") != normalize("broken ((( 'a'")


SPELLINGS = [
    "id = (select auth.uid())",
    "(select auth.uid()) = id",
    "role in ('admin', 'super_admin')",
    "role not in ('admin')",
    "created_at > now() - interval '15 minutes'",
    "tags @> array['a','b']::text[]",
    "(tags)[1] = 'x' and (role = 'a' or role = 'b')",
    "coalesce(role, 'client') = any (array['client', 'reader'])",
    "name like 'chat-files/%'",
    "not (role = 'admin')",
    "id::text = (select auth.uid())::text",
]


def test_agrees_with_postgres_deparsing(empty_dsn: str) -> None:
    """What a developer writes equals what pg_get_expr gives back for it."""
    with connect(empty_dsn, autocommit=True) as conn:
        execute_script(conn, """
            create schema auth;
            create function auth.uid() returns uuid language sql stable as 'select null::uuid';
            create table t (id uuid, role text, created_at timestamptz, tags text[], name text);
        """)
        for i, text in enumerate(SPELLINGS):
            conn.execute(f"create policy p{i} on t using ({text})")  # noqa: S608 - fixed test text
        rows = conn.execute(
            "select polname, pg_get_expr(polqual, polrelid) from pg_policy order by polname").fetchall()
    deparsed = {name: expr for name, expr in rows}
    for i, text in enumerate(SPELLINGS):
        assert equivalent(text, deparsed[f"p{i}"]), (text, deparsed[f"p{i}"])
        for j, other in enumerate(SPELLINGS):
            if i != j:
                assert not equivalent(other, deparsed[f"p{i}"]), (other, deparsed[f"p{i}"])
