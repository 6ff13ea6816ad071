"""The hot paths of bench/rls keep using indexes under our policies (EXPLAIN level, small scale).

A few thousand rows are seeded with the benchmark's own generator and ANALYZEd (realistic stats,
no `enable_seqscan = off`); each hot path is planned as its persona through the documented access
path. A plan that reads chat_messages or storage.objects with a Seq Scan, or not through an index,
fails: the regression the 1M-row benchmark would show as a 100x slowdown.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest

from samia_schema.db import connect, impersonate

BENCH = Path(__file__).resolve().parents[1] / "bench" / "rls"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"samia_bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


hp = _load("hotpaths")
seeding = _load("seeding")
READ_PATHS = [p for p in hp.HOT_PATHS if not p.write]


@pytest.fixture()
def bench_conn(chat_dsn: str) -> Any:
    with connect(chat_dsn) as conn:
        seeding.seed(conn, seeding.sizes(20_000))
        world = hp.find_world(conn)
        since = conn.execute("select now() - interval '7 days'").fetchone()[0]  # type: ignore[index]
        conn.rollback()
        yield conn, world, since


def _checked_plan(conn: psycopg.Connection[Any], path: Any, world: Any, since: Any) -> Any:
    """The plan that reads the tables: the query's own, or an RPC's body (run as the definer)."""
    params = world.params(path.persona, since)
    persona = world.persona_id(path.persona)
    if path.rpc_sql:
        with hp.as_persona(conn, "ours", persona) as c:  # the RPC itself is callable as the persona
            c.execute(path.rpc_sql.encode(), params).fetchall()  # type: ignore[call-overload]
        with hp.as_persona(conn, "floor", persona) as c:
            return hp.plan_json(c, path.floor_sql, params)
    with hp.as_persona(conn, "ours", persona) as c:
        return hp.plan_json(c, path.text_for("ours"), params)


def test_every_hot_path_reads_through_an_index(bench_conn: Any) -> None:
    conn, world, since = bench_conn
    problems = []
    for path in READ_PATHS:
        plan = _checked_plan(conn, path, world, since)
        seq = hp.seq_scans_of_watched(plan)
        if seq:
            problems.append(f"{path.key} ({path.title}): Seq Scan on {', '.join(seq)}")
        for table in path.tables:
            if not hp.uses_index_on(plan, table):
                problems.append(f"{path.key} ({path.title}): no index scan on {table}: {hp.scans(plan)}")
    assert not problems, "\n".join(problems)


def test_write_path_runs_as_the_client_with_its_audit_row(bench_conn: Any) -> None:
    conn, world, since = bench_conn
    path = next(p for p in hp.HOT_PATHS if p.write)
    before = conn.execute("select count(*) from public.chat_audit_logs").fetchone()
    with hp.as_persona(conn, "ours", world.client_id) as c:
        inserted = c.execute(path.sql.encode(), world.params("client", since)).fetchall()  # type: ignore[call-overload]
        c.execute("reset role")
        after = c.execute("select count(*) from public.chat_audit_logs").fetchone()
    conn.rollback()
    assert len(inserted) == 1
    assert before is not None and after is not None and after[0] == before[0] + 1


def test_seq_scan_detector_is_not_vacuous(bench_conn: Any) -> None:
    """Control: a query with no usable filter is reported as a Seq Scan on chat_messages."""
    conn, world, since = bench_conn
    with hp.as_persona(conn, "floor", world.client_id) as c:
        plan = hp.plan_json(c, "select count(*) from public.chat_messages where content like %(p)s",
                            {"p": "%tarot%"})
    assert hp.seq_scans_of_watched(plan) == ["chat_messages"]
    assert not hp.uses_index_on(plan, "chat_messages")


def test_my_chat_sessions_returns_exactly_the_callers_sessions(bench_conn: Any) -> None:
    """The path-1 RPC: own sessions only (for staff too), nothing for anon or a missing uid."""
    conn, world, _since = bench_conn
    mine = "select s.id from public.chat_sessions s where s.participants @> array[%s::uuid] order by 1"
    for persona in (world.client_id, world.admin_id):
        expected = [r[0] for r in conn.execute(mine, (persona,)).fetchall()]
        conn.rollback()
        with hp.as_persona(conn, "ours", persona) as c:
            got = [r[0] for r in c.execute("select id from public.my_chat_sessions() order by 1").fetchall()]
        assert got == expected and (persona != world.client_id or got)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with impersonate(conn, "anon", {"role": "anon"}) as c:
            c.execute("select * from public.my_chat_sessions()")
    conn.rollback()
    with pytest.raises(psycopg.errors.InvalidAuthorizationSpecification):
        with impersonate(conn, "authenticated", {"role": "authenticated"}) as c:
            c.execute("select * from public.my_chat_sessions()")
    conn.rollback()


def test_realtime_join_path_agrees_with_its_floor(bench_conn: Any) -> None:
    """Path 9 as Realtime runs it: the client may receive both extensions of its session's topic, under
    ours and under the floor's explicit rule alike (the two measure the same decision)."""
    conn, world, since = bench_conn
    path = next(p for p in hp.HOT_PATHS if p.realtime)
    for policy_set in ("ours", "floor"):
        with hp.request(conn, policy_set, path, world, world.params(path.persona, since)) as (c, params):
            assert len(c.execute(path.text_for(policy_set).encode(), params).fetchall()) == 2, policy_set
    conn.rollback()
