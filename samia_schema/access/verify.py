"""Run the matrix: seed the pack's world, probe every cell as its persona, compare with the declaration."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..config import Settings
from ..db import execute_script
from ..errors import DatabaseError, first_line
from ..packs.base import Pack
from .matrix import Expectation, Matrix
from .probes import AttemptResult, Probe, new_probe
from .reads import read_level
from .vocabulary import CheckProbe, ReadProbe, WriteProbe

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


def _write_outcome(e: Expectation, op: WriteProbe, probe: Probe) -> Outcome:
    results = tuple(op.attempts(probe))
    applicable = {r.name for r in results}
    succeeded = {r.name for r in results if r.succeeded}
    wanted = op.by_level[e.level] & applicable
    observed = next((name for name, names in op.by_level.items() if names & applicable == succeeded), None)
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


def _cell(e: Expectation, pack: Pack, probe: Probe, cache: dict[Hashable, tuple[str, str]],
          matrix: Matrix) -> Outcome:
    op = pack.vocabulary()[e.resource][e.operation]
    if isinstance(op, WriteProbe):
        return _write_outcome(e, op, probe)
    if isinstance(op, ReadProbe):
        observed, detail = read_level(probe, op.targets(probe))
    elif isinstance(op, CheckProbe):
        key = (e.resource, e.operation, op.cache_key(probe))
        if key not in cache:
            cache[key] = op.check(probe, matrix)
        observed, detail = cache[key]
    else:  # pragma: no cover - the vocabulary is typed
        raise TypeError(f"{e.resource}.{e.operation}: unknown probe {op!r}")
    return Outcome(e.resource, e.operation, e.persona, e.level, observed, observed == e.level, detail)


def run_cells(conn: psycopg.Connection[Any], pack: Pack, matrix: Matrix, settings: Settings,
              progress: Progress | None = None, sabotage_sql: str | None = None) -> tuple[Outcome, ...]:
    """Seed, optionally sabotage, and probe every cell inside one rolled-back transaction."""
    outcomes = []
    trail = pack.audit_trail(settings)
    with conn.transaction(force_rollback=True):
        world = pack.seed_world(conn, matrix, settings)
        if sabotage_sql:
            execute_script(conn, sabotage_sql, label="sabotage")
        cache: dict[Hashable, tuple[str, str]] = {}
        mark = trail.mark(conn) if trail else 0  # attempts roll back: the trail's end stays here
        for persona in matrix.personas:
            claims = pack.claims_for(persona, world.users.get(persona.name), settings)
            probe = new_probe(conn, world, persona, claims, settings, trail, mark)
            for e in (x for x in matrix.expectations if x.persona == persona.name):
                outcomes.append(_cell(e, pack, probe, cache, matrix))
                if progress:
                    progress(e)
    return tuple(outcomes)


def verify_matrix(conn: psycopg.Connection[Any], pack: Pack, matrix: Matrix, settings: Settings,
                  progress: Progress | None = None) -> Report:
    """Prove the matrix on a database with the pack's schema applied; changes nothing.

    `conn` must be in autocommit mode and connected as a role that bypasses RLS and may SET ROLE to
    anon/authenticated/service_role (a superuser, or Supabase's `postgres`).

    Example:
        >>> report = verify_matrix(connect(dsn, autocommit=True), ws.pack, ws.matrix(), ws.settings)
        >>> report.passed
        True
    """
    started = time.monotonic()
    try:
        outcomes = run_cells(conn, pack, matrix, settings, progress)
    except psycopg.Error as exc:
        raise DatabaseError(f"verify: {first_line(exc)}") from exc
    return Report(outcomes, time.monotonic() - started, matrix.source)


@dataclass(frozen=True)
class Sabotage:
    """A known sabotage: a SQL file of the pack. Its first line describes it; a `-- caught by:
    resource.operation` line names the cell that must fail when it is planted."""

    name: str
    description: str
    template: str
    caught_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class SabotageResult:
    name: str
    description: str
    killed: bool
    failures: tuple[Outcome, ...]


def sabotages(directory: Path | None) -> tuple[Sabotage, ...]:
    """The sabotages of a pack's directory, in file-name order."""
    if directory is None:
        return ()
    found = []
    for path in sorted(directory.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        cells = tuple(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("-- caught by:"))
        found.append(Sabotage(path.stem, text.splitlines()[0].removeprefix("--").strip(), text, cells))
    return tuple(found)


def self_test(conn: psycopg.Connection[Any], pack: Pack, matrix: Matrix, settings: Settings,
              progress: Callable[[str], None] | None = None) -> tuple[SabotageResult, ...]:
    """Plant each of the pack's sabotages in a rolled-back transaction; the verifier must fail every one."""
    results = []
    params = pack.sabotage_params(settings)
    for sabotage in sabotages(pack.sabotage_dir()):
        planted = sql.SQL(sabotage.template).format(**params).as_string(conn)
        try:
            outcomes = run_cells(conn, pack, matrix, settings, sabotage_sql=planted)
        except psycopg.Error as exc:
            raise DatabaseError(f"self-test {sabotage.name}: {first_line(exc)}") from exc
        failures = tuple(o for o in outcomes if not o.passed)
        results.append(SabotageResult(sabotage.name, sabotage.description, bool(failures), failures))
        if progress:
            progress(sabotage.name)
    return tuple(results)
