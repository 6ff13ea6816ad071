"""Shared helpers for the suite; database fixtures come from the samia pytest plugin."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema.backends import Server, create_database, drop_database
from samia_schema.db import execute_script
from samia_schema.ledger import bootstrap
from samia_schema.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
LEGACY = REPO / "tests" / "fixtures" / "legacy"


@pytest.fixture()
def conn(chat_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit superuser connection to a database with the chat schema applied."""
    with psycopg.connect(chat_dsn, autocommit=True) as connection:
        yield connection


def make_user(conn: psycopg.Connection[Any], role: str | None, name: str | None = None) -> uuid.UUID:
    """A user in auth.users with a profile of `role` (no profile when role is None)."""
    uid = uuid.uuid4()
    conn.execute("insert into auth.users (id, email, raw_app_meta_data) values (%s, %s, %s)",
                 (uid, f"{name or uid.hex[:8]}@test.local", json.dumps({})))
    if role is not None:
        conn.execute("insert into public.profiles (id, role) values (%s, %s)", (uid, role))
    return uid


def make_session(conn: psycopg.Connection[Any], participants: list[uuid.UUID], status: str = "active") -> uuid.UUID:
    sid = uuid.uuid4()
    conn.execute("insert into public.chat_sessions (id, participants, created_by, status) values (%s, %s, %s, %s)",
                 (sid, participants, participants[0], status))
    return sid


def make_message(conn: psycopg.Connection[Any], session: uuid.UUID, sender: uuid.UUID,
                 content: str = "hi") -> uuid.UUID:
    """A message as an API client sends it (the id is the server's)."""
    row = conn.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, %s)"
                       " returning id", (session, sender, content)).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def claims(uid: uuid.UUID) -> dict[str, Any]:
    return {"sub": str(uid), "role": "authenticated", "aud": "authenticated"}


# --- the legacy SAMIA fixture (tests/fixtures/legacy/): built once, cloned per test ------------------
def build_legacy(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as connection:
        bootstrap(connection)
        execute_script(connection, (LEGACY / "schema.sql").read_text(), label="legacy schema")
        execute_script(connection, (LEGACY / "seed.sql").read_text(), label="legacy seed")


@pytest.fixture(scope="session")
def legacy_template(samia_server: Server) -> Iterator[str]:
    name = f"samia_legacy_tpl_{uuid.uuid4().hex[:8]}"
    build_legacy(create_database(samia_server, name))
    yield name
    drop_database(samia_server, name)


@pytest.fixture()
def legacy_dsn(samia_server: Server, legacy_template: str) -> Iterator[str]:
    """A new database holding the legacy fixture (a clone of the template)."""
    name = f"samia_legacy_{uuid.uuid4().hex[:8]}"
    yield create_database(samia_server, name, template=legacy_template)
    drop_database(samia_server, name)


@pytest.fixture(scope="session")
def ws() -> Workspace:
    """The workspace a consolidation of the legacy fixture uses (the app's own profiles)."""
    return workspace(profiles="existing", **NO_MIGRATIONS)
