"""messages_partitioning = "monthly" (docs/partitioning.md), on a real Postgres: the layout, the matrix,
replies across months, audit and realtime, apply's upkeep of future partitions, detaching old months,
and the refusals when the configured layout and the database's disagree."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema import api
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.db import connect, impersonate
from samia_schema.errors import ConfigError, DatabaseError
from samia_schema.workspace import Workspace

MONTHLY = {"messages_partitioning": "monthly", **NO_MIGRATIONS}
PROBE_INDEX = "public.chat_messages_probe_idx"


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def month_start(offset: int = 0) -> datetime:
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 + offset
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def monthly_ws() -> Workspace:
    return workspace(**MONTHLY)


@pytest.fixture()
def fresh(samia_server: Server) -> Iterator[str]:
    name = f"samia_part_{uuid.uuid4().hex[:10]}"
    dsn = create_database(samia_server, name)
    yield dsn
    drop_database(samia_server, name)


@pytest.fixture(scope="module")
def monthly_dsn(samia_server: Server, monthly_ws: Workspace) -> Iterator[str]:
    name = f"samia_part_m_{uuid.uuid4().hex[:10]}"
    dsn = create_database(samia_server, name)
    api.apply(monthly_ws, dsn)
    yield dsn
    drop_database(samia_server, name)


def _people(conn: psycopg.Connection[Any]) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    a, b = uuid.uuid4(), uuid.uuid4()
    for uid in (a, b):
        conn.execute("insert into auth.users (id, email) values (%s, %s)", (uid, f"{uid.hex[:8]}@part.test"))
        conn.execute("insert into public.profiles (id, role) values (%s, 'client')", (uid,))
    session = one(conn, "insert into public.chat_sessions (participants) values (%s) returning id", [a, b])
    return a, b, session


def test_layout_partitions_private_locked_down(monthly_dsn: str) -> None:
    with connect(monthly_dsn) as conn:
        assert one(conn, "select relkind from pg_class where oid = 'public.chat_messages'::regclass") == "p"
        parts = conn.execute(
            "select n.nspname, c.relname, c.relrowsecurity from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " join pg_namespace n on n.oid = c.relnamespace where i.inhparent = 'public.chat_messages'::regclass"
            " order by 2").fetchall()
        # last month through three months ahead, in the private schema, RLS on each
        expected = [f"chat_messages_p{m.year}{m.month:02d}" for m in map(month_start, range(-1, 4))]
        assert [p[1] for p in parts] == expected
        assert {p[0] for p in parts} == {"chat_private"} and all(p[2] for p in parts)
        grants = one(conn, "select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid,"
                           " aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a"
                           " where i.inhparent = 'public.chat_messages'::regclass and a.grantee <> c.relowner")
        assert grants == 0
        # the parent's indexes exist on every partition
        missing = one(conn, "select count(*) from pg_index pi join pg_class ic on ic.oid = pi.indexrelid,"
                            " pg_inherits i where pi.indrelid = 'public.chat_messages'::regclass"
                            " and i.inhparent = pi.indrelid and not exists (select 1 from pg_inherits ii"
                            " join pg_index ci on ci.indexrelid = ii.inhrelid"
                            " where ii.inhparent = pi.indexrelid and ci.indrelid = i.inhrelid)")
        assert missing == 0


def test_every_matrix_cell_holds_and_no_drift(monthly_ws: Workspace, monthly_dsn: str) -> None:
    report = api.verify(monthly_ws, monthly_dsn)
    assert report.passed, [(o.resource, o.operation, o.persona, o.detail) for o in report.report.failures]
    assert api.diff(monthly_ws, monthly_dsn).changes == ()


def test_the_reply_sabotage_is_caught_on_this_layout(monthly_ws: Workspace, monthly_dsn: str) -> None:
    """The reply key here has the time too: a planted check that lets any reply through must still fail
    the chat_messages insert cell (the other sabotages do not touch what this layout changes)."""
    from psycopg import sql

    from samia_schema.access.verify import run_cells, sabotages

    planted = next(x for x in sabotages(monthly_ws.pack.sabotage_dir()) if x.name == "29_reply_across_sessions")
    with connect(monthly_dsn, autocommit=True) as conn:
        text = sql.SQL(planted.template).format(**monthly_ws.pack.sabotage_params(monthly_ws.settings)).as_string(conn)
        failed = {(o.resource, o.operation) for o in run_cells(conn, monthly_ws.pack, monthly_ws.matrix(),
                                                               monthly_ws.settings, sabotage_sql=text) if not o.passed}
    assert ("chat_messages", "insert") in failed


def test_a_client_cannot_reach_a_partition(monthly_dsn: str) -> None:
    with connect(monthly_dsn) as conn:
        a, _, _ = _people(conn)
        part = f"chat_private.chat_messages_p{month_start().year}{month_start().month:02d}"
        with pytest.raises(psycopg.errors.InsufficientPrivilege), \
                impersonate(conn, "authenticated", {"sub": str(a), "role": "authenticated"}) as c:
            c.execute(f"select count(*) from {part}")  # noqa: S608 - a name built from the date above


def test_reply_across_months_audit_and_broadcast(monthly_dsn: str) -> None:
    with connect(monthly_dsn) as conn, conn.transaction(force_rollback=True):
        a, b, session = _people(conn)
        old = one(conn, "insert into public.chat_messages (session_id, sender_id, content, created_at)"
                        " values (%s, %s, 'last month', %s) returning id", session, a, month_start(-1))
        with impersonate(conn, "authenticated", {"sub": str(b), "role": "authenticated"}) as c:
            reply = one(c, "insert into public.chat_messages (session_id, sender_id, content, reply_to_message_id)"
                           " values (%s, %s, 'reply', %s) returning id", session, b, old)
            c.execute("reset role")  # the checks below as the owner, before the request rolls back
            _reply_checks(c, session, old, reply)


def _reply_checks(conn: psycopg.Connection[Any], session: uuid.UUID, old: uuid.UUID, reply: uuid.UUID) -> None:
    # the server set the reply key's time; the row sits in this month's partition
    row = conn.execute("select m.reply_to_created_at, m.tableoid::regclass::text from public.chat_messages m"
                       " where m.id = %s", (reply,)).fetchone()
    assert row == (month_start(-1), f"chat_private.chat_messages_p{month_start().year}{month_start().month:02d}")
    assert one(conn, "select count(*) from public.chat_audit_logs where record_id = %s and action = 'insert'",
               str(reply)) == 1
    # the broadcast names the parent table, not the partition
    assert conn.execute("select payload->>'table' from realtime.messages where topic = %s and event = 'INSERT'"
                        " and payload->'record'->>'id' = %s", (f"chat:{session}", str(reply))).fetchall() == [
        ("chat_messages",)]
    # deleting the quoted message clears the link (the key's ON DELETE SET NULL, across partitions)
    deleted = conn.execute("delete from public.chat_messages where id = %s", (old,)).rowcount
    assert deleted == 1, conn.execute("select current_user, current_setting('role')").fetchone()
    assert conn.execute("select reply_to_message_id, reply_to_created_at from public.chat_messages where id = %s",
                        (reply,)).fetchone() == (None, None)


def test_a_reply_into_another_session_is_refused(monthly_dsn: str) -> None:
    with connect(monthly_dsn) as conn, conn.transaction(force_rollback=True):
        a, b, session = _people(conn)
        c_, d_, other = _people(conn)
        foreign = one(conn, "insert into public.chat_messages (session_id, sender_id, content) values"
                            " (%s, %s, 'x') returning id", other, c_)
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="same chat session"), \
                impersonate(conn, "authenticated", {"sub": str(a), "role": "authenticated"}) as c:
            c.execute("insert into public.chat_messages (session_id, sender_id, content, reply_to_message_id)"
                      " values (%s, %s, 'r', %s)", (session, a, foreign))


def test_apply_creates_future_partitions(fresh: str) -> None:
    api.apply(workspace(**MONTHLY), fresh)
    further = workspace(**{**MONTHLY, "partition_months_ahead": 5})
    assert api.apply(further, fresh, dry_run=True).maintenance == tuple(
        f"created partition chat_private.chat_messages_p{m.year}{m.month:02d}" for m in map(month_start, (4, 5)))
    api.apply(further, fresh)  # the changed unit itself creates them
    assert api.apply(further, fresh).maintenance == ()  # nothing left to create
    # a month that has come (here: dropped by hand) is created by the next apply, no unit pending
    newest = f"chat_messages_p{month_start(5).year}{month_start(5).month:02d}"
    with connect(fresh) as conn:
        conn.execute(f"drop table chat_private.{newest}")  # noqa: S608 - built above
    report = api.apply(further, fresh)
    assert report.result.applied == () and report.maintenance == (f"created partition chat_private.{newest}",)
    listed = api.partitions(further, fresh).tables["public.chat_messages"]
    assert [p.upper for p in listed] == [month_start(k) for k in range(0, 7)]


def test_detach_old_months(fresh: str) -> None:
    ws = workspace(**MONTHLY)
    api.apply(ws, fresh)
    with connect(fresh, autocommit=True) as conn:
        conn.execute("select * from chat_private.create_message_partitions(%s)", (month_start(-3),))
        a, b, session = _people(conn)
        old = one(conn, "insert into public.chat_messages (session_id, sender_id, content, created_at)"
                        " values (%s, %s, 'old', %s) returning id", session, a, month_start(-3))
        one(conn, "insert into public.chat_messages (session_id, sender_id, content, reply_to_message_id)"
                  " values (%s, %s, 'reply', %s) returning id", session, b, old)
    cutoff = month_start(-1)
    preview = api.partitions(ws, fresh, detach_before=cutoff, dry_run=True, unlink=True)
    assert [d.partition.name for d in preview.detached] == [
        f"chat_messages_p{m.year}{m.month:02d}" for m in map(month_start, (-3, -2))]
    with pytest.raises(DatabaseError, match="still reference .*chat_messages_p.* \\(1 rows\\).*--unlink"):
        api.partitions(ws, fresh, detach_before=cutoff)
    assert len(api.partitions(ws, fresh).tables["public.chat_messages"]) == 7  # refused: nothing detached
    done = api.partitions(ws, fresh, detach_before=cutoff, unlink=True)
    assert [d.unlinked for d in done.detached] == [1, 0]
    left = done.tables["public.chat_messages"]
    assert left[0].upper == month_start(0)
    with connect(fresh) as conn:
        # the archived month keeps its rows, RLS on, outside the parent
        archived = f"chat_messages_p{month_start(-3).year}{month_start(-3).month:02d}"
        assert one(conn, f"select count(*) from chat_private.{archived}") == 1  # noqa: S608 - built above
        assert one(conn, "select relrowsecurity and not relispartition from pg_class where relname = %s", archived)
        assert one(conn, "select count(*) from public.chat_messages where content = 'old'") == 0
        # the unlinked reply's old link is in the audit trail
        assert one(conn, "select count(*) from public.chat_audit_logs where action = 'update'"
                         " and old_values->>'reply_to_message_id' = %s", str(old)) == 1


def test_layout_mismatch_is_refused_and_changes_nothing(fresh: str) -> None:
    api.apply(workspace(**NO_MIGRATIONS), fresh)
    with connect(fresh) as conn:
        before = one(conn, "select count(*) from samia.ledger")
    with pytest.raises(DatabaseError, match="chat_messages exists and is not partitioned"):
        api.apply(workspace(**{**MONTHLY, "partition_months_ahead": 2}), fresh)
    with connect(fresh) as conn:
        assert one(conn, "select relkind from pg_class where oid = 'public.chat_messages'::regclass") == "r"
        assert one(conn, "select count(*) from samia.ledger") == before


def test_partitions_command_needs_the_layout(fresh: str) -> None:
    with pytest.raises(ConfigError, match="no partitioned tables"):
        api.partitions(workspace(**NO_MIGRATIONS), fresh)


def _index_unit_with(ws: Workspace, extra: str) -> Any:
    from dataclasses import replace

    from samia_schema.units import Plan

    return Plan(tuple(replace(u, sql=u.sql + extra) if u.name == "030_indexes" else u for u in ws.plan.units))


def _attached(conn: psycopg.Connection[Any], index: str) -> list[tuple[str, bool]]:
    return conn.execute("select c.relname, x.indisvalid from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                        " join pg_index x on x.indexrelid = c.oid where i.inhparent = to_regclass(%s)"
                        " order by 1", (index,)).fetchall()


def test_an_index_on_the_partitioned_table_is_built_online_per_partition(fresh: str) -> None:
    from samia_schema.ledger import apply_plan

    ws = workspace(**MONTHLY)
    api.apply(ws, fresh)
    plan = _index_unit_with(ws, "\ncreate index if not exists chat_messages_probe_idx"
                                " on public.chat_messages (sender_id, created_at) where not is_deleted;\n")
    with connect(fresh, autocommit=True) as conn:
        result = apply_plan(conn, plan, ws.settings)
        assert [(s.step.kind, s.step.target, s.outcome) for s in result.steps] == [
            ("partition_index_build", "chat_messages_probe_idx", "done")]
        assert one(conn, "select indisvalid from pg_index where indexrelid = %s::regclass", PROBE_INDEX)
        children = _attached(conn, "public.chat_messages_probe_idx")
        assert len(children) == 5 and all(valid for _, valid in children)
        assert one(conn, "select pg_get_indexdef(%s::regclass)", f"chat_private.{children[0][0]}").endswith(
            "(sender_id, created_at) WHERE (NOT is_deleted)")


def test_an_interrupted_partition_index_build_resumes(fresh: str) -> None:
    from samia_schema.ledger import apply_plan
    from samia_schema.online.run import child_index_name

    ws = workspace(**MONTHLY)
    api.apply(ws, fresh)
    statement = "create index if not exists chat_messages_probe_idx on public.chat_messages (sender_id)"
    plan = _index_unit_with(ws, f"\n{statement};\n")
    with connect(fresh, autocommit=True) as conn:
        # as a failed run leaves it: the parent's index ON ONLY, one partition done, one INVALID leftover
        conn.execute("create index chat_messages_probe_idx on only public.chat_messages (sender_id)")
        parts = [r[0] for r in conn.execute("select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
                                            " where i.inhparent = 'public.chat_messages'::regclass order by 1")]
        done = child_index_name(parts[0], "chat_messages_probe_idx")
        conn.execute(f"create index {done} on chat_private.{parts[0]} (sender_id)")  # noqa: S608 - built above
        conn.execute(f"alter index public.chat_messages_probe_idx attach partition chat_private.{done}")
        leftover = child_index_name(parts[1], "chat_messages_probe_idx")
        conn.execute(f"create index {leftover} on chat_private.{parts[1]} (sender_id)")
        conn.execute("update pg_index set indisvalid = false where indexrelid = %s::regclass",
                     (f"chat_private.{leftover}",))
        result = apply_plan(conn, plan, ws.settings)
        assert [(s.step.kind, s.step.state) for s in result.steps] == [("partition_index_build", "resume")]
        assert one(conn, "select indisvalid from pg_index where indexrelid = %s::regclass", PROBE_INDEX)
        assert [name for name, valid in _attached(conn, "public.chat_messages_probe_idx") if valid] == [
            child_index_name(p, "chat_messages_probe_idx") for p in parts]
