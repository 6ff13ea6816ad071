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
from ...quoting import quote_ident
from ...resources import data_dir, static_sql
from ..base import AuditTrail, InventoryScope, Pack, World
from . import settings as chat_settings
from .settings import AppRoles, ChatSettings, mime_accepts

__all__ = ["PACK", "AppRoles", "ChatPack", "ChatSettings", "mime_accepts"]

_HERE = Path(__file__).resolve().parent
CHAT_TABLES = ("chat_sessions", "chat_messages", "chat_audit_logs", "chat_monitoring", "chat_read_cursors")
# bytes of text form: every client-writable column without a tighter check of its own
SIZE_LIMITS = {"metadata": 8192, "waveform_data": 16384, "file_url": 2048, "file_path": 512, "file_type": 255,
               "last_message_preview": 600, "avatar_url": 2048}
_TRANSITIONS = {"insert": "new table as new_rows", "update": "old table as old_rows new table as new_rows",
                "delete": "old table as old_rows"}
LEGACY_TABLES = ("profiles", "messages", "voice_notes")


def _chat(settings: Settings) -> ChatSettings:
    return cast(ChatSettings, settings)


def added_checks(settings: ChatSettings) -> list[tuple[str, str, str]]:
    """(table, constraint, expression) of the checks 020_tables adds to tables that predate them."""
    sized = {"chat_sessions": ("metadata", "last_message_preview"),
             "chat_messages": ("metadata", "waveform_data", "file_url", "file_path", "file_type"),
             "chat_monitoring": ("metadata",)}
    if settings.profiles == "create":
        sized["profiles"] = ("avatar_url",)
    checks = [(table, f"{table}_{column}_size_check", f"octet_length({column}::text) <= {SIZE_LIMITS[column]}")
              for table, columns in sized.items() for column in columns]
    checks.append(("chat_messages", "chat_messages_file_name_dots_check",
                   "file_name not in ('.', '..') and split_part(file_path, '/', 3) not in ('.', '..')"))
    return checks


def chat_triggers(settings: ChatSettings) -> list[tuple[str, ...]]:
    """(table, trigger, timing and events, level, function call) of every chat trigger (050_triggers).

    Row triggers guard and fill columns; statement triggers (transition tables) audit and keep the
    last-message preview. Timing "dropped": a trigger of an earlier release.
    """
    p = quote_ident(settings.private_schema)

    def fn(name: str, *args: str) -> str:
        return f"{p}.{name}(" + ", ".join(f"'{a}'" for a in args) + ")"

    row = "for each row"
    triggers: list[tuple[str, ...]] = [
        ("chat_sessions", "chat_sessions_check_participants", "before insert or update of participants", row,
         fn("check_participants")),
        ("chat_sessions", "chat_sessions_guard_update", "before update", row, fn("guard_session_update")),
        ("chat_sessions", "chat_sessions_server_columns", "before insert or update", row,
         fn("set_session_server_columns")),
        ("chat_messages", "chat_messages_guard_update", "before update", row, fn("guard_message_update")),
        ("chat_messages", "chat_messages_server_columns", "before insert or update", row,
         fn("set_message_server_columns")),
        ("chat_monitoring", "chat_monitoring_server_columns", "before insert", row,
         fn("set_monitoring_server_columns")),
    ]
    for table in ("chat_sessions", "chat_messages", *(("profiles",) if settings.profiles == "create" else ())):
        triggers.append((table, f"{table}_set_updated_at", "before update", row, fn("set_updated_at")))
    for event, transition in _TRANSITIONS.items():
        statement = f"referencing {transition} for each statement"
        triggers.append(("chat_sessions", f"chat_sessions_audit_{event}", f"after {event}", statement,
                         fn("audit_statement", "id", "last_message_at", "last_message_preview")))
        triggers.append(("chat_messages", f"chat_messages_audit_{event}", f"after {event}", statement,
                         fn("audit_statement", "session_id", "content_tsv")))
        triggers.append(("chat_messages", f"chat_messages_touch_session_{event}", f"after {event}", statement,
                         fn("touch_session_last_message")))
    if settings.messages_partitioning == "monthly":  # the reply key's ON DELETE SET NULL, made certain
        triggers.append(("chat_messages", "chat_messages_clear_replies", "after delete",
                         "referencing old table as old_rows for each statement", fn("clear_replies_to_deleted")))
    for table, name in (("chat_sessions", "chat_sessions_audit"), ("chat_messages", "chat_messages_audit"),
                        ("chat_messages", "chat_messages_touch_session")):
        triggers.append((table, name, "dropped", "", ""))
    return triggers


