"""Online apply on a database whose tables exist: concurrent index builds outside the transaction,
constraints NOT VALID then VALIDATE, INVALID leftovers dropped, lock_timeout retries, and a unit
recorded only when all its parts are done. Real Postgres, real concurrent sessions; no timings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import workspace

from samia_schema.errors import DatabaseError
from samia_schema.ledger import apply_plan, plan_status
from samia_schema.online.steps import plan_online
from samia_schema.units import Plan

NEW_INDEX = "\ncreate index if not exists chat_messages_test_idx on public.chat_messages (session_id, type);\n"
NEW_CHECK = ("\nalter table public.chat_messages add constraint chat_messages_short_check"
             " check (char_length(content) < 5000);\n")
NEW_FK = ("\nalter table public.chat_monitoring add constraint chat_monitoring_created_by_fkey"
          " foreign key (user_id) references public.profiles (id);\n")


def PLAN() -> Plan:  # noqa: N802 - the bundled plan, as the fixtures applied it
    return workspace(migrations_dir="/nonexistent-samia-migrations").plan


def fast(**overrides: object) -> Any:
    """Settings with short lock timeouts and backoffs (the behaviour, not the wait, is under test)."""
    chosen: dict[str, Any] = {"migrations_dir": "/nonexistent-samia-migrations", "lock_timeout": "300ms",
                              "lock_retry_delay": "20ms", **overrides}
    return workspace(**chosen).settings


def changed(plan: Plan, unit: str, extra: str) -> Plan:
    return Plan(tuple(replace(u, sql=u.sql + extra) if u.name == unit else u for u in plan.units))


def ledger_checksum(conn: psycopg.Connection[Any], unit: str) -> str | None:
    row = conn.execute("select checksum from samia.ledger where unit = %s order by id desc limit 1", (unit,)).fetchone()
    return row[0] if row else None


def index_valid(conn: psycopg.Connection[Any], name: str) -> bool | None:
    row = conn.execute("select i.indisvalid from pg_index i join pg_class c on c.oid = i.indexrelid"
                       " where c.relname = %s", (name,)).fetchone()
    return None if row is None else bool(row[0])


def wait_for(conn: psycopg.Connection[Any], query: str, what: str, params: tuple[Any, ...] = ()) -> None:
    """Poll until `query` returns true (bounded: 30 s)."""
    for _ in range(600):
        row = conn.execute(query, params).fetchone()
        if row and row[0]:
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def in_thread(target: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """Run `target` in a thread; the dict gets its `result` or `error`; joined on exit."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except BaseException as exc:  # surfaced by the test
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield out
    finally:
        thread.join(60)
        assert not thread.is_alive()


