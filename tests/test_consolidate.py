"""`samia consolidate` and `samia restore` on the legacy fixture (tests/fixtures/legacy/), real Postgres.

The fixture is built once per module into a template database and cloned per test (~0.1 s).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema import api
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.consolidate.run import StorageOptions
from samia_schema.db import connect, execute_script
from samia_schema.ledger import bootstrap
from samia_schema.workspace import Workspace

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
SKIP = StorageOptions(skip=True)


def build_legacy(dsn: str) -> None:
    with connect(dsn, autocommit=True) as conn:
        bootstrap(conn)
        execute_script(conn, (LEGACY / "schema.sql").read_text(), label="legacy schema")
        execute_script(conn, (LEGACY / "seed.sql").read_text(), label="legacy seed")


@pytest.fixture(scope="module")
def legacy_template(samia_server: Server) -> Iterator[str]:
    name = f"samia_legacy_tpl_{uuid.uuid4().hex[:8]}"
    build_legacy(create_database(samia_server, name))
    yield name
    drop_database(samia_server, name)


@pytest.fixture()
def legacy_dsn(samia_server: Server, legacy_template: str) -> Iterator[str]:
    name = f"samia_legacy_{uuid.uuid4().hex[:8]}"
    yield create_database(samia_server, name, template=legacy_template)
    drop_database(samia_server, name)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return workspace(profiles="existing", **NO_MIGRATIONS)


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def test_consolidate_end_to_end(ws: Workspace, legacy_dsn: str, tmp_path: Path) -> None:
    report = api.consolidate(ws, legacy_dsn, backup_dir=tmp_path / "b", storage=SKIP)
    accounts = {a.table: a for a in report.accounts}
    assert set(accounts) == {"messages", "chat_messages", "voice_notes", "chat_sessions", "chat_notifications",
                             "voice_note_approvals", "chat_monitoring", "chat_audit_logs"}
    assert all(a.balanced for a in report.accounts), [a for a in report.accounts if not a.balanced]
    assert report.checksums_kept
    assert report.verify is not None and report.verify.passed, [
        (o.resource, o.operation, o.persona, o.detail) for o in report.verify.report.failures]
    assert report.diff is not None and report.diff.changes == (), report.diff.changes
    assert report.proven
