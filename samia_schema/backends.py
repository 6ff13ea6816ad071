"""Where tests and `samia verify` get a Postgres: a DSN, testcontainers, or an embedded cluster."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from .apply import apply, bootstrap
from .config import Settings
from .db import connect
from .engines import embedded_postgres
from .render import render


@dataclass(frozen=True)
class Server:
    """A Postgres server we may create databases on; `dsn_for(db)` connects as a superuser."""

    kind: str
    base_dsn: str
    version: str

    def dsn_for(self, dbname: str) -> str:
        params = psycopg.conninfo.conninfo_to_dict(self.base_dsn)
        params["dbname"] = dbname
        return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


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
    """Create database `name` (optionally from a template database); returns its DSN."""
    with connect(server.base_dsn, autocommit=True) as conn:
        statement = sql.SQL("create database {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" template {}").format(sql.Identifier(template))
        conn.execute(statement)
    return server.dsn_for(name)


def drop_database(server: Server, name: str) -> None:
    with connect(server.base_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def prepare_chat_database(dsn: str, settings: Settings, **apply_args: Any) -> None:
    """Bootstrap the Supabase parts and apply the rendered chat schema."""
    with connect(dsn, autocommit=True) as conn:
        bootstrap(conn)
        apply(conn, render(settings), settings, **apply_args)
