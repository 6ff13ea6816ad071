"""Connections, the one place rendered SQL is executed, and PostgREST-style impersonation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from .errors import DatabaseError, first_line

API_ROLES = ("anon", "authenticated", "service_role")
# `role` first: set_config('role', …, true) is SET LOCAL ROLE (checked against membership as SET ROLE is)
_REQUEST_GUCS = ("role", "request.jwt.claims", "request.jwt.claim.sub", "request.jwt.claim.role",
                 "request.jwt.claim.email", "request.headers", "request.method", "request.path")
# one round trip for the role and every request GUC; names are constants, values are parameters
_SET_REQUEST = sql.SQL("select {}").format(sql.SQL(", ").join(
    sql.SQL("set_config({}, {}, true)").format(sql.Literal(name), sql.Placeholder(name)) for name in _REQUEST_GUCS
))


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages.

    Example:
        >>> redact_dsn("postgresql://app:s3cret@db:5432/x")
        'postgresql://app:***@db:5432/x'
    """
    if "://" in dsn:
        parts = urlsplit(dsn)
        userinfo, at, hostport = parts.netloc.rpartition("@")
        if at and ":" in userinfo:  # never parse the port here: a malformed one must not crash a message
            parts = parts._replace(netloc=f"{userinfo.split(':', 1)[0]}:***@{hostport}")
        query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
        return urlunsplit(parts._replace(query=query))
    return re.sub(r"(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn)


def _scrub(message: str, dsn: str) -> str:
    """Remove a DSN's password from an error message, should a driver echo it."""
    try:
        password = psycopg.conninfo.conninfo_to_dict(dsn).get("password")
    except (psycopg.ProgrammingError, ValueError):
        password = None
    text = message.strip().splitlines()[0] if message.strip() else message
    return text.replace(str(password), "***") if password else text


def connect(dsn: str, *, autocommit: bool = False, application_name: str = "samia") -> psycopg.Connection[Any]:
    """Open a connection; failures become a one-line DatabaseError without the password."""
    try:
        return psycopg.connect(
            dsn, autocommit=autocommit, connect_timeout=10, application_name=application_name
        )
    except (psycopg.OperationalError, psycopg.ProgrammingError, ValueError) as exc:
        raise DatabaseError(f"cannot connect to {redact_dsn(dsn)}: {_scrub(str(exc), dsn)}") from None


def execute_script(conn: psycopg.Connection[Any], script: str, *, label: str = "script") -> None:
    """Run a multi-statement SQL script (simple query protocol: no parameters).

    This is the only function that executes rendered template SQL.
    """
    try:
        conn.execute(script.encode("utf-8"))
    except psycopg.Error as exc:
        raise DatabaseError(f"{label}: {first_line(exc)}") from exc


@contextmanager
def impersonate(conn: psycopg.Connection[Any], role: str, claims: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, **request: str) -> Iterator[psycopg.Connection[Any]]:
    """Act as PostgREST does for one request, inside a transaction that is always rolled back.

    `SET LOCAL ROLE role`, `request.jwt.claims` (and the legacy `request.jwt.claim.*` GUCs the
    Storage API and older auth helpers read), `request.headers`, `request.method`, `request.path`
    (`method=`, `path=`: see `set_request`).

    Example:
        >>> with impersonate(conn, "authenticated", {"sub": uid, "role": "authenticated"}) as c:
        ...     c.execute("select auth.uid()").fetchone()
    """
    with conn.transaction(force_rollback=True):
        set_request(conn, role, claims, headers, **request)
        yield conn


def set_request(
    conn: psycopg.Connection[Any],
    role: str,
    claims: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "POST",
    path: str = "/rest/v1/rpc",
) -> None:
    """In the caller's (sub)transaction, and in one round trip: the role, the JWT claims (both GUC
    styles), the request headers, method and path — all transaction-local, as PostgREST sets them."""
    claims = dict(claims or {})
    conn.execute(_SET_REQUEST, {
        "role": role,
        "request.jwt.claims": json.dumps(claims),
        "request.jwt.claim.sub": str(claims.get("sub") or ""),
        "request.jwt.claim.role": str(claims.get("role") or role),
        "request.jwt.claim.email": str(claims.get("email") or ""),
        "request.headers": json.dumps(dict(headers or {})),
        "request.method": method,
        "request.path": path,
    })
