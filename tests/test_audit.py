"""samia audit reports what the catalogs and tables really hold."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.config import Settings
from samia_schema.db import connect
from samia_schema.inventory import AuditReport, inventory
from samia_schema.packs.chat import PACK

CHAT = ("chat_sessions", "chat_messages", "chat_audit_logs", "chat_monitoring", "chat_read_cursors")


def audit(conn: Any, settings: Settings, database: str = "") -> AuditReport:
    return inventory(conn, PACK.inventory_scope(settings), database)


def _one(conn: Any, query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def test_fresh_database_reports_zeros(fresh_dsn: str, samia_settings: Settings) -> None:
    with connect(fresh_dsn, autocommit=True) as conn:
        report = audit(conn, samia_settings, "fresh")
    counts = report.counts
    for key in (
        "chat_tables",
        "tables",
        "rows",
        "foreign_keys",
        "policies",
        "storage_policies",
        "indexes",
        "functions",
        "triggers",
        "buckets",
        "objects",
        "realtime_tables",
        "ledger_units",
    ):
        assert counts[key] == 0, key
    assert report.tables == () and report.buckets == () and report.ledger == ()
    assert report.realtime_present and not report.ledger_present
    assert report.supabase_migrations == 0


def test_chat_database_reports_catalog_counts(chat_dsn: str, samia_settings: Settings) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        report = audit(conn, samia_settings, "chat")
        schema = samia_settings.schema
        indexes = _one(
            conn,
            "select count(*) from pg_indexes where schemaname = %s and tablename = any(%s)",
            (schema, list(CHAT)),
        )
        chat_policies = _one(
            conn,
            "select count(*) from pg_policies where schemaname = %s and tablename = any(%s)",
            (schema, list(CHAT)),
        )
        storage_policies = _one(
            conn, "select count(*) from pg_policies where schemaname = 'storage' and tablename = 'objects'"
        )
        fks = _one(
            conn,
            "select count(*) from pg_constraint c join pg_class t on t.oid = c.conrelid "
            "join pg_namespace n on n.oid = t.relnamespace where c.contype = 'f' and n.nspname = %s "
            "and t.relname = any(%s)",
            (schema, [*CHAT, "profiles"]),
        )
        realtime = _one(
            conn, "select count(*) from pg_publication_tables where pubname = 'supabase_realtime'"
        )
        ledger_units = _one(conn, "select count(distinct unit) from samia.ledger")
        migrations = _one(conn, "select count(*) from supabase_migrations.schema_migrations")
    counts = report.counts
    assert counts["chat_tables"] == 5
    assert {u.table.name for u in report.tables} >= {*CHAT, "profiles"}
    assert all(u.table.rls_enabled for u in report.tables)
    assert counts["indexes"] - sum(1 for i in report.indexes if i.table == "profiles") == indexes >= 15
    assert counts["chat_policies"] == chat_policies >= 8
    assert counts["storage_policies"] == storage_policies == 4
    assert counts["foreign_keys"] == fks
    assert counts["realtime_tables"] == realtime == 0  # realtime_publication is off by default
    assert counts["ledger_units"] == ledger_units > 0
    assert report.supabase_migrations == migrations  # 0: fixtures have no migration files, so no rows
    assert counts["gin_indexes"] >= 1 and counts["partial_indexes"] >= 1
    assert report.policies_by_command()["public.chat_messages"]["select"] == 1
    assert report.policies_by_command()["realtime.messages"] == {"select": 1, "insert": 1}  # private channels
    assert [b.bucket.id for b in report.buckets] == [samia_settings.bucket]
    assert not report.buckets[0].bucket.public


def test_bucket_object_counts_are_exact(chat_dsn: str, samia_settings: Settings) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        conn.execute(
            "insert into storage.buckets (id, name, public) values "
            "('zodiac-audio', 'zodiac-audio', true), ('voice-notes', 'voice-notes', false)"
        )
        conn.execute(
            "insert into storage.objects (bucket_id, name, metadata) select 'zodiac-audio', "
            "'aries/' || g || '.mp3', jsonb_build_object('size', 1000) from generate_series(1, 3) g"
        )
        conn.execute(
            "insert into storage.objects (bucket_id, name) values (%s, 'a/b/c.png')", (samia_settings.bucket,)
        )
        conn.execute(
            "insert into public.chat_monitoring (user_id, event_type) select u, 'error' from "
            "(select gen_random_uuid() as u) s where false"
        )
        report = audit(conn, samia_settings)
    buckets = {b.bucket.id: b for b in report.buckets}
    assert {k: b.objects for k, b in buckets.items()} == {
        samia_settings.bucket: 1,
        "voice-notes": 0,
        "zodiac-audio": 3,
    }
    assert buckets["zodiac-audio"].bucket.public and buckets["zodiac-audio"].bytes == 3000
    assert report.counts["objects"] == 4 and report.counts["public_buckets"] == 1
    # the chat-files insert was audited by the storage trigger: a real row count
    assert {u.table.name: u.rows for u in report.tables}["chat_audit_logs"] == 1


def test_legacy_tables_are_included(chat_dsn: str, samia_settings: Settings) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        conn.execute("create table public.messages (id int); insert into public.messages values (1), (2)")
        report = audit(conn, samia_settings)
    legacy = {u.table.name: u for u in report.tables}["messages"]
    assert legacy.rows == 2 and not legacy.table.rls_enabled
    assert report.counts["tables_without_rls"] == 1


def test_cli_json_and_errors(chat_dsn: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "--db", chat_dsn, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["chat_tables"] == 5 and "policies_by_command" in data
    table = runner.invoke(app, ["audit", "--db", chat_dsn])
    assert table.exit_code == 0 and "storage buckets" in table.stdout
    assert runner.invoke(app, ["audit", "--db", "host=/nonexistent-samia dbname=x"]).exit_code == 4
