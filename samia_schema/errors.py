"""Typed errors; each maps to one CLI exit code."""

from __future__ import annotations


class SamiaError(Exception):
    """Base class of every error samia reports to a user (never with a traceback)."""

    exit_code = 2


class ConfigError(SamiaError):
    """A malformed or invalid configuration file, flag or environment variable."""


class TemplateError(SamiaError):
    """A template that does not render (syntax error, undefined variable, hostile value)."""


class SpecError(SamiaError):
    """An access-matrix spec that names unknown personas, resources or operations."""


class DestructiveChangeRefused(SamiaError):
    """A plan contains destructive steps and the caller did not allow them."""

    exit_code = 3


class DatabaseError(SamiaError):
    """The database could not be reached, or a statement failed."""

    exit_code = 4


class NotPreparedError(DatabaseError):
    """The database lacks the objects a command needs (e.g. verify before apply)."""


class EngineError(DatabaseError):
    """An embedded or container Postgres could not be started."""


class LedgerDriftError(SamiaError):
    """An applied unit's recorded checksum no longer matches the unit under the same version."""

    exit_code = 5


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, with the SQLSTATE when the database sent one.

    Example:
        >>> first_line(psycopg.errors.InsufficientPrivilege("permission denied for table x\\nDETAIL: ..."))
        'permission denied for table x (SQLSTATE 42501)'
    """
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    state = getattr(exc, "sqlstate", None)
    return f"{line} (SQLSTATE {state})" if state else line
