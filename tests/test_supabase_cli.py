"""One migration history with the real Supabase CLI (issue 9 §3), end to end on a real Postgres.

Each scenario starts from `samia init` on a fresh database and ends with the CLI and samia agreeing:
`supabase migration list` has no local-only or remote-only row, `supabase db push --dry-run` is up
to date, `samia plan` exits 0 and `samia diff` is empty. Needs the pinned CLI (ci/supabase-cli.sh);
without it these tests skip.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from supabase_cli import INSTALL, SupabaseCli, cli_binary
from typer.testing import CliRunner

from samia_schema.backends import Server
from samia_schema.cli import app
from samia_schema.migrations import read_migrations
from samia_schema.splitting import split_statements

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "split"
LOOSE = "\ncreate policy chat_sessions_open on public.chat_sessions for select to authenticated using (true);\n"

pytestmark = pytest.mark.skipif(cli_binary() is None, reason=f"the Supabase CLI is not installed: run {INSTALL}")


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory) -> SupabaseCli:
    binary = cli_binary()
    assert binary is not None
    return SupabaseCli(binary, tmp_path_factory.mktemp("supabase-home"))


def samia(project: Path, *args: str) -> Any:
    """`samia <args> -c project/samia.toml`, with no SAMIA_* variable of the caller's environment."""
    return CliRunner().invoke(app, [*args, "-c", str(project / "samia.toml")],
                              env={"SAMIA_MIGRATIONS_DIR": None, "SAMIA_CONFIG": None, "SAMIA_DB_URL": None})


@pytest.fixture()
def project(tmp_path: Path) -> Iterator[Path]:
    """`samia init`: samia.toml, supabase/config.toml, supabase/migrations/ rendered."""
    root = tmp_path / "app"
    result = CliRunner().invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    yield root


def migrations(project: Path) -> Path:
    return project / "supabase" / "migrations"


def edit_templates(project: Path, rls_suffix: str | None) -> None:
    """A user template overriding the pack's 070_rls (the pack's text + `rls_suffix`), or none."""
    config = project / "samia.toml"
    config.write_text(config.read_text().replace('templates = ["@pack"]', 'templates = ["@pack", "templates"]'))
    override = project / "templates" / "070_rls.sql.j2"
    override.parent.mkdir(exist_ok=True)
    if rls_suffix is None:
        override.unlink(missing_ok=True)
    else:
        override.write_text((REPO / "templates" / "070_rls.sql.j2").read_text() + rls_suffix)


