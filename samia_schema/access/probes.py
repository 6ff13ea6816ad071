"""Probe primitives: run one statement as a persona, as PostgREST would, and observe what happened.

The audit trail a write must leave is the pack's (`Pack.audit_trail`); the engine only asks it
for a mark before the attempt and for a verdict after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..config import Settings
from ..db import set_request
from ..errors import first_line
from ..packs.base import AuditTrail, World
from .matrix import Persona

PROBE_IP = "203.0.113.77"
FOREIGN = "<a row outside the world>"  # stands for every visible row outside a probe's world
# as Supabase's edge forwards a request: the client's own (forged) x-forwarded-for entry first, the
# real address appended by the edge and repeated in cf-connecting-ip
PROBE_HEADERS = {"x-forwarded-for": f"198.51.100.66, {PROBE_IP}", "cf-connecting-ip": PROBE_IP,
                 "user-agent": "samia-verify/1"}


@dataclass(frozen=True)
class AttemptResult:
    name: str
    succeeded: bool
    detail: str
    audit_problem: str | None = None


# one attempt's statements: run inside its savepoint, returns (succeeded, detail)
Action = Callable[[psycopg.Connection[Any]], tuple[bool, str]]


@dataclass
class Probe:
    """Everything a probe needs: the connection (inside the world's transaction) and the persona."""

    conn: psycopg.Connection[Any]
    world: Any  # the pack's World: `users` plus whatever its probes need
    persona: Persona
    uid: uuid.UUID | None
    claims: dict[str, Any]
    settings: Any  # the pack's Settings subclass
    trail: AuditTrail | None = None
    mark: int = 0  # the trail's position after seeding: every attempt is rolled back, so it holds

    def attempt(
        self,
        name: str,
        statement: sql.SQL | sql.Composed,
        params: Mapping[str, Any] | None = None,
        *,
        audit: Any = None,
        verify: sql.SQL | sql.Composed | None = None,
    ) -> AttemptResult:
        """Run `statement` as the persona; success = no error and at least one row affected/returned.

        `verify` (run as the bypass role afterwards, same params) must return true for success.
        `audit` is what the pack's trail expects of a success; a write that did not happen must leave
        no audit row. Everything is rolled back (one savepoint per attempt).
        """
        def action(conn: psycopg.Connection[Any]) -> tuple[bool, str]:
            set_request(conn, self.persona.role, self.claims, PROBE_HEADERS)
            cur = conn.execute(statement, params)
            affected = cur.rowcount
            if cur.description is not None:
                affected = len([r for r in cur.fetchall() if r[0] is not None])
            succeeded, detail = affected > 0, f"{affected} row(s)"
            conn.execute("reset role")
            if succeeded and verify is not None:
                row = conn.execute(verify, params).fetchone()
                if not (row and row[0]):
                    succeeded, detail = False, f"{detail}; effect not as intended"
            return succeeded, detail

        return self.run(name, action, audit=audit)

    def run(self, name: str, action: Action, *, audit: Any = None) -> AttemptResult:
        """One attempt made of several statements (e.g. a Storage API request and its completion).

        `action(conn)` runs inside a savepoint that is always rolled back; it sets the role and the
        request settings itself and returns `(succeeded, detail)`; a database error is a refusal.
        The trail's verdict is then taken as the verifier's own role.

        Example:
            >>> p.run("upload", lambda conn: (upload(conn, caller, path) is not None, "uploaded"),
            ...       audit=AuditExpect("objects", "insert", None))
        """
        conn = self.conn
        problem: str | None = None
        try:
            with conn.transaction(force_rollback=True):
                succeeded, detail = action(conn)
                conn.execute("reset role")
                if self.trail is not None:
                    problem = self.trail.problem(conn, self.mark, succeeded, audit, self.uid)
        except psycopg.Error as exc:  # refused: the savepoint rolled back, and with it any audit row
            succeeded, detail = False, first_line(exc)
        return AttemptResult(name, succeeded, detail, problem)

    def visible(self, statement: sql.SQL | sql.Composed, params: Mapping[str, Any] | None = None, *,
                within: frozenset[Any] | None = None) -> set[Any] | None:
        """Ids the persona can read with `statement`; None when the read is refused outright.

        With `within` (the world's ids) only those ids come back, plus FOREIGN when the persona
        sees any other row: what `classify` needs, without reading a large table into Python.

        Example:
            >>> probe.visible(sql.SQL("select id from notes"), within=frozenset(world.notes))
            {UUID('…'), FOREIGN}
        """
        try:
            with self.conn.transaction(force_rollback=True):
                set_request(self.conn, self.persona.role, self.claims, PROBE_HEADERS)
                if within is None:
                    return {r[0] for r in self.conn.execute(statement, params).fetchall()}
                ids = sql.Literal(list(within))
                seen = {r[0] for r in self.conn.execute(sql.SQL("select v.x from ({}) v(x) where v.x = any({})").format(
                    statement, ids), params).fetchall()}
                other = self.conn.execute(sql.SQL("select exists (select 1 from ({}) v(x) where v.x <> all ({}))")
                                          .format(statement, ids), params).fetchone()
                return seen | ({FOREIGN} if other and other[0] else set())
        except psycopg.errors.InsufficientPrivilege:
            return None

    def count(self, statement: sql.SQL | sql.Composed, params: Mapping[str, Any] | None = None) -> int | None:
        """How many rows the persona reads with `statement` (None: refused outright)."""
        try:
            with self.conn.transaction(force_rollback=True):
                set_request(self.conn, self.persona.role, self.claims, PROBE_HEADERS)
                row = self.conn.execute(sql.SQL("select count(*) from ({}) v").format(statement), params).fetchone()
                return int(row[0]) if row else 0
        except psycopg.errors.InsufficientPrivilege:
            return None


def new_probe(conn: psycopg.Connection[Any], world: World, persona: Persona, claims: dict[str, Any],
              settings: Settings, trail: AuditTrail | None, mark: int = 0) -> Probe:
    """A probe for `persona` in `world` (its uid, if it has one, from `world.users`)."""
    return Probe(conn, world, persona, world.users.get(persona.name), claims, settings, trail, mark)
