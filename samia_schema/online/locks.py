"""Table lock modes, the locks a statement takes, and hazards (named as pg-schema-diff names them).

A statement takes `Lock`s on relations and may carry `Hazard`s: what it does to a live table
while it holds them (blocks writes for an index build, scans every row under an exclusive lock,
rewrites the table, drops data). Hazards only matter for tables that exist before the apply.

Example:
    >>> Lock("SHARE", "public.t").blocks
    'writes'
"""

from __future__ import annotations

from dataclasses import dataclass

# PostgreSQL's table lock modes, weakest first (pg_locks spells them AccessShareLock, …)
MODES = ("ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
         "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE")
BLOCKS_WRITES = frozenset({"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"})

# hazard types (pg-schema-diff's vocabulary)
ACCESS_EXCLUSIVE = "ACQUIRES_ACCESS_EXCLUSIVE_LOCK"
SHARE_LOCK = "ACQUIRES_SHARE_LOCK"
SHARE_ROW_EXCLUSIVE = "ACQUIRES_SHARE_ROW_EXCLUSIVE_LOCK"
INDEX_BUILD = "INDEX_BUILD"
INDEX_DROPPED = "INDEX_DROPPED"
DELETES_DATA = "DELETES_DATA"
CORRECTNESS = "CORRECTNESS"
PERFORMANCE = "IMPACTS_DATABASE_PERFORMANCE"
UNTRACKABLE = "HAS_UNTRACKABLE_DEPENDENCIES"


def lock_name(mode: str) -> str:
    """`SHARE UPDATE EXCLUSIVE` -> `ShareUpdateExclusiveLock` (as pg_locks shows it)."""
    return "".join(word.capitalize() for word in mode.split()) + "Lock"


def strongest(modes: list[str]) -> str:
    return max(modes, key=MODES.index)


@dataclass(frozen=True)
class Lock:
    """A table lock: `relation` as written in the statement (`on_index`: the table of that index)."""

    mode: str
    relation: str
    on_index: bool = False

    @property
    def blocks(self) -> str:
        """What concurrent clients it blocks while held: 'reads and writes', 'writes' or 'DDL only'."""
        if self.mode == "ACCESS EXCLUSIVE":
            return "reads and writes"
        return "writes" if self.mode in BLOCKS_WRITES else "DDL only"


@dataclass(frozen=True)
class Hazard:
    """`type` is pg-schema-diff's hazard name; `cause` a short id the migration lint keys on."""

    type: str
    message: str
    cause: str

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


def hazard(cause: str) -> Hazard:
    """The hazard of a known cause (see HAZARDS)."""
    kind, message = HAZARDS[cause]
    return Hazard(kind, message, cause)


HAZARDS: dict[str, tuple[str, str]] = {
    "index_build": (SHARE_LOCK, "a non-concurrent index build locks out writes to the table for the whole build"),
    "index_build_online": (INDEX_BUILD, "a concurrent index build costs CPU and I/O and takes a while, "
                                        "but does not lock out writes"),
    "index_drop": (INDEX_DROPPED, "queries that used this index may get slower"),
    "index_drop_locked": (ACCESS_EXCLUSIVE, "a non-concurrent index drop locks out reads and writes until commit"),
    "check_scan": (ACCESS_EXCLUSIVE, "adding a validated CHECK scans every row while reads and writes are locked "
                                     "out; add it NOT VALID, then VALIDATE"),
    "fk_scan": (SHARE_ROW_EXCLUSIVE, "adding a validated foreign key scans every row while writes to both tables "
                                     "are locked out; add it NOT VALID, then VALIDATE"),
    "validate": (PERFORMANCE, "VALIDATE scans every row (writes go on: SHARE UPDATE EXCLUSIVE)"),
    "unique_build": (ACCESS_EXCLUSIVE, "the constraint builds its index while reads and writes are locked out; "
                                       "build a unique index CONCURRENTLY, then ADD CONSTRAINT … USING INDEX"),
    "volatile_default": (ACCESS_EXCLUSIVE, "a column with a volatile default (or serial, identity, stored "
                                           "generated) rewrites the whole table under an exclusive lock"),
    "not_null_no_default": (CORRECTNESS, "a NOT NULL column without a default fails on a table that has rows"),
    "type_change": (ACCESS_EXCLUSIVE, "changing a column's type rewrites (or at least scans) the table and its "
                                      "indexes while reads and writes are locked out"),
    "not_null_scan": (ACCESS_EXCLUSIVE, "SET NOT NULL scans every row under an exclusive lock unless a validated "
                                        "CHECK (col IS NOT NULL) exists"),
    "rewrite": (ACCESS_EXCLUSIVE, "rewrites the whole table while reads and writes are locked out"),
    "attach_scan": (ACCESS_EXCLUSIVE, "attaching a partition scans it unless a validated CHECK matches the bound"),
    "rename": (CORRECTNESS, "clients that use the old name fail after the rename"),
    "deletes_data": (DELETES_DATA, "deletes data"),
    "opaque": (UNTRACKABLE, "a DO block or function call: its locks cannot be known before it runs"),
}
