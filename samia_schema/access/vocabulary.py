"""The matrix vocabulary a pack declares: resources, their operations, the levels, and the probes.

Three kinds of operation:

* `ReadProbe`: what the persona can see, compared with the world's ground truth
  (levels `none | own | all`);
* `WriteProbe`: a list of attempts; a level is the exact set of attempts that must succeed;
* `CheckProbe`: a catalog-level check that returns a level (e.g. a bucket's settings).

Example (a pack's vocabulary):

    VOCABULARY = {
        "notes": {
            "select": ReadProbe(note_targets),
            "insert": WriteProbe(note_inserts, levels(deny=(), self=("own",), all=("own", "others"))),
        },
        "bucket": {"settings": CheckProbe(bucket_check, ("private", "public", "missing"))},
    }
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg import sql

if TYPE_CHECKING:
    from .matrix import Matrix
    from .probes import AttemptResult, Probe

READ_LEVELS = ("none", "own", "all")


@dataclass(frozen=True)
class ReadTarget:
    """A read probe's statement (returns ids) and the world's ids: all of them, and the persona's own."""

    statement: sql.SQL | sql.Composed
    every: frozenset[Any]
    own: frozenset[Any] = frozenset()
    params: Mapping[str, Any] | None = None
    whole: bool = False  # every row of the statement is the world (`every` unused): all or nothing, by count


@dataclass(frozen=True)
class ReadProbe:
    targets: Callable[[Probe], ReadTarget]
    levels: tuple[str, ...] = READ_LEVELS


@dataclass(frozen=True)
class WriteProbe:
    attempts: Callable[[Probe], list[AttemptResult]]
    by_level: Mapping[str, frozenset[str]]

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(self.by_level)


@dataclass(frozen=True)
class CheckProbe:
    """`check(probe, matrix) -> (level, detail)`; results are cached per `cache_key(probe)`."""

    check: Callable[[Probe, Matrix], tuple[str, str]]
    levels: tuple[str, ...]
    cache_key: Callable[[Probe], Hashable] = lambda probe: "all"


Operation = ReadProbe | WriteProbe | CheckProbe
Vocabulary = Mapping[str, Mapping[str, Operation]]


def levels(**by_level: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """`levels(deny=(), self=("own",), all=("own", "foreign"))`: attempts that succeed at each level."""
    return {name: frozenset(names) for name, names in by_level.items()}


def levels_of(vocabulary: Vocabulary) -> dict[str, dict[str, tuple[str, ...]]]:
    """resource -> operation -> levels, for validating a spec and for `samia verify --list`."""
    return {res: {op: spec.levels for op, spec in ops.items()} for res, ops in vocabulary.items()}
