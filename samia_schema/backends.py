"""Where tests and `samia verify` get a Postgres: a DSN, testcontainers, or an embedded cluster."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from .database import create_database as _create
from .database import drop_database as _drop
from .database import dsn_for
from .db import connect
from .engines import embedded_postgres


@dataclass(frozen=True)
class Server:
    """A Postgres server we may create databases on; `dsn_for(db)` connects as a superuser."""

    kind: str
    base_dsn: str
    version: str

    def dsn_for(self, dbname: str) -> str:
        return dsn_for(self.base_dsn, dbname)


def _server_version(dsn: str) -> str:
    with connect(dsn) as conn:
        row = conn.execute("show server_version").fetchone()
    return str(row[0]) if row else "?"


@contextmanager
def server_from_env(prefer: str | None = None) -> Iterator[Server]:
    """SAMIA_TEST_DSN if set, else testcontainers if Docker answers, else embedded.

    `prefer` ("dsn", "docker", "embedded") or $SAMIA_TEST_BACKEND forces one.
    """
    choice = prefer or os.environ.get("SAMIA_TEST_BACKEND", "")
    if choice in ("", "dsn") and os.environ.get("SAMIA_TEST_DSN"):
        dsn = os.environ["SAMIA_TEST_DSN"]
        yield Server("dsn", dsn, _server_version(dsn))
        return
    if choice in ("", "docker"):
        from .containers import docker_available, postgres_container
        from .errors import EngineError

        if docker_available():
            with ExitStack() as stack:
                try:
                    dsn = stack.enter_context(postgres_container())
                except EngineError as exc:
                    if choice == "docker":
                        raise
                    warnings.warn(f"samia: Docker answers but {exc}; using the embedded backend "
                                  "(set SAMIA_TEST_IMAGE to an image that exists locally)", stacklevel=2)
                else:
                    yield Server("docker", dsn, _server_version(dsn))
                    return
        elif choice == "docker":
            raise EngineError("SAMIA_TEST_BACKEND=docker but no Docker daemon answers")
    with embedded_postgres() as pg:
        yield Server("embedded", pg.dsn, pg.version)


def create_database(server: Server, name: str, template: str | None = None) -> str:
    """Create database `name` on the server (optionally from a template database); returns its DSN."""
    return _create(server.base_dsn, name, template)


def drop_database(server: Server, name: str) -> None:
    _drop(server.base_dsn, name)
