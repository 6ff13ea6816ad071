"""Table lock modes, the locks a statement takes, and hazards (named as pg-schema-diff names them).

A statement takes `Lock`s on relations and may carry `Hazard`s: what it does to a live table
while it holds them (blocks writes for an index build, scans every row under an exclusive lock,
rewrites the table, drops data). Hazards only matter for tables that exist before the apply.

Example:
    >>> Lock("SHARE", "public.t").blocks
    'writes'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

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
    cause: (kind, message)
    for cause, (kind, message) in tomllib.loads((Path(__file__).parent / "hazards.toml").read_text()).items()
}
