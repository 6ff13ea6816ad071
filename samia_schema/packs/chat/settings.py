"""The chat pack's settings: schema names, bucket, limits, MIME types, role source, app roles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from ...config import IDENT_RE, Settings, as_bool, as_list, check_pattern, one_of
from ...errors import ConfigError

BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIME_RE = re.compile(r"^[a-z0-9*][a-z0-9.+*-]*/[a-z0-9*][a-z0-9.+*-]*(;[a-z0-9-]+=[a-z0-9.-]+)*$")
ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
CLAIM_PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
HEADER_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
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
class ChatSettings(Settings):
    """Everything the chat templates, verifier and audit need; immutable once loaded."""

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
    profiles_policies: str = "keep"  # with profiles = "existing": "replace" the app's profiles policies and grants
    bookings: str = "absent"
    voice_max_seconds: int = 300
    edit_window: str = "15 minutes"
    audit_storage: bool = True
    realtime: bool = True
    trusted_ip_header: str = "cf-connecting-ip"
    max_rows_per_request: int = 100
    realtime_publication: bool = False
    messages_partitioning: str = "none"  # "monthly": chat_messages partitioned by month (docs/partitioning.md)
    partition_months_ahead: int = 3  # monthly: every apply creates the partitions through this many months ahead

    @property
    def role_claim_path(self) -> tuple[str, ...]:
        return tuple(self.role_claim.split("."))


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


def _mime_list(key: str, value: object, where: str) -> tuple[str, ...]:
    items = tuple(m.replace(" ", "").lower() for m in as_list(value, where))
    for m in items:
        check_pattern(MIME_RE, m, where, "MIME type")
    if key == "allowed_mime_types" and not items:
        raise ConfigError(f"{where}: the list of allowed MIME types is empty")
    return items


def _role_claim(value: object, where: str) -> str:
    path = check_pattern(CLAIM_PATH_RE, value, where, "claim path such as app_metadata.role")
    if path.split(".")[0] == "user_metadata":
        raise ConfigError(f"{where}: never authorise on user_metadata (users can edit it); use app_metadata")
    return path


def _seconds(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ConfigError(f"{where}: expected a whole number of seconds, got {value!r}")
    if not 1 <= int(value) <= 3600:
        raise ConfigError(f"{where}: must be between 1 and 3600 seconds, got {value!r}")
    return int(value)


def _trusted_header(value: object, where: str) -> str:
    """The request header the edge sets to the client address ("" = only x-forwarded-for's last entry)."""
    if value == "":
        return ""
    header = check_pattern(HEADER_RE, value, where, "lowercase HTTP header name such as cf-connecting-ip")
    if header in ("x-forwarded-for", "user-agent"):
        raise ConfigError(f"{where}: {header!r} cannot be the trusted address header (its last entry is used anyway)")
    return header


def _row_cap(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise ConfigError(f"{where}: expected a whole number of rows between 1 and 10000, got {value!r}")
    return value


def _months_ahead(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24:
        raise ConfigError(f"{where}: expected a whole number of months from 1 to 24, got {value!r}")
    return value


def app_roles(raw: object, where: str) -> AppRoles:
    """`[samia.app_roles]`: the role names the data uses, distinct."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table of role names")
    known = {f.name for f in fields(AppRoles)}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown app role (known: {', '.join(sorted(known))})")
    values = {k: check_pattern(ROLE_NAME_RE, v, f"{where}.{k}", "role name") for k, v in raw.items()}
    roles = replace(AppRoles(), **values)
    if len(set(roles.all())) != len(roles.all()):
        raise ConfigError(f"{where}: app role names must be distinct, got {roles.all()}")
    return roles


def coerce(key: str, value: object, where: str) -> object:
    """Validate one raw chat setting; returns the typed value."""
    if key in ("schema", "private_schema"):
        return check_pattern(IDENT_RE, value, where, "schema name (lowercase letters, digits, _)")
    if key == "bucket":
        return check_pattern(BUCKET_RE, value, where, "bucket id (lowercase letters, digits, . _ -)")
    if key == "file_size_limit":
        return parse_size(value, where)
    if key in ("allowed_mime_types", "recorder_mime_types"):
        return _mime_list(key, value, where)
    if key == "role_source":
        return one_of(value, ("profiles", "claim"), where)
    if key == "role_claim":
        return _role_claim(value, where)
    if key == "profiles":
        return one_of(value, ("create", "existing"), where)
    if key == "profiles_policies":
        return one_of(value, ("keep", "replace"), where)
    if key == "bookings":
        return one_of(value, ("absent", "existing"), where)
    if key == "voice_max_seconds":
        return _seconds(value, where)
    if key == "edit_window":
        return check_pattern(INTERVAL_RE, value, where, "interval such as '15 minutes'")
    if key in ("audit_storage", "realtime", "realtime_publication"):
        return as_bool(value, where)
    if key == "app_roles":
        return app_roles(value, where)
    if key == "trusted_ip_header":
        return _trusted_header(value, where)
    if key == "max_rows_per_request":
        return _row_cap(value, where)
    if key == "messages_partitioning":
        return one_of(value, ("none", "monthly"), where)
    if key == "partition_months_ahead":
        return _months_ahead(value, where)
    raise ConfigError(f"{where}: unknown setting {key!r}")


def recorder_refusals(allowed: tuple[str, ...], recorded: tuple[str, ...]) -> tuple[str, ...]:
    """Why the Storage API would refuse the app's recordings with the bucket list `allowed`.

    The API compares the whole content type (`type/subtype;parameters`) with each entry or a
    `type/*` wildcard; a raw upload sends the recorder's type as is, a multipart upload's file part
    arrives without its parameters, so each recorder type must pass in both forms.

    Example:
        >>> recorder_refusals(("audio/webm",), ("audio/webm;codecs=opus",))
        ("a raw upload of 'audio/webm;codecs=opus' (the list needs 'audio/webm;codecs=opus' or 'audio/*')",)
    """
    from .storage_api import mime_allowed, upload_content_types

    refusals = []
    for mime in recorded:
        for form, sent in upload_content_types(mime).items():
            if not mime_allowed(allowed, sent):
                kind = sent.split("/", 1)[0]
                refusals.append(f"a {form} upload of {mime!r} (the list needs {sent!r} or '{kind}/*')")
    return tuple(dict.fromkeys(refusals))


def check(settings: ChatSettings) -> None:
    """The bucket list must let the Storage API accept the recorder's MIME types, raw and multipart."""
    refusals = recorder_refusals(settings.allowed_mime_types, settings.recorder_mime_types)
    if refusals:
        raise ConfigError(f"{settings.source}: samia.allowed_mime_types: the Storage API would refuse "
                          f"{refusals[0]}, which the app records")
