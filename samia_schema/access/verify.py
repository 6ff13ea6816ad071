"""Run the matrix: seed the world, probe every cell as its persona, compare with the declaration."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..config import Settings
from ..db import execute_script
from ..errors import DatabaseError
from ..project import data_dir
from .attempts import WRITE_OPS
from .matrix import Expectation, Matrix
from .probes import AttemptResult, Probe
from .reads import bucket_level, read_level, surface_level
from .world import claims_for, seed_world

READ_OPS = {"select"}
Progress = Callable[[Expectation], None]


@dataclass(frozen=True)
class Outcome:
    """One matrix cell: what was declared, what was observed, and the evidence."""

    resource: str
    operation: str
    persona: str
    expected: str
    observed: str
    passed: bool
    detail: str
    attempts: tuple[AttemptResult, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.resource, self.operation, self.persona)


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]
    seconds: float
    matrix_source: str

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def passed(self) -> bool:
        return not self.failures


def _write_outcome(e: Expectation, probe: Probe) -> Outcome:
    op = WRITE_OPS[(e.resource, e.operation)]
    results = tuple(op.attempts(probe))
    applicable = {r.name for r in results}
    succeeded = {r.name for r in results if r.succeeded}
    wanted = op.levels[e.level] & applicable
    observed = next((name for name, names in op.levels.items() if names & applicable == succeeded), None)
    if observed is None:
        observed = "{" + ", ".join(sorted(succeeded)) + "}" if succeeded else "deny"
    audit = [f"{r.name}: {r.audit_problem}" for r in results if r.audit_problem]
    detail = "; ".join(f"{r.name} {'ok' if r.succeeded else 'refused'} ({r.detail})" for r in results)
    if e.level != "deny" and not wanted:
        return Outcome(e.resource, e.operation, e.persona, e.level, "vacuous", False,
                       f"no attempt can show level {e.level!r} for this persona; {detail}", results)
    passed = succeeded == wanted and not audit
    if audit:
        detail = "audit: " + "; ".join(audit) + " | " + detail
    if succeeded == wanted:
        observed = e.level  # two levels can coincide on the applicable attempts
    return Outcome(e.resource, e.operation, e.persona, e.level, observed, passed, detail, results)


def _cell(e: Expectation, probe: Probe, cache: dict[Any, tuple[str, str]], matrix: Matrix) -> Outcome:
    if e.operation in READ_OPS:
        observed, detail = read_level(probe, e.resource)
    elif (e.resource, e.operation) == ("rpc", "surface"):
        key = ("surface", probe.persona.role)
        if key not in cache:
            cache[key] = surface_level(probe.conn, probe.settings, probe.persona.role, matrix.declared_rpcs)
        observed, detail = cache[key]
    elif (e.resource, e.operation) == ("bucket", "settings"):
        if "bucket" not in cache:
            cache["bucket"] = bucket_level(probe.conn, probe.settings)
        observed, detail = cache["bucket"]
    else:
        return _write_outcome(e, probe)
    return Outcome(e.resource, e.operation, e.persona, e.level, observed, observed == e.level, detail)


def run_cells(conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings,
              progress: Progress | None = None, sabotage_sql: str | None = None) -> tuple[Outcome, ...]:
    """Seed, optionally sabotage, and probe every cell inside one rolled-back transaction."""
    outcomes = []
    with conn.transaction(force_rollback=True):
        world = seed_world(conn, matrix, settings)
        if sabotage_sql:
            execute_script(conn, sabotage_sql, label="sabotage")
        cache: dict[Any, tuple[str, str]] = {}
        for persona in matrix.personas:
            uid = world.users.get(persona.name)
            probe = Probe(conn, world, persona, uid, claims_for(persona, uid, settings), settings)
            for e in (x for x in matrix.expectations if x.persona == persona.name):
                outcomes.append(_cell(e, probe, cache, matrix))
                if progress:
                    progress(e)
    return tuple(outcomes)


def verify(conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings,
           progress: Progress | None = None) -> Report:
    """Prove the matrix on a database that has the chat schema applied; changes nothing.

    `conn` must be in autocommit mode and connected as a role that bypasses RLS and may SET ROLE to
    anon/authenticated/service_role (a superuser, or Supabase's `postgres`).

    Example:
        >>> report = verify(connect(dsn, autocommit=True), load_matrix(), load_settings())
        >>> report.passed
        True
    """
    started = time.monotonic()
    try:
        outcomes = run_cells(conn, matrix, settings, progress)
    except psycopg.Error as exc:
        raise DatabaseError(f"verify: {str(exc).strip().splitlines()[0]}") from exc
    return Report(outcomes, time.monotonic() - started, matrix.source)


@dataclass(frozen=True)
class SabotageResult:
    name: str
    description: str
    killed: bool
    failures: tuple[Outcome, ...]


def sabotages() -> tuple[tuple[str, str, str], ...]:
    """(name, description, sql template) of every planted sabotage, from sql/access/sabotage/."""
    found = []
    for path in sorted((data_dir("sql") / "access" / "sabotage").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        description = text.splitlines()[0].removeprefix("--").strip()
        found.append((path.stem, description, text))
    return tuple(found)


def self_test(conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings,
              progress: Callable[[str], None] | None = None) -> tuple[SabotageResult, ...]:
    """Plant each known sabotage in a rolled-back transaction; the verifier must fail every one."""
    results = []
    for name, description, template in sabotages():
        planted = sql.SQL(template).format(
            schema=sql.Identifier(settings.schema), private=sql.Identifier(settings.private_schema),
            bucket=sql.Literal(settings.bucket),
        ).as_string(conn)
        try:
            outcomes = run_cells(conn, matrix, settings, sabotage_sql=planted)
        except psycopg.Error as exc:
            raise DatabaseError(f"self-test {name}: {str(exc).strip().splitlines()[0]}") from exc
        failures = tuple(o for o in outcomes if not o.passed)
        results.append(SabotageResult(name, description, bool(failures), failures))
        if progress:
            progress(name)
    return tuple(results)