def forced_tables(settings: ChatSettings) -> list[str]:
    """Qualified names of the tables whose row level security is enabled and forced (070_rls)."""
    s = quote_ident(settings.schema)
    own = [*CHAT_TABLES, *(("profiles",) if settings.profiles == "create" else ())]
    return [f"{s}.{quote_ident(t)}" for t in own]


def template_context(settings: ChatSettings) -> dict[str, object]:
    """The variables every chat template sees."""
    from .realtime import template_context as realtime_context

    roles = settings.app_roles
    bases = sorted({m.split(";", 1)[0] for m in settings.allowed_mime_types})
    return {
        "mime_exact": [m for m in bases if "*" not in m],
        "mime_wild": [m for m in bases if m.endswith("/*")],
        "s": settings,
        "pinned": "set search_path = pg_catalog, pg_temp",
        "added_checks": added_checks(settings),
        "chat_triggers": chat_triggers(settings),
        "forced_tables": forced_tables(settings),
        "monthly_messages": settings.messages_partitioning == "monthly",
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
        return tuple(dict.fromkeys((s.schema, s.private_schema, *self.platform_schemas(settings))))

    def platform_schemas(self, settings: Settings) -> tuple[str, ...]:
        return ("storage", "realtime") if _chat(settings).realtime else ("storage",)

    def owns_platform_object(self, obj: Any, live: Any, desired: Any) -> bool:
        """storage.objects: ours unless it names only other buckets. realtime.messages: ours unless it
        names topics that are not ours (another feature's channels); a policy naming no topic at all
        (`using (true)`) opens our topics too, so it is ours to report."""
        if (obj.schema, obj.table) != ("realtime", "messages"):
            return super().owns_platform_object(obj, live, desired)
        from .realtime import names_only_foreign_topics

        return not names_only_foreign_topics((obj.using, obj.with_check))

    def exposed_schemas(self, settings: Settings) -> tuple[str, ...]:
        return (_chat(settings).schema,)

    def summary(self, conn: psycopg.Connection[Any], settings: Settings) -> dict[str, int]:
        s = _chat(settings)
        params = {"schema": s.schema, "private": s.private_schema, "bucket": s.bucket}
        with conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(static_sql("chat/summary.sql").encode(), params).fetchone()
        return {k: int(v) for k, v in (row or {}).items()}

    def partitioned_tables(self, settings: Settings) -> tuple[str, ...]:
        s = _chat(settings)
        return (f"{s.schema}.chat_messages",) if s.messages_partitioning == "monthly" else ()

    def maintain(self, conn: psycopg.Connection[Any], settings: Settings) -> tuple[str, ...]:
        """Monthly messages: the partitions through `partition_months_ahead` months from now."""
        s = _chat(settings)
        if s.messages_partitioning != "monthly":
            return ()
        rows = conn.execute(sql.SQL("select * from {}.create_message_partitions(p_months_ahead => %s)").format(
            sql.Identifier(s.private_schema)), (s.partition_months_ahead,)).fetchall()
        return tuple(f"created partition {s.private_schema}.{r[0]}" for r in rows)

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

    def external_tables(self, settings: Settings) -> frozenset[tuple[str, str]]:
        s = _chat(settings)
        return frozenset({(s.schema, "profiles")}) if s.profiles == "existing" else frozenset()

    def scratch_prelude(self, settings: Settings) -> str:
        s = _chat(settings)
        if s.profiles != "existing":
            return ""
        return sql.SQL(static_sql("chat/profiles_stand_in.sql")).format(
            schema=sql.Identifier(s.schema)).as_string(None)

    def consolidation(self, settings: Settings) -> Any:
        from .consolidate import ChatConsolidation

        return ChatConsolidation(_chat(settings))

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
