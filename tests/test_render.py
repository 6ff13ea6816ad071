"""Rendering: deterministic, strict, quoted; the committed Supabase migrations match the templates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from support import rendered, workspace
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.errors import TemplateError
from samia_schema.migrations import latest_by_unit, migration_name, read_migrations, write_supabase_migrations
from samia_schema.quoting import quote_ident, quote_literal, quote_text_array

REPO = Path(__file__).resolve().parent.parent


def test_render_is_deterministic() -> None:
    first = rendered()
    second = rendered()
    assert [u.sql.encode() for u in first.units] == [u.sql.encode() for u in second.units]
    assert [u.name for u in first.units] == sorted(u.name for u in first.units)


def test_every_template_is_a_unit_in_prefix_order() -> None:
    names = [p.name.removesuffix(".sql.j2") for p in sorted((REPO / "templates").glob("*.sql.j2"))]
    assert [u.name for u in rendered().units] == names
    assert all(re.match(r"^\d{3}_[a-z_]+$", n) for n in names)


def test_undefined_variable_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "001_bad.sql.j2").write_text("select {{ not_defined }};\n")
    with pytest.raises(TemplateError, match="001_bad.sql.j2: undefined template variable"):
        _ = workspace(templates=(str(tmp_path),)).plan


def test_syntax_error_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "001_bad.sql.j2").write_text("select {% if %};\n")
    with pytest.raises(TemplateError, match="001_bad.sql.j2:1: template syntax error"):
        _ = workspace(templates=(str(tmp_path),)).plan


def test_quoting_filters() -> None:
    assert quote_ident("chat_sessions") == "chat_sessions"
    assert quote_ident("user") == '"user"'
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal(None) == "null" and quote_literal(True) == "true" and quote_literal(5) == "5"
    assert quote_text_array(["a", "b'c"]) == "array['a', 'b''c']::text[]"
    with pytest.raises(TemplateError):
        quote_literal("nul\x00byte")
    with pytest.raises(TemplateError):
        quote_ident("x" * 64)


def test_config_values_reach_sql_only_quoted() -> None:
    sql = rendered(bucket="chat-media", schema="chat").sql
    assert "'chat-media'" in sql and "chat-files" not in sql
    assert "create table if not exists chat.chat_sessions" in sql


def test_claim_role_source_renders_jwt_lookup() -> None:
    sql = rendered(role_source="claim", role_claim="app_metadata.user_role").unit("040_helpers").sql
    assert "auth.jwt() #>> array['app_metadata', 'user_role']::text[]" in sql
    assert "profiles p where" not in sql


def test_committed_supabase_migrations_match_the_templates() -> None:
    """Fails when a template changed and `samia render --supabase` was not run and committed."""
    plan = workspace(REPO / "samia.toml").plan
    latest = latest_by_unit(read_migrations(REPO / "supabase" / "migrations"))
    for unit in plan.units:
        file = latest.get(migration_name(unit))
        assert file is not None, f"no migration for {unit.name}: run `samia render --supabase`"
        assert file.sql == unit.sql, f"{file.path.name} is stale: run `samia render --supabase`"


def test_supabase_render_writes_only_changed_units(tmp_path: Path) -> None:
    plan = rendered()
    written = write_supabase_migrations(plan, tmp_path)
    assert len(written) == len(plan.units)
    assert all(re.match(r"^\d{14}_samia_\d{3}_[a-z_]+\.sql$", p.name) for p in written)
    assert write_supabase_migrations(plan, tmp_path) == ()
    changed = rendered(file_size_limit=1234)
    again = write_supabase_migrations(changed, tmp_path)
    assert {p.name.split("_", 1)[1] for p in again} == {"samia_020_tables.sql", "samia_090_storage.sql"}
    assert min(p.name[:14] for p in again) > max(p.name[:14] for p in written)


def test_cli_render_out_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "samia.toml", tmp_path / "samia.toml")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["render", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "000_schemas.sql"
    result = runner.invoke(app, ["render", "--json"])
    assert result.exit_code == 0 and '"checksum"' in result.stdout
    result = runner.invoke(app, ["render", "--supabase"])
    assert result.exit_code == 0 and len(list((tmp_path / "supabase" / "migrations").iterdir())) == 12


def test_cli_render_bad_config_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "samia.toml").write_text('[samia]\nbucket = "NO"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["render"])
    assert result.exit_code == 2
    assert "samia.bucket" in result.stderr and "Traceback" not in result.output
