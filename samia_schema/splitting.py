"""Statements as the Supabase CLI splits a migration file (its `statements` column, what it runs).

The CLI (2.117.0, `pkg/parser`) scans a file with a small automaton and cuts it at every `;`
that is not inside a quote, a dollar quote, a comment, a backslash escape, parentheses or a
`BEGIN ATOMIC … END` body; each piece keeps its comments, loses trailing `;` and surrounding
white space, and empty pieces are dropped. This module behaves the same way, quirks included,
so that samia records and compares exactly what the CLI records:

- parentheses do not nest: inside `(`, another `(` opens an inner region, and the first `)` then
  closes both; a `;` inside is never a cut;
- `END` (any case) closes a `BEGIN ATOMIC` body even inside a longer word (`append`);
- `''` inside a quote stays in the quote, but `\\'` does not escape (only outside quotes does a
  backslash hide the next character);
- a dollar tag is `$`, letters, digits and `_`, then `$`; `$$$$` closes at its third `$`;
- `/* … */` comments nest; `--` runs to the end of the line.

Example:
    >>> split_statements("create table t (a text default ';');\\n-- done\\nselect 1;")
    ('create table t (a text default \\';\\')', '-- done\\nselect 1')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Go's unicode.IsSpace: the ASCII/Latin-1 spaces, then the White_Space property (Python's
# str.isspace() also counts U+001C..U+001F, which Go does not).
_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f\u3000")


def _word_char(ch: str) -> bool:
    """A letter, a decimal digit, `_` or `$` (what may continue an identifier)."""
    return ch.isalpha() or ch.isdecimal() or ch in "_$"


def _is_word(text: str, word: str) -> bool:
    """`text` is `word` in any case (ASCII folding only, as Go's EqualFold does for these words)."""
    return text.isascii() and text.upper() == word


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return text[start:end]


def _ends_begin_atomic(text: str) -> bool:
    """`text` ends with the keywords BEGIN ATOMIC (any case, any white space between them)."""
    if not _is_word(text[-6:], "ATOMIC"):
        return False
    head = text[:-6]
    if head and _word_char(head[-1]):
        return False
    end = len(head)
    while end and head[end - 1] in _SPACE:
        end -= 1
    head = head[:end]
    if not _is_word(head[-5:], "BEGIN"):
        return False
    return len(head) == 5 or not _word_char(head[-6])


class _Mode:
    """One state of the scanner: `step` sees the token `sql[start:end]` (it ends with `ch`) and
    returns the next state, or None to cut the statement there."""

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        raise NotImplementedError


@dataclass(frozen=True)
class _Code(_Mode):
    """Plain SQL, where a `;` ends the statement."""

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        if ch == ";":
            return None
        if ch in "'\"":
            return _Quoted(ch)
        if ch == "$":
            return _Tag(end - 1)
        if ch == "-":
            return DASH
        if ch == "/":
            return _Comment(0)
        if ch == "\\":
            return ESCAPED
        if ch == "(":
            return _Region(CODE, ")")
        if ch in "cC" and _ends_begin_atomic(sql[start:end]):
            return _Region(CODE, "END")
        return self


CODE = _Code()


@dataclass(frozen=True)
class _Quoted(_Mode):
    """Inside '…' or "…"; `closing` is set right after a quote character that may end it."""

    quote: str
    closing: bool = False

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        if self.closing:
            return _Quoted(self.quote) if ch == self.quote else CODE.step(ch, sql, start, end)
        return _Quoted(self.quote, True) if ch == self.quote else self


@dataclass(frozen=True)
class _Until(_Mode):
    """Inside a dollar quote or a line comment, until the token ends with `closer`."""

    closer: str

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        return CODE if sql.endswith(self.closer, start, end) else self


@dataclass(frozen=True)
class _Tag(_Mode):
    """After a `$` at index `at`: maybe the opening tag of a dollar quote."""

    at: int

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        if ch == "$":
            return _Until(sql[self.at:end])
        if ch.isalpha() or ch.isdecimal() or ch == "_":
            return self
        return CODE.step(ch, sql, start, end)


@dataclass(frozen=True)
class _Dash(_Mode):
    """After one `-`: a second one starts a line comment."""

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        return _Until("\n") if ch == "-" else CODE.step(ch, sql, start, end)


DASH = _Dash()


@dataclass(frozen=True)
class _Comment(_Mode):
    """After a `/` (depth 0), or inside a block comment `depth` levels deep."""

    depth: int

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        last_two = sql[max(start, end - 2):end]
        if last_two == "/*":
            return _Comment(self.depth + 1)
        if self.depth == 0:
            return CODE.step(ch, sql, start, end)
        if last_two == "*/":
            return CODE if self.depth == 1 else _Comment(self.depth - 1)
        return self


@dataclass(frozen=True)
class _Escaped(_Mode):
    """After a backslash outside quotes: the next character means nothing."""

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        return CODE


ESCAPED = _Escaped()


@dataclass(frozen=True)
class _Region(_Mode):
    """Inside `(…)` or `BEGIN ATOMIC … END`: no cut until `closer` ends the token in plain code."""

    inner: _Mode
    closer: str

    def step(self, ch: str, sql: str, start: int, end: int) -> _Mode | None:
        inner = self.inner.step(ch, sql, start, end) or self.inner  # a `;` in here cuts nothing
        if isinstance(inner, _Code) and _is_word(sql[max(start, end - len(self.closer)):end], self.closer):
            return CODE
        return self if inner is self.inner else _Region(inner, self.closer)


def _pieces(sql: str) -> list[str]:
    pieces: list[str] = []
    mode: _Mode | None = CODE
    start = 0
    for index, ch in enumerate(sql):
        mode = (mode or CODE).step(ch, sql, start, index + 1)
        if mode is None:
            pieces.append(sql[start:index + 1])
            start = index + 1
    if start < len(sql):
        pieces.append(sql[start:])
    return pieces


@lru_cache(maxsize=256)
def split_statements(sql: str) -> tuple[str, ...]:
    """The statements the Supabase CLI records and runs for a migration file holding `sql`."""
    statements = (_trim(piece.rstrip(";")) for piece in _pieces(sql))
    return tuple(s for s in statements if s)


def same_statements(recorded: list[str] | tuple[str, ...], sql: str) -> bool:
    """Whether recorded statements (the CLI's, or one whole file as samia once stored) are `sql`'s.

    Example:
        >>> same_statements(["select 1", "select 2"], "select 1;\\nselect 2;\\n")
        True
    """
    flat = tuple(s for statement in recorded for s in split_statements(statement))
    return flat == split_statements(sql)
