"""A second pack (tests/packs/notes) through the same CLI: render, apply, verify, self-test, diff, audit, lint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from samia_schema.backends import Server
from samia_schema.cli import app

NOTES = Path(__file__).resolve().parent / "packs" / "notes"
PACK = ["--pack", str(NOTES)]


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env={"SAMIA_MIGRATIONS_DIR": "/nonexistent-notes", **(env or {})})


@pytest.fixture()
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory without samia.toml: only --pack decides."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMIA_CONFIG", raising=False)
    return tmp_path


def test_render_names_the_notes_units(isolated: Path) -> None:
    result = _cli("render", *PACK, "--json")
    assert result.exit_code == 0, result.output
    assert [u["name"] for u in json.loads(result.stdout)["units"]] == [
        "000_schemas", "010_tables", "020_rls", "030_grants"]


def test_the_whole_chain_on_a_database(isolated: Path, fresh_dsn: str, samia_server: Server) -> None:
    applied = _cli("apply", *PACK, "--db", fresh_dsn, "--json")
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["applied"] == ["000_schemas", "010_tables", "020_rls", "030_grants"]
    assert _cli("plan", *PACK, "--db", fresh_dsn, "--shadow", samia_server.base_dsn).exit_code == 0

    verified = _cli("verify", *PACK, "--db", fresh_dsn, "--self-test", "--json")
    assert verified.exit_code == 0, verified.output
    body = json.loads(verified.stdout)
    assert body["passed"] and body["cells"] == 18
    assert {o["resource"] for o in body["outcomes"]} == {"notes", "boards", "note_files"}
    assert body["self_test"]["kill_rate"] == 1.0
    assert {s["name"] for s in body["self_test"]["sabotages"]} == {
        "01_notes_readable_by_all", "02_forged_owner", "03_files_any_folder"}

    assert _cli("diff", *PACK, "--db", fresh_dsn, "--shadow", samia_server.base_dsn).exit_code == 0
    assert _cli("lint", *PACK, "--db", fresh_dsn).exit_code == 0
    audit = _cli("audit", *PACK, "--db", fresh_dsn, "--json")
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.stdout)
    assert sorted(t["table"]["name"] for t in report["tables"]) == ["boards", "notes"]
    assert report["counts"]["storage_policies"] == 2

    with psycopg.connect(fresh_dsn, autocommit=True) as conn:  # someone opens the notes up
        conn.execute("create policy open_notes on public.notes for select to authenticated using (true)")
    drifted = _cli("diff", *PACK, "--db", fresh_dsn, "--shadow", samia_server.base_dsn, "--json")
    assert drifted.exit_code == 1
    assert [c["name"] for c in json.loads(drifted.stdout)["changes"]] == ["public.notes.open_notes"]
    failing = _cli("verify", *PACK, "--db", fresh_dsn, "--json")
    assert failing.exit_code == 1
    wrong = [(o["resource"], o["persona"], o["observed"]) for o in json.loads(failing.stdout)["outcomes"]
             if not o["passed"]]
    assert wrong == [("notes", "author", "all")]


def test_verify_on_an_embedded_postgres_with_the_pack_from_the_config(isolated: Path) -> None:
    (isolated / "samia.toml").write_text(f'[samia]\npack = "{NOTES}"\nbucket = "private-notes"\n')
    result = _cli("verify", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"]
    listed = _cli("verify", "--list")
    assert listed.exit_code == 0 and "note_files" in listed.stdout and "chat_messages" not in listed.stdout


def test_a_pack_setting_it_does_not_know_is_an_error(isolated: Path) -> None:
    (isolated / "samia.toml").write_text(f'[samia]\npack = "{NOTES}"\nvoice_max_seconds = 30\n')
    result = _cli("render")
    assert result.exit_code == 2 and "unknown setting 'voice_max_seconds'" in result.stderr


def test_a_missing_pack_is_one_line(isolated: Path) -> None:
    result = _cli("render", "--pack", "./no/such/pack")
    assert result.exit_code == 2 and "pack.py does not exist" in result.stderr and "Traceback" not in result.output
    result = _cli("render", "--pack", "nosuchpack")
    assert result.exit_code == 2 and "unknown pack 'nosuchpack'" in result.stderr