def apply_in(dsn: str, plan: Plan, settings: Any, **options: Any) -> Any:
    """apply_plan on a connection of its own (for a thread)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return apply_plan(conn, plan, settings, **options)


def a_message(conn: psycopg.Connection[Any]) -> tuple[Any, Any]:
    """A new user (with a profile) and a session of their own: (session id, user id)."""
    uid = conn.execute("insert into auth.users (id, email) values (gen_random_uuid(), gen_random_uuid() || '@t.local')"
                       " returning id").fetchone()[0]  # type: ignore[index]
    conn.execute("insert into public.profiles (id, role) values (%s, 'client')", (uid,))
    sid = conn.execute("insert into public.chat_sessions (participants, created_by) values (%s, %s) returning id",
                       ([uid], uid)).fetchone()[0]  # type: ignore[index]
    return sid, uid


def send(conn: psycopg.Connection[Any], session: Any, sender: Any) -> None:
    conn.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, 'hi')",
                 (session, sender))


CIC_WAITING = ("select exists (select from pg_stat_activity where query ilike 'create index concurrently%%'"
               " and wait_event_type = 'Lock' and datname = current_database())")


def test_index_build_runs_concurrently_after_commit_and_a_writer_is_not_blocked(chat_dsn: str) -> None:
    """An open writer transaction makes the concurrent build wait (it waits for older transactions);
    meanwhile another writer sends and commits, and the unit is not recorded yet."""
    settings = fast()
    plan = changed(PLAN(), "030_indexes",
                   NEW_INDEX + "comment on table public.chat_audit_logs is 'online';\n")
    with psycopg.connect(chat_dsn, autocommit=True) as conn, psycopg.connect(chat_dsn) as open_writer, \
            psycopg.connect(chat_dsn, autocommit=True) as other:
        session, sender = a_message(conn)
        send(open_writer, session, sender)  # stays open: the build's wait phase waits for it
        with in_thread(lambda: apply_in(chat_dsn, plan, settings)) as out:
            wait_for(conn, CIC_WAITING, "the concurrent build to wait for the open writer")
            other.execute("set lock_timeout = '2s'")
            send(other, *a_message(other))  # not blocked: the build holds SHARE UPDATE EXCLUSIVE only
            assert index_valid(conn, "chat_messages_test_idx") is False  # being built
            assert ledger_checksum(conn, "030_indexes") != plan.unit("030_indexes").checksum  # not recorded yet
            assert conn.execute("select obj_description('public.chat_audit_logs'::regclass)").fetchone() == (
                "online",)  # the transactional part is committed
            open_writer.commit()
        assert "error" not in out, out.get("error")
        result = out["result"]
        assert index_valid(conn, "chat_messages_test_idx") is True
        assert ledger_checksum(conn, "030_indexes") == plan.unit("030_indexes").checksum
        assert [s.step.target for s in result.steps if s.outcome == "done"] == ["chat_messages_test_idx"]
        assert all(s.status == "applied" for s in plan_status(conn, plan, None).units)


def test_one_transaction_path_blocks_the_writer(chat_dsn: str) -> None:
    """The same change with online=False: the build waits for SHARE behind the open writer, and a
    second writer queues behind it (its lock_timeout fires)."""
    settings = fast(lock_timeout="5s")
    plan = changed(PLAN(), "030_indexes", NEW_INDEX)
    with psycopg.connect(chat_dsn, autocommit=True) as conn, psycopg.connect(chat_dsn) as open_writer, \
            psycopg.connect(chat_dsn, autocommit=True) as other:
        session, sender = a_message(conn)
        mine = a_message(other)
        send(open_writer, session, sender)
        with in_thread(lambda: apply_in(chat_dsn, plan, settings, online=False)) as out:
            wait_for(conn, "select exists (select from pg_locks where mode = 'ShareLock' and not granted"
                           " and locktype = 'relation')", "apply to queue for SHARE")
            other.execute("set lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                send(other, *mine)
            open_writer.commit()
        assert "error" not in out, out.get("error")
        assert out["result"].steps == () and index_valid(conn, "chat_messages_test_idx") is True


def test_failed_build_drops_its_invalid_index_and_leaves_the_unit_unrecorded(chat_dsn: str) -> None:
    settings = fast()
    base = PLAN()
    unique = "\ncreate unique index if not exists chat_messages_one_per_session on public.chat_messages (session_id);\n"
    plan = changed(base, "030_indexes", unique)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        session, sender = a_message(conn)
        send(conn, session, sender)
        send(conn, session, sender)  # two messages in one session: the unique build fails
        with pytest.raises(DatabaseError, match=r"chat_messages_one_per_session.*INVALID index .* was dropped"):
            apply_plan(conn, plan, settings)
        assert index_valid(conn, "chat_messages_one_per_session") is None
        assert {s.name: s.status for s in plan_status(conn, plan, None).units}["030_indexes"] == "changed"
        conn.execute("delete from public.chat_messages where session_id = %s", (session,))
        assert apply_plan(conn, plan, settings).applied == ("030_indexes",)  # the rerun finishes it
        assert index_valid(conn, "chat_messages_one_per_session") is True


def test_an_invalid_index_found_at_the_start_is_dropped_then_built(chat_dsn: str) -> None:
    settings = fast()
    plan = changed(PLAN(), "030_indexes", NEW_INDEX)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        session, sender = a_message(conn)
        send(conn, session, sender)
        send(conn, session, sender)
        with pytest.raises(psycopg.errors.UniqueViolation):  # someone's failed build, same name
            conn.execute("create unique index concurrently chat_messages_test_idx on public.chat_messages (session_id)")
        assert index_valid(conn, "chat_messages_test_idx") is False
        assert plan_online(conn, [plan.unit("030_indexes")]).invalid == (("public", "chat_messages_test_idx"),)
        result = apply_plan(conn, plan, settings)
        assert result.cleaned == ("public.chat_messages_test_idx",)
        assert index_valid(conn, "chat_messages_test_idx") is True
        definition = conn.execute("select pg_get_indexdef('public.chat_messages_test_idx'::regclass)").fetchone()
        assert definition and "(session_id, type)" in definition[0] and "UNIQUE" not in definition[0]


def test_new_constraints_go_in_not_valid_then_validate_with_retries(chat_dsn: str) -> None:
    """When VALIDATE starts, a session takes SHARE UPDATE EXCLUSIVE: VALIDATE reaches lock_timeout
    and is retried (the constraint is committed NOT VALID meanwhile), and succeeds once it is gone."""
    settings = fast(lock_retries=50)
    plan = changed(PLAN(), "020_tables", NEW_CHECK + NEW_FK)
    seen: dict[str, Any] = {}
    with psycopg.connect(chat_dsn, autocommit=True) as conn, psycopg.connect(chat_dsn) as holder, \
            psycopg.connect(chat_dsn, autocommit=True) as observer:
        online = plan_online(conn, [plan.unit("020_tables")])
        tx = dict(online.transactional("020_tables"))
        assert [s.kind for s in online.steps] == ["validate", "validate"]
        assert all(tx[s.number].endswith("not valid") for s in online.steps)

        def progress(message: str) -> None:  # runs in the apply, between its steps
            if message.startswith("online: validate constraint chat_messages_short_check"):
                holder.execute("lock table public.chat_messages in share update exclusive mode")
                seen["state"] = observer.execute("select convalidated from pg_constraint"
                                                 " where conname = 'chat_messages_short_check'").fetchone()
                seen["recorded"] = ledger_checksum(observer, "020_tables")
            elif "retry" in message and "validate" in message:
                holder.rollback()

        result = apply_plan(conn, plan, settings, progress=progress)
        assert seen["state"] == (False,)  # committed NOT VALID, not validated yet
        assert seen["recorded"] != plan.unit("020_tables").checksum
        attempts = {s.step.target: s.attempts for s in result.steps}
        assert attempts["chat_messages_short_check"] > 1 and attempts["chat_monitoring_created_by_fkey"] == 1
        rows = conn.execute("select conname, convalidated from pg_constraint where conname in"
                            " ('chat_messages_short_check', 'chat_monitoring_created_by_fkey') order by 1").fetchall()
        assert rows == [("chat_messages_short_check", True), ("chat_monitoring_created_by_fkey", True)]
        assert ledger_checksum(conn, "020_tables") == plan.unit("020_tables").checksum


def test_a_violated_constraint_is_removed_again_and_the_rerun_adds_it(chat_dsn: str) -> None:
    settings = fast()
    plan = changed(PLAN(), "020_tables", NEW_CHECK)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        session, sender = a_message(conn)
        conn.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, %s)",
                     (session, sender, "x" * 6000))
        with pytest.raises(DatabaseError, match=r"chat_messages_short_check.*violated.*dropped again"):
            apply_plan(conn, plan, settings)
        assert conn.execute("select count(*) from pg_constraint where conname = 'chat_messages_short_check'"
                            ).fetchone() == (0,)
        assert ledger_checksum(conn, "020_tables") != plan.unit("020_tables").checksum
        conn.execute("delete from public.chat_messages where char_length(content) >= 5000")
        assert apply_plan(conn, plan, settings).applied == ("020_tables",)


def test_the_transactional_part_is_retried_when_lock_timeout_is_reached(chat_dsn: str) -> None:
    """A reader's open transaction blocks the policy unit's ACCESS EXCLUSIVE: the whole
    transaction is rolled back and retried until the reader is gone."""
    settings = fast(lock_retries=50)
    plan = changed(PLAN(), "070_rls", "\n-- retry\n")
    retried = threading.Event()
    with psycopg.connect(chat_dsn, autocommit=True) as conn, psycopg.connect(chat_dsn) as reader:
        reader.execute("select count(*) from public.chat_messages")

        def progress(message: str) -> None:
            if message.startswith("apply:") and "retry" in message:
                retried.set()

        with in_thread(lambda: apply_in(chat_dsn, plan, settings,
                                          progress=progress)) as out:
            assert retried.wait(30)
            assert ledger_checksum(conn, "070_rls") != plan.unit("070_rls").checksum
            reader.rollback()
        assert "error" not in out, out.get("error")
        assert out["result"].attempts > 1 and out["result"].applied == ("070_rls",)


def test_retries_are_bounded_and_leave_everything(chat_dsn: str) -> None:
    settings = fast(lock_retries=2)
    plan = changed(PLAN(), "070_rls", "\n-- retry\n")
    with psycopg.connect(chat_dsn, autocommit=True) as conn, psycopg.connect(chat_dsn) as reader:
        reader.execute("select count(*) from public.chat_messages")
        with pytest.raises(DatabaseError, match=r"lock_timeout \(300ms\) reached 3 times, nothing changed"):
            apply_plan(conn, plan, settings)
        assert ledger_checksum(conn, "070_rls") != plan.unit("070_rls").checksum


def test_dry_run_lists_the_online_steps_and_changes_nothing(chat_dsn: str) -> None:
    settings = fast()
    plan = changed(PLAN(), "030_indexes",
                   NEW_INDEX + "drop index if exists public.chat_messages_sender_id_idx;\n")
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        result = apply_plan(conn, plan, settings, dry_run=True)
        assert [(s.step.kind, s.step.target, s.outcome) for s in result.steps] == [
            ("index_build", "chat_messages_test_idx", "would run"),
            ("index_drop", "chat_messages_sender_id_idx", "would run")]
        assert index_valid(conn, "chat_messages_test_idx") is None
        assert index_valid(conn, "chat_messages_sender_id_idx") is True
        skipped = [p for p in result.online.statements if p.where == "skipped"]
        existing = PLAN().unit("030_indexes").sql.lower().count("create index if not exists")
        assert len(skipped) == existing and all(p.kind == "create_index" for p in skipped)  # valid already: not run
        inside = [p for p in result.online.statements if p.where == "transaction"]
        dropped = PLAN().unit("030_indexes").sql.lower().count("drop index if exists")  # old indexes, already gone
        assert [(p.kind, p.locks) for p in inside] == [("drop_index", ())] * dropped


def test_statements_on_new_tables_stay_in_the_transaction(fresh_dsn: str) -> None:
    plan = PLAN()
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        result = apply_plan(conn, plan, fast())
        assert result.steps == () and result.online.steps == ()
        assert {p.where for p in result.online.statements} == {"transaction"}


def test_apply_inside_a_callers_transaction_runs_everything_there(chat_dsn: str) -> None:
    plan = changed(PLAN(), "030_indexes", NEW_INDEX)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        with conn.transaction():
            result = apply_plan(conn, plan, fast())
        assert result.steps == () and index_valid(conn, "chat_messages_test_idx") is True


def test_a_later_statement_that_uses_the_index_keeps_the_build_in_the_transaction(chat_dsn: str) -> None:
    extra = NEW_INDEX + "comment on index public.chat_messages_test_idx is 'needs it';\n"
    plan = changed(PLAN(), "030_indexes", extra)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        online = plan_online(conn, [plan.unit("030_indexes")])
        build = next(p for p in online.statements if "depends on it" in p.note)
        assert build.where == "transaction" and [h.type for h in build.hazards] == ["ACQUIRES_SHARE_LOCK"]
        assert apply_plan(conn, plan, fast()).steps == ()
        assert index_valid(conn, "chat_messages_test_idx") is True


def test_migration_files_get_their_rows_only_after_the_online_steps(chat_dsn: str, tmp_path: Path) -> None:
    """With migration files: the new 030 file has no schema_migrations row while its build runs."""
    from samia_schema.migrations import read_migrations, write_supabase_migrations

    migrations = tmp_path / "migrations"
    settings = fast()
    base = PLAN()
    write_supabase_migrations(base, migrations)
    plan = changed(base, "030_indexes", NEW_INDEX)
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        apply_plan(conn, base, settings, migrations_dir=migrations)  # records the files (all applied)
        write_supabase_migrations(plan, migrations)
        newest = read_migrations(migrations)[-1]
        assert newest.name == "samia_030_indexes"
        with psycopg.connect(chat_dsn) as open_writer:
            session, sender = a_message(conn)
            send(open_writer, session, sender)
            with in_thread(lambda: apply_in(chat_dsn, plan, settings,
                                              migrations_dir=migrations)) as out:
                wait_for(conn, CIC_WAITING, "the concurrent build")
                row = conn.execute("select count(*) from supabase_migrations.schema_migrations where version = %s",
                                   (newest.version,)).fetchone()
                assert row == (0,)
                open_writer.commit()
        assert "error" not in out, out.get("error")
        assert conn.execute("select name from supabase_migrations.schema_migrations where version = %s",
                            (newest.version,)).fetchone() == ("samia_030_indexes",)


def _project(tmp_path: Path, extra: str) -> Path:
    """A samia.toml like the repository's, with a user 030_indexes template (the pack's + `extra`)."""
    from support import REPO

    config = tmp_path / "samia.toml"
    text = (REPO / "samia.toml").read_text().replace('migrations_dir = "supabase/migrations"',
                                                     'migrations_dir = "no-migrations"')
    config.write_text(text.replace("[samia]\n", '[samia]\ntemplates = ["@pack", "templates"]\n', 1))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "030_indexes.sql.j2").write_text(
        (REPO / "templates" / "030_indexes.sql.j2").read_text() + extra)
    return config


def test_cli_plan_and_dry_run_show_each_online_step_and_its_hazard(chat_dsn: str, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from samia_schema.cli import app

    config = str(_project(tmp_path, NEW_INDEX))
    run = CliRunner().invoke
    shown = run(app, ["plan", "--db", chat_dsn, "--no-drift", "-c", config])
    assert shown.exit_code == 1, shown.output
    assert "create index concurrently chat_messages_test_idx on chat_messages" in shown.stdout
    assert "SHARE UPDATE EXCLUSIVE on chat_messages" in shown.stdout and "INDEX_BUILD" in shown.stdout
    data = json.loads(run(app, ["plan", "--db", chat_dsn, "--no-drift", "-c", config, "--json"]).stdout)
    assert [(s["kind"], s["target"], s["lock"]) for s in data["online"]["steps"]] == [
        ("index_build", "public.chat_messages_test_idx", "SHARE UPDATE EXCLUSIVE")]
    dry = run(app, ["apply", "--db", chat_dsn, "-c", config, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would apply 1 unit(s)" in dry.stdout and "would run" in dry.stdout
    done = run(app, ["apply", "--db", chat_dsn, "-c", config, "--json"])
    assert done.exit_code == 0, done.output
    assert [(s["target"], s["outcome"]) for s in json.loads(done.stdout)["steps"]] == [
        ("public.chat_messages_test_idx", "done")]
    assert run(app, ["plan", "--db", chat_dsn, "--no-drift", "-c", config]).exit_code == 0
