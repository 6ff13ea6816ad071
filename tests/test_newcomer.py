"""What a new user hit in their first hour: each stumble has a test that failed before its fix."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.db import redact_dsn
from samia_schema.engines import embedded_postgres

REPO = Path(__file__).resolve().parent.parent
NO_FILES = {"SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations"}


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env={**NO_FILES, **(env or {})})


def _one_line_error(result: Any, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("samia: error: "), result.stderr
    return str(lines[0])


# --- dry run on plain Postgres includes the bootstrap ------------------------------------------
def test_dry_run_on_plain_postgres_bootstraps_inside_the_rolled_back_transaction() -> None:
    with embedded_postgres() as pg:  # a cluster of its own: roles are cluster-wide, none exists yet
        result = _cli("apply", "--db", pg.dsn, "--dry-run", "-c", str(REPO / "samia.toml"))
        assert result.exit_code == 0, result.output
        assert "would apply 12 unit(s)" in result.stdout
        with psycopg.connect(pg.dsn) as conn:
            assert conn.execute("select count(*) from pg_roles where rolname = 'authenticated'").fetchone() == (0,)
            assert conn.execute("select to_regnamespace('auth')").fetchone() == (None,)


# --- no traceback for user errors -----------------------------------------------------------------
def test_a_dsn_with_a_non_numeric_port_is_one_line() -> None:
    assert redact_dsn("postgresql://app:hunter2@db:abc/x") == "postgresql://app:***@db:abc/x"
    line = _one_line_error(_cli("plan", "--db", "postgresql://app:hunter2@127.0.0.1:abc/x"), 4)
    assert "hunter2" not in line and "app:***@127.0.0.1:abc" in line


def test_plan_as_a_role_without_privileges_is_one_line(chat_dsn: str) -> None:
    role = f"samia_nobody_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(chat_dsn, autocommit=True) as conn:
        conn.execute(f'create role "{role}" login')
    try:
        weak = re.sub(r"user=\S+", f"user={role}", chat_dsn)
        line = _one_line_error(_cli("plan", "--db", weak, "--no-drift"), 4)
        assert "permission denied" in line
    finally:
        with psycopg.connect(chat_dsn, autocommit=True) as conn:
            conn.execute(f'drop role "{role}"')


@pytest.mark.parametrize("delay", [0.02, 0.15, 0.4, 1.0])
def test_ctrl_c_at_any_moment_is_one_line(delay: float, tmp_path: Path) -> None:
    """Interrupted while importing, parsing, booting (initdb), applying or probing: one line, exit 130,
    and nothing left behind (the embedded cluster and its directory are gone)."""
    samia = Path(sys.executable).parent / "samia"
    command = [str(samia)] if samia.exists() else [sys.executable, "-c", "from samia_schema.cli import main; main()"]
    private_tmp = Path(tempfile.mkdtemp(prefix="samia-ctrlc-", dir="/tmp"))  # nobody (the server's user) may enter
    private_tmp.chmod(0o777)
    # the interpreter's own start and the console script's `import re, sys` come before any code of
    # ours can run: wait that long (measured now, so a loaded machine waits longer), then the delay
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import re, sys"], check=True)
    startup = time.monotonic() - started
    process = subprocess.Popen([*command, "verify", "--format", "json"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(private_tmp)})
    time.sleep(startup + delay)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert process.returncode in (130, 0), (process.returncode, err)  # 0: it finished before the signal
    if process.returncode == 130:
        assert err.strip().splitlines() == ["samia: interrupted"], err
    time.sleep(0.5)  # a killed initdb's children are reaped
    left = list(private_tmp.glob("samia-pg-*"))
    shutil.rmtree(private_tmp, ignore_errors=True)
    assert not left, left


# --- help text -----------------------------------------------------------------------------------
def test_help_keeps_brackets_and_shows_no_bool_placeholder() -> None:
    for command in ("render", "plan", "apply", "verify", "diff", "lint", "audit", "init"):
        text = CliRunner().invoke(app, [command, "--help"]).stdout
        assert "<bool>" not in text, command
        if command != "init":
            assert "[tool.samia]" in text, command
    apply_help = CliRunner().invoke(app, ["apply", "--help"]).stdout
    flat = " ".join(apply_help.split())
    assert "--allow-destructive Apply units that drop tables" in flat


# --- unknown scopes and conflicting flags -------------------------------------------------------
def test_diff_with_an_unknown_table_or_schema_is_a_usage_error(chat_dsn: str, samia_server: Any) -> None:
    line = _one_line_error(_cli("diff", "--db", chat_dsn, "--shadow", samia_server.base_dsn, "--table", "nosuch"), 2)
    assert "--table nosuch" in line
    line = _one_line_error(_cli("diff", "--db", chat_dsn, "--against", chat_dsn, "--schema", "nosuch"), 2)
    assert "--schema nosuch" in line
    ok = _cli("diff", "--db", chat_dsn, "--shadow", samia_server.base_dsn, "--table", "public.chat_messages")
    assert ok.exit_code == 0, ok.output


def test_apply_with_both_db_and_embedded_is_refused(fresh_dsn: str) -> None:
    line = _one_line_error(_cli("apply", "--db", fresh_dsn, "--embedded"), 2)
    assert "--embedded" in line


# --- plan shows the recorded version when there is no supabase/ folder ---------------------------
def test_plan_shows_recorded_versions_without_migration_files(fresh_dsn: str) -> None:
    assert _cli("apply", "--db", fresh_dsn).exit_code == 0
    with psycopg.connect(fresh_dsn) as conn:
        recorded = dict(conn.execute("select unit, version from samia.ledger").fetchall())
    report = json.loads(_cli("plan", "--db", fresh_dsn, "--json", "--no-drift").stdout)
    assert {u["unit"]: u["version"] for u in report["units"]} == recorded
    assert {u["status"] for u in report["units"]} == {"applied"}


# --- output that is not a terminal ------------------------------------------------------------------
def test_non_tty_tables_never_split_an_identifier(chat_dsn: str) -> None:
    narrow = _cli("audit", "--db", chat_dsn, env={"COLUMNS": "60"})
    wide = _cli("audit", "--db", chat_dsn, env={"COLUMNS": "250"})
    assert narrow.exit_code == 0, narrow.output
    assert narrow.stdout == wide.stdout  # the content decides the width, not $COLUMNS
    assert "chat_messages_reply_to_message_id_fkey" in narrow.stdout
    for name in ("chat_messages_session_created_idx", "chat_private.is_active_participant(p_session_id uuid)"):
        assert any(name in line for line in narrow.stdout.splitlines()), name


def test_non_tty_verify_matrix_fits_its_content(chat_dsn: str) -> None:
    narrow = _cli("verify", "--db", chat_dsn, env={"COLUMNS": "80"})
    wide = _cli("verify", "--db", chat_dsn, env={"COLUMNS": "200"})
    assert narrow.exit_code == 0, narrow.output

    def table(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith(("│", "┃", "┏", "└", "┡", "┗"))]

    rows = table(narrow.stdout)
    assert rows == table(wide.stdout)  # the content decides the width, not $COLUMNS
    assert len({len(r) for r in rows}) == 1  # one table, every row as wide as the header
    assert any(r.startswith("│ chat_messages mark_read") for r in rows)
    resources = ("chat_", "rpc", "bucket", "other", "realtime")
    assert len(rows) == len({r for r in rows if any(w in r for w in resources)}) + 4


# --- verify before apply --------------------------------------------------------------------------
def test_verify_on_a_database_without_the_schema_says_to_apply_first(fresh_dsn: str, empty_dsn: str) -> None:
    line = _one_line_error(_cli("verify", "--db", fresh_dsn), 4)
    assert "public.chat_sessions" in line and "samia apply" in line
    line = _one_line_error(_cli("verify", "--db", empty_dsn), 4)
    assert "auth.users" in line and "samia apply" in line


# --- what the README points at exists ------------------------------------------------------------
def test_readme_links_and_commands_exist() -> None:
    readme = (REPO / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if target.startswith("http"):
            continue
        assert (REPO / target).exists(), target
    assert "reference/access-matrix.md" not in readme and "../shared" not in readme
    assert "consolidation report" not in readme
    matrix = (REPO / "samia_schema" / "packs" / "chat" / "default_matrix.toml").read_text()
    assert "shared/reference" not in matrix
    assert (REPO / "docs" / "access-matrix.md").is_file()
    assert CliRunner().invoke(app, ["verify", "--list"]).exit_code == 0


# --- the benchmarks ------------------------------------------------------------------------------------
def test_committed_benchmark_reports_hold_no_machine_paths() -> None:
    for path in [*(REPO / "bench" / "results").glob("*.md"), *(REPO / "bench" / "results").glob("*.json"),
                 *(REPO / "bench").glob("*/results.md")]:
        text = path.read_text()
        found = re.findall(r"(?:/work/|/tmp/|/root/|/home/|/usr/local/)[^\s\"'`)]*", text)
        assert not found, (path.name, found[:3])


def test_bench_report_without_matplotlib_writes_markdown_and_json(tmp_path: Path) -> None:
    source = REPO / "bench" / "results" / "rls-report.json"
    bench = str(REPO / "bench" / "rls")
    script = (f"import sys, json; sys.modules['matplotlib'] = None; sys.path.insert(0, {bench!r});"
              f" import report; print(report.write(__import__('pathlib').Path({str(tmp_path)!r}),"
              f" json.loads(open({str(source)!r}).read())))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "chart was not drawn" in result.stderr and "pip install -e '.[bench]'" in result.stderr
    assert (tmp_path / "rls-report.md").is_file() and not (tmp_path / "rls-latency.png").exists()
    assert 'bench = ["matplotlib' in (REPO / "pyproject.toml").read_text()
