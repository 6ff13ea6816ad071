"""The declared access-control matrix: personas and expected levels per resource and operation.

Which resources, operations and levels exist is the pack's vocabulary (`access.vocabulary`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError

PG_ROLES = ("anon", "authenticated", "service_role")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")
Levels = Mapping[str, Mapping[str, tuple[str, ...]]]  # resource -> operation -> levels it knows


@dataclass(frozen=True)
class Persona:
    """Who a probe acts as: Postgres role + app role + extra JWT claims."""

    name: str
    role: str
    app_role: str | None = None
    claims: tuple[tuple[str, Any], ...] = ()

    @property
    def signed_in(self) -> bool:
        return self.role == "authenticated"

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class Expectation:
    resource: str
    operation: str
    persona: str
    level: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.resource, self.operation, self.persona)


@dataclass(frozen=True)
class Matrix:
    personas: tuple[Persona, ...]
    expectations: tuple[Expectation, ...]
    declared_rpcs: frozenset[str] = field(default_factory=frozenset)
    source: str = "default"

    def persona(self, name: str) -> Persona:
        for persona in self.personas:
            if persona.name == name:
                return persona
        raise KeyError(name)

    def level(self, resource: str, operation: str, persona: str) -> str | None:
        for e in self.expectations:
            if e.key == (resource, operation, persona):
                return e.level
        return None


class _Lines:
    """Finds the line of a key in a TOML text, so that spec errors can name it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, *needles: str) -> int | None:
        start = 0
        for needle in needles:
            pattern = re.compile(r"(^|[\s{,\[.\"])" + re.escape(needle) + r"(\"?\s*=|\]|\.|\s*$)")
            for number in range(start, len(self.lines)):
                if pattern.search(self.lines[number]):
                    start = number
                    break
            else:
                return None
        return start + 1


def _error(source: str, lines: _Lines, message: str, *needles: str) -> SpecError:
    line = lines.find(*needles) if needles else None
    return SpecError(f"{source}{f':{line}' if line else ''}: {message}")


def _personas(raw: object, source: str, lines: _Lines) -> tuple[Persona, ...]:
    if not isinstance(raw, dict) or not raw:
        raise _error(source, lines, "the spec declares no [personas.<name>]")
    personas = []
    for name, body in raw.items():
        if not _NAME_RE.match(name):
            raise _error(source, lines, f"invalid persona name {name!r}", f"personas.{name}")
        if not isinstance(body, dict):
            raise _error(source, lines, f"persona {name!r} must be a table", f"personas.{name}")
        for key in body:
            if key not in ("role", "app_role", "claims"):
                raise _error(source, lines, f"persona {name!r}: unknown key {key!r}", f"personas.{name}", key)
        role = body.get("role")
        if role not in PG_ROLES:
            raise _error(source, lines, f"persona {name!r}: role must be one of {', '.join(PG_ROLES)}, got {role!r}",
                         f"personas.{name}", "role")
        app_role = body.get("app_role") or None
        if app_role is not None and (not isinstance(app_role, str) or role != "authenticated"):
            raise _error(source, lines, f"persona {name!r}: app_role needs role = 'authenticated' and a string",
                         f"personas.{name}", "app_role")
        claims = body.get("claims", {})
        if not isinstance(claims, dict):
            raise _error(source, lines, f"persona {name!r}: claims must be a table", f"personas.{name}", "claims")
        for reserved in ("sub", "role"):
            if reserved in claims:
                raise _error(source, lines, f"persona {name!r}: claim {reserved!r} is set by the verifier",
                             f"personas.{name}", "claims")
        personas.append(Persona(name, role, app_role, tuple(sorted(claims.items()))))
    return tuple(personas)


def _expectations(raw: object, personas: tuple[Persona, ...], source: str, lines: _Lines,
                  known_levels: Levels) -> tuple[Expectation, ...]:
    if not isinstance(raw, dict) or not raw:
        raise _error(source, lines, "the spec declares no [expect.<resource>]")
    names = {p.name for p in personas}
    found = []
    for resource, ops in raw.items():
        if resource not in known_levels:
            raise _error(source, lines, f"unknown resource {resource!r} (known: {', '.join(known_levels)})",
                         f"expect.{resource}")
        if not isinstance(ops, dict):
            raise _error(source, lines, f"expect.{resource} must be a table", f"expect.{resource}")
        for operation, cells in ops.items():
            known = known_levels[resource]
            if operation not in known:
                raise _error(source, lines, f"unknown operation {operation!r} for {resource} "
                             f"(known: {', '.join(known)})", f"expect.{resource}", operation)
            if not isinstance(cells, dict):
                raise _error(source, lines, f"expect.{resource}.{operation} must be a table of persona = level",
                             f"expect.{resource}", operation)
            default = cells.get("*")
            for persona, level in cells.items():
                if persona != "*" and persona not in names:
                    raise _error(source, lines, f"unknown persona {persona!r} in expect.{resource}.{operation}",
                                 f"expect.{resource}", operation)
                if level not in known[operation]:
                    raise _error(source, lines, f"unknown level {level!r} for {resource}.{operation} "
                                 f"(known: {', '.join(known[operation])})", f"expect.{resource}", operation)
            for persona in personas:
                level = cells.get(persona.name, default)
                if level is None:
                    raise _error(source, lines, f"no level for persona {persona.name!r} in "
                                 f"expect.{resource}.{operation} (name it or set \"*\")",
                                 f"expect.{resource}", operation)
                found.append(Expectation(resource, operation, persona.name, level))
    return tuple(found)


def parse_matrix(text: str, known_levels: Levels, source: str = "<matrix>") -> Matrix:
    """Parse and validate a matrix spec against a vocabulary's levels; errors name the file and line.

    Example:
        >>> parse_matrix(path.read_text(), levels_of(pack.vocabulary()), str(path)).personas[0].name
        'anon'
    """
    lines = _Lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: not valid TOML: {exc}") from None
    if isinstance(data.get("samia"), dict) and isinstance(data["samia"].get("matrix"), dict):
        data = data["samia"]["matrix"]  # embedded in samia.toml as [samia.matrix]
    elif isinstance(data.get("matrix"), dict):
        data = data["matrix"]
    for key in data:
        if key not in ("personas", "expect", "rpc"):
            raise _error(source, lines, f"unknown top-level table {key!r} (known: personas, expect, rpc)", key)
    personas = _personas(data.get("personas"), source, lines)
    expectations = _expectations(data.get("expect"), personas, source, lines, known_levels)
    declared = data.get("rpc", {}).get("declared", [])
    if not isinstance(declared, list) or not all(isinstance(x, str) for x in declared):
        raise _error(source, lines, "rpc.declared must be a list of function names", "declared")
    return Matrix(personas, expectations, frozenset(declared), source)


def load_matrix(path: Path, known_levels: Levels) -> Matrix:
    """The matrix spec in the file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read matrix spec: {exc.strerror}") from None
    return parse_matrix(text, known_levels, str(path))
