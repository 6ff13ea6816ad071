"""A small SQL tokenizer for reading one statement's shape (not a parser, never a rewriter of meaning).

It knows what a PostgreSQL statement is made of: words (keywords and unquoted identifiers, folded
to lower case), quoted identifiers, string literals (`'…'`, `E'…'`, dollar quotes), numbers and
punctuation; white space and comments (`--`, nested `/* */`) are skipped. Every token keeps its
offsets, so a caller can insert a keyword into the original text (e.g. `concurrently`).

Example:
    >>> [t.value for t in tokenize('create index "Ix" on public.t (a) -- note')]
    ['create', 'index', 'Ix', 'on', 'public', '.', 't', '(', 'a', ')']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WORD, QUOTED, STRING, NUMBER, PUNCT = "word", "quoted", "string", "number", "punct"


@dataclass(frozen=True)
class Token:
    """`value` is lower case for words, unquoted for identifiers and strings; `start:end` the source."""

    kind: str
    value: str
    start: int
    end: int

    def is_(self, *words: str) -> bool:
        """A keyword (unquoted word) among `words`."""
        return self.kind == WORD and self.value in words

    @property
    def ident(self) -> bool:
        return self.kind in (WORD, QUOTED)


def _skip_comment(sql: str, i: int) -> int:
    """`i` at `/*`: the offset after the matching `*/` (comments nest)."""
    depth, i = 1, i + 2
    while i < len(sql) and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _quoted(sql: str, i: int, quote: str, backslash: bool = False) -> tuple[str, int]:
    """`i` at an opening quote: (the unquoted text, the offset after the closing quote)."""
    out, i = [], i + 1
    while i < len(sql):
        ch = sql[i]
        if backslash and ch == "\\" and i + 1 < len(sql):
            out.append(sql[i + 1])
            i += 2
        elif ch == quote and sql.startswith(quote * 2, i):
            out.append(quote)
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), i


def _dollar_tag(sql: str, i: int) -> str | None:
    j = i + 1
    while j < len(sql) and (sql[j].isalnum() or sql[j] == "_"):
        j += 1
    if j < len(sql) and sql[j] == "$" and not sql[i + 1:j][:1].isdigit():
        return sql[i:j + 1]
    return None


def tokenize(sql: str) -> tuple[Token, ...]:
    """The tokens of `sql` (one statement or several), comments and white space skipped."""
    tokens: list[Token] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            i = _skip_comment(sql, i)
        elif ch in "eE" and sql.startswith("'", i + 1):
            text, end = _quoted(sql, i + 1, "'", backslash=True)
            tokens.append(Token(STRING, text, i, end))
            i = end
        elif ch == "'":
            text, end = _quoted(sql, i, "'")
            tokens.append(Token(STRING, text, i, end))
            i = end
        elif ch == '"':
            text, end = _quoted(sql, i, '"')
            tokens.append(Token(QUOTED, text, i, end))
            i = end
        elif ch == "$" and (tag := _dollar_tag(sql, i)):
            close = sql.find(tag, i + len(tag))
            end = n if close < 0 else close + len(tag)
            tokens.append(Token(STRING, sql[i + len(tag):close if close >= 0 else n], i, end))
            i = end
        elif ch.isalpha() or ch == "_":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "_$"):
                j += 1
            tokens.append(Token(WORD, sql[i:j].lower(), i, j))
            i = j
        elif ch.isdigit():
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "."):
                j += 1
            tokens.append(Token(NUMBER, sql[i:j], i, j))
            i = j
        else:
            j = i + 2 if sql[i:i + 2] in ("::", "<>", "!=", ">=", "<=", "||", "=>", ":=") else i + 1
            tokens.append(Token(PUNCT, sql[i:j], i, j))
            i = j
    return tuple(tokens)


def quote_part(token: Token) -> str:
    """One name part as PostgreSQL reads it back (`to_regclass` input): quoted when it was."""
    if token.kind == QUOTED:
        return '"' + token.value.replace('"', '""') + '"'
    return token.value


@dataclass(frozen=True)
class Name:
    """A possibly qualified name as written: `parts` unquoted (`('public', 'notes')`)."""

    parts: tuple[str, ...]
    text: str  # for to_regclass(): `public.notes`, `"Odd".t`

    @property
    def last(self) -> str:
        return self.parts[-1]

    def __str__(self) -> str:
        return self.text


def read_name(tokens: Sequence[Token], i: int) -> tuple[Name | None, int]:
    """A dotted name starting at `tokens[i]`: (the name, the index after it); (None, i) if none."""
    if i >= len(tokens) or not tokens[i].ident:
        return None, i
    parts, texts = [tokens[i].value], [quote_part(tokens[i])]
    i += 1
    while i + 1 < len(tokens) and tokens[i].value == "." and tokens[i].kind == PUNCT and tokens[i + 1].ident:
        parts.append(tokens[i + 1].value)
        texts.append(quote_part(tokens[i + 1]))
        i += 2
    return Name(tuple(parts), ".".join(texts)), i


def match(tokens: Sequence[Token], i: int, *words: str) -> int | None:
    """The index after `words` when the tokens at `i` are exactly those keywords, else None."""
    for offset, word in enumerate(words):
        if i + offset >= len(tokens) or not tokens[i + offset].is_(word):
            return None
    return i + len(words)


def skip(tokens: Sequence[Token], i: int, *words: str) -> int:
    """`match`, or `i` unchanged when the words are not there (optional clauses)."""
    found = match(tokens, i, *words)
    return i if found is None else found


def close_paren(tokens: Sequence[Token], i: int) -> int:
    """`tokens[i]` is `(`: the index after its matching `)`."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == PUNCT and tokens[j].value == "(":
            depth += 1
        elif tokens[j].kind == PUNCT and tokens[j].value == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def split_top(tokens: Sequence[Token], i: int, separator: str = ",") -> list[tuple[Token, ...]]:
    """`tokens[i:]` cut at each top-level `separator` (not inside parentheses)."""
    pieces: list[tuple[Token, ...]] = []
    current: list[Token] = []
    depth = 0
    for token in tokens[i:]:
        if token.kind == PUNCT and token.value in "([":
            depth += 1
        elif token.kind == PUNCT and token.value in ")]":
            depth -= 1
        if depth == 0 and token.kind == PUNCT and token.value == separator:
            pieces.append(tuple(current))
            current = []
        else:
            current.append(token)
    if current:
        pieces.append(tuple(current))
    return pieces
