"""Storage moves through a real Storage API (storage3 with the service key): bytes move with their rows,
a re-run moves nothing, a restore moves them back.

Needs a Supabase project (or a local `supabase start`) that may be filled with the legacy fixture:
SAMIA_TEST_STORAGE_URL (the API), SAMIA_TEST_STORAGE_SERVICE_KEY, SAMIA_TEST_STORAGE_DSN (its database, with
no chat tables yet). Skipped otherwise (no mock stands in for the API); the storage plan and the
database side are tested always (test_consolidate.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import LEGACY
from support import NO_MIGRATIONS, workspace

from samia_schema import api
from samia_schema.consolidate.run import StorageOptions
from samia_schema.consolidate.storage import storage_client
from samia_schema.db import connect, execute_script

NEEDED = ("SAMIA_TEST_STORAGE_URL", "SAMIA_TEST_STORAGE_SERVICE_KEY", "SAMIA_TEST_STORAGE_DSN")
pytestmark = pytest.mark.skipif(
    not all(os.environ.get(name) for name in NEEDED),
    reason="storage moves need a real Storage API (none runs here): set " + ", ".join(NEEDED))


def _payload(bucket: str, name: str) -> bytes:
    return f"samia test object {bucket}/{name}".encode()


def test_storage_moves_through_the_api(tmp_path: Path) -> None:  # pragma: no cover - needs the Storage API
    dsn = os.environ["SAMIA_TEST_STORAGE_DSN"]
    url, key = os.environ["SAMIA_TEST_STORAGE_URL"], os.environ["SAMIA_TEST_STORAGE_SERVICE_KEY"]
    client = storage_client(url, key)
    with connect(dsn, autocommit=True) as conn:
        assert conn.execute("select to_regclass('public.chat_sessions')").fetchone() == (None,), \
            "SAMIA_TEST_STORAGE_DSN must be a project without chat tables (the test fills it)"
        execute_script(conn, (LEGACY / "schema.sql").read_text(), label="legacy schema")
        execute_script(conn, (LEGACY / "seed.sql").read_text(), label="legacy seed")
        objects = conn.execute("select bucket_id, name, metadata->>'mimetype' from storage.objects"
                               " where bucket_id in ('chat-attachments', 'voice-notes', 'chat-files')").fetchall()
    for bucket, name, mimetype in objects:  # the seed wrote rows only: give every object its bytes
        client.from_(bucket).upload(name, _payload(bucket, name), {"content-type": mimetype, "upsert": "true"})
    ws = workspace(profiles="existing", **NO_MIGRATIONS)
    options = StorageOptions(url, key)
    report = api.consolidate(ws, dsn, backup_dir=tmp_path / "backup", storage=options)
    assert report.proven and report.storage_ran
    assert report.storage.pending == 0 and not report.storage.failed and report.storage.moved > 0
    with connect(dsn) as conn:
        moved = conn.execute("select source_bucket, source_name, target_name from chat_legacy.samia_storage_moves"
                             " where state = 'moved' and source_name <> target_name order by id limit 5").fetchall()
        assert conn.execute("select count(*) from public.chat_messages m where m.file_path is not null and not exists"
                            " (select 1 from storage.objects o where o.bucket_id = 'chat-files'"
                            " and o.name = m.file_path)").fetchone() == (0,)
    for bucket, name, target in moved:
        assert client.from_("chat-files").download(target) == _payload(bucket, name)
        assert not client.from_(bucket).exists(name)
    again = api.consolidate(ws, dsn, storage=options, prove=False)
    assert not again.migrated and not again.storage_ran and again.storage.pending == 0  # idempotent
    restored = api.restore(ws, dsn, backup_dir=tmp_path / "backup", storage=options)
    assert restored.mismatches == ()
    for bucket, name, _ in moved:
        assert client.from_(bucket).download(name) == _payload(bucket, name)
