"""Settings: `samia.toml` (or `[tool.samia]` in pyproject.toml), env `SAMIA_*`, CLI flags.

Precedence: CLI flag > environment > file > default. Every value is validated here, so that
templates only ever see safe, typed values.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIME_RE = re.compile(r"^[a-z0-9*][a-z0-9.+*-]*/[a-z0-9*][a-z0-9.+*-]*(;[a-z0-9-]+=[a-z0-9.-]+)*$")
ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
CLAIM_PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
DURATION_RE = re.compile(r"^(\d+)\s*(ms|s|min|h)$")
INTERVAL_RE = re.compile(r"^(\d+)\s*(seconds|minutes|hours|days)$")
SIZE_RE = re.compile(r"^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}

DEFAULT_MIME_TYPES = (
    "audio/wav", "audio/mpeg", "audio/ogg", "audio/webm", "audio/webm;codecs=opus", "audio/mp4",
    "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain",
)


@dataclass(frozen=True)
class AppRoles:
    """Names of the application roles as stored in `profiles.role` or the JWT claim."""

    client: str = "client"
    reader: str = "reader"
    monitor: str = "monitor"
    admin: str = "admin"
    super_admin: str = "super_admin"

    def all(self) -> tuple[str, ...]:
        return (self.client, self.reader, self.monitor, self.admin, self.super_admin)


@dataclass(frozen=True)
class Settings:
    """Everything the templates, apply and verify need; immutable once loaded."""

    schema: str = "public"
    private_schema: str = "chat_private"
    bucket: str = "chat-files"
    file_size_limit: int = 10 * 1024 * 1024
    allowed_mime_types: tuple[str, ...] = DEFAULT_MIME_TYPES
    recorder_mime_types: tuple[str, ...] = ("audio/webm;codecs=opus",)
    role_source: str = "profiles"
    role_claim: str = "app_metadata.role"
    app_roles: AppRoles = field(default_factory=AppRoles)
    profiles: str = "create"
    bookings: str = "absent"
    voice_max_seconds: int = 300
    edit_window: str = "15 minutes"
    audit_storage: bool = True
    realtime: bool = True
    lock_timeout: str = "5s"
    statement_timeout: str = "60s"
    migrations_dir: Path = Path("supabase/migrations")
    source: str = "defaults"

    @property
    def role_claim_path(self) -> tuple[str, ...]:
        return tuple(self.role_claim.split("."))


_SCALAR_KEYS = {f.name for f in fields(Settings)} - {"app_roles", "source"}
_FILE_NAME = "samia.toml"


def mime_accepts(allowed: tuple[str, ...], mime: str) -> bool:
    """True when `mime` (parameters ignored) matches an allowed type, `*` wildcards allowed.

    Example: mime_accepts(("audio/webm",), "audio/webm;codecs=opus") -> True
    """
    base = mime.split(";", 1)[0].strip().lower()
    kind, _, sub = base.partition("/")
    for entry in allowed:
        a_kind, _, a_sub = entry.split(";", 1)[0].strip().lower().partition("/")
        if a_kind in ("*", kind) and a_sub in ("*", sub):
            return True
    return False


def parse_size(value: object, where: str) -> int:
    """Bytes from an int or a string such as `10MB` / `10MiB`."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a size such as 10485760 or '10MiB', got {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = SIZE_RE.match(str(value).strip())
        if not match:
            raise ConfigError(f"{where}: expected a size such as 10485760 or '10MiB', got {value!r}")
        size = int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()]
    if not 1 <= size <= 50 * 1024**3:
        raise ConfigError(f"{where}: size must be between 1 byte and 50 GiB, got {size}")
    return size


