"""Realtime for chat: the private topics, what the database broadcasts, and the verifier's probes.

Topics (clients join them with `private: true`):

* `chat:{session_id}`: new, edited and deleted messages (broadcast from the database), typing
  indicators (broadcast from clients) and presence;
* `chat:user:{user_id}`: notifications for one user (`session_added`, `session_removed`,
  `new_message`), sent only by the database.

The probes ask exactly what Realtime asks (`samia_schema.access.realtime`) for every persona on the
topics of its own active and closed sessions, of other users' sessions and of user topics. Realtime
checks both extensions in one transaction and caches the answer per connection: so do the probes,
per world and persona, so each (persona, topic) is checked once for receiving and once for sending.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from ...access.probes import PROBE_HEADERS, AttemptResult, Probe
from ...access.realtime import Decision, RealtimeClient, may_receive, may_send
from ...access.vocabulary import WriteProbe, levels
from .world import foreign_session, other_user, own_session

SESSION_TOPIC = "chat:"        # + session id
USER_TOPIC = "chat:user:"      # + user id
# What a message broadcast carries (payload.record): the message as a participant renders it. The one
# place this list lives; not read state (per participant), not derived or legacy columns.
MESSAGE_COLUMNS = (
    "id", "session_id", "sender_id", "type", "content", "file_path", "file_name", "file_size", "file_type",
    "duration_seconds", "waveform_data", "reply_to_message_id", "metadata", "created_at", "updated_at",
)
# What a deletion carries (payload.old_record): which message to remove, never its content.
DELETED_COLUMNS = ("id", "session_id", "deleted_at")


def session_topic(session_id: uuid.UUID | str) -> str:
    """`chat:{session_id}`. Example: session_topic(sid) -> 'chat:7f1c…'."""
    return f"{SESSION_TOPIC}{session_id}"


def user_topic(user_id: uuid.UUID | str) -> str:
    """`chat:user:{user_id}`. Example: user_topic(uid) -> 'chat:user:0b5e…'."""
    return f"{USER_TOPIC}{user_id}"


_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def names_only_foreign_topics(expressions: tuple[str | None, ...]) -> bool:
    """True when a realtime.messages policy names topics (string literals with a `prefix:`) and none
    of them is ours: it governs another feature's channels, not the chat's.

    Example: names_only_foreign_topics(("realtime.topic() like 'game:%'",)) -> True
    """
    literals = [m for e in expressions if e for m in _LITERAL.findall(e)]
    topical = [lit for lit in literals if ":" in lit]
    return bool(topical) and not any(lit.startswith(SESSION_TOPIC) for lit in topical)


def template_context() -> dict[str, object]:
    """What templates/100_realtime.sql.j2 needs: topic prefixes and the broadcast column lists."""
    return {"realtime_topics": {"session": SESSION_TOPIC, "user": USER_TOPIC},
            "realtime_message_columns": list(MESSAGE_COLUMNS),
            "realtime_deleted_columns": list(DELETED_COLUMNS)}


# --- probes ----------------------------------------------------------------------------------------
class _Answers:
    """Realtime's answers for the current world, per (check, persona, topic)."""

    def __init__(self) -> None:
        self.world: Any = None
        self.answers: dict[tuple[str, str, str], dict[str, Decision]] = {}

    def get(self, p: Probe, check: str, topic: str) -> dict[str, Decision]:
        if self.world is not p.world:
            self.world, self.answers = p.world, {}
        key = (check, p.persona.name, topic)
        if key not in self.answers:
            client = RealtimeClient(str(p.claims.get("role") or p.persona.role), p.claims, PROBE_HEADERS)
            ask = may_receive if check == "receive" else may_send
            self.answers[key] = {d.extension: d for d in ask(p.conn, client, topic)}
        return self.answers[key]


_ANSWERS = _Answers()


def topics(p: Probe) -> dict[str, str]:
    """The topics probed for this persona, by attempt name (own ones only when it has them)."""
    found: dict[str, str] = {}
    own, closed = own_session(p), own_session(p, "closed")
    if own:
        found["own_session"] = session_topic(own.id)
    if closed:
        found["closed_own_session"] = session_topic(closed.id)
    found["foreign_session"] = session_topic(foreign_session(p).id)
    found["closed_foreign_session"] = session_topic(foreign_session(p, "closed").id)
    if p.uid:
        found["own_user_topic"] = user_topic(p.uid)
    found["other_user_topic"] = user_topic(other_user(p, "other_a"))
    return found


def _probe(check: str, extension: str) -> WriteProbe:
    def attempts(p: Probe) -> list[AttemptResult]:
        results = []
        for name, topic in topics(p).items():
            decision = _ANSWERS.get(p, check, topic)[extension]
            results.append(AttemptResult(name, decision.allowed, f"{topic}: {decision.detail}"))
        return results

    every = ("own_session", "closed_own_session", "foreign_session", "closed_foreign_session",
             "own_user_topic", "other_user_topic")
    if check == "receive":
        by_level = levels(deny=(), own=("own_session", "closed_own_session", "own_user_topic"),
                          all=("own_session", "closed_own_session", "foreign_session", "closed_foreign_session",
                               "own_user_topic"),
                          bypass=every)
    elif extension == "broadcast":
        by_level = levels(deny=(), own=("own_session",), all=("own_session", "foreign_session"), bypass=every)
    else:
        by_level = levels(deny=(), own=("own_session",), bypass=every)
    return WriteProbe(attempts, by_level)


OPERATIONS: dict[str, WriteProbe] = {
    f"{check}_{extension}": _probe(check, extension)
    for check in ("receive", "send") for extension in ("broadcast", "presence")
}
