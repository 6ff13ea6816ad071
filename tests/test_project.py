"""A user's own project: `samia init`, `--eject`, the `templates` setting, one config for everything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.errors import TemplateError
from samia_schema.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env or {})


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SAMIA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "dba-repo"


def test_init_scaffolds_config_supabase_and_migrations(project: Path) -> None:
    result = _cli("init", str(project))
    assert result.exit_code == 0, result.output
    config = (project / "samia.toml").read_text()
    assert 'pack = "chat"' in config and 'templates = ["@pack"]' in config and '# bucket = "chat-files"' in config
    assert (project / "supabase" / "config.toml").is_file()
    assert len(list((project / "supabase" / "migrations").glob("*_samia_*.sql"))) == 12
    again = _cli("init", str(project))
    assert again.exit_code == 2 and "already exists" in again.stderr and "--force" in again.stderr
    ws = load_workspace(project / "samia.toml", env={})
    assert ws.root == project.resolve() and ws.settings.migrations_dir == project.resolve() / "supabase/migrations"


def test_init_keeps_an_existing_supabase_project(project: Path) -> None:
    (project / "supabase").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text('project_id = "mine"\n')
    result = _cli("init", str(project), "--json")
    assert result.exit_code == 0, result.output
    assert str(project / "supabase" / "config.toml") in json.loads(result.stdout)["kept"]
    assert (project / "supabase" / "config.toml").read_text() == 'project_id = "mine"\n'


def test_eject_then_an_edited_template_reaches_the_database(project: Path, fresh_dsn: str) -> None:
    assert _cli("init", str(project), "--eject").exit_code == 0
    ejected = sorted((project / "templates").glob("*.sql.j2"))
    assert len(ejected) == 12
    config = ["-c", str(project / "samia.toml")]
    assert _cli("apply", *config, "--db", fresh_dsn).exit_code == 0
    plan = _cli("plan", *config, "--db", fresh_dsn, "--no-drift")
    assert plan.exit_code == 0, plan.output
    assert "overrides the pack's 070_rls.sql.j2" in plan.stdout
    # the DBA edits a template in their repository
    rls = project / "templates" / "070_rls.sql.j2"
    rls.write_text(rls.read_text() + "\ncomment on table {{ schema | ident }}.chat_sessions is 'edited by the DBA';\n")
    stale = _cli("plan", *config, "--db", fresh_dsn, "--no-drift")
    assert stale.exit_code == 2 and "render --supabase" in stale.stderr
    assert _cli("render", *config, "--supabase").exit_code == 0
    pending = _cli("plan", *config, "--db", fresh_dsn, "--no-drift", "--json")
    assert pending.exit_code == 1 and json.loads(pending.stdout)["pending"] == ["070_rls"]
    applied = _cli("apply", *config, "--db", fresh_dsn, "--json")
    assert applied.exit_code == 0 and json.loads(applied.stdout)["applied"] == ["070_rls"]
    with psycopg.connect(fresh_dsn) as conn:
        row = conn.execute("select obj_description('public.chat_sessions'::regclass)").fetchone()
    assert row == ("edited by the DBA",)


def test_user_units_join_the_pack_in_prefix_order(tmp_path: Path) -> None:
    own = tmp_path / "db"
    own.mkdir()
    (own / "075_reactions.sql").write_text("create table if not exists public.chat_reactions (id int primary key);\n")
    (own / "040_helpers.sql.j2").write_text("-- replaced helpers for {{ schema }}\nselect 1;\n")
    (tmp_path / "samia.toml").write_text('[samia]\ntemplates = ["@pack", "db"]\n')
    plan = load_workspace(tmp_path / "samia.toml", env={}).plan
    names = [u.name for u in plan.units]
    assert names.index("070_rls") < names.index("075_reactions") < names.index("080_rpc")
    helpers = plan.unit("040_helpers")
    assert helpers.sql == "-- replaced helpers for public\nselect 1;\n"
    assert helpers.overrides is not None and helpers.overrides.parent == REPO / "templates"
    assert plan.unit("075_reactions").overrides is None


def test_template_directory_errors(tmp_path: Path) -> None:
    (tmp_path / "samia.toml").write_text('[samia]\ntemplates = ["@pack", "missing"]\n')
    with pytest.raises(TemplateError, match="missing: template directory does not exist"):
        load_workspace(tmp_path / "samia.toml", env={})
    own = tmp_path / "db"
    own.mkdir()
    (own / "reactions.sql").write_text("select 1;\n")
    (tmp_path / "samia.toml").write_text('[samia]\ntemplates = ["db"]\n')
    with pytest.raises(TemplateError, match="unit file names look like"):
        load_workspace(tmp_path / "samia.toml", env={})


def test_samia_config_reaches_settings_lint_config_and_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the workspace, $SAMIA_CONFIG moved settings but not the lint config."""
    elsewhere = tmp_path / "elsewhere.toml"
    body = (REPO / "samia_schema" / "packs" / "chat" / "default_matrix.toml").read_text()
    for table in ("personas.", "expect.", "rpc]"):
        body = body.replace(f"[{table}", f"[samia.matrix.{table}")
    elsewhere.write_text('[samia]\nbucket = "from-env-config"\n[samia.lint]\nfail_level = "info"\n\n' + body)
    (tmp_path / "samia.toml").write_text('[samia]\nbucket = "from-cwd"\n[samia.lint]\nfail_level = "warn"\n')
    monkeypatch.chdir(tmp_path)
    ws = load_workspace(env={"SAMIA_CONFIG": str(elsewhere)})
    assert ws.settings.bucket == "from-env-config"
    assert ws.lint_config.fail_level == "info" and ws.lint_config.source == str(elsewhere)
    assert ws.matrix_source.inline and ws.matrix().source == str(elsewhere)
    flagged = load_workspace(tmp_path / "samia.toml", env={"SAMIA_CONFIG": str(elsewhere),
                                                            "SAMIA_LINT_FAIL_LEVEL": "error"})
    assert flagged.settings.bucket == "from-cwd" and flagged.lint_config.fail_level == "error"


def test_every_machine_output_command_takes_json(project: Path) -> None:
    for command in ("render", "plan", "apply", "verify", "diff", "lint", "audit", "init"):
        text = " ".join(CliRunner().invoke(app, [command, "--help"]).stdout.split())
        assert "--json" in text and "--format" in text, command
