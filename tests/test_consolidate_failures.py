"""A consolidation that fails midway leaves the database as it was, and a re-run finishes it.

- a killed process: `samia consolidate` runs in a subprocess and is SIGKILLed while the migration
  transaction is open (at a chosen step); the server rolls the transaction back;
- a failing statement in the fill (a row the unified schema refuses) rolls back everything.

Each test clones the legacy template (conftest.py); about 10 s each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from samia_schema import api
from samia_schema.consolidate.manifest import BackupItem, checksum, read_manifest
from samia_schema.consolidate.run import StorageOptions
from samia_schema.db import connect
from samia_schema.errors import DatabaseError
from samia_schema.workspace import Workspace

SKIP = StorageOptions(skip=True)
TESTS = Path(__file__).resolve().parent
LEGACY_TABLES = ("messages", "chat_sessions", "chat_messages", "voice_notes", "chat_notifications",
                 "chat_monitoring", "chat_audit_logs")

# runs one consolidation and prints each step as it starts (the parent kills it at one of them)
CHILD = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from support import NO_MIGRATIONS, workspace
from samia_schema import api
from samia_schema.consolidate.run import StorageOptions

def progress(step, done, total):
    print(step, flush=True)

api.consolidate(workspace(profiles="existing", **NO_MIGRATIONS), {dsn!r}, backup_dir=Path({backup!r}),
                storage=StorageOptions(skip=True), prove=False, progress=progress)
print("finished", flush=True)
"""


def _state(dsn: str) -> dict[str, Any]:
    """What a rolled-back consolidation must leave as it was: legacy rows, archive, ledger, objects."""
    with connect(dsn) as conn:
        state: dict[str, Any] = {t: checksum(conn, BackupItem("public", t)).digest for t in LEGACY_TABLES}
        state["objects"] = checksum(conn, BackupItem("storage", "objects")).digest
        state["archive"] = conn.execute("select to_regnamespace('chat_legacy') is not null").fetchone()
        ledger = conn.execute("select to_regclass('samia.ledger') is not null").fetchone()
        state["ledger"] = ledger and ledger[0] and conn.execute("select count(*) from samia.ledger").fetchone()
        state["policies"] = conn.execute("select count(*) from pg_policies").fetchone()
    return state


def _wait_for_rollback(dsn: str, timeout: float = 60.0) -> None:
    """Until no backend of the killed run is left (the server notices the closed socket and rolls back)."""
    deadline = time.monotonic() + timeout
    with connect(dsn, autocommit=True) as conn:
        while conn.execute("select count(*) from pg_stat_activity where datname = current_database()"
                           " and application_name = 'samia' and pid <> pg_backend_pid()").fetchone() != (0,):
            if time.monotonic() > deadline:
                raise AssertionError("the killed run's backend is still there")
            time.sleep(0.1)


@pytest.mark.parametrize("kill_at", ["migrate: messages_insert", "backup public.messages"])
def test_killed_process_leaves_the_database_as_it_was(ws: Workspace, legacy_dsn: str, tmp_path: Path,
                                                       kill_at: str) -> None:
    before = _state(legacy_dsn)
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(TESTS), dsn=legacy_dsn,
                                                                 backup=str(tmp_path / "first"))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line.strip())
        if line.strip() == kill_at:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, (seen, child.stderr.read() if child.stderr else "")
    _wait_for_rollback(legacy_dsn)
    assert _state(legacy_dsn) == before
    # re-run (a new backup directory: the first one is incomplete or belongs to the interrupted run)
    report = api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "second", storage=SKIP)
    assert report.migrated and report.proven
    assert read_manifest(tmp_path / "second").table("public.messages") is not None


def test_failing_statement_in_the_fill_rolls_everything_back(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    with connect(legacy_dsn, autocommit=True) as conn:  # a reply link the unified schema cannot hold is fine;
        # a profile without a user makes the sessions' created_by foreign key fail when it is rebuilt
        conn.execute("alter table public.chat_sessions drop constraint chat_sessions_client_id_fkey")
        conn.execute("update public.chat_sessions set client_id = '00000000-0000-4000-8000-00000000dead'"
                     " where id = (select id from public.chat_sessions order by id limit 1)")
    before = _state(legacy_dsn)
    with pytest.raises(DatabaseError, match="rolled back"):
        api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    assert _state(legacy_dsn) == before
    with connect(legacy_dsn, autocommit=True) as conn:  # the DBA fixes the row, runs again
        conn.execute("update public.chat_sessions s set client_id = b.user_id from public.bookings b"
                     " where b.id = s.booking_id and s.client_id = '00000000-0000-4000-8000-00000000dead'")
    assert api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "c", storage=SKIP).proven


