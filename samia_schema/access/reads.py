"""Read probes (visibility as a persona, compared with ground truth) and the catalog-level checks."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..config import Settings
from ..project import static_sql
from .probes import Probe
from .world import OTHER_BUCKET


def _classify(visible: set[Any] | None, every: set[Any], own: set[Any], foreign_seen: bool) -> tuple[str, str]:
    """Level observed from what was visible: none / own / all, or a precise description."""
    if not every:
        return "vacuous", "the world has no rows to see"
    if visible is None:
        return "none", "permission denied"
    seen = visible & every
    if not seen and not foreign_seen:
        return "none", "0 rows"
    if seen == every:
        return "all", f"{len(seen)}/{len(every)} world rows"
    if own and seen == own and not foreign_seen:
        return "own", f"{len(own)} own rows, no foreign row"
    missing, extra = len(own - seen), len(seen - own)
    return "partial", f"{len(seen)}/{len(every)} world rows, {missing} own row(s) missing, {extra} foreign row(s) seen"


def read_level(p: Probe, resource: str) -> tuple[str, str]:
    """Observe the select level of a resource for the probe's persona."""
    world = p.world
    own_sessions = world.own_sessions(p.uid)
    if resource == "chat_sessions":
        every = {s.id for s in world.sessions}
        own = {s.id for s in own_sessions}
        stmt = sql.SQL("select id from {}").format(p.table("chat_sessions"))
    elif resource == "chat_messages":
        every = {m.id for m in world.messages}
        own = {m.id for m in world.messages_in(own_sessions)}
        stmt = sql.SQL("select id from {}").format(p.table("chat_messages"))
    elif resource in ("chat_files", "other_buckets"):
        bucket = p.settings.bucket if resource == "chat_files" else OTHER_BUCKET
        objects = [o for o in world.objects if o.bucket == bucket]
        every = {o.id for o in objects}
        own_folders = {str(s.id) for s in own_sessions}
        own = {o.id for o in objects if o.session_folder in own_folders} if resource == "chat_files" else set()
        stmt = sql.SQL("select id from storage.objects where bucket_id = {}").format(sql.Literal(bucket))
    elif resource in ("chat_audit_logs", "chat_monitoring"):
        table = p.table(resource)
        every = {r[0] for r in p.conn.execute(sql.SQL("select id from {}").format(table)).fetchall()}
        return _classify(p.visible(sql.SQL("select id from {}").format(table)), every, set(), False)
    else:
        raise ValueError(resource)
    visible = p.visible(stmt)
    foreign_seen = bool(visible and (visible - own - every))  # rows outside the world are foreign too
    if visible is not None and resource != "other_buckets":
        foreign_seen = foreign_seen or bool((visible & every) - own)
    return _classify(visible, every, own, foreign_seen)


def surface_level(conn: psycopg.Connection[Any], settings: Settings, role: str,
                  declared: frozenset[str]) -> tuple[str, str]:
    """The RPCs a Postgres role may execute in the exposed schema, against the declared list."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(static_sql("access/rpc_surface.sql").encode(),
                           {"schema": settings.schema, "role": role}).fetchall()
    names = {r["name"] for r in rows}
    trusting = sorted(r["name"] for r in rows if r["security_definer"] and r["takes_user_id"])
    if trusting:
        return "trusts-caller-id", f"security definer RPC(s) taking a user id argument: {', '.join(trusting)}"
    if not names:
        return "none", "no executable functions"
    if names == declared:
        return "declared", ", ".join(sorted(names))
    extra, missing = sorted(names - declared), sorted(declared - names)
    return "undeclared", f"extra: {', '.join(extra) or '-'}; missing: {', '.join(missing) or '-'}"


def bucket_level(conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, str]:
    """The chat bucket's settings against the configuration."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(static_sql("access/bucket_settings.sql").encode(),
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
    if problems:
        return "misconfigured", "; ".join(problems)
    return "private", f"private, {settings.file_size_limit} bytes, {len(settings.allowed_mime_types)} MIME types"

