"""Rendering: deterministic, strict, quoted; the committed Supabase migrations match the templates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from support import rendered, workspace
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.errors import ConfigError, TemplateError
from samia_schema.migrations import local_history, read_migrations, write_supabase_migrations
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
    local = local_history(plan, REPO / "supabase" / "migrations")  # raises on a stale or missing file
    assert all(local.files(u.name) for u in plan.units)
    assert all(f.sql == u.sql for u in plan.units for f in local.files(u.name)), "run `samia render --supabase`"
    assert write_supabase_migrations(plan, REPO / "supabase" / "migrations").paths == ()  # idempotent


def test_supabase_render_writes_only_changed_units(tmp_path: Path) -> None:
    plan = rendered()
    written = write_supabase_migrations(plan, tmp_path).new
    assert len(written) == len(plan.units)
    assert all(re.match(r"^\d{14}_samia_\d{3}_[a-z_]+\.sql$", p.name) for p in written)
    assert write_supabase_migrations(plan, tmp_path).paths == ()
    changed = rendered(file_size_limit=1234)
    again = write_supabase_migrations(changed, tmp_path)
    assert {p.name.split("_", 1)[1] for p in again.new} == {"samia_020_tables.sql", "samia_090_storage.sql"}
    assert min(p.name[:14] for p in again.new) > max(p.name[:14] for p in written)
    # the superseded files now hold the latest rendering too: running an old file cannot restore old state
    assert {p.name.split("_", 1)[1] for p in again.rewritten} == {"samia_020_tables.sql", "samia_090_storage.sql"}
    assert all(p.read_text() == changed.unit(p.name[21:-4]).sql for p in again.rewritten)
    assert write_supabase_migrations(changed, tmp_path).paths == ()


def test_supabase_render_leaves_user_migrations_alone(tmp_path: Path) -> None:
    user = tmp_path / "20200101000000_add-reactions.sql"
    user.write_text("create table reactions (id int);\n")
    write_supabase_migrations(rendered(), tmp_path)
    assert user.read_text() == "create table reactions (id int);\n"
    local = local_history(rendered(), tmp_path)
    assert [(f.version, f.name) for f in local.foreign] == [("20200101000000", "add-reactions")]
    (tmp_path / "20990101000000_samia_999_gone.sql").write_text("select 1;\n")
    with pytest.raises(ConfigError, match="no template renders unit 999_gone"):
        local_history(rendered(), tmp_path)


def test_migration_files_follow_the_cli_file_rules(tmp_path: Path) -> None:
    (tmp_path / "20200101000000_init.sql").write_text("select 1;")  # a legacy first file the CLI skips
    (tmp_path / "7_dots.and-dashes.sql").write_text("select 2;")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "20300101000000_upper.SQL").write_text("select 3;")
    (tmp_path / "sub_dir.sql").mkdir()
    assert [(f.version, f.name) for f in read_migrations(tmp_path)] == [("7", "dots.and-dashes")]
    (tmp_path / "7_again.sql").write_text("select 4;")
    with pytest.raises(ConfigError, match="version 7 is also"):
        read_migrations(tmp_path)


def test_stale_superseded_or_missing_files_are_usage_errors(tmp_path: Path) -> None:
    old, new = rendered(), rendered(file_size_limit=1234)
    write_supabase_migrations(old, tmp_path)
    write_supabase_migrations(new, tmp_path)
    superseded = sorted(tmp_path.glob("*_samia_090_storage.sql"))[0]
    superseded.write_text(old.unit("090_storage").sql)  # e.g. restored by hand
    with pytest.raises(ConfigError, match="a superseded file holds the latest rendering too"):
        local_history(new, tmp_path)
    superseded.write_text(new.unit("090_storage").sql)
    next(tmp_path.glob("*_samia_000_schemas.sql")).unlink()
    with pytest.raises(ConfigError, match="no migration file for unit 000_schemas"):
        local_history(new, tmp_path)


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
