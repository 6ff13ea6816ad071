"""Apply and the ledger: atomic, locked, idempotent, drift-aware, and agreeing with Supabase's CLI."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import plan_of as render
from typer.testing import CliRunner

from samia_schema.cli import app
from samia_schema.config import load_settings
from samia_schema.errors import ConfigError, DatabaseError, LedgerDriftError
from samia_schema.ledger import APPLY_LOCK_KEY, bootstrap, plan_status
from samia_schema.ledger import apply_plan as apply
from samia_schema.migrations import read_migrations, write_supabase_migrations
from samia_schema.packs.chat import PACK

summary = PACK.summary

REPO = Path(__file__).resolve().parent.parent

STATE = """
select coalesce(string_agg(x, ' | ' order by x), '') from (
  select 'rel:' || n.nspname || '.' || c.relname as x
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname in ('public', 'chat_private', 'samia', 'supabase_migrations')
  union all select 'pol:' || tablename || '.' || policyname || ':' || coalesce(qual, '') from pg_policies
  union all select 'fn:' || p.proname || ':' || md5(p.prosrc)
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('public', 'chat_private')
  union all select 'mig:' || version || ':' || coalesce(name, '') from supabase_migrations.schema_migrations
  union all select 'bucket:' || id || ':' || public::text || ':' || coalesce(file_size_limit, 0)::text
    from storage.buckets
) s
"""
LEDGER = "select coalesce(string_agg(unit || ':' || version || ':' || checksum, ',' order by id), '') from samia.ledger"


def state(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute(STATE).fetchone()
    ledger = conn.execute("select to_regclass('samia.ledger') is not null").fetchone()
    ledger_rows = conn.execute(LEDGER).fetchone() if ledger and ledger[0] else ("-",)
    return f"{row[0] if row else ''} || {ledger_rows[0] if ledger_rows else ''}"


@pytest.fixture()
def settings() -> Any:
    return load_settings(REPO / "samia.toml", env={})


def test_apply_creates_the_chat_schema_and_reapply_does_nothing(fresh_dsn: str, settings: Any) -> None:
    plan = render(settings)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        first = apply(conn, plan, settings)
        assert first.applied == tuple(u.name for u in plan.units)
        counts = summary(conn, settings)
        assert counts["chat_tables"] == 5
        assert counts["chat_indexes"] >= 15
        assert counts["chat_policies"] >= 8
        assert counts["storage_policies"] >= 4
        assert counts["helper_functions"] >= 3
        assert counts["triggers"] >= 5
        assert counts["realtime_tables"] == 0 and counts["private_buckets"] == 1  # broadcasts instead
        before = state(conn)
        again = apply(conn, plan, settings)
        assert again.applied == ()
        assert state(conn) == before
        assert all(s.status == "applied" for s in plan_status(conn, plan, None).units)


def _broken_copy(tmp_path: Path, unit_index: int, statement: str) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(REPO / "templates", target)
    path = sorted(target.glob("*.sql.j2"))[unit_index]
    path.write_text(path.read_text() + f"\n{statement}\n")
    return target


def test_failure_in_third_unit_changes_nothing(fresh_dsn: str, settings: Any, tmp_path: Path) -> None:
    plan = render(settings, _broken_copy(tmp_path, 2, "select 1 / 0;"))
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        before = state(conn)
        failed = r"unit 020_tables \(statement \d+ of \d+\): division by zero \(SQLSTATE 22012\)"
        with pytest.raises(DatabaseError, match=failed):
            apply(conn, plan, settings)
        assert state(conn) == before
        assert conn.execute("select to_regclass('public.chat_sessions')").fetchone() == (None,)


def test_failed_change_after_a_good_apply_keeps_ledger_and_schema(fresh_dsn: str, settings: Any,
                                                                 tmp_path: Path) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, render(settings), settings)
        before = state(conn)
        target = tmp_path / "templates"
        shutil.copytree(REPO / "templates", target)
        units = sorted(target.glob("*.sql.j2"))
        units[1].write_text(units[1].read_text() + "\ncomment on table public.profiles is 'changed';\n")
        units[2].write_text(units[2].read_text() + "\nselect * from no_such_table;\n")
        with pytest.raises(DatabaseError, match="unit 020_tables"):
            apply(conn, render(settings, target), settings)
        assert state(conn) == before
        assert conn.execute("select obj_description('public.profiles'::regclass)").fetchone() == (None,)


def test_two_concurrent_applies_one_applies_the_other_finds_nothing(fresh_dsn: str, settings: Any) -> None:
    plan = render(settings)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(fresh_dsn, autocommit=True) as c:
                results.append(apply(c, plan, settings))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with psycopg.connect(fresh_dsn, autocommit=True) as holder:
        holder.execute("select pg_advisory_lock(%s)", (APPLY_LOCK_KEY,))  # both appliers queue behind this
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        waiting = 0
        for _ in range(200):
            row = holder.execute("select count(*) from pg_locks where locktype = 'advisory' and not granted").fetchone()
            waiting = row[0] if row else 0
            if waiting == 2:
                break
            threading.Event().wait(0.05)
        assert waiting == 2, "both applies should be waiting on the advisory lock"
        holder.execute("select pg_advisory_unlock(%s)", (APPLY_LOCK_KEY,))
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert sorted(len(r.applied) for r in results) == [0, len(plan.units)]


def test_dry_run_changes_nothing(fresh_dsn: str, settings: Any) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        before = state(conn)
        result = apply(conn, render(settings), settings, dry_run=True)
        assert result.dry_run and len(result.applied) == len(render(settings).units)
        assert state(conn) == before


def test_timeouts_are_local_to_the_apply(fresh_dsn: str, settings: Any) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        default = conn.execute("show lock_timeout").fetchone()
        apply(conn, render(settings), settings)
        assert conn.execute("show lock_timeout").fetchone() == default


def test_lock_timeout_refuses_and_leaves_everything(fresh_dsn: str, tmp_path: Path) -> None:
    settings = load_settings(REPO / "samia.toml", overrides={"lock_timeout": "200ms", "lock_retries": 1,
                                                             "lock_retry_delay": "10ms"}, env={})
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, render(settings), settings)
        before = state(conn)
        changed = render(settings, _broken_copy(tmp_path, 6, "-- a comment changes the checksum"))
        with psycopg.connect(fresh_dsn) as blocker:
            blocker.execute("lock table public.chat_messages in access exclusive mode")
            with pytest.raises(DatabaseError, match=r"lock_timeout \(200ms\) reached 2 times, nothing changed"):
                apply(conn, changed, settings)
        assert state(conn) == before


def test_ledger_matches_supabase_migration_files(fresh_dsn: str, settings: Any, tmp_path: Path) -> None:
    plan = render(settings)
    migrations = tmp_path / "migrations"
    write_supabase_migrations(plan, migrations)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, plan, settings, migrations_dir=migrations)
        rows = conn.execute("select version, name, statements from supabase_migrations.schema_migrations"
                            " order by version").fetchall()
        ledger = conn.execute("select unit, version from samia.ledger order by id").fetchall()
    files = read_migrations(migrations)
    assert [(f.version, f.name) for f in files] == [(r[0], r[1]) for r in rows]
    assert [list(f.statements) for f in files] == [r[2] for r in rows]  # split as the CLI splits them
    assert all(len(r[2]) > 1 for r in rows if r[1] != "samia_100_realtime")
    assert ledger == [(u.name, f.version) for u, f in zip(plan.units, files, strict=True)]


def test_without_migration_files_samia_records_its_ledger_only(fresh_dsn: str, settings: Any) -> None:
    """No supabase/ folder: nothing lands in schema_migrations, so the CLI finds no version without a file."""
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, render(settings), settings, migrations_dir=Path("/nonexistent-samia-migrations"))
        assert conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone() == (0,)
        assert conn.execute("select count(*), min(version), max(version) from samia.ledger").fetchone() == (12, "", "")


def test_a_unit_changed_without_a_file_reruns(fresh_dsn: str, settings: Any) -> None:
    changed_settings = load_settings(REPO / "samia.toml", overrides={"file_size_limit": 4096}, env={})
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, render(settings), settings)
        statuses = {s.name: s.status for s in plan_status(conn, render(changed_settings), None).units}
        assert statuses["090_storage"] == "changed" and statuses["000_schemas"] == "applied"
        assert set(apply(conn, render(changed_settings), changed_settings).applied) == {"020_tables", "090_storage"}


def test_stale_migration_files_are_a_usage_error(fresh_dsn: str, settings: Any, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    write_supabase_migrations(render(settings), migrations)
    changed = load_settings(REPO / "samia.toml", overrides={"file_size_limit": 4096}, env={})
    with psycopg.connect(fresh_dsn, autocommit=True) as conn, pytest.raises(ConfigError, match="render --supabase"):
        apply(conn, render(changed), changed, migrations_dir=migrations)


def test_unit_edited_under_the_same_version_is_drift(fresh_dsn: str, settings: Any, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    write_supabase_migrations(render(settings), migrations)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply(conn, render(settings), settings, migrations_dir=migrations)
        changed = load_settings(REPO / "samia.toml", overrides={"file_size_limit": 4096}, env={})
        new_plan = render(changed)
        storage_file = next(f for f in read_migrations(migrations) if f.name == "samia_090_storage")
        storage_file.path.write_text(new_plan.unit("090_storage").sql)  # edited in place: same version
        tables_file = next(f for f in read_migrations(migrations) if f.name == "samia_020_tables")
        tables_file.path.write_text(new_plan.unit("020_tables").sql)
        before = state(conn)
        with pytest.raises(LedgerDriftError, match=rf"090_storage \(version {storage_file.version}\)"):
            apply(conn, new_plan, changed, migrations_dir=migrations)
        assert state(conn) == before
        # a new migration (new version) for the change is the right way, and applies
        storage_file.path.write_text(render(settings).unit("090_storage").sql)
        tables_file.path.write_text(render(settings).unit("020_tables").sql)
        write_supabase_migrations(new_plan, migrations)
        assert set(apply(conn, new_plan, changed, migrations_dir=migrations).applied) == {"020_tables", "090_storage"}
        assert conn.execute("select file_size_limit from storage.buckets where id = 'chat-files'").fetchone() == (4096,)


# --- the CLI: exit codes, DSN sources, never a password --------------------------------------------
def _cli(args: list[str], env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, args, env=env)


def test_cli_plan_apply_exit_codes_and_dsn_sources(fresh_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("SAMIA_DB_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    tmp_config = REPO / "samia.toml"
    env = {"SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations"}
    result = _cli(["plan", "--db", fresh_dsn, "--json", "-c", str(tmp_config)], env)
    assert result.exit_code == 1 and '"pending"' in result.stdout
    result = _cli(["apply", "-c", str(tmp_config), "--dry-run"], {**env, "SAMIA_DB_URL": fresh_dsn})
    assert result.exit_code == 0, result.output
    assert "would apply 12 unit(s)" in result.stdout
    result = _cli(["apply", "-c", str(tmp_config), "--json"], {**env, "DATABASE_URL": fresh_dsn})
    assert result.exit_code == 0, result.output
    assert '"chat_tables": 5' in result.stdout
    result = _cli(["plan", "-c", str(tmp_config)], {**env, "SAMIA_DB_URL": fresh_dsn})
    assert result.exit_code == 0 and "nothing to apply" in result.stdout


def test_cli_never_prints_the_password(fresh_dsn: str) -> None:
    secret = "s3cret-pw-123"
    env = {"SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations"}
    ok = _cli(["plan", "--db", f"{fresh_dsn} password={secret}", "--json"], env)
    assert secret not in ok.output
    bad = _cli(["plan", "--db", f"postgresql://app:{secret}@127.0.0.1:1/nope"], env)
    assert bad.exit_code == 4
    assert secret not in bad.output and "app:***@127.0.0.1:1" in bad.stderr
    assert "Traceback" not in bad.output


def test_cli_without_database_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMIA_DB_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = _cli(["plan"])
    assert result.exit_code == 2 and "no database" in result.stderr


def test_cli_drift_is_exit_5(fresh_dsn: str, tmp_path: Path) -> None:
    shutil.copy(REPO / "samia.toml", tmp_path / "samia.toml")
    config = tmp_path / "samia.toml"
    assert _cli(["render", "--supabase", "-c", str(config)]).exit_code == 0
    first = _cli(["apply", "--db", fresh_dsn, "-c", str(config)])
    assert first.exit_code == 0, first.output
    migration = next((tmp_path / "supabase" / "migrations").glob("*_samia_090_storage.sql"))
    config.write_text(config.read_text().replace('file_size_limit = "10MiB"', "file_size_limit = 4096"))
    plan_sql = render(load_settings(config, env={})).unit("090_storage").sql
    migration.write_text(plan_sql)
    next((tmp_path / "supabase" / "migrations").glob("*_samia_020_tables.sql")).write_text(
        render(load_settings(config, env={})).unit("020_tables").sql)
    result = _cli(["apply", "--db", fresh_dsn, "-c", str(config)])
    assert result.exit_code == 5, result.output
    assert "ledger drift" in result.stderr and "090_storage" in result.stderr


def test_bootstrap_then_apply_on_an_empty_database(empty_dsn: str, settings: Any) -> None:
    with psycopg.connect(empty_dsn, autocommit=True) as conn:
        bootstrap(conn)
        assert apply(conn, render(settings), settings).applied


def test_cli_plan_reports_live_drift(fresh_dsn: str) -> None:
    env = {"SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-migrations"}
    config = str(REPO / "samia.toml")
    assert _cli(["apply", "--db", fresh_dsn, "-c", config], env).exit_code == 0
    clean = _cli(["plan", "--db", fresh_dsn, "-c", config, "--json"], env)
    assert clean.exit_code == 0, clean.output
    assert '"live_drift": []' in clean.stdout
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:  # someone edits a policy in the dashboard
        conn.execute("alter policy chat_messages_select on public.chat_messages using (true)")
        conn.execute("create policy leftover_open on public.chat_sessions for select using (true)")
    drifted = _cli(["plan", "--db", fresh_dsn, "-c", config], env)
    assert drifted.exit_code == 1
    assert "nothing to apply" in drifted.stdout
    assert "chat_messages_select" in drifted.stdout and "leftover_open" in drifted.stdout
    assert _cli(["plan", "--db", fresh_dsn, "-c", config, "--no-drift"], env).exit_code == 0
