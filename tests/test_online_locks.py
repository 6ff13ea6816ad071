"""The locks apply predicts for each statement are the locks PostgreSQL takes (pg_locks, a real server).

Every statement of the rendered plan that runs on its own, and the statements of
tests/fixtures/online/locks.sql (one per kind of DDL the analysis knows), run on a database with
the chat schema in a rolled-back transaction; the table locks stronger than ROW SHARE that the
backend then holds on tables that existed before must be exactly the predicted ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from support import rendered

from samia_schema.online.analysis import analyze
from samia_schema.online.locks import lock_name
from samia_schema.online.steps import plan_online
from samia_schema.splitting import split_statements
from samia_schema.units import Unit

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "online" / "locks.sql"
OBSERVED = """
select c.oid::regclass::text, l.mode from pg_locks l join pg_class c on c.oid = l.relation
 where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted and c.relkind in ('r', 'p', 'm')
   and c.oid = any(%s) and l.mode not in ('AccessShareLock', 'RowShareLock')
   and c.relnamespace <> 'pg_catalog'::regnamespace
"""
TABLES = "select array_agg(oid) from pg_class where relkind in ('r', 'p', 'm')"


def observe(conn: psycopg.Connection[Any], statement: str) -> set[tuple[str, str]] | None:
    """The locks `statement` takes on tables that existed before it (None: it fails on its own)."""
    before = conn.execute(TABLES).fetchone()[0]  # type: ignore[index]
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(statement.encode())
            return {(r[0], r[1]) for r in conn.execute(OBSERVED, (before,)).fetchall()}
    except psycopg.Error:
        return None


def predict(conn: psycopg.Connection[Any], statement: str) -> set[tuple[str, str]]:
    placed = plan_online(conn, [Unit("x", statement)], online=False).statements
    return {(lock.relation, lock_name(lock.mode)) for p in placed for lock in p.locks if lock.mode not in
            ("ACCESS SHARE", "ROW SHARE")}


def test_each_kind_of_statement_takes_the_predicted_locks(conn: psycopg.Connection[Any]) -> None:
    statements = split_statements(FIXTURE.read_text())
    wrong = {}
    for statement in statements:
        observed = observe(conn, statement)
        assert observed is not None, f"the fixture statement fails on its own: {statement}"
        if predict(conn, statement) != observed:
            wrong[statement] = (sorted(predict(conn, statement)), sorted(observed))
    assert not wrong
    assert len(statements) >= 40


def test_every_statement_of_the_rendered_plan_takes_the_predicted_locks(conn: psycopg.Connection[Any]) -> None:
    checked = 0
    for unit in rendered(migrations_dir="/nonexistent-samia-migrations").units:
        for statement in split_statements(unit.sql):
            if analyze(statement).opaque:
                continue
            observed = observe(conn, statement)
            if observed is None:  # e.g. create policy: it needs the drop before it
                continue
            assert predict(conn, statement) == observed, f"{unit.name}: {statement[:120]}"
            checked += 1
    assert checked > 80
