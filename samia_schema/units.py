"""Plans are frozen data: the rendered units, in order, with their checksums and where they came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


def checksum(sql: str) -> str:
    """SHA-256 of the rendered SQL, hex."""
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Unit:
    """One rendered template: `name` is the template stem (e.g. `020_tables`).

    `source` is the template file; `overrides` the template of an earlier directory (the pack's)
    that a user template with the same name replaced.
    """

    name: str
    sql: str
    source: Path | None = field(default=None, compare=False)
    overrides: Path | None = field(default=None, compare=False)

    @property
    def checksum(self) -> str:
        return checksum(self.sql)

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class Plan:
    """All units of a template set in apply order."""

    units: tuple[Unit, ...]

    def unit(self, name: str) -> Unit:
        for unit in self.units:
            if unit.name == name:
                return unit
        raise KeyError(name)

    @property
    def sql(self) -> str:
        return "".join(f"-- unit: {u.name}\n{u.sql}\n" for u in self.units)
