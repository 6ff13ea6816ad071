"""Catalog snapshot on a real Postgres: every object kind, keys, ordering, schema filtering."""

from __future__ import annotations

import dataclasses

import pytest

from samia_schema.catalog import model, snapshot
from samia_schema.catalog.model import Catalog
from samia_schema.config import Settings
from samia_schema.db import connect, execute_script
from samia_schema.errors import DatabaseError
from samia_schema.packs.chat import PACK


@pytest.fixture()
def catalog(chat_dsn: str, samia_settings: Settings) -> Catalog:
    with connect(chat_dsn, autocommit=True) as conn:  # what realtime_publication = true adds (off by default)
        conn.execute("alter publication supabase_realtime add table public.chat_messages")
    with connect(chat_dsn) as conn:
        return snapshot(conn, PACK.schemas(samia_settings))


def test_pack_schemas(samia_settings: Settings) -> None:
    expected = (samia_settings.schema, samia_settings.private_schema, "storage", "realtime")
    assert PACK.schemas(samia_settings) == expected
    assert PACK.platform_schemas(samia_settings) == ("storage", "realtime")


def test_every_collection_sorted_by_key_and_frozen(catalog: Catalog) -> None:
    assert catalog.server_version >= 13
    for f in dataclasses.fields(catalog):
        if f.name in ("server_version", "schemas"):
            continue
        items = getattr(catalog, f.name)
        assert isinstance(items, tuple) and items, f.name
        keys = [i.key for i in items]
        assert keys == sorted(keys), f.name
        assert len(set(keys)) == len(keys), f.name
        with pytest.raises(dataclasses.FrozenInstanceError):
            items[0].__setattr__("schema" if hasattr(items[0], "schema") else "id", "x")


def test_tables_columns_constraints(catalog: Catalog) -> None:
    messages = catalog.table("public", "chat_messages")
    assert isinstance(messages, model.Table)
    assert messages.rls_enabled and messages.rls_forced
    names = [c.name for c in messages.columns]
    assert names[0] == "id" and "session_id" in names
    assert all(isinstance(c, model.Column) for c in messages.columns)
    tsv = next(c for c in messages.columns if c.name == "content_tsv")
    assert tsv.generated and tsv.default and "content" in tsv.default  # deparsed with column names
    status = next(c for c in catalog.table("public", "chat_sessions").columns  # type: ignore[union-attr]
                  if c.name == "status")
    assert status.default == "'active'::text" and not status.generated
    kinds = {c.kind for c in messages.constraints}
    assert {"p", "f"} <= kinds
    fk = next(c for c in messages.constraints if c.kind == "f" and c.columns == ("session_id",))
    assert isinstance(fk, model.Constraint) and fk.ref_table == "public.chat_sessions"
    assert fk.key == ("public", "chat_messages", fk.name)
    assert catalog.table("storage", "objects") is not None
    assert catalog.table("public", "nope") is None


def test_policies_including_storage(catalog: Catalog) -> None:
    storage = catalog.policies_on("storage", "objects")
    assert {p.name for p in storage} == {"chat_files_select", "chat_files_insert", "chat_files_update",
                                         "chat_files_delete"}
    insert = next(p for p in storage if p.name == "chat_files_insert")
    assert isinstance(insert, model.Policy)
    assert insert.command == "insert" and insert.using is None and insert.with_check
    assert insert.roles == frozenset({"authenticated"}) and insert.permissive
    assert {p.command for p in catalog.policies} <= {"select", "insert", "update", "delete", "all"}


def test_policy_roles_public_and_all(chat_dsn: str) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, """
            create policy p_public on public.chat_messages for all using (true);
            create policy p_two on public.chat_messages as restrictive for delete
              to anon, authenticated using (false);
        """)
        catalog = snapshot(conn, ("public", "chat_private", "storage"))
    by_name = {p.name: p for p in catalog.policies}
    assert by_name["p_public"].roles == frozenset({"public"}) and by_name["p_public"].command == "all"
    assert by_name["p_two"].roles == frozenset({"anon", "authenticated"}) and not by_name["p_two"].permissive