def render(project: Path) -> Any:
    result = samia(project, "render", "--supabase", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def plan_json(project: Path, dsn: str, *flags: str) -> tuple[int, dict[str, Any]]:
    result = samia(project, "plan", "--db", dsn, "--no-drift", "--json", *flags)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def statuses(project: Path, dsn: str) -> dict[str, str]:
    return {u["unit"]: u["status"] for u in plan_json(project, dsn)[1]["units"]}


def policies(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("select policyname from pg_policies where tablename = 'chat_sessions'")}


def one_history(cli: SupabaseCli, project: Path, dsn: str, server: Server) -> None:
    """The end state of every scenario: the CLI and samia see the same, complete history.

    `samia plan --no-drift` judges the history; its live-drift part is a subset of `samia diff`
    (objects the templates define), so an empty diff stands for it without a second shadow.
    """
    rows = cli.migration_list(project, dsn)
    assert rows and all(local == remote for local, remote in rows), rows
    assert [r[0] for r in rows] == [f.version for f in read_migrations(migrations(project))]
    dry = cli.push(project, dsn, "--dry-run")
    assert "Remote database is up to date." in dry.stdout, dry.stdout + dry.stderr
    plan = samia(project, "plan", "--db", dsn, "--no-drift")
    assert plan.exit_code == 0, plan.output
    diff = samia(project, "diff", "--db", dsn, "--shadow", server.base_dsn)
    assert diff.exit_code == 0, diff.output


def test_cli_pushes_first_then_samia_finds_every_unit_applied(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                                             samia_server: Server) -> None:
    cli.push(project, fresh_dsn)
    code, report = plan_json(project, fresh_dsn)
    assert code == 0 and {u["status"] for u in report["units"]} == {"applied"}
    assert all(u["recorded_checksum"] == u["checksum"] for u in report["units"])  # the checksum of the file
    applied = samia(project, "apply", "--db", fresh_dsn)
    assert applied.exit_code == 0 and "nothing to apply" in applied.stdout, applied.output
    with psycopg.connect(fresh_dsn) as conn:  # what the CLI recorded is what samia records
        recorded = dict(conn.execute("select version, statements from supabase_migrations.schema_migrations"))
    assert all(tuple(recorded[f.version]) == split_statements(f.sql) for f in read_migrations(migrations(project)))
    one_history(cli, project, fresh_dsn, samia_server)


def test_files_rebuilt_by_migration_fetch_are_not_stale(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                                       samia_server: Server) -> None:
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    before = {p.name: p.read_text() for p in migrations(project).iterdir()}
    cli.run(project, "migration", "fetch", dsn=fresh_dsn)
    after = {p.name: p.read_text() for p in migrations(project).iterdir()}
    assert after.keys() == before.keys() and after != before  # same files, the CLI's own formatting
    assert plan_json(project, fresh_dsn)[0] == 0
    one_history(cli, project, fresh_dsn, samia_server)
    rendered = render(project)  # back to samia's bytes, without a new version
    assert rendered["rewritten"] and not set(rendered["written"]) - set(rendered["rewritten"])
    assert {p.name: p.read_text() for p in migrations(project).iterdir()} == before


def test_a_superseded_file_cannot_put_the_looser_policy_back(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                                            empty_dsn: str, samia_server: Server) -> None:
    edit_templates(project, LOOSE)  # a 070 with a policy that the next template edit removes
    loose = render(project)
    (old,) = (Path(p) for p in set(loose["written"]) - set(loose["rewritten"]))
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    assert "chat_sessions_open" in policies(fresh_dsn)
    edit_templates(project, None)
    written = render(project)
    *older, new = sorted(migrations(project).glob("*_samia_070_rls.sql"))
    assert old in older and written["rewritten"] == [str(p) for p in older]
    assert set(written["written"]) - set(written["rewritten"]) == {str(new)}
    assert all(p.read_text() == new.read_text() for p in older)  # superseded files hold the latest rendering
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    assert "chat_sessions_open" not in policies(fresh_dsn)
    # the CLI re-runs the old file (reverted, then pushed with --include-all): the policy stays gone
    cli.run(project, "migration", "repair", "--status", "reverted", old.name[:14], dsn=fresh_dsn)
    refused = cli.push(project, fresh_dsn, ok=False)
    assert refused.returncode != 0 and "--include-all" in refused.stderr + refused.stdout
    cli.push(project, fresh_dsn, "--include-all")
    assert "chat_sessions_open" not in policies(fresh_dsn)
    one_history(cli, project, fresh_dsn, samia_server)
    # on a new database samia records both 070 files: nothing is left for the CLI to run late
    assert samia(project, "apply", "--db", empty_dsn).exit_code == 0
    assert cli.push(project, empty_dsn, "--include-all", "--dry-run").stdout.count("up to date") == 1
    one_history(cli, project, empty_dsn, samia_server)


def test_samia_never_records_a_version_after_a_pending_user_migration(cli: SupabaseCli, project: Path,
                                                                     fresh_dsn: str, samia_server: Server) -> None:
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    user = migrations(project) / "20300101000000_add-reactions.sql"  # newer than samia's files, not pushed
    user.write_text("create schema app;\ncreate table app.reactions (id bigint primary key);\n")
    code, report = plan_json(project, fresh_dsn)
    assert code == 1 and report["not_ours"] == [{"version": "20300101000000", "name": "add-reactions",
                                                 "status": "pending", "file": str(user)}]
    assert not report["pending"] and report["blocked"] is None
    edit_templates(project, "\ncomment on policy chat_sessions_select on public.chat_sessions is 'v2';\n")
    render(project)  # the new 070 file is versioned after every file: after the user's
    refused = samia(project, "apply", "--db", fresh_dsn)
    assert refused.exit_code == 2, refused.output
    assert "20300101000000_add-reactions.sql" in refused.stderr and "supabase db push" in refused.stderr
    assert statuses(project, fresh_dsn)["070_rls"] == "changed"  # nothing was recorded
    code, report = plan_json(project, fresh_dsn)
    assert code == 1 and "20300101000000_add-reactions.sql" in report["blocked"]
    pushed = cli.push(project, fresh_dsn)  # the CLI runs both, in version order
    assert "20300101000000_add-reactions.sql" in pushed.stderr and "_samia_070_rls.sql" in pushed.stderr
    code, report = plan_json(project, fresh_dsn)
    assert code == 0 and report["not_ours"][0]["status"] == "applied"
    assert samia(project, "apply", "--db", fresh_dsn).stdout.startswith("nothing to apply")
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("select to_regclass('app.reactions')").fetchone() == ("app.reactions",)
    one_history(cli, project, fresh_dsn, samia_server)


def test_a_reverted_unit_is_pending_again(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                          samia_server: Server) -> None:
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    rls = next(migrations(project).glob("*_samia_070_rls.sql"))
    cli.run(project, "migration", "repair", "--status", "reverted", rls.name[:14], dsn=fresh_dsn)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:  # as if the revert had been undone by hand
        conn.execute("drop policy chat_sessions_select on public.chat_sessions")
    code, report = plan_json(project, fresh_dsn)
    assert code == 1 and report["pending"] == ["070_rls"]
    assert statuses(project, fresh_dsn)["070_rls"] == "reverted"
    applied = samia(project, "apply", "--db", fresh_dsn, "--json")
    assert applied.exit_code == 0 and json.loads(applied.stdout)["applied"] == ["070_rls"]
    assert "chat_sessions_select" in policies(fresh_dsn)
    one_history(cli, project, fresh_dsn, samia_server)


def test_db_reset_is_visible_to_samia(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                      samia_server: Server) -> None:
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        # as on the platform, auth, storage and realtime belong to supabase_admin, which `db reset` spares
        conn.execute("do $$ begin if not exists (select from pg_roles where rolname = 'supabase_admin') then "
                     "create role supabase_admin; end if; end $$")
        conn.execute("alter schema auth owner to supabase_admin")
        conn.execute("alter schema storage owner to supabase_admin")
        conn.execute("alter schema realtime owner to supabase_admin")
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        conn.execute("alter policy chat_sessions_select on public.chat_sessions using (true)")  # live drift
    cli.run(project, "db", "reset", dsn=fresh_dsn)  # drops samia's schemas and ledger, re-runs every file
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("select to_regclass('samia.ledger')").fetchone() == (None,)
    code, report = plan_json(project, fresh_dsn)
    assert code == 0 and {u["status"] for u in report["units"]} == {"applied"}
    one_history(cli, project, fresh_dsn, samia_server)


def test_without_migration_files_samia_leaves_nothing_for_the_cli(cli: SupabaseCli, project: Path, fresh_dsn: str,
                                                                  samia_server: Server) -> None:
    for path in migrations(project).iterdir():
        path.unlink()
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    assert cli.migration_list(project, fresh_dsn) == []
    assert "Remote database is up to date." in cli.push(project, fresh_dsn, "--dry-run").stdout
    assert plan_json(project, fresh_dsn)[0] == 0
    render(project)  # the files arrive later: samia records them without the CLI running anything
    code, report = plan_json(project, fresh_dsn)
    assert code == 1 and {u["status"] for u in report["units"]} == {"unrecorded"}
    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    one_history(cli, project, fresh_dsn, samia_server)


def test_mid_way_through_an_online_apply_the_cli_sees_the_unit_pending(cli: SupabaseCli, project: Path,
                                                                      fresh_dsn: str, samia_server: Server) -> None:
    """A new index on an existing table is built after the transaction commits; until it is done the
    unit's new file has no row: the CLI lists it local-only and would push it (its statements are
    convergent, so it could). When the build finishes samia records it and both agree again."""
    import threading
    import time

    from samia_schema import api
    from samia_schema.workspace import load_workspace

    assert samia(project, "apply", "--db", fresh_dsn).exit_code == 0
    config = project / "samia.toml"
    config.write_text(config.read_text().replace('templates = ["@pack"]', 'templates = ["@pack", "templates"]'))
    (project / "templates").mkdir()
    (project / "templates" / "030_indexes.sql.j2").write_text((REPO / "templates" / "030_indexes.sql.j2").read_text()
        + "\ncreate index if not exists chat_messages_type_idx on public.chat_messages (type);\n")
    render(project)
    newest = sorted(migrations(project).glob("*_samia_030_indexes.sql"))[-1].name[:14]
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            api.apply(load_workspace(config, env={}), fresh_dsn)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with psycopg.connect(fresh_dsn, autocommit=True) as conn, psycopg.connect(fresh_dsn) as writer:
        uid = conn.execute("insert into auth.users (id, email) values (gen_random_uuid(), 'w@t.local') returning id"
                           ).fetchone()[0]  # type: ignore[index]
        conn.execute("insert into public.profiles (id, role) values (%s, 'client')", (uid,))
        sid = conn.execute("insert into public.chat_sessions (participants, created_by) values (%s, %s) returning id",
                           ([uid], uid)).fetchone()[0]  # type: ignore[index]
        writer.execute("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, 'hi')",
                       (sid, uid))  # stays open: the concurrent build waits for it
        thread = threading.Thread(target=apply)
        thread.start()
        for _ in range(600):
            row = conn.execute("select exists (select from pg_stat_activity where wait_event_type = 'Lock'"
                               " and query ilike 'create index concurrently%%')").fetchone()
            if row and row[0]:
                break
            time.sleep(0.05)
        rows = cli.migration_list(project, fresh_dsn)
        assert (newest, None) in rows and all(local == remote for local, remote in rows if local != newest), rows
        dry = cli.push(project, fresh_dsn, "--dry-run")
        assert newest in dry.stdout + dry.stderr
        writer.commit()
        thread.join(60)
    assert not errors, errors
    one_history(cli, project, fresh_dsn, samia_server)


def _cases() -> list[str]:
    return [c for c in (FIXTURES / "cases.sql").read_text().split("\n-- ====\n") if c.strip()]


def test_statements_split_as_the_cli_splits_them(cli: SupabaseCli, tmp_path: Path, empty_dsn: str) -> None:
    """Each fixture case and each rendered unit: `migration repair --status applied` records the CLI's split."""
    project = tmp_path / "split"
    (project / "supabase" / "migrations").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text('project_id = "split"\n')
    texts = _cases() + [f.sql for f in read_migrations(REPO / "supabase" / "migrations")]
    versions = [str(20260101000000 + i) for i in range(len(texts))]
    for version, text in zip(versions, texts, strict=True):
        (project / "supabase" / "migrations" / f"{version}_case.sql").write_bytes(text.encode())
    cli.run(project, "migration", "repair", "--status", "applied", *versions, dsn=empty_dsn)
    with psycopg.connect(empty_dsn) as conn:
        recorded = dict(conn.execute("select version, statements from supabase_migrations.schema_migrations"))
    assert [tuple(recorded[v] or ()) for v in versions] == [split_statements(t) for t in texts]
    expected = json.loads((FIXTURES / "expected.json").read_text())  # what the CLI recorded when committed
    assert [list(recorded[v] or ()) for v in versions[:len(expected)]] == expected
