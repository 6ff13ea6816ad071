"""samia lint: every rule reports its bad fixture and not its good one; config, formats, CLI."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from samia_schema.catalog import snapshot
from samia_schema.cli import app
from samia_schema.config import Settings
from samia_schema.db import connect, execute_script
from samia_schema.errors import ConfigError
from samia_schema.linter import RULES, LintConfig, Waiver, collect_facts, failing, lint, lint_database
from samia_schema.linter.exprs import implied_by_equality, is_wrapped, iter_calls, parse_expr
from samia_schema.linter.report import as_sarif
from samia_schema.packs.chat import PACK
from samia_schema.workspace import load_workspace


def load_lint_config(path: Path) -> LintConfig:
    return load_workspace(path, env={}).lint_config

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lint"
CASES = [(rule.id, kind) for rule in RULES for kind in ("bad", "good")]


def fixture_sql(rule_id: str, kind: str) -> str:
    """A rule's fixture, preceded by the shared setups it names (`-- with: notes` -> _notes.sql)."""
    text = (FIXTURES / rule_id / f"{kind}.sql").read_text(encoding="utf-8")
    for prelude in _header(text, "with"):
        text = (FIXTURES / f"_{prelude.strip()}.sql").read_text(encoding="utf-8") + text
    return text


def _header(text: str, key: str) -> list[str]:
    return re.findall(rf"^-- {key}: (.+)$", text, flags=re.MULTILINE)


def _lint_fixture(dsn: str, sql_text: str, settings: Settings) -> list:
    """Lint the database after the fixture. `-- assume: <extension>` names an extension the fixture
    relies on that the test server cannot install (pg_graphql ships only in Supabase's image): it is
    added to the facts read from the database, everything else is read as it is."""
    assumed = tuple((name.strip(), "extensions") for name in _header(sql_text, "assume"))
    with connect(dsn, autocommit=True) as conn:
        execute_script(conn, sql_text, label="fixture")
        facts, schemas = collect_facts(conn, LintConfig(), PACK.exposed_schemas(settings))
        facts = replace(facts, extensions=facts.extensions + assumed)
        return list(lint(snapshot(conn, schemas), LintConfig(), facts))


