"""The access-matrix verifier: every cell of the default matrix, the sabotages, formats and exit codes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
import xmlschema
from support import NO_MIGRATIONS, workspace
from typer.testing import CliRunner

from samia_schema.access.matrix import parse_matrix
from samia_schema.access.report import to_json, to_junit
from samia_schema.access.verify import Report, sabotages, self_test, verify_matrix
from samia_schema.access.vocabulary import levels_of
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.cli import app
from samia_schema.config import load_settings
from samia_schema.database import prepare
from samia_schema.errors import SpecError
from samia_schema.packs.chat import PACK
from samia_schema.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MATRIX = PACK.default_matrix()
LEVELS = levels_of(PACK.vocabulary())
MATRIX = workspace().matrix()
SABOTAGES = sabotages(PACK.sabotage_dir())
CELLS = [e.key for e in MATRIX.expectations]
REPORT_SCHEMA = json.loads((REPO / "samia_schema/access/schemas/verify-report.schema.json").read_text())


@pytest.fixture(scope="module")
def verified_db(samia_server: Server, samia_workspace: Workspace) -> Iterator[str]:
    name = f"samia_verify_{uuid.uuid4().hex[:10]}"
    dsn = create_database(samia_server, name)
    prepare(samia_workspace, dsn)
    yield dsn
    drop_database(samia_server, name)


@pytest.fixture(scope="module")
def report(verified_db: str, samia_settings: Any) -> Report:
    with psycopg.connect(verified_db, autocommit=True) as conn:
        return verify_matrix(conn, PACK, MATRIX, samia_settings)


@pytest.mark.parametrize("cell", CELLS, ids=["/".join(c) for c in CELLS])
def test_matrix_cell_holds(report: Report, cell: tuple[str, str, str]) -> None:
    outcome = next(o for o in report.outcomes if o.key == cell)
    assert outcome.passed, f"expected {outcome.expected}, observed {outcome.observed}: {outcome.detail}"
    assert outcome.observed == outcome.expected


def test_every_declared_cell_was_probed(report: Report) -> None:
    assert sorted(o.key for o in report.outcomes) == sorted(CELLS)
    assert len(report.outcomes) >= 190


def test_write_cells_are_not_vacuous(report: Report) -> None:
    """Every write cell tried at least one attempt that must fail or succeed, and denials saw real targets."""
    for o in report.outcomes:
        if o.attempts:
            assert o.attempts, o.key
            if o.expected != "deny":
                assert any(a.succeeded for a in o.attempts), o.key
            if o.expected not in ("bypass",) and o.resource != "rpc":
                assert any(not a.succeeded for a in o.attempts) or o.expected == "all", o.key


def test_verify_leaves_the_database_unchanged(verified_db: str, samia_settings: Any) -> None:
    query = ("select (select count(*) from auth.users), (select count(*) from public.chat_messages),"
             " (select count(*) from public.chat_audit_logs), (select count(*) from storage.objects)")
    with psycopg.connect(verified_db, autocommit=True) as conn:
        before = conn.execute(query).fetchone()
        verify_matrix(conn, PACK, MATRIX, samia_settings)
        assert conn.execute(query).fetchone() == before


@pytest.fixture(scope="module")
def sabotage_results(verified_db: str, samia_settings: Any) -> dict[str, Any]:
    with psycopg.connect(verified_db, autocommit=True) as conn:
        return {r.name: r for r in self_test(conn, PACK, MATRIX, samia_settings)}


@pytest.mark.parametrize("name", [s.name for s in SABOTAGES])
def test_self_test_kills_sabotage(sabotage_results: dict[str, Any], name: str) -> None:
    sabotage = next(s for s in SABOTAGES if s.name == name)
    result = sabotage_results[name]
    assert result.killed, f"sabotage {name} ({result.description}) went unnoticed"
    assert sabotage.caught_by, f"{name}: the file names no `-- caught by: resource.operation`"
    caught = {f"{o.resource}.{o.operation}" for o in result.failures}
    assert set(sabotage.caught_by) <= caught, (sabotage.caught_by, sorted(caught))


def test_self_test_covers_the_required_sabotages() -> None:
    assert len(SABOTAGES) >= 13 and len({s.name for s in SABOTAGES}) == len(SABOTAGES)


def test_json_report_validates(report: Report) -> None:
    body = json.loads(to_json(report, {"database": "test"}))
    jsonschema.validate(body, REPORT_SCHEMA)
    assert body["cells"] == len(CELLS) and body["passed"] is True


def test_junit_report_validates(report: Report) -> None:
    schema = xmlschema.XMLSchema(str(REPO / "tests/schemas/junit.xsd"))
    text = to_junit(report)
    schema.validate(text)
    assert text.count("<testcase ") == len(CELLS)
    assert 'classname="chat_messages.insert" name="client"' in text


def test_a_failing_cell_is_reported_with_expected_and_observed(verified_db: str, samia_settings: Any) -> None:
    text = DEFAULT_MATRIX.read_text().replace(
        'select = { anon = "none", client = "own", reader = "own", monitor = "all", admin = "all", '
        'super_admin = "all", no_role = "own", service_role = "all" }\ninsert = { anon = "deny", client = "self"',
        'select = { anon = "none", client = "all", reader = "own", monitor = "all", admin = "all", '
        'super_admin = "all", no_role = "own", service_role = "all" }\ninsert = { anon = "deny", client = "self"', 1)
    matrix = parse_matrix(text, LEVELS, "wrong.toml")
    with psycopg.connect(verified_db, autocommit=True) as conn:
        result = verify_matrix(conn, PACK, matrix, samia_settings)
    assert [(o.resource, o.operation, o.persona, o.expected, o.observed) for o in result.failures] == [
        ("chat_sessions", "select", "client", "all", "own")]
    schema = xmlschema.XMLSchema(str(REPO / "tests/schemas/junit.xsd"))
    junit = to_junit(result)
    schema.validate(junit)
    assert 'failures="1"' in junit and "expected all, observed own" in junit


# --- the spec ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[expect.chat_monitoring]", "[expect.chat_monitor]", r"x\.toml:\d+: unknown resource 'chat_monitor'"),
        ("mark_read =", "mark_unread =", r"x\.toml:\d+: unknown operation 'mark_unread' for chat_messages"),
        ('delete = { "*" = "deny", super_admin = "all", service_role = "bypass" }\n\n[expect.chat_messages]',
         'delete = { "*" = "deny", superadmin = "all", service_role = "bypass" }\n\n[expect.chat_messages]',
         r"x\.toml:\d+: unknown persona 'superadmin'"),
        ('[personas.reader]\nrole = "authenticated"', '[personas.reader]\nrole = "reader"',
         r"x\.toml:\d+: persona 'reader': role must be one of"),
        ('settings = { "*" = "private" }', 'settings = { "*" = "secret" }', r"x\.toml:\d+: unknown level 'secret'"),
        ('settings = { "*" = "private" }', 'settings = { anon = "private" }',
         r"no level for persona 'client' in expect\.bucket\.settings"),
        ("[rpc]", "[rpcs]", r"unknown top-level table 'rpcs'"),
    ],
)
def test_spec_errors_name_the_line(old: str, new: str, message: str) -> None:
    text = DEFAULT_MATRIX.read_text()
    assert old in text
    with pytest.raises(SpecError, match=message):
        parse_matrix(text.replace(old, new, 1), LEVELS, "x.toml")


def test_spec_line_number_is_right() -> None:
    text = DEFAULT_MATRIX.read_text().replace("mark_read =", "mark_unread =")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("mark_unread"))
    with pytest.raises(SpecError, match=rf"x\.toml:{line}:"):
        parse_matrix(text, LEVELS, "x.toml")


def test_spec_embedded_in_samia_toml(tmp_path: Path) -> None:
    body = DEFAULT_MATRIX.read_text()
    for table in ("personas.", "expect.", "rpc]"):
        body = body.replace(f"[{table}", f"[samia.matrix.{table}")
    config = tmp_path / "samia.toml"
    config.write_text('[samia]\nbucket = "chat-files"\n\n' + body)
    matrix = load_workspace(config, env={}).matrix()
    assert len(matrix.expectations) == len(CELLS)
    assert load_settings(config, env={}).bucket == "chat-files"


# --- extending the matrix: a new persona (as the README shows) -------------------------------------
def test_adding_a_persona(verified_db: str, samia_settings: Any) -> None:
    text = DEFAULT_MATRIX.read_text().replace(
        "[personas.service_role]", '[personas.reader_mfa]\nrole = "authenticated"\napp_role = "reader"\n'
        'claims = { aal = "aal2", amr = [{ method = "totp" }] }\n\n[personas.service_role]')
    text = text.replace('reader = "own"', 'reader = "own", reader_mfa = "own"')
    text = text.replace('reader = "self"', 'reader = "self", reader_mfa = "self"')
    matrix = parse_matrix(text, LEVELS, "mfa.toml")
    with psycopg.connect(verified_db, autocommit=True) as conn:
        result = verify_matrix(conn, PACK, matrix, samia_settings)
    assert result.passed, [(o.key, o.observed, o.detail) for o in result.failures]
    assert {o.persona for o in result.outcomes} >= {"reader_mfa"}


# --- role source: a JWT claim instead of profiles -------------------------------------------------
def test_claim_role_source(samia_server: Server) -> None:
    ws = workspace(REPO / "samia.toml", role_source="claim", role_claim="app_metadata.role", **NO_MIGRATIONS)
    settings = ws.settings
    name = f"samia_claim_{uuid.uuid4().hex[:10]}"
    dsn = create_database(samia_server, name)
    try:
        prepare(ws, dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            result = verify_matrix(conn, PACK, MATRIX, settings)
        assert result.passed, [(o.key, o.observed, o.detail) for o in result.failures]
    finally:
        drop_database(samia_server, name)


# --- the CLI ---------------------------------------------------------------------------------------
def test_cli_verify_formats_and_exit_codes(verified_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["verify", "--db", verified_db, "--format", "json"])
    assert result.exit_code == 0, result.output
    jsonschema.validate(json.loads(result.stdout), REPORT_SCHEMA)
    junit_file = tmp_path / "verify.xml"
    result = runner.invoke(app, ["verify", "--db", verified_db, "--format", "junit", "--junit-file", str(junit_file)])
    assert result.exit_code == 0
    xmlschema.XMLSchema(str(REPO / "tests/schemas/junit.xsd")).validate(junit_file.read_text())
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(DEFAULT_MATRIX.read_text().replace('[expect.rpc]\ncreate_chat_session = { "*" = "deny"',
                                                        '[expect.rpc]\ncreate_chat_session = { "*" = "self"'))
    result = runner.invoke(app, ["verify", "--db", verified_db, "--matrix", str(wrong)])
    assert result.exit_code == 1
    assert "create_chat_session" in result.stdout and "✗" in result.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[personas.x]\nrole = 'root'\n")
    result = runner.invoke(app, ["verify", "--db", verified_db, "--matrix", str(bad)])
    assert result.exit_code == 2 and "bad.toml:2" in result.stderr
    result = runner.invoke(app, ["verify", "--db", "postgresql://u:pw-secret@127.0.0.1:1/x"])
    assert result.exit_code == 4 and "pw-secret" not in result.output
    result = runner.invoke(app, ["verify", "--db", verified_db, "--format", "yaml"])
    assert result.exit_code == 2


def test_cli_self_test(fresh_dsn: str) -> None:
    """The CLI's --self-test output (table and JSON). The chat pack's sabotages are proven by the
    library fixture above; the CLI path is the same for every pack, so the small notes pack runs it."""
    notes = ["--pack", str(REPO / "tests" / "packs" / "notes"), "-c", str(REPO / "tests" / "fixtures" / "empty.toml")]
    runner = CliRunner(env={"SAMIA_MIGRATIONS_DIR": "/nonexistent-notes"})
    assert runner.invoke(app, ["apply", *notes, "--db", fresh_dsn]).exit_code == 0
    result = runner.invoke(app, ["verify", *notes, "--db", fresh_dsn, "--self-test", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    jsonschema.validate(body, REPORT_SCHEMA)
    assert body["self_test"]["kill_rate"] == 1.0 and len(body["self_test"]["sabotages"]) == 3
    table = runner.invoke(app, ["verify", *notes, "--db", fresh_dsn, "--self-test"])
    assert table.exit_code == 0 and "self-test kill rate: 3/3" in table.stdout
