"""Migration-safety lint: each rule's fixtures, its docs, the bundled units (clean), the CLI, and
squawk (PyPI squawk-cli) as a second opinion on the same SQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from support import REPO, rendered
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.linter import LintConfig, Waiver
from samia_schema.linter.migration import MIGRATION_RULES, lint_migrations
from samia_schema.units import Unit

FIXTURES = REPO / "tests" / "fixtures" / "migration_lint"
CASES = [(r.id, kind) for r in MIGRATION_RULES for kind in ("bad", "good")]
SQUAWK = shutil.which("squawk")
NEEDS_SQUAWK = pytest.mark.skipif(SQUAWK is None, reason="squawk is not installed: pip install squawk-cli")


def header(text: str, key: str) -> list[str]:
    return [v.strip() for v in re.findall(rf"^-- {key}: (.+)$", text, flags=re.MULTILINE)]


def fixture(rule: str, kind: str) -> str:
    return (FIXTURES / rule / f"{kind}.sql").read_text()


@pytest.mark.parametrize(("rule", "kind"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_rule_fixture(rule: str, kind: str) -> None:
    text = fixture(rule, kind)
    found = [v for v in lint_migrations([Unit("fixture", text)], None, LintConfig()) if v.rule == rule]
    if kind == "bad":
        assert found and set(header(text, "expect")) <= {v.object for v in found}, found
    else:
        assert not found, found


def test_every_rule_has_docs_and_fixtures() -> None:
    for rule in MIGRATION_RULES:
        doc = REPO / "docs" / "rules" / f"{rule.id}.md"
        assert doc.is_file(), doc
        body = doc.read_text()
        for section in ("## Problem", "## Why", "## Fix", "## Example"):
            assert section in body, f"{doc}: missing {section}"
        assert rule.level in ("error", "warn", "info") and rule.category == "migration"
        assert all((FIXTURES / rule.id / f"{kind}.sql").is_file() for kind in ("bad", "good"))


def test_the_bundled_units_are_clean_offline_and_against_a_database(chat_dsn: str) -> None:
    plan = rendered(migrations_dir="/nonexistent-samia-migrations")
    assert lint_migrations(plan.units, None, LintConfig()) == ()
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        assert lint_migrations(plan.units, conn, LintConfig()) == ()


def test_not_null_is_fine_once_a_validated_check_exists(chat_dsn: str) -> None:
    unit = Unit("075_content", "alter table public.chat_messages alter column content set not null;")
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        assert [v.rule for v in lint_migrations([unit], conn, LintConfig())] == ["not_null_without_check"]
        conn.execute("alter table public.chat_messages add constraint content_nn check (content is not null)")
        assert lint_migrations([unit], conn, LintConfig()) == ()


def test_a_table_the_database_does_not_have_is_new(fresh_dsn: str) -> None:
    """Against a database, a unit's statements on a table that is not there yet are harmless."""
    unit = Unit("075_x", fixture("volatile_default", "bad").replace("public.chat_messages", "public.not_there"))
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        assert lint_migrations([unit], conn, LintConfig()) == ()
    assert [v.rule for v in lint_migrations([unit], None, LintConfig())] == ["volatile_default"]


def test_waivers_name_the_unit_and_statement() -> None:
    unit = Unit("075_reactions", fixture("volatile_default", "bad"))
    config = LintConfig(waivers=(Waiver("volatile_default", "075_reactions:*", "backfilled at night"),))
    (found,) = lint_migrations([unit], None, config)
    assert found.object == "075_reactions:1" and found.waiver == "backfilled at night"


def _project(tmp_path: Path, unit_sql: str) -> str:
    config = tmp_path / "samia.toml"
    config.write_text('[samia]\ntemplates = ["@pack", "templates"]\nmigrations_dir = "none"\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "075_reactions.sql").write_text(unit_sql)
    return str(config)


def test_cli_exit_codes_and_sarif(tmp_path: Path) -> None:
    clean = CliRunner().invoke(app, ["lint", "--migrations", "-c", str(REPO / "samia.toml")],
                               env={"SAMIA_DB_URL": None})
    assert clean.exit_code == 0, clean.output
    config = _project(tmp_path, fixture("column_type_change", "bad"))
    bad = CliRunner().invoke(app, ["lint", "--migrations", "-c", config], env={"SAMIA_DB_URL": None})
    assert bad.exit_code == 1 and "column_type_change" in bad.stdout and "075_reactions:1" in bad.stdout
    sarif = json.loads(CliRunner().invoke(app, ["lint", "--migrations", "-c", config, "--format", "sarif"],
                                          env={"SAMIA_DB_URL": None}).stdout)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert {r["id"] for r in driver["rules"]} == {r.id for r in MIGRATION_RULES}
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["column_type_change"]
    both = CliRunner().invoke(app, ["lint", "--migrations", "--templates", "-c", config])
    assert both.exit_code == 2 and "exclude each other" in both.stderr


@NEEDS_SQUAWK
def test_squawk_finds_nothing_in_the_rendered_units_with_the_repository_config(tmp_path: Path) -> None:
    """CI's second opinion: squawk (libpg_query's parser) over every rendered unit, with the rules
    whose hazard apply removes itself excluded (.squawk.toml)."""
    files = []
    for unit in rendered(migrations_dir="/nonexistent-samia-migrations").units:
        path = tmp_path / f"{unit.name}.sql"
        path.write_text(unit.sql)
        files.append(str(path))
    done = subprocess.run([str(SQUAWK), "--config", str(REPO / ".squawk.toml"), *files], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@NEEDS_SQUAWK
@pytest.mark.parametrize("rule", [r.id for r in MIGRATION_RULES if header(fixture(r.id, "bad"), "squawk")])
def test_squawk_agrees_with_each_bad_fixture(rule: str, tmp_path: Path) -> None:
    """Every rule of ours with a squawk counterpart: squawk flags the bad fixture too (run outside the
    repository, so that .squawk.toml's exclusions do not apply)."""
    path = FIXTURES / rule / "bad.sql"
    done = subprocess.run([str(SQUAWK), "--assume-in-transaction", "--reporter", "json", str(path)],
                          capture_output=True, text=True, check=False, timeout=60, cwd=tmp_path)
    reported = {v["rule_name"] for v in json.loads(done.stdout or "[]")}
    assert set(header(path.read_text(), "squawk")) <= reported, reported