def test_indexes_partial_gin_and_constraint(catalog: Catalog) -> None:
    by_name = {i.name: i for i in catalog.indexes}
    unread = by_name["chat_messages_session_unread_idx"]
    assert isinstance(unread, model.Index) and unread.predicate and "NOT is_deleted" in unread.predicate
    assert by_name["chat_sessions_participants_gin"].method == "gin"
    pkey = by_name["chat_messages_pkey"]
    assert pkey.primary and pkey.unique and pkey.constraint == "chat_messages_pkey"
    assert pkey.columns == ("id",)
    assert unread.definition.startswith("CREATE INDEX")


def test_functions_acl_search_path_owner(catalog: Catalog, chat_dsn: str) -> None:
    by_name = {(f.schema, f.name): f for f in catalog.functions}
    has_role = by_name[("chat_private", "has_role")]
    assert isinstance(has_role, model.Function)
    assert has_role.identity_args == "p_roles text[]" and has_role.returns == "boolean"
    assert has_role.security_definer and has_role.volatility == "stable"
    assert has_role.search_path == "pg_catalog, pg_temp"
    assert "public" not in has_role.execute_roles and "authenticated" in has_role.execute_roles
    assert has_role.owner and has_role.language == "sql" and has_role.source.strip()
    assert has_role.definition.startswith("CREATE OR REPLACE FUNCTION")
    folder = by_name[("storage", "foldername")]
    assert "public" in folder.execute_roles  # null proacl = default: PUBLIC may execute
    with connect(chat_dsn, autocommit=True) as conn:
        conn.execute("create function public.f_plain(a int) returns int language sql immutable as 'select a'")
        plain = next(f for f in snapshot(conn, ("public", "chat_private", "storage")).functions if f.name == "f_plain")
    assert plain.search_path is None and plain.execute_roles == frozenset({"public"})
    assert plain.volatility == "immutable" and not plain.security_definer


def test_triggers_grants_buckets_publications(catalog: Catalog) -> None:
    trigger = next(t for t in catalog.triggers if t.name == "chat_files_audit_delete")
    assert isinstance(trigger, model.Trigger) and trigger.enabled
    assert trigger.function == "chat_private.audit_storage_object" and trigger.table == "objects"
    grants = set(catalog.grants)
    assert model.Grant("public", "chat_messages", None, "authenticated", "select") in grants
    assert model.Grant("public", "chat_messages", "content", "authenticated", "update") in grants
    assert all(g.grantee != "postgres" for g in grants)  # owner's implicit rights excluded
    bucket = catalog.buckets[0]
    assert isinstance(bucket, model.Bucket) and bucket.id == "chat-files" and not bucket.public
    assert bucket.file_size_limit and bucket.allowed_mime_types
    assert model.PublicationTable("supabase_realtime", "public", "chat_messages") in catalog.publication_tables


def test_schema_filter_and_system_schemas_skipped(chat_dsn: str) -> None:
    with connect(chat_dsn) as conn:
        only_public = snapshot(conn, ("public", "pg_catalog", "information_schema"))
    assert {t.schema for t in only_public.tables} == {"public"}
    assert only_public.buckets == ()  # storage not requested
    assert all(f.schema == "public" for f in only_public.functions)


def test_snapshot_without_storage(fresh_dsn: str, empty_dsn: str) -> None:
    with connect(empty_dsn) as conn:
        empty = snapshot(conn, ("public", "chat_private", "storage"))
    assert empty == Catalog()
    with connect(fresh_dsn) as conn:
        fresh = snapshot(conn, ("public", "chat_private", "storage"))
    assert fresh.policies == () and fresh.buckets == ()


def test_snapshot_error_is_a_database_error(chat_dsn: str) -> None:
    conn = connect(chat_dsn)
    conn.close()
    with pytest.raises(DatabaseError):
        snapshot(conn, ("public", "chat_private", "storage"))


def test_snapshot_is_deterministic(chat_dsn: str) -> None:
    with connect(chat_dsn) as conn:
        schemas = ("public", "chat_private", "storage")
        assert snapshot(conn, schemas) == snapshot(conn, schemas)