def test_a_table_in_use_times_out_and_changes_nothing(legacy_dsn: str, tmp_path: Path) -> None:
    from support import NO_MIGRATIONS, workspace

    quick = workspace(profiles="existing", lock_timeout="200ms", **NO_MIGRATIONS)
    before = _state(legacy_dsn)
    with connect(legacy_dsn) as app:  # the application reads messages in an open transaction
        app.execute("select count(*) from public.messages").fetchone()
        with pytest.raises(DatabaseError, match="lock_timeout .200ms.*rolled back"):
            api.consolidate(quick, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    assert _state(legacy_dsn) == before


def _destructive_lines(text: str) -> list[str]:
    """Statements of reconcile SQL that would drop or truncate something, not commented out."""
    return [line for line in text.splitlines()
            if line.lstrip().lower().startswith(("drop ", "truncate ", "delete ")) or " drop column " in line.lower()
            and not line.lstrip().startswith("--")]


def test_diff_sql_on_a_legacy_database_never_drops_what_it_does_not_own(legacy_dsn: str,
                                                                         samia_server: Any) -> None:
    """Before any consolidation: the app's 24 tables, their policies and columns are never dropped."""
    from typer.testing import CliRunner

    from samia_schema.cli import app

    env = {"SAMIA_PROFILES": "existing", "SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations",
           "SAMIA_CONFIG": str(TESTS / "fixtures" / "empty.toml")}
    runner = CliRunner()
    shadow = ["--shadow", samia_server.base_dsn]
    owned = runner.invoke(app, ["diff", "--db", legacy_dsn, "--sql", *shadow], env=env)
    everything = runner.invoke(app, ["diff", "--db", legacy_dsn, "--sql", "--all", *shadow], env=env)
    allowed = runner.invoke(app, ["diff", "--db", legacy_dsn, "--sql", "--all", "--allow-destructive", *shadow],
                            env=env)
    for result in (owned, everything, allowed):
        assert result.exit_code == 1, result.output
    app_tables = ("bookings", "wallets", "payments", "services", "reviews", "notifications", "transactions",
                  "payment_settings", "system_settings", "profiles", "messages", "voice_notes")
    for text in (owned.stdout, everything.stdout):
        bad = [line for line in _destructive_lines(text)
               if any(f'"public"."{t}"' in line or f'on "public"."{t}"' in line for t in app_tables)]
        assert bad == [], bad
        assert not [line for line in _destructive_lines(text) if line.lower().startswith("drop table")]
    assert "-- withheld" in everything.stdout
    assert any(line.lower().startswith("drop table") for line in _destructive_lines(allowed.stdout))


# rare legacy quirks the reference seeds 0 of (reply links, unapproved/flagged voice, oversized files,
# non-object metadata, typing notifications, unknown audit actions), added to one clone and mapped
QUIRKS = """
set session_replication_role = replica;
insert into public.messages (id, booking_id, sender_id, type, content, file_url, metadata, is_read, created_at,
                             file_name, file_size, duration_seconds, is_approved, flagged, flagged_reason, reply_to)
select md5('quirk:' || n)::uuid, m.booking_id, m.sender_id, q.type, q.content, q.url, q.metadata, false,
       m.created_at + n * interval '1 second', q.name, q.size, q.duration, q.approved, q.flagged, q.reason,
       case when n = 1 then m.id end
  from (select * from public.messages where type = 'text' order by id limit 1) m,
       (values (1, 'text', 'a reply', null, '"a string"'::jsonb, null, null, null, true, false, null),
               (2, 'voice', null, 'https://x.supabase.co/storage/v1/object/public/chat-attachments/q/voice/2.webm',
                null, 'long.webm', 99999999, 400, false, true, 'rude')) q(n, type, content, url, metadata, name,
                                                                        size, duration, approved, flagged, reason);
insert into storage.objects (bucket_id, name, metadata)
values ('chat-attachments', 'q/voice/2.webm', '{"size": 1, "mimetype": "audio/webm"}');
insert into public.chat_notifications (id, booking_id, user_id, type, created_at)
select md5('quirk:typing')::uuid, s.booking_id, s.client_id, 'typing', now()
  from public.chat_sessions s order by s.id limit 1;
insert into public.chat_audit_logs (id, action, table_name, record_id, "timestamp")
values (md5('quirk:audit')::uuid, 'TRUNCATE', 'chat_messages', null, now());
reset session_replication_role;
"""


def test_rare_quirks_are_mapped_or_listed(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    from samia_schema.db import execute_script

    with connect(legacy_dsn, autocommit=True) as conn:
        execute_script(conn, QUIRKS)
    report = api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP, prove=False)
    assert report.balanced
    accounts = {a.table: a for a in report.accounts}
    assert dict(accounts["chat_audit_logs"].reasons) == {"unknown audit action TRUNCATE": 1}
    with connect(legacy_dsn) as conn:
        reply, voice = conn.execute(
            "select reply_to_message_id, metadata from public.chat_messages where id = md5('quirk:1')::uuid"
            " union all select null, metadata from public.chat_messages where id = md5('quirk:2')::uuid").fetchall()
        original = conn.execute("select reply_to from chat_legacy.messages where id = md5('quirk:1')::uuid").fetchone()
        assert reply[0] == original[0] and reply[1]["legacy"]["metadata"] == "a string"  # non-object JSON kept
        legacy = voice[1]["legacy"]
        assert legacy["is_approved"] is False and legacy["flagged"] is True and legacy["flagged_reason"] == "rude"
        assert legacy["file_size"] == 99999999 and legacy["duration_seconds"] == 400  # out of range: kept aside
        row = conn.execute("select type, file_size, duration_seconds, file_type from public.chat_messages"
                           " where id = md5('quirk:2')::uuid").fetchone()
        assert row == ("file", None, None, "audio/webm")  # a voice note over voice_max_seconds is a file
        typing = conn.execute("select event_type, metadata->'legacy'->>'source' from public.chat_monitoring"
                              " where id = md5('quirk:typing')::uuid").fetchone()
        assert typing == ("typing_started", "chat_notifications")


def test_a_bad_backup_directory_is_a_one_line_error(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    from samia_schema.errors import ConfigError

    before = _state(legacy_dsn)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    with pytest.raises(ConfigError, match="not an empty directory"):
        api.consolidate(ws, legacy_dsn, backup_dir=a_file, storage=SKIP)
    with pytest.raises(ConfigError, match="cannot write a backup there"):
        api.consolidate(ws, legacy_dsn, backup_dir=a_file / "below", storage=SKIP)
    with pytest.raises(ConfigError, match="not a samia backup"):
        api.restore(ws, legacy_dsn, backup_dir=a_file, storage=SKIP)
    assert _state(legacy_dsn) == before
