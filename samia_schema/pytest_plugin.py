"""pytest plugin (entry point `pytest11 = samia`): Supabase-compatible databases and personas.

Fixtures:
    samia_server      session: a Postgres server (SAMIA_TEST_DSN → testcontainers → embedded)
    samia_workspace   session: the workspace of the rootdir's samia.toml (or the defaults)
    samia_settings    session: its settings
    empty_dsn         a new empty database
    fresh_dsn         a new database with the Supabase bootstrap applied
    chat_dsn          a new database with the workspace's schema applied (cloned from a template)
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

from .backends import Server, create_database, drop_database, server_from_env
from .config import Settings, find_config
from .database import prepare
from .db import connect, impersonate
from .workspace import Workspace, load_workspace

_BACKENDS_USED: list[str] = []


@pytest.fixture(scope="session")
def samia_server() -> Iterator[Server]:
    with server_from_env() as server:
        _BACKENDS_USED.append(f"{server.kind} (PostgreSQL {server.version})")
        yield server


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker tells the controller which backend it ran on."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["samia_backends"] = list(_BACKENDS_USED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """(xdist controller) collect the workers' backends for the summary line."""
    for backend in getattr(node, "workeroutput", {}).get("samia_backends", []):
        if backend not in _BACKENDS_USED:
            _BACKENDS_USED.append(backend)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which Postgres backend the suite ran on."""
    if _BACKENDS_USED:
        terminalreporter.write_line(f"samia: database backend: {', '.join(_BACKENDS_USED)}")


@pytest.fixture(scope="session")
def samia_workspace(pytestconfig: pytest.Config) -> Workspace:
    """The project's workspace; migration files are ignored (every fixture database is throwaway)."""
    path = find_config(Path(str(pytestconfig.rootpath)))
    return load_workspace(path, overrides={"migrations_dir": "/nonexistent-samia-migrations"})


@pytest.fixture(scope="session")
def samia_settings(samia_workspace: Workspace) -> Settings:
    return samia_workspace.settings


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def _samia_chat_template(samia_server: Server, samia_workspace: Workspace) -> Iterator[str]:
    name = _unique("samia_tpl")
    prepare(samia_workspace, create_database(samia_server, name))
    yield name
    drop_database(samia_server, name)


@pytest.fixture()
def fresh_dsn(samia_server: Server) -> Iterator[str]:
    """A new database with only the Supabase compatibility bootstrap."""
    from .ledger import bootstrap

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
    """A new database with the workspace's schema applied."""
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
