"""What a pack tells the consolidation engine: the legacy objects it finds, what to back up, how to
move them aside and fill its tables, and how to account for every legacy row.

Example (the chat pack):
    >>> consolidation = ws.pack.consolidation(ws.settings)
    >>> inventory = consolidation.detect(conn)
    >>> [o.name for o in inventory.objects if o.action == "archive"]
    ['public.messages', 'public.notes', ...]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from .manifest import BackupItem

ACTIONS = ("migrate", "archive", "drop", "disable", "revoke", "move", "keep", "leave")
CHANGING = frozenset({"migrate", "archive", "drop", "disable", "revoke", "move"})


@dataclass(frozen=True)
class LegacyObject:
    """One object found: its kind, name, the known shape it matches (or `unknown`), what happens to it."""

    kind: str    # table | policy | trigger | function | bucket | layout
    name: str
    shape: str   # a known legacy shape, `unified`, `application`, or `unknown`
    action: str  # one of ACTIONS
    detail: str = ""


@dataclass(frozen=True)
class Inventory:
    objects: tuple[LegacyObject, ...]
    refusals: tuple[str, ...] = ()  # states the consolidation must not touch (an unknown shape in the way)

    @property
    def pending(self) -> bool:
        """True when the database part has something to do."""
        return any(o.action in CHANGING and o.kind not in ("layout", "bucket") for o in self.objects)

    def of(self, kind: str, action: str | None = None) -> tuple[LegacyObject, ...]:
        return tuple(o for o in self.objects if o.kind == kind and (action is None or o.action == action))


@dataclass(frozen=True)
class TableAccount:
    """One legacy table: rows found, migrated (counted on the target side), skipped with reasons."""

    table: str
    found: int
    migrated: int
    skipped: int
    target: str
    reasons: tuple[tuple[str, int], ...] = ()
    checksum_before: str | None = None
    checksum_after: str | None = None

    @property
    def balanced(self) -> bool:
        return self.found == self.migrated + self.skipped


Step = Callable[[str], None]


class Consolidation(Protocol):
    """A pack's consolidation of a legacy database into its templates' objects."""

    archive_schema: str

    def detect(self, conn: psycopg.Connection[Any]) -> Inventory: ...

    def backup_items(self, conn: psycopg.Connection[Any], inventory: Inventory) -> tuple[BackupItem, ...]: ...

    def prepare(self, conn: psycopg.Connection[Any], inventory: Inventory, step: Step) -> None:
        """Before the templates are applied: move legacy tables aside, drop, disable, revoke."""
        ...

    def fill(self, conn: psycopg.Connection[Any], inventory: Inventory, step: Step) -> None:
        """After the templates are applied: fill the new tables, list what is skipped, plan the moves."""
        ...

    def accounts(self, conn: psycopg.Connection[Any]) -> tuple[TableAccount, ...]: ...

    def skipped(self, conn: psycopg.Connection[Any], limit: int) -> tuple[tuple[str, str, str], ...]:
        """(table, id, reason) of skipped legacy rows, at most `limit`."""
        ...
