"""The chat pack's read targets (what each persona may see) and the bucket settings check."""

from __future__ import annotations

from collections.abc import Callable

from psycopg import sql
from psycopg.rows import dict_row

from ...access.matrix import Matrix
from ...access.probes import Probe
from ...access.reads import surface_level
from ...access.vocabulary import ReadTarget
from ...resources import static_sql
from .settings import recorder_refusals
from .world import table


def sessions(p: Probe) -> ReadTarget:
    own = p.world.own_sessions(p.uid)
    return ReadTarget(sql.SQL("select id from {}").format(table(p, "chat_sessions")),
                      frozenset(s.id for s in p.world.sessions), frozenset(s.id for s in own))


def messages(p: Probe) -> ReadTarget:
    own = p.world.messages_in(p.world.own_sessions(p.uid))
    return ReadTarget(sql.SQL("select id from {}").format(table(p, "chat_messages")),
                      frozenset(m.id for m in p.world.messages), frozenset(m.id for m in own))


def whole_table(name: str) -> Callable[[Probe], ReadTarget]:
    """A table the persona sees all of or nothing of (audit log, monitoring): every row is the world."""

    def targets(p: Probe) -> ReadTarget:
        return ReadTarget(sql.SQL("select id from {}").format(table(p, name)), frozenset(), whole=True)

    return targets


def rpc_surface(p: Probe, matrix: Matrix) -> tuple[str, str]:
    return surface_level(p, p.settings.schema, matrix.declared_rpcs)


def bucket_settings(p: Probe, matrix: Matrix) -> tuple[str, str]:
    """The chat bucket's settings against the configuration."""
    settings = p.settings
    with p.conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(static_sql("chat/access/bucket_settings.sql").encode(),
                          {"bucket": settings.bucket}).fetchone()
    if row is None:
        return "missing", f"bucket {settings.bucket!r} does not exist"
    if row["public"]:
        return "public", f"bucket {settings.bucket!r} is public"
    problems = []
    if row["file_size_limit"] != settings.file_size_limit:
        problems.append(f"file_size_limit {row['file_size_limit']} != {settings.file_size_limit}")
    if sorted(row["allowed_mime_types"] or []) != sorted(settings.allowed_mime_types):
        problems.append(f"allowed_mime_types {row['allowed_mime_types']} differ from the configuration")
    if row["allowed_mime_types"]:  # an empty list accepts everything
        refused = recorder_refusals(tuple(row["allowed_mime_types"]), settings.recorder_mime_types)
        problems.extend(f"the Storage API refuses {r}" for r in refused)
    if problems:
        return "misconfigured", "; ".join(problems)
    return "private", f"private, {settings.file_size_limit} bytes, {len(settings.allowed_mime_types)} MIME types"
