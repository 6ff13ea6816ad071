"""What one statement does to tables: the locks it takes, on what, and its hazards.

`analyze(statement)` reads the statement's shape (samia_schema/online/tokens.py) and knows the
lock level PostgreSQL takes for each kind of DDL (the documentation's "explicit locking" table and
each command's page; tests/test_online_locks.py checks every prediction against pg_locks on a real
server). It also extracts what the online rewrite needs: an index build's name and table, an index
drop's names, a constraint's table, name, kind and where `NOT VALID` goes.

Example:
    >>> a = analyze("create index if not exists t_a_idx on public.t (a)")
    >>> a.kind, a.locks[0].mode, a.index.table.text, [h.type for h in a.hazards]
    ('create_index', 'SHARE', 'public.t', ['ACQUIRES_SHARE_LOCK'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .locks import Hazard, Lock, hazard
from .tokens import PUNCT, STRING, Name, Token, close_paren, match, read_name, skip, split_top, tokenize

VOLATILE_FUNCTIONS = frozenset({
    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7",
    "random", "random_normal", "clock_timestamp", "timeofday", "nextval", "txid_current", "pg_current_xact_id",
    "gen_random_bytes", "setseed",
})
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
REWRITES = frozenset({"volatile_default", "type_change", "rewrite"})
_COLUMN_CLAUSE_END = frozenset({"not", "null", "check", "references", "constraint", "primary", "unique",
                                "generated", "collate", "default"})


@dataclass(frozen=True)
class IndexBuild:
    """`create [unique] index [concurrently] [if not exists] name on [only] table …`."""

    name: str | None
    table: Name
    concurrently: bool
    if_not_exists: bool
    only: bool
    keyword_end: int  # offset right after the INDEX keyword (where `concurrently` goes)
    concurrently_at: tuple[int, int] | None = None  # the CONCURRENTLY keyword's offsets, when written
    table_at: tuple[int, int] = (0, 0)  # the table name's offsets

    def on_only_sql(self, statement: str) -> str:
        """`create index … on only <table> …` without CONCURRENTLY: the partitioned parent's index alone."""
        start = self.table_at[0]
        return self.plain_sql(f"{statement[:start]}only {statement[start:]}")

    def definition(self, statement: str) -> str:
        """What follows the table name (`using …`, the columns, `include`, `where`)."""
        return statement[self.table_at[1]:]

    def online_sql(self, statement: str) -> str:
        """The statement as `create index concurrently …` (unchanged when it already says so)."""
        if self.concurrently:
            return statement
        return f"{statement[:self.keyword_end]} concurrently{statement[self.keyword_end:]}"

    def plain_sql(self, statement: str) -> str:
        """The statement without CONCURRENTLY (for a table created in the same transaction)."""
        if self.concurrently_at is None:
            return statement
        start, end = self.concurrently_at
        return statement[:start].rstrip() + " " + statement[end:].lstrip()


@dataclass(frozen=True)
class IndexDrop:
    """`drop index [concurrently] [if exists] name[, …] [cascade | restrict]`."""

    names: tuple[Name, ...]
    concurrently: bool
    if_exists: bool
    cascade: bool


@dataclass(frozen=True)
class ConstraintAdd:
    """`alter table … add constraint name check|foreign key …` (the statement's only action)."""

    table: Name
    name: str
    kind: str  # "check" | "foreign key"
    references: Name | None
    not_valid: bool
    end: int  # offset after the statement's last token (where `not valid` goes)

    def not_valid_sql(self, statement: str) -> str:
        """The statement with `not valid` appended (after its last token, before any comment)."""
        return statement if self.not_valid else f"{statement[:self.end]} not valid{statement[self.end:]}"


