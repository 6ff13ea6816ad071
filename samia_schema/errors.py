"""Typed errors; each maps to one CLI exit code."""

from __future__ import annotations


class SamiaError(Exception):
    """Base class of every error samia reports to a user (never with a traceback)."""

    exit_code = 2


class ConfigError(SamiaError):
    """A malformed or invalid configuration file, flag or environment variable."""

    exit_code = 2


class TemplateError(SamiaError):
    """A template that does not render (syntax error, undefined variable, hostile value)."""

    exit_code = 2


class SpecError(SamiaError):
    """An access-matrix spec that names unknown personas, resources or operations."""

    exit_code = 2


class DestructiveChangeRefused(SamiaError):
    """A plan contains destructive steps and the caller did not allow them."""

    exit_code = 3


class DatabaseError(SamiaError):
    """The database could not be reached, or a statement failed."""

    exit_code = 4


class EngineError(DatabaseError):
    """An embedded or container Postgres could not be started."""

    exit_code = 4


class LedgerDriftError(SamiaError):
    """An applied unit's recorded checksum no longer matches the unit under the same version."""

    exit_code = 5
