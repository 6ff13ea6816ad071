"""The `[samia.lint]` table of samia.toml: fail level, exposed schemas and per-object waivers.

Example samia.toml:

    [samia.lint]
    fail_level = "error"                  # exit 1 when a finding at or above this level remains
    exposed_schemas = ["public", "api"]   # added to what PostgREST is configured to serve

    [[samia.lint.waivers]]
    rule = "no_primary_key"
    object = "public.import_*"            # exact name or an fnmatch pattern
    reason = "staging tables, truncated nightly"
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from samia_schema.config import IDENT_RE
from samia_schema.errors import ConfigError
from samia_schema.linter.model import LEVELS

_KEYS = ("fail_level", "exposed_schemas", "waivers")
# rule ids that changed to Supabase's advisor names: waivers under the old id keep working
RENAMED = {"security_definer_executable_by_anon": "anon_security_definer_function_executable"}
_WAIVER_KEYS = ("rule", "object", "reason")


@dataclass(frozen=True)
class Waiver:
    """Silences one rule for the objects matching `object` (fnmatch pattern); `reason` is required."""

    rule: str
    object: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.object)

    def matches(self, rule: str, obj: str) -> bool:
        return rule == self.rule and (obj == self.object or fnmatch.fnmatchcase(obj, self.object))


@dataclass(frozen=True)
class LintConfig:
    """Lint settings; the defaults apply when samia.toml has no `[samia.lint]` table."""

    fail_level: str = "error"
    exposed_schemas: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    source: str = "defaults"

    def waiver_for(self, rule: str, obj: str) -> Waiver | None:
        return next((w for w in self.waivers if w.matches(rule, obj)), None)


def _level(value: object, where: str) -> str:
    if value not in LEVELS:
        raise ConfigError(f"{where}: must be one of {', '.join(LEVELS)}, got {value!r}")
    return str(value)


def _waiver(raw: object, where: str, known_rules: frozenset[str]) -> Waiver:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: each waiver must be a table with rule, object and reason")
    for key in raw:
        if key not in _WAIVER_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(_WAIVER_KEYS)})")
    values: dict[str, str] = {}
    for key in _WAIVER_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: {key!r} is required and must be a non-empty string")
        values[key] = value.strip()
    values["rule"] = RENAMED.get(values["rule"], values["rule"])
    if values["rule"] not in known_rules:
        raise ConfigError(f"{where}: unknown lint rule {values['rule']!r} (see `samia lint --rules`)")
    return Waiver(values["rule"], values["object"], values["reason"])


def parse_lint_table(table: Mapping[str, Any], source: str, known_rules: frozenset[str]) -> LintConfig:
    """Validate a raw `[samia.lint]` table; errors name the file and the key."""
    where = f"{source}: samia.lint"
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(_KEYS)})")
    fail_level = _level(table.get("fail_level", "error"), f"{where}.fail_level")
    schemas = table.get("exposed_schemas", [])
    if not isinstance(schemas, list) or not all(isinstance(s, str) and IDENT_RE.match(s) for s in schemas):
        raise ConfigError(f"{where}.exposed_schemas: expected a list of schema names, got {schemas!r}")
    raw_waivers = table.get("waivers", [])
    if not isinstance(raw_waivers, list):
        raise ConfigError(f"{where}.waivers: expected an array of tables ([[samia.lint.waivers]])")
    waivers = tuple(_waiver(raw, f"{where}.waivers[{n}]", known_rules) for n, raw in enumerate(raw_waivers))
    return LintConfig(fail_level, tuple(schemas), waivers, source)


def lint_config_from(table: object, source: str, env: Mapping[str, str] | None = None) -> LintConfig:
    """The lint config of a raw `[samia.lint]` table; `$SAMIA_LINT_FAIL_LEVEL` overrides the file.

    Example:
        >>> lint_config_from({"fail_level": "warn"}, "samia.toml").fail_level
        'warn'
    """
    from samia_schema.linter.migration import MIGRATION_RULES
    from samia_schema.linter.rules import RULES

    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: samia.lint must be a table")
    known = frozenset(r.id for r in RULES) | frozenset(r.id for r in MIGRATION_RULES)
    config = parse_lint_table(table, source, known)
    level = (env or {}).get("SAMIA_LINT_FAIL_LEVEL")
    if level:
        config = replace(config, fail_level=_level(level, "environment SAMIA_LINT_FAIL_LEVEL"))
    return config
