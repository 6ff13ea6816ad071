"""Pending units -> a transactional part and online steps, decided against the live catalog.

A table is *existing* when it is in the live database before the apply (not created by it). On
an existing table:

- `create index` runs after the transaction commits, as `create index concurrently` (a build
  step); an index of that name that is already valid is skipped, an INVALID one is dropped first;
- `drop index` of one index (no CASCADE) runs as `drop index concurrently` after the commit;
- `alter table … add constraint <name> check | foreign key …` (its only action) goes in as
  NOT VALID inside the transaction, then `validate constraint` runs in a short transaction of its
  own after the commit (a constraint already there is not added again; a validated one is done).

On an existing partitioned table, `create index` becomes `create index … on only` the parent
(no build), then each partition's index built concurrently and attached (the parent's index is
valid once every partition has one; a rerun resumes where a failure stopped).

A statement stays in the transaction when a later statement that stays there names the same
index or constraint, or changes its table's columns (it would run before the online step it
depends on), and for NOT VALID on partitioned tables and unnamed indexes or constraints; `plan`
says why.

Example:
    >>> online = plan_online(conn, [ws.plan.unit("030_indexes")])
    >>> [(s.kind, s.target, s.state) for s in online.steps][:1]
    [('index_build', 'notes_owner_idx', 'build')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..resources import static_sql
from ..splitting import split_statements
from ..units import Unit
from .analysis import Analysis, analyze
from .locks import Hazard, Lock, hazard, strongest

TABLE_KINDS = frozenset({"r", "p", "m"})
ONLINE_KINDS = frozenset({"r", "m"})  # CONCURRENTLY and NOT VALID are not for partitioned parents


@dataclass(frozen=True)
class Relation:
    """A name as written, resolved in the live database (all None when it does not exist)."""

    name: str
    relation: str | None = None
    kind: str | None = None
    schema: str | None = None
    relname: str | None = None
    index_table: str | None = None
    valid: bool | None = None
    index_table_kind: str | None = None


@dataclass(frozen=True)
class Step:
    """One online step: runs after the transaction commits, with lock_timeout and retries.

    `kind`: index_build | index_drop | validate; `state`: build, invalid (drop the INVALID
    leftover, then build), drop, validate; `added`: the transaction adds the constraint this
    step validates (it is dropped again when validation fails)."""

    unit: str
    number: int
    kind: str
    sql: str
    relation: str
    lock: str
    hazards: tuple[Hazard, ...]
    schema: str
    target: str
    state: str
    added: bool = False
    table_name: str = ""  # the table's own name (validate: for dropping the constraint again)
    definition: str = ""  # partition_index_build: what follows the table name, for each partition's index

    @property
    def label(self) -> str:
        what = {"index_build": "create index concurrently", "index_drop": "drop index concurrently",
                "validate": "validate constraint",
                "partition_index_build": "create index concurrently per partition, attached to"}[self.kind]
        return f"{what} {self.target} on {self.relation}"


@dataclass(frozen=True)
class Placed:
    """One statement of a pending unit: where it runs (transaction, online, skipped: already done),
    the SQL the transaction runs for it, and its locks and hazards on existing tables."""

    unit: str
    number: int
    kind: str
    where: str
    sql: str
    locks: tuple[Lock, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    note: str = ""
    opaque: bool = False


Held = tuple[Lock, int, tuple[str, ...]]  # the strongest lock on a table, how many statements take one, the units


@dataclass(frozen=True)
class OnlinePlan:
    """Every statement of the pending units placed, the online steps in order, and the INVALID
    indexes (schema, name) that a build of the same name would trip over: dropped first."""

    statements: tuple[Placed, ...] = ()
    steps: tuple[Step, ...] = ()
    invalid: tuple[tuple[str, str], ...] = ()

    def transactional(self, unit: str) -> tuple[tuple[int, str], ...]:
        """(number, sql) of what the transaction runs for `unit`."""
        return tuple((p.number, p.sql) for p in self.statements if p.unit == unit and p.where == "transaction")

    def steps_of(self, unit: str) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.unit == unit)

    @property
    def held(self) -> tuple[Held, ...]:
        """Per existing table: the strongest lock the transactional part holds until commit."""
        modes: dict[str, list[str]] = {}
        units: dict[str, dict[str, None]] = {}
        for placed in self.statements:
            if placed.where != "transaction":
                continue
            for lock in placed.locks:
                modes.setdefault(lock.relation, []).append(lock.mode)
                units.setdefault(lock.relation, {})[placed.unit] = None
        return tuple((Lock(strongest(found), rel), len(found), tuple(units[rel]))
                     for rel, found in sorted(modes.items()))

    @property
    def hazards(self) -> tuple[Placed, ...]:
        """Statements left in the transaction with a hazard on an existing table (opaque ones aside)."""
        return tuple(p for p in self.statements if p.where == "transaction" and p.hazards and not p.opaque)

    @property
    def opaque(self) -> tuple[Placed, ...]:
        return tuple(p for p in self.statements if p.opaque)


def resolve(conn: psycopg.Connection[Any], names: Iterable[str]) -> dict[str, Relation]:
    """Resolve names as written (`public.t`, `"Odd"."T"`, `t`) in the live database."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = conn.execute(static_sql("online/relations.sql"), (wanted,)).fetchall()
    return {row[0]: Relation(*row) for row in rows}


