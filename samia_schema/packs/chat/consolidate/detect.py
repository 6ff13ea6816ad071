"""Detect: classify what a database holds against the known legacy shapes (read only)."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ....catalog import Catalog, snapshot
from ....consolidate.protocol import Inventory, LegacyObject
from ..settings import ChatSettings
from .shapes import (
    APP_FUNCTIONS,
    CHAT_FUNCTIONS,
    GENERATION,
    LAYOUTS,
    LEFT_ALONE_BUCKETS,
    LEGACY_BUCKETS,
    LEGACY_TABLES,
    REQUIRES,
    UNIFIED_MARKERS,
    UNIFIED_RPCS,
    WRITES_CHAT,
)


def _tables(s: ChatSettings, catalog: Catalog, archive: str) -> tuple[list[LegacyObject], list[str]]:
    objects: list[LegacyObject] = []
    refusals: list[str] = []
    archived = {t.name for t in catalog.tables if t.schema == archive}
    for table in (t for t in catalog.tables if t.schema == s.schema):
        columns = {c.name for c in table.columns}
        name = table.qualified
        if table.name in LEGACY_TABLES and LEGACY_TABLES[table.name] <= columns:
            if table.name in archived:
                refusals.append(f"{name} and {archive}.{table.name} both exist: an earlier consolidation was"
                                " interrupted by hand; move one of them away first")
            objects.append(LegacyObject("table", name, f"legacy {table.name} ({GENERATION[table.name]})", "archive",
                                        f"moved to {archive}.{table.name}, rows migrated"))
        elif table.name in UNIFIED_MARKERS and (UNIFIED_MARKERS[table.name] in columns
                                                if UNIFIED_MARKERS[table.name] else "timestamp" not in columns):
            objects.append(LegacyObject("table", name, "unified", "keep", "owned by the templates"))
        elif table.name in LEGACY_TABLES:
            missing = ", ".join(sorted(LEGACY_TABLES[table.name] - columns))
            objects.append(LegacyObject("table", name, "unknown", "leave", f"lacks {missing}"))
            refusals.append(f"{name} has an unknown shape (lacks {missing}); consolidate refuses to touch it")
        elif table.name == "profiles":
            if s.profiles == "create" and "display_name" not in columns:
                refusals.append(f"{name} is the application's own table; set samia.profiles = \"existing\"")
            objects.append(LegacyObject("table", name, "application profiles", "keep",
                                        "columns and rows kept" if s.profiles == "existing" else "unified profiles"))
        else:
            objects.append(LegacyObject("table", name, "application", "leave", "not chat: untouched"))
    for name in sorted(archived & set(LEGACY_TABLES)):
        objects.append(LegacyObject("table", f"{archive}.{name}", "archived", "keep", "consolidated earlier"))
    return objects, refusals


def _policies(s: ChatSettings, catalog: Catalog, legacy: set[tuple[str, str]]) -> list[LegacyObject]:
    out = []
    bucket = f"'{s.bucket}'"
    for p in catalog.policies:
        name = f"{p.schema}.{p.table}.{p.name}"
        open_to_all = (p.using or "").strip("() ") == "true" or (p.with_check or "").strip("() ") == "true"
        shape = "permissive: true" if open_to_all else "legacy"
        if (p.schema, p.table) in legacy:
            out.append(LegacyObject("policy", name, shape, "drop", f"{p.command} to {', '.join(sorted(p.roles))}"))
        elif (p.schema, p.table) == ("storage", "objects") and not p.name.startswith("chat_files_"):
            if bucket in (p.using or "") + (p.with_check or ""):
                out.append(LegacyObject("policy", name, "legacy chat bucket", "drop", f"{p.command} on {s.bucket}"))
            else:
                out.append(LegacyObject("policy", name, "another bucket", "leave", "not the chat bucket"))
    return out


def _triggers(s: ChatSettings, catalog: Catalog, legacy: set[tuple[str, str]], archive: str) -> list[LegacyObject]:
    sources = {f"{f.schema}.{f.name}": f.source for f in catalog.functions}
    out = []
    for t in catalog.triggers:
        name = f"{t.schema}.{t.table}.{t.name}"
        on_legacy = (t.schema, t.table) in legacy or t.schema == archive
        writes = bool(WRITES_CHAT.search(sources.get(t.function, ""))) and \
            not t.function.startswith(s.private_schema + ".")
        if on_legacy or writes:
            action = "disable" if t.enabled else "keep"
            out.append(LegacyObject("trigger", name, "legacy chat trigger", action,
                                    f"{t.function} {'writes chat tables' if writes else 'on a legacy table'}"
                                    + ("" if t.enabled else " (disabled)")))
    return out


def _functions(s: ChatSettings, catalog: Catalog) -> list[LegacyObject]:
    out = []
    api = {"public", "anon", "authenticated", "service_role"}
    for f in (f for f in catalog.functions if f.schema == s.schema):
        name = f"{f.schema}.{f.name}({f.identity_args})"
        if f"{f.name}({f.identity_args})" in UNIFIED_RPCS:
            continue
        known = f.name in CHAT_FUNCTIONS or f.name in APP_FUNCTIONS
        executable = bool(f.execute_roles & api)
        shape = "legacy chat function" if f.name in CHAT_FUNCTIONS else "legacy app function" if known else "unknown"
        action = "revoke" if known and executable else "keep" if known else "leave"
        detail = ("EXECUTE revoked from API roles" if action == "revoke" else "not executable by API roles"
                  if known else "unknown function: left alone")
        out.append(LegacyObject("function", name, shape, action, detail))
    return out


def _storage(conn: psycopg.Connection[Any], s: ChatSettings, catalog: Catalog, pending: bool) -> list[LegacyObject]:
    """The buckets, and the path layouts in them when there is something to consolidate (legacy tables
    to archive or a legacy bucket): on a unified database the objects are never scanned (`samia apply`
    detects on every run, and a 2M-object bucket took 8.7 s to count)."""
    out = []
    for b in catalog.buckets:
        if b.id == s.bucket:
            out.append(LegacyObject("bucket", b.id, "the chat bucket", "keep", "limits, policies: the templates"))
        elif b.id in LEGACY_BUCKETS:
            out.append(LegacyObject("bucket", b.id, "legacy chat bucket", "move", "objects move to " + s.bucket))
        else:
            out.append(LegacyObject("bucket", b.id, "other", "leave", LEFT_ALONE_BUCKETS.get(b.id, "not chat")))
    if not catalog.buckets or not (pending or any(b.id in LEGACY_BUCKETS for b in catalog.buckets)):
        return out
    # every layout counted in one pass over the objects of the legacy buckets
    buckets = [bucket if bucket != "chat-files" else s.bucket for bucket, _, _ in LAYOUTS]
    counted = sql.SQL(", ").join(
        sql.SQL("count(*) filter (where bucket_id = {} and name ~ {})").format(sql.Literal(b), sql.Literal(p))
        for b, (_, _, p) in zip(buckets, LAYOUTS, strict=True))
    row = conn.execute(sql.SQL("select {} from storage.objects where bucket_id = any(%s)").format(counted),
                       (sorted(set(buckets)),)).fetchone()
    for (bucket, layout, _), found in zip(LAYOUTS, row or (), strict=False):
        if found:
            target = "target" in layout
            out.append(LegacyObject("layout", f"{bucket}: {layout}", "known layout", "keep" if target else "move",
                                    f"{found} objects"))
    return out


def _partial(present: set[str]) -> list[str]:
    """Refusals for a legacy schema no sequence of the legacy scripts leaves (a table without one it needs)."""
    if "messages" not in present:
        return ["legacy chat tables without messages (every generation starts with it): consolidate refuses to"
                " guess where its rows went"]
    return [f"legacy {table} without {', '.join(sorted(REQUIRES[table] - present))} (which it needs): not a state"
            " the legacy scripts leave; consolidate refuses to guess" for table in sorted(present)
            if REQUIRES[table] - present]


def detect(conn: psycopg.Connection[Any], s: ChatSettings, archive: str) -> Inventory:
    """The inventory of a database: legacy tables, policies, triggers, functions, buckets, layouts."""
    catalog = snapshot(conn, (s.schema, archive, "storage"))
    tables, refusals = _tables(s, catalog, archive)
    legacy_keys = {(o.name.split(".", 1)[0], o.name.split(".", 1)[1]) for o in tables if o.action == "archive"}
    objects = [*tables, *_policies(s, catalog, legacy_keys), *_triggers(s, catalog, legacy_keys, archive),
               *_functions(s, catalog), *_storage(conn, s, catalog, bool(legacy_keys))]
    present = {o.name.split(".", 1)[1] for o in tables if o.action == "archive" or o.shape == "archived"}
    if any(o.action == "archive" for o in tables):
        refusals += _partial(present)
        objects += [LegacyObject("table", f"{s.schema}.{t}", "absent (its generation's scripts never ran)", "leave",
                                 "read as an empty table") for t in sorted(set(LEGACY_TABLES) - present)]
    return Inventory(tuple(objects), tuple(dict.fromkeys(refusals)))