@dataclass(frozen=True)
class Analysis:
    """One statement: `kind`, the locks it takes, its hazards (when its tables exist), and what the
    online rewrite needs. `opaque`: a DO block or a function call whose locks cannot be read."""

    kind: str
    locks: tuple[Lock, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    creates: Name | None = None
    index: IndexBuild | None = None
    drop_index: IndexDrop | None = None
    constraint: ConstraintAdd | None = None
    names: frozenset[str] = field(default_factory=frozenset)  # every identifier it mentions (lower case)
    opaque: bool = False
    tables: tuple[Name, ...] = ()  # tables an ALTER TABLE changes the structure of (columns, name, schema)


def analyze(statement: str) -> Analysis:
    """The locks, hazards and rewrite details of one statement (as split by splitting.py)."""
    tokens = tokenize(statement)
    names = frozenset(t.value.lower() for t in tokens if t.ident)
    if not tokens:
        return Analysis("empty")
    for reader in _READERS:
        found = reader(tokens)
        if found is not None:
            return Analysis(**{**found.__dict__, "names": names})
    return Analysis("other", names=names)


def _create_index(t: Sequence[Token]) -> Analysis | None:
    i = match(t, 0, "create")
    if i is None:
        return None
    i = skip(t, i, "unique")
    if match(t, i, "index") is None:
        return None
    keyword_end = t[i].end
    i += 1
    concurrently = match(t, i, "concurrently") is not None
    concurrently_at = (t[i].start, t[i].end) if concurrently else None
    i = skip(t, i, "concurrently")
    if_not_exists = match(t, i, "if", "not", "exists") is not None
    i = skip(t, i, "if", "not", "exists")
    name: str | None = None
    if i < len(t) and t[i].ident and not t[i].is_("on"):
        name = t[i].value
        i += 1
    i = match(t, i, "on")
    if i is None:
        return Analysis("create_index")
    only = match(t, i, "only") is not None
    first = skip(t, i, "only")
    table, after = read_name(t, first)
    if table is None:
        return Analysis("create_index")
    build = IndexBuild(name, table, concurrently, if_not_exists, only, keyword_end, concurrently_at,
                       (t[first].start, t[after - 1].end))
    mode = "SHARE UPDATE EXCLUSIVE" if concurrently else "SHARE"
    return Analysis("create_index", (Lock(mode, table.text),),
                    (hazard("index_build_online" if concurrently else "index_build"),), index=build)


def _drop_index(t: Sequence[Token]) -> Analysis | None:
    i = match(t, 0, "drop", "index")
    if i is None:
        return None
    concurrently = match(t, i, "concurrently") is not None
    i = skip(t, i, "concurrently")
    if_exists = match(t, i, "if", "exists") is not None
    i = skip(t, i, "if", "exists")
    names: list[Name] = []
    for piece in split_top(t, i):
        name, _ = read_name(piece, 0)
        if name is not None:
            names.append(name)
    cascade = any(tok.is_("cascade") for tok in t[i:])
    mode = "SHARE UPDATE EXCLUSIVE" if concurrently else "ACCESS EXCLUSIVE"
    hazards = (hazard("index_drop"),) if concurrently else (hazard("index_drop"), hazard("index_drop_locked"))
    return Analysis("drop_index", tuple(Lock(mode, n.text, on_index=True) for n in names), hazards,
                    drop_index=IndexDrop(tuple(names), concurrently, if_exists, cascade))


def _on_table(t: Sequence[Token], start: int, kind: str, mode: str) -> Analysis:
    """`… on <table>` (policies, triggers, rules): the first `on` after `start`."""
    for j in range(start, len(t)):
        if t[j].is_("on"):
            table, _ = read_name(t, skip(t, j + 1, "only"))
            if table is not None:
                return Analysis(kind, (Lock(mode, table.text),))
    return Analysis(kind)


def _policy_trigger_rule(t: Sequence[Token]) -> Analysis | None:
    head = [tok.value for tok in t[:5] if tok.kind != PUNCT]
    if head[:2] in (["create", "policy"], ["alter", "policy"], ["drop", "policy"]):
        return _on_table(t, 2, "policy", "ACCESS EXCLUSIVE")
    create = skip(t, skip(t, 1, "or", "replace"), "constraint") if t[0].is_("create") else None
    if create is not None and match(t, create, "trigger") is not None:
        return _on_table(t, create + 2, "trigger", "SHARE ROW EXCLUSIVE")
    if match(t, 0, "drop", "trigger") is not None:
        return _on_table(t, 2, "trigger", "ACCESS EXCLUSIVE")
    rule = skip(t, 1, "or", "replace") if t[0].is_("create") else None
    if rule is not None and match(t, rule, "rule") is not None:
        for j in range(rule, len(t)):
            if t[j].is_("to"):
                table, _ = read_name(t, j + 1)
                return Analysis("rule", (Lock("ACCESS EXCLUSIVE", table.text),) if table else ())
    return None


def _references(t: Sequence[Token], own: Name | None = None) -> list[Name]:
    found = []
    for j, tok in enumerate(t):
        if tok.is_("references"):
            name, _ = read_name(t, j + 1)
            if name is not None and (own is None or name.text != own.text):
                found.append(name)
    return found


def _create_table(t: Sequence[Token]) -> Analysis | None:
    i = match(t, 0, "create")
    if i is None:
        return None
    if t[i].is_("temp", "temporary"):
        return Analysis("create_table") if match(t, i + 1, "table") else None
    i = skip(t, skip(t, i, "unlogged"), "global")
    i = match(t, i, "table")
    if i is None:
        return None
    name, i = read_name(t, skip(t, i, "if", "not", "exists"))
    if name is None:
        return Analysis("create_table")
    locks = [Lock("SHARE ROW EXCLUSIVE", r.text) for r in _references(t[i:], name)]
    parent = match(t, i, "partition", "of")
    if parent is not None:
        table, _ = read_name(t, parent)
        if table is not None:
            locks.append(Lock("ACCESS EXCLUSIVE", table.text))
    return Analysis("create_table", tuple(locks), creates=name)


def _column_default_hazards(piece: Sequence[Token]) -> list[str]:
    """Causes for `add [column] [if not exists] name type …`: a volatile default (or serial, identity,
    stored generated), NOT NULL without a default."""
    causes: list[str] = []
    i = skip(piece, skip(piece, 1, "column"), "if", "not", "exists") + 1  # past the column's name
    if i < len(piece) and piece[i].value in SERIAL_TYPES:
        causes.append("volatile_default")
    words = [tok.value for tok in piece if tok.kind not in (STRING, PUNCT)]
    if "generated" in words and ("identity" in words or "stored" in words):
        causes.append("volatile_default")
    default = next((j for j, tok in enumerate(piece) if tok.is_("default")), None)
    k = len(piece) if default is None else default + 1
    while k < len(piece) and not (piece[k].kind == "word" and piece[k].value in _COLUMN_CLAUSE_END):
        if piece[k].ident and k + 1 < len(piece) and piece[k + 1].value == "(":
            if piece[k].value in VOLATILE_FUNCTIONS:
                causes.append("volatile_default")
            k = close_paren(piece, k + 1)
        else:
            k = close_paren(piece, k) if piece[k].value == "(" else k + 1
    not_null = any(a.is_("not") and b.is_("null") for a, b in zip(piece, piece[1:], strict=False))
    if not_null and default is None and not causes:
        causes.append("not_null_no_default")
    return sorted(set(causes))


def _alter_action(piece: Sequence[Token], table: Name) -> tuple[list[Lock], list[str], bool]:
    """One ALTER TABLE action: (locks, hazard causes, changes the table's structure)."""
    ax, sue, sre = "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE"
    words = [tok.value for tok in piece if tok.kind != PUNCT][:6]
    first = words[0] if words else ""
    on = [Lock(ax, table.text)]
    if first == "add":
        rest = words[1:]
        constraint = rest[:1] == ["constraint"]
        kind_words = rest[2:] if constraint else rest
        not_valid = any(a.is_("not") and b.is_("valid") for a, b in zip(piece, piece[1:], strict=False))
        if kind_words[:1] == ["check"]:
            return on, [] if not_valid else ["check_scan"], False
        if kind_words[:2] == ["foreign", "key"]:
            refs = [Lock(sre, r.text) for r in _references(piece)]
            return [Lock(sre, table.text), *refs], [] if not_valid else ["fk_scan"], False
        if kind_words[:1] in (["unique"], ["primary"], ["exclude"]):
            using_index = any(a.is_("using") and b.is_("index") for a, b in zip(piece, piece[1:], strict=False))
            return on, [] if using_index else ["unique_build"], False
        refs = [Lock(sre, r.text) for r in _references(piece)]
        return on + refs, _column_default_hazards(piece), True
    if first == "drop":
        if words[1:2] == ["constraint"]:
            return on, [], False
        return on, ["deletes_data"], True
    if first == "alter":
        rest = words[2:] if words[1:2] == ["column"] else words[1:]
        action = rest[1:3]
        if action[:1] == ["type"] or action == ["set", "data"]:
            return on, ["type_change"], True
        if action == ["set", "not"]:
            return on, ["not_null_scan"], False
        if action in (["set", "statistics"],) or action[:1] == ["reset"] or (
                action[:1] == ["set"] and len(piece) > 3 and any(tok.value == "(" for tok in piece)):
            return [Lock(sue, table.text)], [], False
        return on, [], True
    if first == "validate":
        return [Lock(sue, table.text)], ["validate"], False
    if first in ("enable", "disable"):
        return ([Lock(sre, table.text)] if "trigger" in words else on), [], False
    if first == "cluster" or words[:3] == ["set", "without", "cluster"]:
        return [Lock(sue, table.text)], [], False
    if words[:1] == ["set"] and words[1:2] in (["logged"], ["unlogged"], ["tablespace"], ["access"]):
        return on, ["rewrite"], True
    if words[:1] == ["set"] and words[1:2] != ["schema"] or first == "reset":
        return [Lock(sue, table.text)], [], False
    if first == "attach":
        part, _ = read_name(piece, 2)
        return [Lock(sue, table.text)] + ([Lock(ax, part.text)] if part else []), ["attach_scan"], False
    if first == "detach":
        part, _ = read_name(piece, 2)
        mode = sue if "concurrently" in words else ax
        return [Lock(mode, table.text)] + ([Lock(ax, part.text)] if part else []), [], False
    if first == "rename":
        return on, ["rename"], True
    return on, [], first in ("set", "inherit", "no", "of", "not")  # owner to, replica identity, …: exclusive


def _alter_table(t: Sequence[Token]) -> Analysis | None:
    i = match(t, 0, "alter", "table")
    if i is None:
        return None
    i = skip(t, skip(t, i, "if", "exists"), "only")
    table, i = read_name(t, i)
    if table is None:
        return Analysis("alter_table")
    pieces = split_top(t, i)
    locks: list[Lock] = []
    causes: list[str] = []
    structural = False
    for piece in pieces:
        action_locks, action_causes, changes = _alter_action(piece, table)
        if set(action_causes) & REWRITES:  # a rewrite rebuilds the indexes too
            action_locks = [*action_locks, Lock("SHARE", table.text)]
        locks += action_locks
        causes += action_causes
        structural = structural or changes
    constraint = _constraint_add(t, table, pieces) if len(pieces) == 1 else None
    return Analysis("alter_table", tuple(dict.fromkeys(locks)), tuple(hazard(c) for c in dict.fromkeys(causes)),
                    constraint=constraint, tables=(table,) if structural else ())


def _constraint_add(t: Sequence[Token], table: Name, pieces: list[tuple[Token, ...]]) -> ConstraintAdd | None:
    piece = pieces[0]
    if match(piece, 0, "add", "constraint") is None or len(piece) < 4 or not piece[2].ident:
        return None
    kind = "check" if piece[3].is_("check") else "foreign key" if match(piece, 3, "foreign", "key") else None
    if kind is None:
        return None
    refs = _references(piece)
    not_valid = any(a.is_("not") and b.is_("valid") for a, b in zip(piece, piece[1:], strict=False))
    return ConstraintAdd(table, piece[2].value, kind, refs[0] if refs else None, not_valid, t[-1].end)


def _names_after(t: Sequence[Token], i: int) -> list[Name]:
    out = []
    for piece in split_top(t, i):
        name, _ = read_name(piece, skip(piece, 0, "only"))
        if name is not None and not piece[0].is_("cascade", "restrict"):
            out.append(name)
    return out


def _drops_and_locks(t: Sequence[Token]) -> Analysis | None:
    if match(t, 0, "drop", "table") is not None:
        names = _names_after(t, skip(t, 2, "if", "exists"))
        return Analysis("drop_table", tuple(Lock("ACCESS EXCLUSIVE", n.text) for n in names),
                        (hazard("deletes_data"),))
    if t[0].is_("truncate"):
        names = _names_after(t, skip(t, 1, "table"))
        return Analysis("truncate", tuple(Lock(mode, n.text) for n in names for mode in ("ACCESS EXCLUSIVE", "SHARE")),
                        (hazard("deletes_data"),))
    if t[0].is_("lock"):
        i = skip(t, 1, "table")
        end = next((j for j in range(i, len(t)) if t[j].is_("in", "nowait")), len(t))
        names = _names_after(t[:end], i)
        mode = "ACCESS EXCLUSIVE"
        if end < len(t) and t[end].is_("in"):
            words = [tok.value.upper() for tok in t[end + 1:] if not tok.is_("mode", "nowait")]
            mode = " ".join(words) or mode
        return Analysis("lock", tuple(Lock(mode, n.text) for n in names))
    return None


def _other_table_statements(t: Sequence[Token]) -> Analysis | None:
    sue = "SHARE UPDATE EXCLUSIVE"
    if match(t, 0, "comment", "on") is not None:
        if t[2].is_("table", "column") or match(t, 2, "materialized", "view"):
            name, _ = read_name(t, 3 if t[2].is_("table", "column") else 4)
            if name is not None:
                parts = name.text.split(".")
                target = ".".join(parts[:-1]) if t[2].is_("column") else name.text
                return Analysis("comment", (Lock(sue, target),) if target else ())
        return Analysis("comment")
    if match(t, 0, "alter", "publication") is not None:
        for j, tok in enumerate(t):
            if tok.is_("table"):
                return Analysis("publication", tuple(Lock(sue, n.text) for n in _names_after(t, j + 1)
                                                     if n.text not in ("where",)))
        return Analysis("publication")
    dml = {"insert": ("into",), "update": (), "delete": ("from",), "merge": ("into",)}
    if t[0].value in dml and t[0].kind != STRING:
        name, _ = read_name(t, skip(t, skip(t, 1, *dml[t[0].value]), "only"))
        return Analysis("dml", (Lock("ROW EXCLUSIVE", name.text),) if name else ())
    if t[0].is_("vacuum") and any(tok.is_("full") for tok in t[:4]) or t[0].is_("cluster"):
        names = [n for n in _names_after(t, 1) if n.last not in ("full", "verbose", "analyze")]
        return Analysis("rewrite", tuple(Lock("ACCESS EXCLUSIVE", n.text) for n in names[:1]), (hazard("rewrite"),))
    if match(t, 0, "refresh", "materialized", "view") is not None:
        concurrently = match(t, 3, "concurrently") is not None
        name, _ = read_name(t, skip(t, 3, "concurrently"))
        mode = "EXCLUSIVE" if concurrently else "ACCESS EXCLUSIVE"
        return Analysis("refresh", (Lock(mode, name.text),) if name else ())
    if t[0].is_("do") or (t[0].is_("select", "call", "perform") and any(
            a.ident and b.value == "(" for a, b in zip(t, t[1:], strict=False))):
        return Analysis("do" if t[0].is_("do") else "call", hazards=(hazard("opaque"),), opaque=True)
    return None


_READERS = (_create_index, _drop_index, _alter_table, _policy_trigger_rule, _create_table, _drops_and_locks,
            _other_table_statements)
