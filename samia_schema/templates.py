"""The template set (the pack's directories and the user's own) and rendering it into a Plan.

`templates = ["@pack", "db/templates"]` in samia.toml: every `NNN_name.sql.j2` (rendered with
Jinja, StrictUndefined) or `NNN_name.sql` (taken verbatim) of those directories is one unit; units
are ordered by their numeric prefix, then name; a file in a later directory with the name of a
file in an earlier one overrides it (and `samia plan` says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .config import PACK_TEMPLATES
from .errors import TemplateError
from .quoting import quote_ident, quote_literal, quote_text_array
from .units import Plan, Unit

_UNIT_RE = re.compile(r"^(\d+)_[A-Za-z0-9_-]+$")
_SUFFIXES = (".sql.j2", ".sql")


@dataclass(frozen=True)
class TemplateFile:
    """One unit's winning template file; `overrides` is the file it replaced, if any."""

    name: str
    path: Path
    overrides: Path | None = None

    @property
    def key(self) -> str:
        return self.name

    @property
    def jinja(self) -> bool:
        return self.path.name.endswith(".sql.j2")


def _unit_name(path: Path) -> str | None:
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.name.removesuffix(suffix)
    return None


def _order(name: str) -> tuple[int, str]:
    match = _UNIT_RE.match(name)
    return (int(match.group(1)) if match else 0, name)


@dataclass(frozen=True)
class TemplateSet:
    """Directories in override order and the resolved unit files, in apply order."""

    directories: tuple[Path, ...]
    files: tuple[TemplateFile, ...]

    @classmethod
    def resolve(cls, entries: tuple[str, ...], pack_dirs: tuple[Path, ...]) -> TemplateSet:
        """Expand `@pack`, check every directory, and pick each unit's file.

        Example:
            >>> TemplateSet.resolve(("@pack",), (Path("templates"),)).files[0].name
            '000_schemas'
        """
        directories: list[Path] = []
        for entry in entries:
            directories += list(pack_dirs) if entry == PACK_TEMPLATES else [Path(entry)]
        chosen: dict[str, TemplateFile] = {}
        for directory in directories:
            if not directory.is_dir():
                raise TemplateError(f"{directory}: template directory does not exist")
            here: dict[str, Path] = {}
            for path in sorted(directory.iterdir()):
                name = _unit_name(path)
                if name is None:
                    continue
                if not _UNIT_RE.match(name):
                    raise TemplateError(f"{path}: unit file names look like 040_helpers.sql.j2 (digits, _ , name)")
                if name in here:
                    raise TemplateError(f"{directory}: both {here[name].name} and {path.name} define unit {name}")
                here[name] = path
                previous = chosen.get(name)
                chosen[name] = TemplateFile(name, path, previous.path if previous else None)
        if not chosen:
            raise TemplateError(f"no templates found in {', '.join(str(d) for d in directories) or '(none)'}")
        return cls(tuple(directories), tuple(sorted(chosen.values(), key=lambda f: _order(f.name))))


def _environment(directories: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in reversed(directories)]),  # later dirs win
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ident"] = quote_ident
    env.filters["literal"] = quote_literal
    env.filters["text_array"] = quote_text_array
    return env


def render_units(template_set: TemplateSet, context: dict[str, object]) -> Plan:
    """Render every unit of the set with `context`, deterministically.

    Example:
        >>> plan = render_units(ws.templates, ws.pack.template_context(ws.settings))
        >>> plan.units[0].name
        '000_schemas'
    """
    env = _environment(template_set.directories)
    units = []
    for file in template_set.files:
        where = file.path.name
        try:
            if file.jinja:
                text = env.from_string(file.path.read_text(encoding="utf-8")).render(context)
            else:
                text = file.path.read_text(encoding="utf-8")
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{where}: undefined template variable: {exc.message}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{where}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{file.path}: cannot read template: {exc}") from None
        units.append(Unit(file.name, text.strip() + "\n", file.path, file.overrides))
    return Plan(units=tuple(units))
