"""`samia consolidate` and `samia restore` on the legacy fixture (tests/fixtures/legacy/), real Postgres.

The fixture is built once per session into a template database (conftest.py) and cloned per test (~0.1 s).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema import api
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.consolidate.manifest import BackupItem, checksum, read_manifest
from samia_schema.consolidate.run import ConsolidationRefused, StorageOptions
from samia_schema.db import connect
from samia_schema.workspace import Workspace

SKIP = StorageOptions(skip=True)


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def consolidated(ws: Workspace, samia_server: Server, legacy_template: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    """One legacy database consolidated (database part; storage skipped), for the mapping tests."""
    name = f"samia_legacy_done_{uuid.uuid4().hex[:8]}"
    dsn = create_database(samia_server, name, template=legacy_template)
    backup_dir = tmp_path_factory.mktemp("consolidated") / "backup"
    report = api.consolidate(ws, dsn, backup_dir=backup_dir, storage=SKIP)
    yield dsn, report, backup_dir
    drop_database(samia_server, name)


def test_consolidate_end_to_end(consolidated: tuple[str, Any, Path]) -> None:
    dsn, report, backup_dir = consolidated
    accounts = {a.table: a for a in report.accounts}
    assert set(accounts) == {"messages", "chat_messages", "voice_notes", "chat_sessions", "chat_notifications",
                             "voice_note_approvals", "chat_monitoring", "chat_audit_logs"}
    assert all(a.balanced for a in report.accounts), [a for a in report.accounts if not a.balanced]
    assert report.checksums_kept
    assert report.verify is not None and report.verify.passed, [
        (o.resource, o.operation, o.persona, o.detail) for o in report.verify.report.failures]
    assert report.diff is not None and report.diff.changes == (), report.diff.changes
    assert report.proven


def test_every_legacy_row_is_migrated_or_listed(consolidated: tuple[str, Any, Path]) -> None:
    dsn, report, _ = consolidated
    accounts = {a.table: a for a in report.accounts}
    assert accounts["messages"].found == 1100 and accounts["chat_messages"].found == 1000
    assert accounts["chat_sessions"].migrated == 50 and accounts["chat_audit_logs"].migrated == 740
    assert dict(accounts["voice_notes"].reasons) == {"no chat session (feedback)": 20, "the sender has no profile": 1}
    assert dict(accounts["chat_messages"].reasons) == {"no chat session (session_id is null)": 1}
    assert accounts["chat_monitoring"].skipped == 0  # message_sent: kept in its session's metadata
    with connect(dsn) as conn:
        assert one(conn, "select count(*) from chat_legacy.samia_skipped") == sum(a.skipped for a in report.accounts)


def test_sessions_mapping(consolidated: tuple[str, Any, Path]) -> None:
    with connect(consolidated[0]) as conn:
        # empty participants resolved from client/reader; locked/completed -> closed
        assert one(conn, "select count(*) from public.chat_sessions t join chat_legacy.chat_sessions s using (id)"
                         " where t.participants @> array[s.client_id, s.reader_id]") == 50
        assert one(conn, "select count(*) from public.chat_sessions"
                         " where (metadata->'legacy'->>'participants_resolved')::bool") == 10
        statuses = dict(conn.execute("select s.status, t.status from public.chat_sessions t"
                                     " join chat_legacy.chat_sessions s using (id) group by 1, 2").fetchall())
        assert statuses == {"active": "active", "locked": "closed", "completed": "closed"}
        # bookings with messages but no session get one; last_message_at comes from the messages
        assert one(conn, "select count(*) from public.chat_sessions"
                         " where metadata->'legacy'->>'source' = 'bookings'") == 20
        assert one(conn, "select count(*) from public.chat_sessions s where last_message_at >= updated_at") == 0


def test_messages_mapping(consolidated: tuple[str, Any, Path]) -> None:
    with connect(consolidated[0]) as conn:
        types = dict(conn.execute("select metadata->'legacy'->>'type' || '>' || type, count(*)"
                                  " from public.chat_messages"
                                  " where metadata->'legacy'->>'source' = 'messages' group by 1").fetchall())
        assert types["voice>audio"] + types["voice>file"] == 140 and types["voice>file"] > 0  # no duration: file
        assert types["text>text"] == 756 and types["image>image"] == 94 and types["system>system"] == 48
        # read state: is_read (or a read notification) -> read_at = created_at; read_at kept, never before created_at
        assert one(conn, "select count(*) from public.chat_messages t join chat_legacy.messages m using (id)"
                         " where m.is_read and t.read_at is distinct from t.created_at") == 0
        assert one(conn, "select count(*) from public.chat_messages t join chat_legacy.messages m using (id)"
                         " where not m.is_read and t.read_at is not null"
                         " and not (t.metadata->'legacy'->>'notification_read')::bool") == 0
        assert one(conn, "select count(*) from public.chat_messages t join chat_legacy.chat_messages c using (id)"
                         " where (c.read_at is not null) <> (t.read_at is not null) or t.read_at < t.created_at") == 0
        assert one(conn, "select count(*) from public.chat_messages where is_deleted") == one(
            conn, "select count(*) from chat_legacy.chat_messages where is_deleted and session_id is not null")
        # stored public URLs dropped; every attachment has its new path <session>/<sender>/<file>
        assert one(conn, "select count(*) from public.chat_messages where file_url is not null") == 0
        assert one(conn, "select count(*) from public.chat_messages where type in ('audio', 'image', 'file')"
                         " and split_part(file_path, '/', 1) <> session_id::text") == 0
        # voice notes: transcription in metadata, waveform kept
        assert one(conn, "select count(*) from public.chat_messages where metadata->'legacy'->>'source' = 'voice_notes'"
                         " and metadata->'legacy' ? 'transcription'") == 43
        assert one(conn, "select count(*) from public.chat_messages where waveform_data is not null") > 0
        # events: typing_start -> typing_started; audit actions lowercased, IP moved to metadata
        assert one(conn, "select count(*) from public.chat_monitoring where event_type = 'typing_started'") == 36
        # a type the unified schema lacks (message_sent) is kept in its session's metadata.legacy.events
        folded = conn.execute("select e->>'event_type', count(*), bool_and(s.id = m.session_id and e->>'user_id' ="
                              " m.user_id::text) from public.chat_sessions s,"
                              " jsonb_array_elements(s.metadata->'legacy'->'events') e"
                              " join chat_legacy.chat_monitoring m on m.id = (e->>'id')::uuid group by 1").fetchall()
        assert folded == [("message_sent", 35, True)]
        actions = one(conn, "select array_agg(distinct action order by action) from public.chat_audit_logs")
        assert actions == ["insert", "update"]
        assert one(conn, "select count(*) from public.chat_audit_logs where ip_address is not null") == 0
        assert one(conn, "select count(*) from public.chat_audit_logs where session_id is not null") == 740 - 250 + 250


def test_read_state_becomes_cursors(consolidated: tuple[str, Any, Path]) -> None:
    """Unread counts derive from chat_read_cursors: one per participant who had read something, at the
    newest read message of the others; nothing a participant had read shows as unread afterwards."""
    with connect(consolidated[0]) as conn:
        expected = set(conn.execute(
            "select s.id, p, max(m.created_at) from public.chat_sessions s, unnest(s.participants) p"
            " join public.chat_messages m on true where m.session_id = s.id and m.sender_id <> p"
            " and m.read_at is not null group by 1, 2").fetchall())
        cursors = set(conn.execute("select session_id, user_id, read_at from public.chat_read_cursors").fetchall())
        assert cursors == expected and len(cursors) > 10
        # every message the legacy tables mark read is at or before its reader's cursor
        assert one(conn, "select count(*) from public.chat_messages m"
                         " join public.chat_sessions s on s.id = m.session_id, unnest(s.participants) p"
                         " where m.read_at is not null and m.sender_id <> p and not exists"
                         " (select 1 from public.chat_read_cursors c where c.session_id = s.id and c.user_id = p"
                         " and c.read_at >= m.created_at)") == 0
        # and a session whose messages were all unread keeps them all unread (no cursor for that reader)
        assert one(conn, "select count(*) from public.chat_read_cursors c where not exists (select 1 from"
                         " public.chat_messages m where m.session_id = c.session_id and m.sender_id <> c.user_id"
                         " and m.read_at is not null)") == 0


def test_legacy_exposure_is_closed(consolidated: tuple[str, Any, Path]) -> None:
    with connect(consolidated[0]) as conn:
        assert one(conn, "select count(*) from pg_policies where schemaname = 'chat_legacy'") == 0
        assert one(conn, "select count(*) from pg_policies"
                         " where tablename = 'objects' and policyname like 'Users can%%chat%%'") == 0
        assert one(conn, "select count(*) from pg_policies"
                         " where policyname like '%%profile picture%%'") == 3  # left alone
        assert one(conn, "select bool_and(not has_table_privilege(r, c.oid, 'select'))"
                         " from pg_class c join pg_namespace n on n.oid = c.relnamespace,"
                         " unnest(array['anon', 'authenticated', 'service_role']) r where n.nspname = 'chat_legacy'")
        assert one(conn, "select tgenabled from pg_trigger where tgname = 'create_chat_session_trigger'") == "D"
        assert one(conn, "select tgenabled from pg_trigger where tgname = 'on_auth_user_created'") == "O"
        assert not one(conn, "select has_function_privilege('anon', 'public.lock_chat_session(uuid, uuid)', 'execute')")
        # other app tables untouched, profiles' extra columns and policies kept, role check widened
        assert one(conn, "select count(*) from public.bookings") == 70
        assert one(conn, "select count(*) from pg_policies where tablename = 'profiles'") == 3
        assert "super_admin" in one(conn, "select pg_get_constraintdef(oid) from pg_constraint"
                                          " where conname = 'profiles_role_check'")
        assert one(conn, "select array_agg(column_name::text order by column_name) from information_schema.columns"
                         " where table_schema = 'public' and table_name = 'profiles' and column_name in"
                         " ('first_name', 'zodiac', 'specialties', 'display_name')") == [
            "first_name", "specialties", "zodiac"]  # the app's columns kept, none added
        assert one(conn, "select count(*) from public.profiles") == 60


def test_storage_plan(consolidated: tuple[str, Any, Path]) -> None:
    dsn, report, _ = consolidated
    with connect(dsn) as conn:
        states = dict(conn.execute("select state || ':' || coalesce(reason, ''), count(*)"
                                   " from chat_legacy.samia_storage_moves group by 1").fetchall())
        assert states["kept:no row refers to it"] == 10  # orphans stay, reported
        assert states["moved:already in place"] > 0 and report.storage.moved == 0
        assert one(conn, "select count(*) from chat_legacy.samia_storage_moves"
                         " where source_bucket = 'zodiac-audio'") == 0
        assert one(conn, "select count(*) from chat_legacy.samia_storage_moves where state = 'pending'"
                         " and target_name not like '%%/%%/%%'") == 0
    assert report.storage.pending > 0 and not report.storage_ran


def test_restore_drill(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    with connect(legacy_dsn) as conn:
        before = {t: checksum(conn, BackupItem("public", t)).digest for t in ("messages", "chat_sessions", "profiles")}
    api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP, prove=False)
    manifest = read_manifest(tmp_path / "b")
    assert manifest.dump is not None and (tmp_path / "b" / manifest.dump).is_file()
    restored = api.restore(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    assert restored.mismatches == ()
    with connect(legacy_dsn) as conn:
        assert {t: checksum(conn, BackupItem("public", t)).digest for t in before} == before
        assert one(conn, "select to_regnamespace('chat_legacy')") is None
        assert one(conn, "select count(*) from pg_policies where tablename = 'chat_sessions'") == 7
        assert one(conn, "select tgenabled from pg_trigger where tgname = 'create_chat_session_trigger'") == "O"
        assert one(conn, "select has_function_privilege('anon', 'public.lock_chat_session(uuid, uuid)', 'execute')")
    assert api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "again", storage=SKIP, prove=False).balanced


def test_rerun_is_idempotent(ws: Workspace, consolidated: tuple[str, Any, Path]) -> None:
    again = api.consolidate(ws, consolidated[0], backup_dir=None, storage=SKIP, prove=False)
    assert not again.migrated and again.balanced
    assert [a.migrated for a in again.accounts] == [a.migrated for a in consolidated[1].accounts]


def test_failure_midway_leaves_the_database_as_it_was(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    with connect(legacy_dsn, autocommit=True) as conn:  # a unified column name taken: the apply fails midway
        conn.execute("create schema chat_private")
        conn.execute("create function chat_private.app_role() returns int language sql as 'select 1'")
    with pytest.raises(Exception, match="return type"):
        api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    with connect(legacy_dsn, autocommit=True) as conn:
        assert one(conn, "select to_regnamespace('chat_legacy')") is None
        assert one(conn, "select count(*) from public.messages") == 1100
        conn.execute("drop schema chat_private cascade")
    assert api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "c", storage=SKIP).proven


def test_dry_run_and_plan_show_the_work_and_change_nothing(ws: Workspace, legacy_dsn: str) -> None:
    plan = api.plan(ws, legacy_dsn, drift=False)
    assert plan.legacy is not None and plan.legacy.pending and not plan.clean
    actions = {(o.kind, o.action) for o in plan.legacy.objects}
    assert {("table", "archive"), ("policy", "drop"), ("trigger", "disable"), ("function", "revoke"),
            ("table", "leave"), ("bucket", "leave")} <= actions
    dry = api.consolidate(ws, legacy_dsn, dry_run=True)
    assert dry.balanced and {a.table for a in dry.accounts} >= {"messages", "voice_notes"}
    with connect(legacy_dsn) as conn:
        assert one(conn, "select to_regnamespace('chat_legacy')") is None
    from samia_schema.consolidate.run import ConsolidationRefused as Refused
    with pytest.raises(Refused, match="samia consolidate"):
        api.apply(ws, legacy_dsn)


def test_refusals_change_nothing(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="--storage-url"):
        api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b")
    with pytest.raises(Exception, match="samia.profiles"):
        api.consolidate(workspace(**NO_MIGRATIONS), legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    with connect(legacy_dsn, autocommit=True) as conn:
        conn.execute("alter table public.voice_notes drop column waveform_data")
    with pytest.raises(ConsolidationRefused, match="unknown shape"):
        api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    with connect(legacy_dsn, autocommit=True) as conn:  # a table without the one it needs: no script leaves that
        conn.execute("alter table public.voice_notes add column waveform_data jsonb")
        conn.execute("drop table public.chat_sessions cascade")
    with pytest.raises(ConsolidationRefused, match="legacy chat_messages without chat_sessions"):
        api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    with connect(legacy_dsn) as conn:
        assert one(conn, "select to_regnamespace('chat_legacy')") is None


def test_a_database_without_the_unified_era(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    """Its scripts never ran: no chat_audit_logs, no chat_monitoring (read as empty, never archived)."""
    with connect(legacy_dsn, autocommit=True) as conn:
        conn.execute("drop function public.log_chat_audit() cascade")
        conn.execute("drop table public.chat_audit_logs, public.chat_monitoring")
    plan = api.plan(ws, legacy_dsn, drift=False)
    assert plan.legacy is not None and not plan.legacy.refusals
    assert {o.name for o in plan.legacy.objects if o.shape.startswith("absent")} == {
        "public.chat_audit_logs", "public.chat_monitoring"}
    report = api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    assert report.proven and {a.table for a in report.accounts} == {
        "messages", "chat_messages", "voice_notes", "chat_sessions", "chat_notifications", "voice_note_approvals"}
    with connect(legacy_dsn) as conn:
        assert one(conn, "select count(*) from pg_tables where schemaname = 'chat_legacy'"
                         " and tablename in ('chat_audit_logs', 'chat_monitoring')") == 0
        assert one(conn, "select count(*) from public.chat_messages") == 1100 + 999 + 129
    assert api.restore(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP).mismatches == ()


def test_diff_scope_is_the_owned_objects(ws: Workspace, consolidated: tuple[str, Any, Path]) -> None:
    dsn = consolidated[0]
    with connect(dsn, autocommit=True) as conn:
        conn.execute("alter table public.chat_messages add column junk text")
    try:
        everything = api.diff(ws, dsn, all_objects=True, sql=True)
        owned = api.diff(ws, dsn, sql=True)
    finally:
        with connect(dsn, autocommit=True) as conn:
            conn.execute("alter table public.chat_messages drop column junk")
    assert {c.name for c in owned.changes} == {"public.chat_messages"}
    assert all(s.withheld for s in owned.statements if s.destructive)
    app = [c for c in everything.changes if c.name == "public.bookings"]
    assert app and not app[0].owned
    assert all(s.withheld for s in everything.statements if "bookings" in s.sql and s.destructive)


def test_cli_consolidate_and_restore(legacy_dsn: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from samia_schema.cli import app

    env = {"SAMIA_PROFILES": "existing", "SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations",
           "SAMIA_CONFIG": str(Path(__file__).parent / "fixtures" / "empty.toml")}
    runner = CliRunner()
    dry = runner.invoke(app, ["consolidate", "--db", legacy_dsn, "--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["dry_run"] is True
    no_storage = runner.invoke(app, ["consolidate", "--db", legacy_dsn, "--backup", str(tmp_path / "b")], env=env)
    assert no_storage.exit_code == 2 and "--skip-storage" in no_storage.output
    done = runner.invoke(app, ["consolidate", "--db", legacy_dsn, "--backup", str(tmp_path / "b"), "--skip-storage",
                               "--service-key", "sekrit-key"], env=env)
    assert done.exit_code == 0, done.output
    assert "sekrit-key" not in done.output and (tmp_path / "b" / "report.md").is_file()
    back = runner.invoke(app, ["restore", "--db", legacy_dsn, "--from", str(tmp_path / "b"), "--json"], env=env)
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["equal"] is True
    bad = runner.invoke(app, ["restore", "--db", legacy_dsn, "--from", str(tmp_path / "nothing")], env=env)
    assert bad.exit_code == 2 and "not a samia backup" in bad.output
