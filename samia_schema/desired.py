"""The desired state: the rendered templates applied to a shadow database, snapshotted.

The shadow is an embedded throwaway cluster by default, or a scratch database created on a
server the caller names (`--shadow URL`) and dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from samia_schema.catalog import Catalog, default_schemas, snapshot
from samia_schema.db import connect, redact_dsn
from samia_schema.diff import Change, Scope, diff
from samia_schema.errors import DatabaseError

if TYPE_CHECKING:
    from samia_schema.config import Settings


def _dsn_with_db(dsn: str, dbname: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in params.items() if v is not None})


@contextmanager
def scratch_database(server_dsn: str, prefix: str = "samia_shadow") -> Iterator[str]:
    """Create a uniquely named database on the server of `server_dsn`; drop it on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with connect(server_dsn, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0]
            where = redact_dsn(server_dsn)
            raise DatabaseError(f"cannot create a shadow database on {where}: {first}") from None
    try:
        yield _dsn_with_db(server_dsn, name)
    finally:
        with connect(server_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def _prepare(dsn: str, settings: Settings) -> None:
    from samia_schema.apply import apply, bootstrap
    from samia_schema.render import render

    with connect(dsn, autocommit=True) as conn:
        bootstrap(conn)
        apply(conn, render(settings), settings, migrations_dir=None)


@contextmanager
def shadow_database(settings: Settings, shadow: str | None = None) -> Iterator[str]:
    """A DSN of a database holding exactly the rendered templates (bootstrap + apply).

    Args:
        settings: what to render.
        shadow: a server URL to create a scratch database on; None boots an embedded cluster.
    """
    if shadow:
        with scratch_database(shadow) as dsn:
            _prepare(dsn, settings)
            yield dsn
        return
    from samia_schema.engines import embedded_postgres

    with embedded_postgres() as cluster:
        _prepare(cluster.dsn, settings)
        yield cluster.dsn


def desired_catalog(settings: Settings, shadow: str | None = None,
                    schemas: Sequence[str] | None = None) -> Catalog:
    """Snapshot of the rendered templates applied to a shadow database."""
    with shadow_database(settings, shadow) as dsn, connect(dsn) as conn:
        return snapshot(conn, schemas or default_schemas(settings))


def live_drift(conn: psycopg.Connection[Any], settings: Settings, shadow: str | None = None,
               desired: Catalog | None = None) -> tuple[Change, ...]:
    """How a live database drifted from the templates, limited to what the templates define.

    Reports objects the templates define that are changed or missing live, plus leftovers
    (extra policies, grants, triggers, indexes, publication rows) on tables the templates define,
    `storage.objects` included. Pass `desired` to reuse a catalog already built.

    Example:
        >>> with connect(dsn) as conn:
        ...     drift = live_drift(conn, settings)
        >>> [(c.kind, c.object_type, c.name) for c in drift]
        [('changed', 'policy', 'public.chat_messages.chat_messages_select')]
    """
    schemas = default_schemas(settings)
    if desired is None:
        desired = desired_catalog(settings, shadow, schemas)
    live = snapshot(conn, schemas)
    return diff(live, desired, Scope.templates(defined_only=True))


def _snapshot_dsn(dsn: str, schemas: Sequence[str]) -> Catalog:
    with connect(dsn) as conn:
        return snapshot(conn, schemas)


def diff_templates(live_dsn: str, settings: Settings, shadow: str | None = None,
                   schemas: Sequence[str] | None = None,
                   tables: Sequence[str] | None = None) -> tuple[Change, ...]:
    """`samia diff --db URL`: a live database against the rendered templates.

    The live snapshot runs while the shadow database is built. `storage` is compared the
    Supabase way (policies, RLS flags, template triggers and buckets only).
    """
    wanted = tuple(schemas or default_schemas(settings))
    with connect(live_dsn) as conn, ThreadPoolExecutor(max_workers=1) as pool:  # connect first: fail fast
        live_future = pool.submit(snapshot, conn, wanted)
        desired = desired_catalog(settings, shadow, wanted)
        live = live_future.result()
    return diff(live, desired, Scope.templates(tables=tables))


def diff_databases(live_dsn: str, desired_dsn: str, schemas: Sequence[str] | None = None,
                   tables: Sequence[str] | None = None,
                   settings: Settings | None = None) -> tuple[Change, ...]:
    """`samia diff --db A --against B`: database A relative to database B, both snapshotted at once."""
    wanted = tuple(schemas or default_schemas(settings))
    with ThreadPoolExecutor(max_workers=2) as pool:
        live_future = pool.submit(_snapshot_dsn, live_dsn, wanted)
        desired_future = pool.submit(_snapshot_dsn, desired_dsn, wanted)
        live, desired = live_future.result(), desired_future.result()
    return diff(live, desired, Scope(tables=frozenset(tables) if tables else None))
