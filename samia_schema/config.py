"""Settings: `samia.toml` (or `[tool.samia]` in pyproject.toml), environment `SAMIA_*`, flags.

One precedence rule for every value (settings, lint config, matrix, template set, pack):
flag > environment (incl. `SAMIA_CONFIG`, which picks the file) > file > default. The engine knows
its own keys; every other key of `[samia]` belongs to the pack, which validates it (see
`samia_schema.packs.base.Pack`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .packs.base import Pack

IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DURATION_RE = re.compile(r"^(\d+)\s*(ms|s|min|h)$")
PACK_TEMPLATES = "@pack"  # in `templates`: the pack's own template directories
TABLE_KEYS = ("matrix", "lint")  # sub-tables read by the workspace, not settings
_FILE_NAME = "samia.toml"


@dataclass(frozen=True)
class Settings:
    """Engine settings; a pack's settings class extends this with its own keys.

    `templates` holds `@pack` (the pack's templates) and absolute directories, in order.
    """

    pack: str = "chat"
    templates: tuple[str, ...] = (PACK_TEMPLATES,)
    lock_timeout: str = "5s"
    statement_timeout: str = "60s"
    lock_retries: int = 5  # attempts after the first when lock_timeout is reached (transaction, each online step)
    lock_retry_delay: str = "200ms"  # the first backoff; it doubles per attempt (with jitter), at most 10s
    online_timeout: str = "30min"  # statement_timeout of each online step (concurrent index builds, VALIDATE)
    migrations_dir: Path = Path("supabase/migrations")
    source: str = "defaults"


ENGINE_KEYS = frozenset(f.name for f in fields(Settings)) - {"source"}


def check_pattern(pattern: re.Pattern[str], value: object, where: str, what: str) -> str:
    """`value` when it is a string matching `pattern`, else a ConfigError naming `where`."""
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{where}: {value!r} is not a valid {what}")
    return value


def as_list(value: object, where: str) -> tuple[str, ...]:
    """A list of strings from a TOML array or a comma-separated string (environment)."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a list of strings, got {value!r}")


def as_bool(value: object, where: str) -> bool:
    """A boolean from TOML or from an environment string (1/0, true/false, yes/no, on/off)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.lower() in ("1", "true", "yes", "on")
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def one_of(value: object, choices: tuple[str, ...], where: str) -> str:
    """`value` when it is one of `choices`."""
    if value not in choices:
        raise ConfigError(f"{where}: must be {' or '.join(repr(c) for c in choices)}, got {value!r}")
    return str(value)


def _engine_value(key: str, value: object, where: str, base: Path) -> object:
    if key == "pack":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: expected a pack name or path, got {value!r}")
        return value.strip()
    if key == "templates":
        entries = as_list(value, where)
        if not entries:
            raise ConfigError(f"{where}: the template list is empty (use {PACK_TEMPLATES!r} for the pack's)")
        return tuple(e if e == PACK_TEMPLATES else str((base / e).resolve()) for e in entries)
    if key == "lock_retries":
        number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 100:
            raise ConfigError(f"{where}: expected a number of retries from 0 to 100, got {value!r}")
        return number
    if key in ("lock_timeout", "statement_timeout", "lock_retry_delay", "online_timeout"):
        return check_pattern(DURATION_RE, value, where, "timeout such as '5s', '500ms', '2min'")
    if key == "migrations_dir":
        if not isinstance(value, str | Path) or not str(value):
            raise ConfigError(f"{where}: expected a directory path, got {value!r}")
        path = Path(value)
        return path if path.is_absolute() else base / path
    raise ConfigError(f"{where}: unknown setting {key!r}")


def find_config(start: Path | None = None) -> Path | None:
    """The config file to use: ./samia.toml, else a pyproject.toml with [tool.samia]."""
    base = start or Path.cwd()
    candidate = base / _FILE_NAME
    if candidate.is_file():
        return candidate
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "samia" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                return pyproject
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None
    return None


def config_path(flag: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """Which config file: --config, else $SAMIA_CONFIG, else ./samia.toml or [tool.samia]."""
    env = os.environ if env is None else env
    if flag is not None:
        return flag
    if env.get("SAMIA_CONFIG"):
        return Path(env["SAMIA_CONFIG"])
    return find_config()


def read_config_table(path: Path) -> dict[str, Any]:
    """The raw samia table of a config file (`[samia]` in samia.toml, `[tool.samia]` in pyproject)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("samia", {})
    else:
        table = data.get("samia", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [samia] must be a table")
    return table


@dataclass(frozen=True)
class Layer:
    """One source of raw values, with how to name it in an error."""

    values: Mapping[str, object]
    where: str  # e.g. "samia.toml: samia.{key}" / "environment SAMIA_{KEY}" / "option --{flag}"

    def name(self, key: str) -> str:
        return self.where.format(key=key, KEY=key.upper(), flag=key.replace("_", "-"))


def layered(flag: Mapping[str, object], env: Mapping[str, str], file: Mapping[str, object],
            file_label: str) -> tuple[Layer, Layer, Layer]:
    """The three layers in increasing precedence: file, environment (`SAMIA_<KEY>`), flags."""
    env_values = {k.removeprefix("SAMIA_").lower(): v for k, v in env.items() if k.startswith("SAMIA_") and v}
    return (Layer(file, f"{file_label}: samia.{{key}}"), Layer(env_values, "environment SAMIA_{KEY}"),
            Layer({k: v for k, v in flag.items() if v is not None}, "option --{flag}"))


def pick(key: str, layers: tuple[Layer, ...], default: object = None) -> tuple[object, str | None]:
    """The highest-precedence raw value of `key` and where it came from (None: the default)."""
    for layer in reversed(layers):
        if key in layer.values:
            return layer.values[key], layer.name(key)
    return default, None


def load_settings(
    path: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    pack: Pack | None = None,
) -> Settings:
    """Load and validate settings with the pack's settings class.

    Example:
        >>> load_settings(overrides={"lock_timeout": "2s"}).lock_timeout
        '2s'
    """
    from .packs import load_pack

    env = os.environ if env is None else env
    chosen = config_path(path, env)
    table = read_config_table(chosen) if chosen is not None else {}
    label = str(chosen) if chosen is not None else "defaults"
    base = chosen.resolve().parent if chosen is not None else Path.cwd()
    layers = layered(overrides or {}, env, table, label)
    if pack is None:
        ref, where = pick("pack", layers, "chat")
        pack = load_pack(str(_engine_value("pack", ref, where or "pack", base)), base)
    known = ENGINE_KEYS | pack.setting_keys
    for key in table:
        if key not in known and key not in TABLE_KEYS:
            raise ConfigError(f"{label}: samia.{key}: unknown setting {key!r}")
    for key in overrides or {}:
        if key not in known:
            raise ConfigError(f"option {key!r}: unknown setting")
    values: dict[str, Any] = {}
    for key in sorted(known):
        raw, where = pick(key, layers)
        if where is None:
            continue
        if where.startswith("environment") and key in pack.table_keys:
            continue  # TOML tables come from files only
        if key in ENGINE_KEYS:
            values[key] = _engine_value(key, raw, where, base if not where.startswith("environment") else Path.cwd())
        else:
            values[key] = pack.coerce(key, raw, where)
    values["pack"] = pack.reference
    settings = pack.settings_class(**values, source=label)
    pack.check(settings)
    return settings