def _check(pattern: re.Pattern[str], value: object, where: str, what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{where}: {value!r} is not a valid {what}")
    return value


def _as_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a list of strings, got {value!r}")


def _as_bool(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.lower() in ("1", "true", "yes", "on")
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _coerce(key: str, value: object, where: str) -> object:
    """Validate one raw setting; returns the typed value."""
    if key in ("schema", "private_schema"):
        return _check(IDENT_RE, value, where, "schema name (lowercase letters, digits, _)")
    if key == "bucket":
        return _check(BUCKET_RE, value, where, "bucket id (lowercase letters, digits, . _ -)")
    if key == "file_size_limit":
        return parse_size(value, where)
    if key in ("allowed_mime_types", "recorder_mime_types"):
        items = tuple(m.replace(" ", "").lower() for m in _as_list(value, where))
        for m in items:
            _check(MIME_RE, m, where, "MIME type")
        if key == "allowed_mime_types" and not items:
            raise ConfigError(f"{where}: the list of allowed MIME types is empty")
        return items
    if key == "role_source":
        if value not in ("profiles", "claim"):
            raise ConfigError(f"{where}: must be 'profiles' or 'claim', got {value!r}")
        return value
    if key == "role_claim":
        path = _check(CLAIM_PATH_RE, value, where, "claim path such as app_metadata.role")
        if path.split(".")[0] == "user_metadata":
            raise ConfigError(f"{where}: never authorise on user_metadata (users can edit it); use app_metadata")
        return path
    if key == "profiles":
        if value not in ("create", "existing"):
            raise ConfigError(f"{where}: must be 'create' or 'existing', got {value!r}")
        return value
    if key == "bookings":
        if value not in ("absent", "existing"):
            raise ConfigError(f"{where}: must be 'absent' or 'existing', got {value!r}")
        return value
    if key == "voice_max_seconds":
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ConfigError(f"{where}: expected a whole number of seconds, got {value!r}")
        if not 1 <= int(value) <= 3600:
            raise ConfigError(f"{where}: must be between 1 and 3600 seconds, got {value!r}")
        return int(value)
    if key == "edit_window":
        return _check(INTERVAL_RE, value, where, "interval such as '15 minutes'")
    if key in ("lock_timeout", "statement_timeout"):
        return _check(DURATION_RE, value, where, "timeout such as '5s', '500ms', '2min'")
    if key in ("audit_storage", "realtime"):
        return _as_bool(value, where)
    if key == "migrations_dir":
        if not isinstance(value, str | Path) or not str(value):
            raise ConfigError(f"{where}: expected a directory path, got {value!r}")
        return Path(value)
    raise ConfigError(f"{where}: unknown setting {key!r}")


def _app_roles(raw: object, where: str) -> AppRoles:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table of role names")
    known = {f.name for f in fields(AppRoles)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown app role (known: {', '.join(sorted(known))})")
    values = {k: _check(ROLE_NAME_RE, v, f"{where}.{k}", "role name") for k, v in raw.items()}
    roles = replace(AppRoles(), **values)
    if len(set(roles.all())) != len(roles.all()):
        raise ConfigError(f"{where}: app role names must be distinct, got {roles.all()}")
    return roles


def find_config(start: Path | None = None) -> Path | None:
    """The config file to use: ./samia.toml, else a pyproject.toml with [tool.samia]."""
    base = start or Path.cwd()
    candidate = base / _FILE_NAME
    if candidate.is_file():
        return candidate
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "samia" in tomllib.loads(pyproject.read_text()).get("tool", {}):
                return pyproject
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None
    return None


def read_config_table(path: Path) -> dict[str, Any]:
    """The raw samia table of a config file (`[samia]` in samia.toml, `[tool.samia]` in pyproject)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
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


def load_settings(
    path: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Load and validate settings.

    Example:
        >>> load_settings(overrides={"bucket": "chat-files"}).bucket
        'chat-files'
    """
    env = os.environ if env is None else env
    explicit = path or (Path(env["SAMIA_CONFIG"]) if env.get("SAMIA_CONFIG") else None)
    config_path = explicit or find_config()
    values: dict[str, object] = {}
    source = "defaults"
    if config_path is not None:
        table = read_config_table(config_path)
        source = str(config_path)
        for key, raw in table.items():
            where = f"{config_path}: samia.{key}"
            if key in ("matrix", "lint"):
                continue  # read by the verifier and the linter
            if key == "app_roles":
                values[key] = _app_roles(raw, where)
            elif key in _SCALAR_KEYS:
                values[key] = _coerce(key, raw, where)
            else:
                raise ConfigError(f"{where}: unknown setting {key!r}")
        if "migrations_dir" in values and not Path(str(values["migrations_dir"])).is_absolute():
            values["migrations_dir"] = config_path.parent / Path(str(values["migrations_dir"]))
    for key in sorted(_SCALAR_KEYS):
        env_key = f"SAMIA_{key.upper()}"
        if env.get(env_key):
            values[key] = _coerce(key, env[env_key], f"environment {env_key}")
    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        if key not in _SCALAR_KEYS:
            raise ConfigError(f"option {key!r}: unknown setting")
        values[key] = _coerce(key, raw, f"option --{key.replace('_', '-')}")
    settings = Settings(**values, source=source)  # type: ignore[arg-type]
    for mime in settings.recorder_mime_types:
        if not mime_accepts(settings.allowed_mime_types, mime):
            raise ConfigError(
                f"{source}: samia.allowed_mime_types does not accept {mime!r}, which the app records"
            )
    return settings