def _constraints(conn: psycopg.Connection[Any], pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
    if not pairs:
        return {}
    rows = conn.execute(static_sql("online/constraints.sql"), ([p[0] for p in pairs], [p[1] for p in pairs]))
    return {(r[0], r[1]): bool(r[2]) for r in rows.fetchall()}


def _ident(schema: str, name: str) -> str:
    return sql.Identifier(schema, name).as_string(None)


@dataclass(frozen=True)
class _Statement:
    unit: str
    number: int
    text: str
    analysis: Analysis


_Facts = tuple[dict[str, Relation], dict[str, Relation], dict[tuple[str, int], str], dict[tuple[str, str], bool]]


def _wanted(statements: Sequence[_Statement]) -> set[str]:
    """Every relation name the statements lock, build on, constrain or create."""
    wanted: set[str] = set()
    for s in statements:
        a = s.analysis
        wanted |= {lock.relation for lock in a.locks}
        wanted |= {n.text for n in (a.index.table if a.index else None, a.creates,
                                   a.constraint.table if a.constraint else None) if n is not None}
    return wanted


def _index_names(statements: Sequence[_Statement], live: dict[str, Relation]) -> dict[tuple[str, int], str]:
    """(unit, number) of each named build on an existing table -> the index's qualified name."""
    found = {}
    for s in statements:
        build = s.analysis.index
        table = live.get(build.table.text) if build else None
        if build and build.name and table and table.kind in TABLE_KINDS:
            found[(s.unit, s.number)] = _ident(table.schema or "", build.name)
    return found


def _live_facts(conn: psycopg.Connection[Any], statements: Sequence[_Statement]) -> _Facts:
    live = resolve(conn, _wanted(statements))
    names = _index_names(statements, live)
    pairs = [(s.analysis.constraint.table.text, s.analysis.constraint.name) for s in statements
             if s.analysis.constraint and (live.get(s.analysis.constraint.table.text) or Relation("")).kind]
    return live, resolve(conn, names.values()), names, _constraints(conn, pairs)


def _assumed_facts(statements: Sequence[_Statement]) -> _Facts:
    """Without a database: every table a unit does not create itself exists (a plain table), and
    none of the indexes or constraints it adds is there yet."""
    created = {s.analysis.creates.text for s in statements if s.analysis.creates}
    indexes = {lock.relation for s in statements for lock in s.analysis.locks if lock.on_index}

    def assumed(name: str) -> Relation:
        schema, relname = (name.split(".")[0] if "." in name else "public"), name.split(".")[-1]
        if name in indexes:
            return Relation(name, name, "i", schema, relname, f"the table of {name}", True, "r")
        return Relation(name, name, "r", schema, relname)

    live = {name: assumed(name) for name in _wanted(statements) if name not in created}
    return live, {}, _index_names(statements, live), {}


class _Planner:
    """Places statements from the last to the first, so each knows what stays in the transaction after it."""

    def __init__(self, statements: list[_Statement], facts: _Facts) -> None:
        self.statements = statements
        self.live, self.indexes, self.index_names, self.constraints = facts
        self.created = {s.analysis.creates.text for s in statements
                        if s.analysis.creates and not self._exists(s.analysis.creates.text)}
        self.later: list[Analysis] = []  # statements after the current one that stay in the transaction

    def _rel(self, name: str) -> Relation:
        return self.live.get(name) or Relation(name)

    def _exists(self, name: str) -> bool:
        return self._rel(name).kind in TABLE_KINDS

    def _conflict(self, names: Iterable[str], table: str | None) -> str:
        """Why an online step would run too late: a later transactional statement depends on it."""
        wanted = {n.lower() for n in names}
        for later in self.later:
            if wanted & later.names or (table and any(t.text == table for t in later.tables)):
                return f"a later statement ({later.kind}) that stays in the transaction depends on it"
        return ""

    def _existing_locks(self, a: Analysis) -> tuple[Lock, ...]:
        if a.creates is not None and a.creates.text not in self.created:
            return ()  # create table if not exists on a table that exists: nothing happens
        found: list[Lock] = []
        for lock in a.locks:
            rel = self._rel(lock.relation)
            if lock.on_index and rel.kind == "i" and rel.index_table:
                found.append(Lock(lock.mode, rel.index_table))
            elif not lock.on_index and rel.kind in TABLE_KINDS and rel.relation:
                found.append(Lock(lock.mode, rel.relation))
        return tuple(dict.fromkeys(found))

    def in_transaction(self, s: _Statement, text: str | None = None, note: str = "") -> tuple[Placed, list[Step]]:
        a = s.analysis
        locks = self._existing_locks(a)
        hazards = a.hazards if (locks or a.opaque) else ()
        self.later.append(a)
        return Placed(s.unit, s.number, a.kind, "transaction", s.text if text is None else text, locks, hazards,
                      note, a.opaque), []

    def place(self, s: _Statement) -> tuple[Placed, list[Step]]:
        a = s.analysis
        if a.index:
            return self._index_build(s)
        if a.drop_index and len(a.drop_index.names) == 1 and not a.drop_index.cascade:
            return self._index_drop(s)
        if a.constraint and not a.constraint.not_valid:
            return self._constraint(s)
        return self.in_transaction(s)

    def _index_build(self, s: _Statement) -> tuple[Placed, list[Step]]:
        build = s.analysis.index
        assert build is not None
        table = self._rel(build.table.text)
        if not self._exists(build.table.text):
            return self.in_transaction(s, build.plain_sql(s.text))
        why = ("unnamed index" if not build.name else "ON ONLY" if build.only
               else "" if table.kind in ONLINE_KINDS or table.kind == "p" else "not a table")
        why = why or self._conflict([build.name or ""], None)
        if why:
            return self.in_transaction(s, build.plain_sql(s.text), f"not built concurrently: {why}")
        assert build.name is not None and table.relation and table.schema
        found = self.indexes.get(self.index_names.get((s.unit, s.number), "")) or Relation("")
        if table.kind == "p":
            return self._partition_index_build(s, table, found)
        if found.kind is not None and (found.kind != "i" or found.index_table != table.relation):
            return self.in_transaction(s, build.plain_sql(s.text), "the name belongs to another relation")
        lock = Lock("SHARE UPDATE EXCLUSIVE", table.relation)
        if found.valid:
            return Placed(s.unit, s.number, "create_index", "skipped", "", (), (),
                          "a valid index of this name exists"), []
        state = "invalid" if found.kind == "i" else "build"
        step = Step(s.unit, s.number, "index_build", build.online_sql(s.text), table.relation, lock.mode,
                    (hazard("index_build_online"),), table.schema, build.name, state)
        return Placed(s.unit, s.number, "create_index", "online", "", (lock,), step.hazards), [step]

    def _partition_index_build(self, s: _Statement, table: Relation, found: Relation) -> tuple[Placed, list[Step]]:
        """A partitioned parent: its index ON ONLY (no build), then each partition's concurrently, attached."""
        build = s.analysis.index
        assert build is not None and build.name is not None and table.relation and table.schema
        if found.kind is not None and (found.kind != "I" or found.index_table != table.relation):
            return self.in_transaction(s, build.plain_sql(s.text), "the name belongs to another relation")
        if found.valid:
            return Placed(s.unit, s.number, "create_index", "skipped", "", (), (),
                          "a valid index of this name exists"), []
        lock = Lock("SHARE UPDATE EXCLUSIVE", table.relation)
        step = Step(s.unit, s.number, "partition_index_build", build.on_only_sql(s.text), table.relation, lock.mode,
                    (hazard("index_build_online"),), table.schema, build.name,
                    "resume" if found.kind == "I" else "build", definition=build.definition(s.text))
        return Placed(s.unit, s.number, "create_index", "online", "", (lock,), step.hazards), [step]

    def _index_drop(self, s: _Statement) -> tuple[Placed, list[Step]]:
        drop = s.analysis.drop_index
        assert drop is not None
        index = self._rel(drop.names[0].text)
        if index.kind != "i" or index.index_table_kind not in ONLINE_KINDS or not index.index_table:
            return self.in_transaction(s)
        if self._conflict([drop.names[0].last], None):
            return self.in_transaction(s, note=self._conflict([drop.names[0].last], None))
        assert index.schema and index.relname
        text = sql.SQL("drop index concurrently if exists {}").format(sql.Identifier(index.schema, index.relname))
        lock = Lock("SHARE UPDATE EXCLUSIVE", index.index_table)
        step = Step(s.unit, s.number, "index_drop", text.as_string(None), index.index_table, lock.mode,
                    (hazard("index_drop"),), index.schema, index.relname, "drop")
        return Placed(s.unit, s.number, "drop_index", "online", "", (lock,), step.hazards), [step]

    def _constraint(self, s: _Statement) -> tuple[Placed, list[Step]]:
        add = s.analysis.constraint
        assert add is not None
        table = self._rel(add.table.text)
        if table.kind not in ONLINE_KINDS:
            note = "" if not self._exists(add.table.text) else "partitioned table: added and validated in place"
            return self.in_transaction(s, note=note)
        why = self._conflict([add.name], None)
        if why:
            return self.in_transaction(s, note=why)
        assert table.relation and table.schema and table.relname
        validated = self.constraints.get((add.table.text, add.name))
        text = sql.SQL("alter table {} validate constraint {}").format(
            sql.Identifier(table.schema, table.relname), sql.Identifier(add.name)).as_string(None)
        step = Step(s.unit, s.number, "validate", text, table.relation, "SHARE UPDATE EXCLUSIVE",
                    (hazard("validate"),), table.schema, add.name, "validate", added=validated is None,
                    table_name=table.relname)
        if validated:
            return Placed(s.unit, s.number, "alter_table", "skipped", "", (), (), "validated constraint exists"), []
        if validated is False:  # there, NOT VALID (an earlier apply stopped before validating): validate only
            return Placed(s.unit, s.number, "alter_table", "online", "", (), step.hazards,
                          "exists NOT VALID: validate only"), [step]
        placed, _ = self.in_transaction(s, add.not_valid_sql(s.text))
        strip = {h for h in placed.hazards if h.cause in ("check_scan", "fk_scan")}
        return Placed(placed.unit, placed.number, placed.kind, "transaction", placed.sql, placed.locks,
                      tuple(h for h in placed.hazards if h not in strip),
                      "added NOT VALID, validated after the commit"), [step]

    def plan(self) -> OnlinePlan:
        placed: list[Placed] = []
        steps: list[Step] = []
        for s in reversed(self.statements):
            where, found = self.place(s)
            placed.append(where)
            steps[:0] = found
        indexes = {key: self.indexes.get(name, Relation("")) for key, name in self.index_names.items()}
        invalid = tuple(sorted({self._rel_of_index(key) for key, index in indexes.items()
                                if index.valid is False and index.kind == "i"}))  # a partitioned one resumes
        return OnlinePlan(tuple(reversed(placed)), tuple(steps), invalid)

    def _rel_of_index(self, key: tuple[str, int]) -> tuple[str, str]:
        found = self.indexes[self.index_names[key]]
        return (found.schema or "", found.relname or "")


def plan_online(conn: psycopg.Connection[Any] | None, units: Sequence[Unit], *, online: bool = True) -> OnlinePlan:
    """Place every statement of `units` (the pending ones, in order) against the live catalog.

    With `online=False` every statement stays in the transaction as written (the locks and hazards
    are still reported): the one-transaction path, as `supabase db push` runs the files. Without a
    connection, every table a unit does not create is assumed to exist (the migration lint).
    """
    statements = [_Statement(u.name, n, text, analyze(text)) for u in units
                  for n, text in enumerate(split_statements(u.sql), 1)]
    planner = _Planner(statements, _live_facts(conn, statements) if conn is not None else _assumed_facts(statements))
    if online:
        return planner.plan()
    placed = [planner.in_transaction(s)[0] for s in reversed(statements)]
    return OnlinePlan(tuple(reversed(placed)))
