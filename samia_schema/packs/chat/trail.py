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
                "select user_id, action, table_name, record_id, host(ip_address) as ip from {} where id > %s"
            ).format(self._log), (mark,)).fetchall()
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
            return f"audit ip is {row['ip']}, expected {PROBE_IP} from x-forwarded-for"
        strangers = [r for r in rows if r["user_id"] != actor]
        if strangers:
            return f"{len(strangers)} audit row(s) attributed to another actor"
        return None