@pytest.mark.parametrize(("rule_id", "kind"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_rule_fixture(
    rule_id: str, kind: str, request: pytest.FixtureRequest, samia_settings: Settings
) -> None:
    path = FIXTURES / rule_id / f"{kind}.sql"
    text = fixture_sql(rule_id, kind)
    base = (_header(text, "base") or ["chat"])[0].strip()
    dsn = request.getfixturevalue("chat_dsn" if base == "chat" else "fresh_dsn")
    found = [v for v in _lint_fixture(dsn, text, samia_settings) if v.rule == rule_id]
    if kind == "bad":
        assert found, f"{rule_id} did not report {path}"
        expected = {e.strip() for e in _header(text, "expect")}
        assert expected <= {v.object for v in found}, [v.object for v in found]
    else:
        assert not found, f"{rule_id} reported its good fixture: {found}"


def test_every_rule_has_docs_and_fixtures() -> None:
    for rule in RULES:
        doc = ROOT / "docs" / "rules" / f"{rule.id}.md"
        assert doc.is_file(), doc
        body = doc.read_text(encoding="utf-8")
        for section in ("## Problem", "## Why", "## Fix", "## Example"):
            assert section in body, f"{doc}: missing {section}"
        assert rule.level in ("error", "warn", "info")
        for kind in ("bad", "good"):
            assert (FIXTURES / rule.id / f"{kind}.sql").is_file()


# Rules that may report the bundled templates: none — they lint clean at info, Supabase's advisor
# lints included (invoker RPCs in public call definer helpers in the private schema).
FIRE_ON_TEMPLATES: set[str] = set()


@pytest.fixture(scope="module")
def template_violations(samia_server: Any, _samia_chat_template: str, samia_settings: Settings) -> tuple:
    with connect(samia_server.dsn_for(_samia_chat_template), autocommit=True) as conn:
        return lint_database(conn, LintConfig(), PACK.exposed_schemas(samia_settings))


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_templates_lint_clean(template_violations: tuple, rule_id: str) -> None:
    found = [v for v in failing(template_violations, "info") if v.rule == rule_id]
    assert found == [], found


def test_templates_report_only_the_known_rules(template_violations: tuple) -> None:
    assert {v.rule for v in template_violations} <= FIRE_ON_TEMPLATES, template_violations


def test_waiver_silences_one_object(chat_dsn: str, samia_settings: Settings) -> None:
    sql_text = fixture_sql("no_primary_key", "bad") + "create table public.voice_notes_2 (x int);"
    config = LintConfig(waivers=(Waiver("no_primary_key", "public.voice_notes", "legacy, dropped soon"),))
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, sql_text)
        violations = lint_database(conn, config, PACK.exposed_schemas(samia_settings))
    by_object = {v.object: v for v in violations if v.rule == "no_primary_key"}
    assert by_object["public.voice_notes"].waiver == "legacy, dropped soon"
    assert not by_object["public.voice_notes_2"].waived
    assert [v.object for v in failing(violations, "warn") if v.rule == "no_primary_key"] == [
        "public.voice_notes_2"
    ]


def test_lint_config_parsing(tmp_path: Path) -> None:
    good = tmp_path / "samia.toml"
    good.write_text(
        '[samia.lint]\nfail_level = "warn"\nexposed_schemas = ["api"]\n'
        '[[samia.lint.waivers]]\nrule = "no_primary_key"\nobject = "public.import_*"\n'
        'reason = "staging"\n'
    )
    config = load_lint_config(good)
    assert config.fail_level == "warn" and config.exposed_schemas == ("api",)
    assert config.waiver_for("no_primary_key", "public.import_2024") is not None
    assert config.waiver_for("no_primary_key", "public.other") is None
    renamed = tmp_path / "renamed.toml"
    renamed.write_text('[samia.lint]\n[[samia.lint.waivers]]\nrule = "security_definer_executable_by_anon"\n'
                       'object = "public.legacy_*"\nreason = "old id"\n')
    assert load_lint_config(renamed).waiver_for("anon_security_definer_function_executable", "public.legacy_x")
    bad_rule = tmp_path / "bad_rule.toml"
    bad_rule.write_text(
        '[samia.lint]\n[[samia.lint.waivers]]\nrule = "no_such_rule"\nobject = "x"\nreason = "r"\n'
    )
    with pytest.raises(ConfigError, match=r"bad_rule\.toml.*unknown lint rule 'no_such_rule'"):
        load_lint_config(bad_rule)
    no_reason = tmp_path / "no_reason.toml"
    no_reason.write_text('[samia.lint]\n[[samia.lint.waivers]]\nrule = "no_primary_key"\nobject = "x"\n')
    with pytest.raises(ConfigError, match=r"no_reason\.toml.*'reason' is required"):
        load_lint_config(no_reason)
    bad_level = tmp_path / "bad_level.toml"
    bad_level.write_text('[samia.lint]\nfail_level = "fatal"\n')
    with pytest.raises(ConfigError, match="fail_level"):
        load_lint_config(bad_level)


def test_wrapping_is_decided_on_the_ast() -> None:
    tree = parse_expr(
        "((user_id = auth.uid()) OR (owner = ( SELECT auth.uid() AS uid))"
        " OR (x IN ( SELECT t.id FROM t WHERE (t.o = auth.uid()))))"
    )
    assert tree is not None
    assert [is_wrapped(c.node) for c in iter_calls(tree) if c.qualified == "auth.uid"].count(True) == 1
    # text containing "select auth.uid" but not a scalar subquery around the call
    tree = parse_expr("(( SELECT (auth.uid() = user_id)) AND ('select auth.uid()' <> ''::text))")
    assert tree is not None
    assert [is_wrapped(c.node) for c in iter_calls(tree)] == [False]


def test_partial_predicate_implication() -> None:
    assert implied_by_equality(None, ("a",))
    assert implied_by_equality("(a IS NOT NULL)", ("a",))
    assert implied_by_equality("((a IS NOT NULL) AND (b IS NOT NULL))", ("a", "b"))
    assert not implied_by_equality("(read_at IS NULL)", ("a",))
    assert not implied_by_equality("(b IS NOT NULL)", ("a",))
    assert not implied_by_equality("(NOT is_deleted)", ("a",))


def _bad_db(dsn: str) -> None:
    with connect(dsn, autocommit=True) as conn:
        execute_script(conn, fixture_sql("rls_disabled_in_public", "bad"))
        execute_script(conn, fixture_sql("no_primary_key", "bad"))


def test_cli_exit_codes_and_formats(chat_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no samia.toml here: defaults
    runner = CliRunner()
    clean = runner.invoke(app, ["lint", "--db", chat_dsn])  # today's templates: only warn-level findings
    assert clean.exit_code == 0, clean.output
    _bad_db(chat_dsn)
    result = runner.invoke(app, ["lint", "--db", chat_dsn, "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert {(v["rule"], v["object"]) for v in data["violations"]} >= {
        ("rls_disabled_in_public", "public.notes"),
        ("no_primary_key", "public.voice_notes"),
    }
    # warn-level findings alone do not fail at the default level (error)
    (tmp_path / "samia.toml").write_text(
        '[samia.lint]\n[[samia.lint.waivers]]\nrule = "rls_disabled_in_public"\nobject = "public.*"\n'
        'reason = "fixture"\n'
    )
    assert runner.invoke(app, ["lint", "--db", chat_dsn]).exit_code == 0
    assert runner.invoke(app, ["lint", "--db", chat_dsn, "--fail-level", "warn"]).exit_code == 1
    bad_db = runner.invoke(app, ["lint", "--db", "host=/nonexistent-samia dbname=x"])
    assert bad_db.exit_code == 4


def test_sarif_structure(chat_dsn: str, samia_settings: Settings) -> None:
    _bad_db(chat_dsn)
    with connect(chat_dsn, autocommit=True) as conn:
        violations = lint_database(conn, LintConfig(), PACK.exposed_schemas(samia_settings))
    log = json.loads(json.dumps(as_sarif(violations, RULES, "test")))
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    driver = log["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.id for r in RULES]
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        assert result["ruleId"] in ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        logical = result["locations"][0]["logicalLocations"][0]
        assert logical["fullyQualifiedName"]
    assert any(r["ruleId"] == "rls_disabled_in_public" and r["level"] == "error" for r in results)


def test_every_shipped_policy_parses(chat_dsn: str) -> None:
    """The AST rules never silently skip a policy of our own schema."""
    with connect(chat_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select policyname, qual, with_check from pg_policies where schemaname in ('public', 'storage')"
        ).fetchall()
    assert len(rows) >= 15
    for name, qual, check in rows:
        for text in (qual, check):
            assert text is None or parse_expr(text) is not None, (name, text)


def test_cli_templates_mode(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lint", "--templates", "--format", "sarif"])
    assert result.exit_code == 0, result.output
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert {r["ruleId"] for r in log["runs"][0]["results"]} <= FIRE_ON_TEMPLATES
    listing = CliRunner().invoke(app, ["lint", "--rules"])
    assert listing.exit_code == 0 and all(rule.id in listing.stdout for rule in RULES)


def test_cli_templates_clean_at_info(chat_dsn: str) -> None:
    assert CliRunner().invoke(app, ["lint", "--db", chat_dsn, "--fail-level", "info"]).exit_code == 0
    result = CliRunner().invoke(app, ["lint", "--templates", "--format", "sarif", "--fail-level", "info"])
    assert result.exit_code == 0 and json.loads(result.stdout)["runs"][0]["results"] == []


def test_lint_offline_catalog_uses_method_and_type_heuristics() -> None:
    """Without live facts, a GIN on an array serves @> but not an = foreign-key lookup."""
    from samia_schema.catalog.model import Catalog, Column, Constraint, Index, Policy, Table
    from samia_schema.linter import lint

    cols = (Column("id", "uuid", True, None, False), Column("owner", "uuid[]", True, None, False))
    pkey = Constraint("public", "t", "t_pkey", "p", ("id",), "PRIMARY KEY (id)", None)
    fkey = Constraint("public", "t", "t_owner_fkey", "f", ("owner",), "FOREIGN KEY (owner) ...", "public.o")
    table = Table("public", "t", True, False, cols, (pkey, fkey))
    gin = Index(
        "public",
        "t",
        "t_owner_gin",
        "gin",
        ("owner",),
        None,
        False,
        False,
        "CREATE INDEX t_owner_gin ON public.t USING gin (owner)",
    )
    pk = Index(
        "public",
        "t",
        "t_pkey",
        "btree",
        ("id",),
        None,
        True,
        True,
        "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)",
        "t_pkey",
    )
    policy = Policy(
        "public",
        "t",
        "t_select",
        True,
        "select",
        frozenset({"authenticated"}),
        "(owner @> ARRAY[( SELECT auth.uid() AS uid)])",
        None,
    )
    found = {
        (v.rule, v.object) for v in lint(Catalog(tables=(table,), policies=(policy,), indexes=(gin, pk)))
    }
    assert ("policy_column_unindexed", "public.t.t_select") not in found
    # GIN array_ops has '=' on the whole array, so an array-to-array key is served too
    assert ("unindexed_foreign_keys", "public.t.t_owner_fkey") not in found
    btree_only = (pk,)
    found = {
        (v.rule, v.object) for v in lint(Catalog(tables=(table,), policies=(policy,), indexes=btree_only))
    }
    assert ("policy_column_unindexed", "public.t.t_select") in found
    assert ("unindexed_foreign_keys", "public.t.t_owner_fkey") in found
