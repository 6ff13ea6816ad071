"""The chat audit trail as the verifier checks it: exactly one matching row per successful write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ...access.probes import PROBE_IP
from .settings import ChatSettings


@dataclass(frozen=True)
class AuditExpect:
    """The one audit row a successful write must leave (record_id None: any record)."""

    table: str
    action: str
    record_id: str | None


@dataclass(frozen=True)
class ChatAuditTrail:
    """`chat_audit_logs`: a success leaves exactly one matching row by the actor, with the client IP."""

    settings: ChatSettings

    @property
    def _log(self) -> sql.Composed:
        return sql.SQL("{}.chat_audit_logs").format(sql.Identifier(self.settings.schema))

    def mark(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(sql.SQL("select coalesce(max(id), 0) from {}").format(self._log)).fetchone()
        return int(row[0]) if row else 0

    def problem(self, conn: psycopg.Connection[Any], mark: int, succeeded: bool, expect: Any,
                actor: uuid.UUID | None) -> str | None:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(sql.SQL(
                "select l.user_id, l.action, l.table_name, l.record_id, host(l.ip_address) as ip,"
                " array(select a.attname::text from pg_attribute a where l.table_schema = %s"
                "       and a.attrelid = to_regclass(format('%%I.%%I', l.table_schema, l.table_name))"
                "       and a.attgenerated <> '' and (coalesce(l.new_values, '{{}}') ? a.attname"
                "       or coalesce(l.old_values, '{{}}') ? a.attname)) as generated"
                " from {} l where l.id > %s"
            ).format(self._log), (self.settings.schema, mark)).fetchall()
        if not isinstance(expect, AuditExpect) or not succeeded:
            return f"{len(rows)} audit row(s) written by a write that did not happen" if rows else None
        matching = [r for r in rows if r["table_name"] == expect.table and r["action"] == expect.action
                    and (expect.record_id is None or r["record_id"] == expect.record_id)]
        if len(matching) != 1:
            return f"expected 1 audit row {expect.action} on {expect.table}, found {len(matching)}"
        row = matching[0]
        if row["user_id"] != actor:
            return f"audit actor is {row['user_id']}, expected {actor}"
        if row["ip"] != PROBE_IP:
            return f"audit ip is {row['ip']}, expected {PROBE_IP} (the address the edge vouches for)"
        if row["generated"]:
            return f"audit row stores generated column(s) {', '.join(row['generated'])}"
        strangers = [r for r in rows if r["user_id"] != actor]
        if strangers:
            return f"{len(strangers)} audit row(s) attributed to another actor"
        return None
