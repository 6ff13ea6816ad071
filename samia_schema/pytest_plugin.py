"""pytest plugin (entry point `pytest11 = samia`): Supabase-compatible databases and personas.

Fixtures:
    samia_server      session: a Postgres server (SAMIA_TEST_DSN → testcontainers → embedded)
    samia_settings    session: the settings under test (samia.toml of the rootdir, or defaults)
    fresh_dsn         a new empty database with the Supabase bootstrap applied
    chat_dsn          a new database with the chat schema applied (cloned from a template)
    as_persona        context manager factory: impersonate like PostgREST, always rolled back
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .backends import Server, create_database, drop_database, prepare_chat_database, server_from_env
from .config import Settings, find_config, load_settings
from .db import connect, impersonate

_BACKENDS_USED: list[str] = []


@pytest.fixture(scope="session")
def samia_server() -> Iterator[Server]:
    with server_from_env() as server:
        _BACKENDS_USED.append(f"{server.kind} (PostgreSQL {server.version})")
        yield server


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which Postgres backend the suite ran on."""
    if _BACKENDS_USED:
        terminalreporter.write_line(f"samia: database backend: {', '.join(_BACKENDS_USED)}")


@pytest.fixture(scope="session")
def samia_settings(pytestconfig: pytest.Config) -> Settings:
    path = find_config(Path(str(pytestconfig.rootpath)))
    return load_settings(path, overrides={"migrations_dir": "/nonexistent-samia-migrations"})


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def _samia_chat_template(samia_server: Server, samia_settings: Settings) -> Iterator[str]:
    name = _unique("samia_tpl")
    dsn = create_database(samia_server, name)
    prepare_chat_database(dsn, samia_settings)
    yield name
    drop_database(samia_server, name)


@pytest.fixture()
def fresh_dsn(samia_server: Server) -> Iterator[str]:
    """A new database with only the Supabase compatibility bootstrap."""
    from .apply import bootstrap

    name = _unique("samia_fresh")
    dsn = create_database(samia_server, name)
    with connect(dsn, autocommit=True) as conn:
        bootstrap(conn)
    yield dsn
    drop_database(samia_server, name)


@pytest.fixture()
def empty_dsn(samia_server: Server) -> Iterator[str]:
    """A new database with nothing in it (not even the bootstrap)."""
    name = _unique("samia_empty")
    yield create_database(samia_server, name)
    drop_database(samia_server, name)


@pytest.fixture()
def chat_dsn(samia_server: Server, _samia_chat_template: str) -> Iterator[str]:
    """A new database with the chat schema applied."""
    name = _unique("samia_chat")
    yield create_database(samia_server, name, template=_samia_chat_template)
    drop_database(samia_server, name)


PersonaFactory = Callable[..., AbstractContextManager[psycopg.Connection[Any]]]


@pytest.fixture()
def as_persona() -> PersonaFactory:
    """`with as_persona(conn, "authenticated", sub=uid, app_metadata={...}) as c: ...` (rolled back)."""

    def factory(
        conn: psycopg.Connection[Any],
        role: str = "authenticated",
        *,
        headers: dict[str, str] | None = None,
        **claims: Any,
    ) -> AbstractContextManager[psycopg.Connection[Any]]:
        claims.setdefault("role", role)
        if "sub" in claims:
            claims["sub"] = str(claims["sub"])
        return impersonate(conn, role, claims, headers)

    return factory
