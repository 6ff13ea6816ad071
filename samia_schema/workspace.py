"""The workspace: everything a command needs, loaded once with one precedence rule.

Settings, lint config, the matrix source, the resolved template set and the rendered plan come
from the same config file: `--config`, else `$SAMIA_CONFIG`, else ./samia.toml (or `[tool.samia]`
in pyproject.toml). For each value: flag > environment > file > default.

Example:
    >>> ws = load_workspace()                      # ./samia.toml, the chat pack
    >>> [u.name for u in ws.plan.units][:2]
    ['000_schemas', '010_tables']
    >>> with ws.database() as db:                  # embedded Postgres, bootstrapped, schema applied
    ...     verify_matrix(db.connect(), ws.pack, ws.matrix(), ws.settings).passed
    True
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings, config_path, layered, load_settings, pick, read_config_table
from .errors import ConfigError, SpecError
from .packs import load_pack
from .packs.base import Pack
from .templates import TemplateSet, render_units
from .units import Plan

if TYPE_CHECKING:
    from .access.matrix import Matrix
    from .database import Database
    from .linter.config import LintConfig


def resolve_dsn(flag: str | None, env: Mapping[str, str] | None = None, *, required: bool = True) -> str | None:
    """The database URL: --db, else $SAMIA_DB_URL, else $DATABASE_URL.

    Example:
        >>> resolve_dsn(None, {"DATABASE_URL": "postgresql://localhost/app"})
        'postgresql://localhost/app'
    """
    env = os.environ if env is None else env
    dsn = flag or env.get("SAMIA_DB_URL") or env.get("DATABASE_URL")
    if required and not dsn:
        raise ConfigError("no database: pass --db URL or set SAMIA_DB_URL / DATABASE_URL")
    return dsn or None


@dataclass(frozen=True)
class MatrixSource:
    """Where the matrix spec comes from: a file, a table inline in the config file, or the pack."""

    path: Path
    inline: bool = False
    origin: str = "pack"  # "option --matrix", "environment SAMIA_MATRIX", "<config>: samia.matrix", "pack"


@dataclass(frozen=True)
class Workspace:
    """One project: its config file, pack, settings, lint config, matrix source and template set."""

    root: Path
    config_path: Path | None
    pack: Pack
    settings: Settings
    lint_config: LintConfig
    matrix_source: MatrixSource
    templates: TemplateSet
    env: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def plan(self) -> Plan:
        """The rendered units (rendered once per workspace)."""
        context = {**self.pack.template_context(self.settings), "s": self.settings}
        return render_units(self.templates, context)

    def matrix(self, path: Path | None = None) -> Matrix:
        """The matrix spec: `path` (a --matrix flag), else the workspace's source."""
        from .access.matrix import load_matrix, parse_matrix
        from .access.vocabulary import levels_of

        known = levels_of(self.pack.vocabulary())
        if path is not None:
            return load_matrix(path, known)
        source = self.matrix_source
        if source.inline:
            try:
                text = source.path.read_text(encoding="utf-8")
            except OSError as exc:
                raise SpecError(f"{source.path}: cannot read: {exc.strerror}") from None
            return parse_matrix(text, known, str(source.path))
        return load_matrix(source.path, known)

    def dsn(self, flag: str | None, *, required: bool = True) -> str | None:
        """The database URL of a command (flag > $SAMIA_DB_URL > $DATABASE_URL)."""
        return resolve_dsn(flag, self.env, required=required)

    def database(self, dsn: str | None = None, *, schema: bool = True) -> AbstractContextManager[Database]:
        """A DSN as it is, or (no DSN) an embedded Postgres, bootstrapped and with the plan applied
        unless `schema=False`; see `samia_schema.database`."""
        from .database import open_database

        return open_database(self, dsn, schema=schema)

    def shadow(self, server: str | None = None) -> AbstractContextManager[Database]:
        """A scratch database holding exactly the plan: on `server`, or on an embedded Postgres."""
        from .database import shadow_database

        return shadow_database(self, server)


def _matrix_source(table: Mapping[str, Any], flag: Path | None, env: Mapping[str, str], pack: Pack,
                   config: Path | None, base: Path) -> MatrixSource:
    layers = layered({"matrix": flag}, env, {"matrix": table["matrix"]} if "matrix" in table else {},
                     str(config) if config else "defaults")
    raw, where = pick("matrix", layers)
    if where is None:
        return MatrixSource(pack.default_matrix())
    if isinstance(raw, Mapping):
        assert config is not None  # only a file holds tables
        return MatrixSource(config, inline=True, origin=where)
    if isinstance(raw, str | Path) and str(raw):
        path = Path(raw)
        relative_to = base if where.startswith(str(config)) else Path.cwd()
        return MatrixSource(path if path.is_absolute() else relative_to / path, origin=where)
    raise ConfigError(f"{where}: expected a matrix file path or a [samia.matrix] table, got {raw!r}")


def load_workspace(
    config: Path | None = None,
    *,
    pack: str | None = None,
    matrix: Path | None = None,
    templates: tuple[str, ...] | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Workspace:
    """Load the workspace of a config file (flag, $SAMIA_CONFIG, ./samia.toml, or defaults).

    Args:
        config: --config; pack: --pack; matrix: --matrix; templates: --templates.
        overrides: other settings given as flags (key -> raw value).
        env: the environment (default: os.environ).
    """
    from .linter.config import lint_config_from

    env = dict(os.environ if env is None else env)
    chosen = config_path(config, env)
    table = read_config_table(chosen) if chosen is not None else {}
    base = chosen.resolve().parent if chosen is not None else Path.cwd()
    flags: dict[str, object] = dict(overrides or {})
    if pack is not None:
        flags["pack"] = pack
    if templates:
        flags["templates"] = list(templates)
    layers = layered(flags, env, table, str(chosen) if chosen else "defaults")
    ref, _ = pick("pack", layers, "chat")
    if not isinstance(ref, str):
        raise ConfigError(f"pack: expected a pack name or path, got {ref!r}")
    chosen_pack = load_pack(ref, base)
    settings = load_settings(chosen, flags, env, chosen_pack)
    lint_config = lint_config_from(table.get("lint", {}), str(chosen) if chosen else "defaults", env)
    template_set = TemplateSet.resolve(settings.templates, chosen_pack.template_dirs())
    return Workspace(base, chosen, chosen_pack, settings, lint_config,
                     _matrix_source(table, matrix, env, chosen_pack, chosen, base), template_set, env)
