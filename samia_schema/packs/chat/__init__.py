"""The bundled content pack: the SAMIA TAROT unified chat & audio system.

Templates: the top-level `templates/` directory; static SQL: `sql/chat/` (fixture world, bucket
check, sabotages, summary). See `samia_schema.packs.base.Pack` for the protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ...access.matrix import Matrix, Persona
from ...access.vocabulary import Vocabulary
from ...config import Settings
from ...resources import data_dir, static_sql
from ..base import AuditTrail, InventoryScope, Pack, World
from . import settings as chat_settings
from .settings import AppRoles, ChatSettings, mime_accepts

__all__ = ["PACK", "AppRoles", "ChatPack", "ChatSettings", "mime_accepts"]

_HERE = Path(__file__).resolve().parent
CHAT_TABLES = ("chat_sessions", "chat_messages", "chat_audit_logs", "chat_monitoring")
LEGACY_TABLES = ("profiles", "messages", "voice_notes")


def _chat(settings: Settings) -> ChatSettings:
    return cast(ChatSettings, settings)


def template_context(settings: ChatSettings) -> dict[str, object]:
    """The variables every chat template sees."""
    from .realtime import template_context as realtime_context

    roles = settings.app_roles
    bases = sorted({m.split(";", 1)[0] for m in settings.allowed_mime_types})
    return {
        "mime_exact": [m for m in bases if "*" not in m],
        "mime_wild": [m for m in bases if m.endswith("/*")],
        "s": settings,
        "schema": settings.schema,
        "private": settings.private_schema,
        "bucket": settings.bucket,
        "roles": roles,
        "member_roles": [roles.client, roles.reader],
        "staff_read_roles": [roles.monitor, roles.admin, roles.super_admin],
        "admin_roles": [roles.admin, roles.super_admin],
        "posting_roles": [roles.client, roles.reader, roles.admin, roles.super_admin],
        "message_types": ["text", "audio", "image", "file", "video", "system", "emergency"],
        "session_types": ["direct", "booking", "support", "group", "emergency"],
        "session_statuses": ["active", "closed", "archived"],
        "message_statuses": ["sent", "delivered", "read", "failed"],
        "monitor_events": [
            "user_connected", "user_disconnected", "session_joined", "session_left",
            "typing_started", "typing_stopped", "message_flagged", "error",
        ],
        **realtime_context(),
    }


class ChatPack(Pack):
    """Sessions with participant arrays, messages, an append-only audit log, monitoring, a private bucket."""

    name = "chat"
    settings_class = ChatSettings
    table_keys = frozenset({"app_roles"})

    def coerce(self, key: str, value: object, where: str) -> object:
        return chat_settings.coerce(key, value, where)

    def check(self, settings: Settings) -> None:
        chat_settings.check(_chat(settings))

    def template_dirs(self) -> tuple[Path, ...]:
        return (data_dir("templates"),)

    def template_context(self, settings: Settings) -> dict[str, object]:
        return template_context(_chat(settings))

    def schemas(self, settings: Settings) -> tuple[str, ...]:
        s = _chat(settings)
        return tuple(dict.fromkeys((s.schema, s.private_schema, "storage")))

    def exposed_schemas(self, settings: Settings) -> tuple[str, ...]:
        return (_chat(settings).schema,)

    def summary(self, conn: psycopg.Connection[Any], settings: Settings) -> dict[str, int]:
        s = _chat(settings)
        params = {"schema": s.schema, "private": s.private_schema, "bucket": s.bucket}
        with conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(static_sql("chat/summary.sql").encode(), params).fetchone()
        return {k: int(v) for k, v in (row or {}).items()}

    def preflight(self, conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, ...]:
        s = _chat(settings)
        wanted = ["auth.users", "storage.objects", "storage.buckets", "realtime.messages", f"{s.schema}.profiles",
                  *(f"{s.schema}.{t}" for t in CHAT_TABLES)]
        rows = conn.execute("select name from unnest(%s::text[]) name where to_regclass(name) is null",
                            (wanted,)).fetchall()
        return tuple(r[0] for r in rows)

    def default_matrix(self) -> Path:
        return _HERE / "default_matrix.toml"

    def vocabulary(self) -> Vocabulary:
        from .vocabulary import VOCABULARY

        return VOCABULARY

    def seed_world(self, conn: psycopg.Connection[Any], matrix: Matrix, settings: Settings) -> World:
        from .world import seed_world

        return seed_world(conn, matrix, _chat(settings))

    def claims_for(self, persona: Persona, uid: Any, settings: Settings) -> dict[str, Any]:
        claims = super().claims_for(persona, uid, settings)
        s = _chat(settings)
        if persona.app_role and s.role_source == "claim":
            node = claims
            *path, last = s.role_claim_path
            for part in path:
                node = node.setdefault(part, {})
            node[last] = persona.app_role
        return claims

    def audit_trail(self, settings: Settings) -> AuditTrail | None:
        from .trail import ChatAuditTrail

        return ChatAuditTrail(_chat(settings))

    def sabotage_dir(self) -> Path | None:
        return data_dir("sql") / "chat" / "access" / "sabotage"

    def sabotage_params(self, settings: Settings) -> dict[str, sql.Composable]:
        s = _chat(settings)
        return {"schema": sql.Identifier(s.schema), "private": sql.Identifier(s.private_schema),
                "bucket": sql.Literal(s.bucket)}

    def inventory_scope(self, settings: Settings) -> InventoryScope:
        s = _chat(settings)
        return InventoryScope(
            schemas=(*self.schemas(settings), "realtime"),
            tables=frozenset({(s.schema, t) for t in LEGACY_TABLES}),
            policy_tables=frozenset({("storage", "objects"), ("realtime", "messages")}),
            table_prefixes=("chat_",),
            function_schemas=(s.private_schema,),
            function_words=("chat", "session", "message"),
            label="chat",
        )


PACK = ChatPack()
