"""Prepared databases: a DSN as it is, an embedded server, or a scratch/shadow database.

Preparing means bootstrap + apply of the workspace's plan, done here by `prepare()` and nowhere
else (`ledger.apply_plan` runs both in one transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from .db import connect, execute_script, redact_dsn
from .errors import DatabaseError, first_line

if TYPE_CHECKING:
    from .ledger import ApplyResult
    from .workspace import Workspace


@dataclass(frozen=True)
class Database:
    """A database a command works on; `label` is safe to print (no password)."""

    dsn: str
    label: str
    kind: str  # "dsn" | "embedded" | "shadow"

    @property
    def key(self) -> str:
        return self.label

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        return connect(self.dsn, autocommit=autocommit)


def prepare(ws: Workspace, dsn: str) -> ApplyResult:
    """Bootstrap the Supabase parts and apply the workspace's plan (the one place this happens)."""
    from .ledger import apply_plan, bootstrap

    with connect(dsn, autocommit=True) as conn:
        prelude = ws.pack.scratch_prelude(ws.settings)
        if prelude:  # stand-ins for what the templates expect of the user's database
            bootstrap(conn)
            execute_script(conn, prelude, label="pack prelude")
        return apply_plan(conn, ws.plan, ws.settings, migrations_dir=None)


def dsn_for(server_dsn: str, dbname: str) -> str:
    """The same server, another database.

    Example:
        >>> dsn_for("host=/tmp/s port=5432 user=postgres dbname=postgres", "x")
        'host=/tmp/s port=5432 user=postgres dbname=x'
    """
    params = psycopg.conninfo.conninfo_to_dict(server_dsn)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


def create_database(server_dsn: str, name: str, template: str | None = None) -> str:
    """Create database `name` on the server of `server_dsn` (optionally from a template); its DSN."""
    statement = sql.SQL("create database {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" template {}").format(sql.Identifier(template))
    with connect(server_dsn, autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot create database {name} on {redact_dsn(server_dsn)}: "
                                f"{first_line(exc)}") from None
    return dsn_for(server_dsn, name)


def drop_database(server_dsn: str, name: str) -> None:
    with connect(server_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(server_dsn: str, prefix: str = "samia_scratch") -> Iterator[str]:
    """A uniquely named empty database on the server of `server_dsn`, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = create_database(server_dsn, name)
    try:
        yield dsn
    finally:
        drop_database(server_dsn, name)


@contextmanager
def open_database(ws: Workspace, dsn: str | None, *, schema: bool = True) -> Iterator[Database]:
    """`dsn` as it is; without one, an embedded Postgres (prepared unless `schema=False`), stopped on exit.

    Example:
        >>> with open_database(ws, None) as db:      # embedded, bootstrapped, plan applied
        ...     db.label
        'embedded PostgreSQL 16'
    """
    if dsn:
        yield Database(dsn, redact_dsn(dsn), "dsn")
        return
    from .engines import embedded_postgres

    with embedded_postgres() as pg:
        if schema:
            prepare(ws, pg.dsn)
        yield Database(pg.dsn, f"embedded PostgreSQL {pg.version}", "embedded")


@contextmanager
def shadow_database(ws: Workspace, server: str | None = None) -> Iterator[Database]:
    """A database holding exactly the plan: a scratch database on `server`, else an embedded one."""
    if server:
        with scratch_database(server, "samia_shadow") as dsn:
            prepare(ws, dsn)
            yield Database(dsn, f"shadow database on {redact_dsn(server)}", "shadow")
        return
    with open_database(ws, None) as db:
        yield Database(db.dsn, f"shadow ({db.label})", "shadow")
