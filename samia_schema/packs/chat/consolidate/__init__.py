"""The chat pack's consolidation of a legacy SAMIA TAROT database (see docs/consolidation.md).

`prepare` (before the templates): legacy chat tables move to the archive schema (RLS on, no
grant to any API role, their policies dropped, their triggers disabled); legacy policies on the
chat bucket are dropped; triggers of other tables that write chat tables are disabled; EXECUTE
on the legacy functions is revoked from the API roles. `fill` (after the templates): the SQL of
sql/chat/consolidate/ fills the unified tables, lists every skipped row with its reason and
writes the storage journal.

Example:
    >>> c = ChatConsolidation(settings)
    >>> c.detect(conn).pending
    True
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ....consolidate.bulk import bulk_fill
from ....consolidate.manifest import BackupItem, exists
from ....consolidate.protocol import Inventory, Step, TableAccount
from ....consolidate.storage import create_journal
from ....errors import DatabaseError
from ....resources import static_sql
from ..settings import ChatSettings
from .detect import detect
from .shapes import LEGACY_BUCKETS, LEGACY_TABLES

ARCHIVE = "chat_legacy"
API_ROLES = sql.SQL("public, anon, authenticated, service_role")
# filled set-based: indexes and foreign keys rebuilt at the end; QUIET: their user triggers off meanwhile
FILLED = ("chat_sessions", "chat_messages", "chat_monitoring", "chat_audit_logs")
QUIET = ("chat_sessions", "chat_messages")
FILL = ("sessions", "staged", "messages_insert", "events", "storage")


def _split(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split(".", 1))


class ChatConsolidation:
    """Consolidation of the legacy chat tables, policies, triggers, functions and buckets."""

    archive_schema = ARCHIVE

    def __init__(self, settings: ChatSettings) -> None:
        self.s = settings

    def _sql(self, name: str) -> sql.Composed:
        return sql.SQL(static_sql(f"chat/consolidate/{name}.sql")).format(
            schema=sql.Identifier(self.s.schema), archive=sql.Identifier(ARCHIVE))

    def _params(self) -> dict[str, Any]:
        from .. import template_context

        context = template_context(self.s)
        return {"voice_max": self.s.voice_max_seconds, "size_limit": self.s.file_size_limit,
                "mime_exact": context["mime_exact"], "mime_wild": context["mime_wild"],
                "events": context["monitor_events"], "schema_name": self.s.schema, "bucket": self.s.bucket,
                "legacy_buckets": [*LEGACY_BUCKETS, self.s.bucket], "archive_name": ARCHIVE}

    def detect(self, conn: psycopg.Connection[Any]) -> Inventory:
        return detect(conn, self.s, ARCHIVE)

    def backup_items(self, conn: psycopg.Connection[Any], inventory: Inventory) -> tuple[BackupItem, ...]:
        names = [o.name.split(".", 1) for o in inventory.of("table", "archive")]
        tables = [BackupItem(schema, table) for schema, table in names]
        buckets = sorted({*LEGACY_BUCKETS, self.s.bucket})
        return (*tables, BackupItem(self.s.schema, "profiles", "verify"),
                BackupItem("storage", "buckets", "rows", "id = any(%(buckets)s)", {"buckets": buckets}),
                BackupItem("storage", "objects", "platform", "bucket_id = any(%(buckets)s)", {"buckets": buckets},
                           identity=("bucket_id", "name")))

    def prepare(self, conn: psycopg.Connection[Any], inventory: Inventory, step: Step) -> None:
        archive = sql.Identifier(ARCHIVE)
        step(f"archive schema {ARCHIVE}")
        conn.execute(sql.SQL("create schema if not exists {}").format(archive))
        conn.execute(sql.SQL("revoke all on schema {} from {}").format(archive, API_ROLES))
        for policy in inventory.of("policy", "drop"):
            schema, table, name = policy.name.split(".", 2)
            conn.execute(sql.SQL("drop policy {} on {}").format(sql.Identifier(name), sql.Identifier(schema, table)))
        for trigger in inventory.of("trigger", "disable"):
            schema, table, name = trigger.name.split(".", 2)
            conn.execute(sql.SQL("alter table {} disable trigger {}").format(
                sql.Identifier(schema, table), sql.Identifier(name)))
        for legacy in inventory.of("table", "archive"):
            step(f"archive {legacy.name}")
            moved = sql.Identifier(ARCHIVE, legacy.name.split(".", 1)[1])
            conn.execute(sql.SQL("alter table {} set schema {}").format(_split(legacy.name), archive))
            conn.execute(sql.SQL("alter table {} enable row level security").format(moved))
            conn.execute(sql.SQL("revoke all on table {} from {}").format(moved, API_ROLES))
        for function in inventory.of("function", "revoke"):
            schema, rest = function.name.split(".", 1)
            name, args = rest[:-1].split("(", 1)
            conn.execute(sql.SQL("revoke execute on function {}({}) from {}").format(
                sql.Identifier(schema, name), sql.SQL(args), API_ROLES))
        conn.execute(self._sql("skipped"))
        create_journal(conn, ARCHIVE)

    def fill(self, conn: psycopg.Connection[Any], inventory: Inventory, step: Step) -> None:
        """Fill the unified tables set-based (see docs/consolidation.md, "Speed"): their secondary indexes and
        foreign keys are rebuilt once at the end, and the per-row triggers of sessions and messages are off
        (audit rows, last-message preview, participant check: replaced by set-based statements and checks)."""
        if not inventory.of("table", "archive"):
            return
        conn.execute("select set_config('work_mem', '64MB', true), set_config('maintenance_work_mem', '256MB', true)")
        params = self._params()
        filled = [(self.s.schema, t) for t in FILLED]
        absent = [t for t in LEGACY_TABLES if not exists(conn, ARCHIVE, t)]
        with bulk_fill(conn, filled, triggers_off=[(self.s.schema, t) for t in QUIET]):
            with psycopg.ClientCursor(conn) as cur:  # several statements per file: bound client side
                cur.execute(self._sql("stand_ins"))  # empty tables for a generation the database never had
                for name in FILL:
                    step(f"migrate: {name}")
                    cur.execute(self._sql(name), params)
            for table in absent:
                conn.execute(sql.SQL("drop table {}").format(sql.Identifier(ARCHIVE, table)))
            step("migrate: rebuild indexes and foreign keys")
        failed = [f"{rule} ({count})" for rule, count in conn.execute(self._sql("checks")).fetchall() if count]
        if failed:
            raise DatabaseError("consolidate: " + "; ".join(failed) + " (rolled back: the database is as it was)")

    def accounts(self, conn: psycopg.Connection[Any]) -> tuple[TableAccount, ...]:
        """Per legacy table the database had: found, migrated (counted on the unified side), skipped by reason."""
        if not exists(conn, ARCHIVE, "samia_skipped"):
            return ()
        present = [t for t in LEGACY_TABLES if exists(conn, ARCHIVE, t)]
        with conn.transaction(force_rollback=True), psycopg.ClientCursor(conn) as cur:
            cur.execute(self._sql("stand_ins"))
            rows = conn.execute(self._sql("accounting"), {**self._params(), "present": present}).fetchall()
        reasons: dict[str, list[tuple[str, int]]] = {}
        for table, reason, count in conn.execute(sql.SQL(
                "select source_table, reason, count(*) from {} group by 1, 2 order by 1, 3 desc, 2").format(
                sql.Identifier(ARCHIVE, "samia_skipped"))).fetchall():
            reasons.setdefault(table, []).append((reason, int(count)))
        return tuple(TableAccount(name, int(found), int(migrated), int(skipped), target, tuple(reasons.get(name, ())))
                     for name, found, migrated, skipped, target in rows if name in LEGACY_TABLES)

    def skipped(self, conn: psycopg.Connection[Any], limit: int) -> tuple[tuple[str, str, str], ...]:
        """The first `limit` skipped rows (table, id, reason); all of them are in chat_legacy.samia_skipped."""
        if not exists(conn, ARCHIVE, "samia_skipped"):
            return ()
        rows = conn.execute(sql.SQL("select source_table, source_id, reason from {} order by 1, 2 limit %s").format(
            sql.Identifier(ARCHIVE, "samia_skipped")), (limit,)).fetchall()
        return tuple((str(a), str(b), str(c)) for a, b, c in rows)
