"""Realtime Authorization, reproduced on the database: may a client receive or send on a private topic?

Supabase's Realtime server decides a private channel's rights with RLS on `realtime.messages`:

* join / receive: in a transaction it inserts one row per extension (`broadcast`, `presence`) with
  the topic, sets `role`, `realtime.topic`, `request.jwt.claims`, `request.jwt.claim.sub`,
  `request.jwt.claim.role` and `request.headers` (`set_config(…, true)`), then selects those rows'
  ids as that role: a visible row means the client may receive that extension;
* send: with the same settings it inserts one row per extension as the role, each in a savepoint:
  success means it may send (an insufficient-privilege error means it may not).

Everything is rolled back. These functions run the same statements inside the caller's transaction
(savepoints), so the verifier's fixture world is visible and nothing is left behind.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ..errors import DatabaseError, first_line
from ..resources import static_sql

EXTENSIONS = ("broadcast", "presence")


@dataclass(frozen=True)
class RealtimeClient:
    """Who asks: the JWT's role claim (`anon`, `authenticated`, `service_role`), its claims, the headers."""

    role: str
    claims: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """Realtime's answer for one extension on one topic: may the client do it, and why not."""

    topic: str
    extension: str
    allowed: bool
    detail: str


def _set_request(conn: psycopg.Connection[Any], client: RealtimeClient, topic: str) -> None:
    conn.execute(static_sql("access/realtime_request.sql").encode(), {
        "role": client.role, "topic": topic, "claims": json.dumps(dict(client.claims), default=str),
        "sub": str(client.claims.get("sub") or ""), "headers": json.dumps(dict(client.headers)),
    })


def _insert(conn: psycopg.Connection[Any], topic: str, extension: str) -> None:
    conn.execute(static_sql("access/realtime_send.sql").encode(),
                 {"topic": topic, "id": uuid.uuid4(), "extension": extension})


def _probe_rows(conn: psycopg.Connection[Any], topic: str, extensions: tuple[str, ...]) -> dict[str, uuid.UUID]:
    """One row per extension inserted as the connection's own role (it must bypass RLS): the rows a
    join check selects, and the proof that a send can be stored at all. Failing is a DatabaseError."""
    rows = {ext: uuid.uuid4() for ext in extensions}
    try:
        inserted = conn.execute(static_sql("access/realtime_insert.sql").encode(),
                                {"topic": topic, "ids": list(rows.values()), "extensions": list(rows)}).fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(f"realtime: cannot insert the authorization rows into realtime.messages "
                            f"(a partition for now()?): {first_line(exc)}") from exc
    if len(inserted) != len(rows):
        raise DatabaseError("realtime: the authorization rows are not visible to the checking role")
    return rows


@contextmanager
def join_request(conn: psycopg.Connection[Any], client: RealtimeClient, topic: str,
                 extensions: tuple[str, ...] = EXTENSIONS) -> Iterator[dict[str, uuid.UUID]]:
    """Realtime's join check up to its SELECT: one row per extension inserted (as the connection's
    own role, which must bypass RLS), then the client's role, topic, claims and headers set. Yields
    extension -> row id; everything is rolled back. A failure to insert the rows is a DatabaseError.

    Example:
        >>> with join_request(conn, RealtimeClient("anon", {"role": "anon"}), "room:1") as rows:
        ...     conn.execute("select id from realtime.messages where id = any(%s)", (list(rows.values()),))
    """
    with conn.transaction(force_rollback=True):
        rows = _probe_rows(conn, topic, extensions)
        _set_request(conn, client, topic)
        yield rows


def may_receive(conn: psycopg.Connection[Any], client: RealtimeClient, topic: str,
                extensions: tuple[str, ...] = EXTENSIONS) -> tuple[Decision, ...]:
    """The join check: which extensions `client` may receive on `topic` (a visible row: it may).

    Example:
        >>> [d.allowed for d in may_receive(conn, RealtimeClient("anon", {"role": "anon"}), "room:1")]
        [False, False]
    """
    try:
        with join_request(conn, client, topic, extensions) as rows:
            found = conn.execute(static_sql("access/realtime_visible.sql").encode(), {"ids": list(rows.values())})
            seen = {r[0] for r in found.fetchall()}
    except psycopg.Error as exc:  # Realtime answers a policy error with "unauthorized"
        return tuple(Decision(topic, ext, False, f"error: {first_line(exc)}") for ext in extensions)
    return tuple(Decision(topic, ext, rid in seen, "row visible" if rid in seen else "row not visible")
                 for ext, rid in rows.items())


def may_send(conn: psycopg.Connection[Any], client: RealtimeClient, topic: str,
             extensions: tuple[str, ...] = EXTENSIONS) -> tuple[Decision, ...]:
    """The send check: which extensions `client` may send on `topic` (each insert in a savepoint, rolled back).

    The same rows are first inserted as the connection's own role, so that a refusal is the
    policies' answer and never a table that cannot take the row.

    Example:
        >>> [d.allowed for d in may_send(conn, RealtimeClient("service_role"), "room:1")]
        [True, True]
    """
    decisions = []
    with conn.transaction(force_rollback=True):
        _probe_rows(conn, topic, extensions)
        _set_request(conn, client, topic)
        for ext in extensions:
            try:
                with conn.transaction():
                    _insert(conn, topic, ext)
                decisions.append(Decision(topic, ext, True, "insert allowed"))
            except psycopg.errors.InsufficientPrivilege as exc:
                decisions.append(Decision(topic, ext, False, first_line(exc)))
            except psycopg.Error as exc:  # Realtime stops with an error: not a permission either
                decisions.append(Decision(topic, ext, False, f"error: {first_line(exc)}"))
    return tuple(decisions)
