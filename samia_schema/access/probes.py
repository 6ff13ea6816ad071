"""Probe primitives: run one statement as a persona and observe what happened, audit trail included."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..config import Settings
from ..db import impersonate
from .matrix import Persona
from .world import Session, World, world_id

PROBE_IP = "203.0.113.77"
PROBE_HEADERS = {"x-forwarded-for": f"{PROBE_IP}, 10.0.0.1", "user-agent": "samia-verify/1"}


@dataclass(frozen=True)
class AuditExpect:
    """The one audit row a successful write must leave (record_id None: any record)."""

    table: str
    action: str
    record_id: str | None


@dataclass(frozen=True)
class AttemptResult:
    name: str
    succeeded: bool
    detail: str
    audit_problem: str | None = None


@dataclass
class Probe:
    """Everything a probe needs: the connection (inside the world's transaction) and the persona."""

    conn: psycopg.Connection[Any]
    world: World
    persona: Persona
    uid: uuid.UUID | None
    claims: dict[str, Any]
    settings: Settings

    # --- targets, relative to the persona -------------------------------------------------------
    def own(self, status: str = "active") -> Session | None:
        for s in self.world.own_sessions(self.uid):
            if s.status == status:
                return s
        return None

    def foreign(self, status: str = "active") -> Session:
        """The world's session of other users only (active: other_a/b/c; closed: other_b/c)."""
        wanted = world_id("session", "foreign", "1" if status == "active" else "2")
        return next(s for s in self.world.sessions if s.id == wanted)

    def home(self) -> Session:
        """A session to aim at: the persona's own active session, else a foreign one."""
        return self.own() or self.foreign()

    def other(self, name: str) -> uuid.UUID:
        return self.world.user(name)

    def table(self, name: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.settings.schema), sql.Identifier(name))

    # --- running ----------------------------------------------------------------------------------
    def max_audit_id(self) -> int:
        row = self.conn.execute(sql.SQL("select coalesce(max(id), 0) from {}").format(
            self.table("chat_audit_logs"))).fetchone()
        return int(row[0]) if row else 0

    def attempt(
        self,
        name: str,
        statement: sql.Composed | sql.SQL,
        params: Mapping[str, Any] | None = None,
        *,
        audit: AuditExpect | None = None,
        verify: sql.Composed | sql.SQL | None = None,
    ) -> AttemptResult:
        """Run `statement` as the persona; success = no error and at least one row affected/returned.

        `verify` (run as the bypass role afterwards, same params) must return true for success.
        Audit: a success must leave exactly one matching audit row (all new rows by this actor);
        a failure must leave none. Everything is rolled back.
        """
        before = self.max_audit_id()
        conn = self.conn
        with impersonate(conn, self.persona.role, self.claims, PROBE_HEADERS):
            try:
                with conn.transaction():
                    cur = conn.execute(statement, params)
                    affected = cur.rowcount
                    if cur.description is not None:
                        rows = cur.fetchall()
                        affected = len([r for r in rows if r[0] is not None])
                succeeded = affected > 0
                detail = f"{affected} row(s)"
            except psycopg.Error as exc:
                succeeded = False
                state = exc.sqlstate or "error"
                detail = f"{state}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            conn.execute("reset role")
            if succeeded and verify is not None:
                row = conn.execute(verify, params).fetchone()
                if not (row and row[0]):
                    succeeded, detail = False, f"{detail}; effect not as intended"
            problem = self._audit_problem(before, succeeded, audit)
        return AttemptResult(name, succeeded, detail, problem)

    def _audit_problem(self, before: int, succeeded: bool, audit: AuditExpect | None) -> str | None:
        with self.conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(sql.SQL(
                "select user_id, action, table_name, record_id, host(ip_address) as ip from {} where id > %s"
            ).format(self.table("chat_audit_logs")), (before,)).fetchall()
        if audit is None or not succeeded:
            return f"{len(rows)} audit row(s) written by a write that did not happen" if rows else None
        matching = [r for r in rows if r["table_name"] == audit.table and r["action"] == audit.action
                    and (audit.record_id is None or r["record_id"] == audit.record_id)]
        if len(matching) != 1:
            return f"expected 1 audit row {audit.action} on {audit.table}, found {len(matching)}"
        row = matching[0]
        if row["user_id"] != self.uid:
            return f"audit actor is {row['user_id']}, expected {self.uid}"
        if row["ip"] != PROBE_IP:
            return f"audit ip is {row['ip']}, expected {PROBE_IP} from x-forwarded-for"
        strangers = [r for r in rows if r["user_id"] != self.uid]
        if strangers:
            return f"{len(strangers)} audit row(s) attributed to another actor"
        return None

    def visible(self, statement: sql.Composed | sql.SQL, params: Mapping[str, Any] | None = None) -> set[Any] | None:
        """Ids the persona can read with `statement`; None when the read is refused outright."""
        with impersonate(self.conn, self.persona.role, self.claims, PROBE_HEADERS):
            try:
                with self.conn.transaction():
                    return {r[0] for r in self.conn.execute(statement, params).fetchall()}
            except psycopg.errors.InsufficientPrivilege:
                return None
