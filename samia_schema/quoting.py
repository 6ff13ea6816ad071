"""SQL quoting for rendered templates: identifiers and literals, never raw interpolation."""

from __future__ import annotations

import re

from .errors import TemplateError

_SAFE_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
# PostgreSQL reserved key words (appendix C, "reserved" and "reserved (can be function or type)").
_RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast check
    collate collation column concurrently constraint create cross current_catalog current_date
    current_role current_schema current_time current_timestamp current_user default deferrable desc
    distinct do else end except false fetch for foreign freeze from full grant group having ilike in
    initially inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing primary
    references returning right select session_user similar some symmetric system_user table tablesample
    then to trailing true union unique user using variadic verbose when where window with""".split()
)


def quote_ident(name: object) -> str:
    """Quote an identifier only when it needs it.

    Example:
        >>> quote_ident("notes"), quote_ident("Notes"), quote_ident("user")
        ('notes', '"Notes"', '"user"')
    """
    if not isinstance(name, str) or not name or "\x00" in name or len(name.encode()) > 63:
        raise TemplateError(f"invalid SQL identifier {name!r}")
    if _SAFE_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    """A SQL literal for a str, int, bool or None (standard_conforming_strings assumed on).

    Example:
        >>> quote_literal("it's")
        "'it''s'"
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise TemplateError("a NUL byte cannot appear in a SQL literal")
        return "'" + value.replace("'", "''") + "'"
    raise TemplateError(f"cannot render {type(value).__name__} {value!r} as a SQL literal")


def quote_text_array(values: object) -> str:
    """An `array[...]::text[]` literal from a sequence of strings."""
    if not isinstance(values, list | tuple):
        raise TemplateError(f"expected a list for a SQL array, got {values!r}")
    return "array[" + ", ".join(quote_literal(str(v)) for v in values) + "]::text[]"
