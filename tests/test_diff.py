"""Diff and reconcile on a real Postgres: fixture cases under tests/fixtures/diff/<case>/."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from samia_schema import api
from samia_schema.api import desired_catalog, live_drift
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.catalog import (
    Catalog,
    Change,
    Policy,
    Scope,
    Statement,
    change_to_dict,
    diff,
    reconcile_script,
    reconcile_sql,
    snapshot,
    summarize,
)
from samia_schema.config import Settings
from samia_schema.database import prepare
from samia_schema.db import connect, execute_script
from samia_schema.packs.chat import PACK
from samia_schema.workspace import Workspace

CASES_DIR = Path(__file__).parent / "fixtures" / "diff"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "live.sql").is_file())


def _expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES_DIR / case / "expected.json").read_text())
    return data


@pytest.fixture(scope="module")
def desired(samia_server: Server, samia_workspace: Workspace) -> Catalog:
    """The templates applied to a scratch shadow database on the test server."""
    return desired_catalog(samia_workspace, samia_server.base_dsn)


@pytest.fixture(scope="module")
def shared_chat(samia_server: Server, _samia_chat_template: str) -> Iterator[str]:
    """One database with the schema for the fixture cases; each case runs in a rolled-back transaction."""
    name = f"samia_diff_cases_{uuid.uuid4().hex[:8]}"
    yield create_database(samia_server, name, template=_samia_chat_template)
    drop_database(samia_server, name)


@pytest.fixture()
def case_conn(shared_chat: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection inside a transaction that is always rolled back: the case leaves nothing behind."""
    with connect(shared_chat, autocommit=True) as conn, conn.transaction(force_rollback=True):
        yield conn


def _snap(dsn: str, settings: Settings) -> Catalog:
    with connect(dsn) as conn:
        return snapshot(conn, PACK.schemas(settings))


def _matches(change: Change, want: dict[str, Any]) -> bool:
    if (change.kind, change.object_type, change.name) != (want["kind"], want["object_type"], want["name"]):
        return False
    return all(d in change.details for d in want.get("details", ()))


def _apply(dsn: str, statements: tuple[Statement, ...]) -> None:
    with connect(dsn, autocommit=True) as conn, conn.transaction():
        execute_script(conn, reconcile_script(statements), label="reconcile")


def test_cases_exist() -> None:
    assert len(CASES) >= 20


def test_fresh_database_diffs_empty(chat_dsn: str, samia_settings: Settings, desired: Catalog) -> None:
    changes = diff(_snap(chat_dsn, samia_settings), desired, Scope.templates())
    assert changes == ()
    assert diff(_snap(chat_dsn, samia_settings), desired) == ()


def test_embedded_shadow_matches_server_shadow(samia_workspace: Workspace, desired: Catalog) -> None:
    embedded = desired_catalog(samia_workspace)
    assert diff(embedded, desired) == ()


def test_bootstrap_only_database_misses_everything(fresh_dsn: str, samia_settings: Settings,
                                                   desired: Catalog) -> None:
    changes = diff(_snap(fresh_dsn, samia_settings), desired, Scope.templates())
    kinds = {(c.kind, c.object_type) for c in changes}
    assert ("removed", "table") in kinds and ("removed", "policy") in kinds
    assert ("removed", "bucket") in kinds
    assert all(c.kind == "removed" for c in changes)


@pytest.mark.parametrize("case", CASES)
def test_case_round_trip(case: str, case_conn: psycopg.Connection[Any], samia_settings: Settings,
                         desired: Catalog) -> None:
    expected = _expected(case)
    execute_script(case_conn, (CASES_DIR / case / "live.sql").read_text(), label=case)
    scope = Scope.templates()
    schemas = PACK.schemas(samia_settings)
    changes = diff(snapshot(case_conn, schemas), desired, scope)
    wanted = expected["changes"]
    if not wanted:
        assert changes == (), [change_to_dict(c) for c in changes]
        return
    assert changes, f"{case}: expected differences, got none"
    for want in wanted:
        assert any(_matches(c, want) for c in changes), (want, [(c.kind, c.name, c.details) for c in changes])
    statements = reconcile_sql(changes)
    assert statements
    assert any(s.destructive for s in statements) == expected.get("destructive", False)
    execute_script(case_conn, reconcile_script(statements), label="reconcile")
    after = diff(snapshot(case_conn, schemas), desired, scope)
    assert after == (), [(c.kind, c.name, c.details) for c in after]


@pytest.mark.parametrize("case", CASES)
def test_case_live_drift(case: str, case_conn: psycopg.Connection[Any], samia_workspace: Workspace,
                         desired: Catalog) -> None:
    expected = _expected(case)
    execute_script(case_conn, (CASES_DIR / case / "live.sql").read_text(), label=case)
    drift = live_drift(samia_workspace, case_conn, desired=desired)
    if not expected["changes"] or not expected.get("drift", True):
        assert not any(_matches(c, w) for c in drift for w in expected["changes"])
        return
    for want in expected["changes"]:
        assert any(_matches(c, want) for c in drift), (want, [(c.kind, c.name) for c in drift])


def test_live_drift_builds_its_own_shadow(chat_dsn: str, samia_server: Server,
                                          samia_workspace: Workspace) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        assert live_drift(samia_workspace, conn, shadow=samia_server.base_dsn) == ()
        conn.execute("alter policy chat_messages_select on public.chat_messages using (true)")
        drift = live_drift(samia_workspace, conn, shadow=samia_server.base_dsn)
    assert [(c.kind, c.name) for c in drift] == [("changed", "public.chat_messages.chat_messages_select")]


def test_library_entry_points(chat_dsn: str, samia_server: Server, samia_workspace: Workspace) -> None:
    ws, shadow = samia_workspace, samia_server.base_dsn
    assert api.diff(ws, chat_dsn, shadow=shadow).changes == ()
    assert api.diff(ws, chat_dsn, against=chat_dsn).changes == ()
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, (CASES_DIR / "storage_policy_edited" / "live.sql").read_text())
    changes = api.diff(ws, chat_dsn, shadow=shadow, tables=("objects",)).changes
    assert [(c.kind, c.name) for c in changes] == [("changed", "storage.objects.chat_files_select")]
    assert api.diff(ws, chat_dsn, shadow=shadow, schemas=("public",)).changes == ()


def test_shadow_scratch_database_is_dropped(samia_server: Server, samia_workspace: Workspace) -> None:
    with samia_workspace.shadow(samia_server.base_dsn) as db:
        name = db.dsn.split("dbname=")[1].split()[0]
    with connect(samia_server.base_dsn) as conn:
        row = conn.execute("select count(*) from pg_database where datname = %s", (name,)).fetchone()
    assert row == (0,)


def test_against_two_live_databases(chat_dsn: str, samia_settings: Settings, samia_server: Server) -> None:
    other = "samia_diff_other_" + chat_dsn.split("samia_chat_")[1].split()[0][:8]
    create_database(samia_server, other, template=chat_dsn.split("dbname=")[1].split()[0])
    try:
        other_dsn = samia_server.dsn_for(other)
        with connect(other_dsn, autocommit=True) as conn:
            conn.execute("create policy allow_all on public.chat_messages for select using (true)")
            conn.execute("grant truncate on public.chat_sessions to anon")
        a, b = _snap(chat_dsn, samia_settings), _snap(other_dsn, samia_settings)
        assert diff(a, a) == ()
        forward = diff(b, a)
        assert {(c.kind, c.name) for c in forward} == {
            ("added", "public.chat_messages.allow_all"), ("added", "public.chat_sessions.anon.truncate")}
        backward = diff(a, b)
        assert {(c.kind, c.name) for c in backward} == {
            ("removed", "public.chat_messages.allow_all"), ("removed", "public.chat_sessions.anon.truncate")}
        _apply(chat_dsn, reconcile_sql(backward))
        assert diff(_snap(chat_dsn, samia_settings), b) == ()
    finally:
        drop_database(samia_server, other)


def test_scope_filters(chat_dsn: str, samia_settings: Settings, desired: Catalog) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        conn.execute("alter policy chat_messages_select on public.chat_messages using (true)")
        conn.execute("alter policy chat_files_select on storage.objects using (true)")
    live = _snap(chat_dsn, samia_settings)
    assert len(diff(live, desired, Scope.templates())) == 2
    only_storage = diff(live, desired, Scope.templates(schemas=["storage"]))
    assert [c.name for c in only_storage] == ["storage.objects.chat_files_select"]
    only_table = diff(live, desired, Scope.templates(tables=["chat_messages"]))
    assert [c.name for c in only_table] == ["public.chat_messages.chat_messages_select"]
    qualified = diff(live, desired, Scope.templates(tables=["storage.objects"]))
    assert [c.name for c in qualified] == ["storage.objects.chat_files_select"]


def test_policy_expressions_compare_normalised(desired: Catalog) -> None:
    original = next(p for p in desired.policies if p.name == "profiles_update")
    spelled = Policy(original.schema, original.table, original.name, True, "update",
                     frozenset({"authenticated"}), "id = (select auth.uid())",
                     "(id=(SELECT auth.uid() AS uid))")
    live = Catalog(policies=(spelled,))
    want = Catalog(policies=(original,))
    assert diff(live, want) == ()
    loosened = Policy(**{**spelled.__dict__, "using": "true"})
    changes = diff(Catalog(policies=(loosened,)), want)
    assert [(c.kind, c.details) for c in changes] == [("changed", ("using",))]
    roles = Policy(**{**spelled.__dict__, "roles": frozenset({"authenticated", "anon"})})
    assert diff(Catalog(policies=(roles,)), want)[0].details == ("roles",)


def test_same_server_version_compares_deparsed_text_verbatim(desired: Catalog) -> None:
    """Both sides deparsed by one Postgres major: text is canonical, no parser needed."""
    original = next(p for p in desired.policies if p.name == "profiles_update")
    respelled = Policy(**{**original.__dict__, "using": "id = (select auth.uid())"})
    version = desired.server_version
    assert version
    same = diff(Catalog(policies=(respelled,), server_version=version),
                Catalog(policies=(original,), server_version=version))
    assert [c.details for c in same] == [("using",)]
    other = diff(Catalog(policies=(respelled,), server_version=version + 1),
                 Catalog(policies=(original,), server_version=version))
    assert other == ()  # across versions: normalised, equivalent


def test_changes_sorted_and_json_ready(chat_dsn: str, samia_settings: Settings, desired: Catalog) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, (CASES_DIR / "combined_sabotage" / "live.sql").read_text())
    changes = diff(_snap(chat_dsn, samia_settings), desired, Scope.templates())
    assert list(changes) == sorted(changes, key=lambda c: c.sort_key)
    assert summarize(changes)["added"] == 2
    text = json.dumps([change_to_dict(c) for c in changes])
    assert "allow_all" in text


def test_reconcile_order_drops_policies_first_creates_last(chat_dsn: str, samia_settings: Settings,
                                                           desired: Catalog) -> None:
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, (CASES_DIR / "combined_sabotage" / "live.sql").read_text())
    statements = reconcile_sql(diff(_snap(chat_dsn, samia_settings), desired, Scope.templates()))
    texts = [s.sql.lower() for s in statements]
    first_create = min(i for i, t in enumerate(texts) if t.startswith("create policy"))
    last_drop = max(i for i, t in enumerate(texts) if t.startswith("drop policy"))
    alter = next(i for i, t in enumerate(texts) if "enable row level security" in t)
    assert last_drop < alter < first_create
    assert texts[0].startswith("drop policy")
    assert texts[-1].startswith("create policy")
    assert '"public"."chat_messages"' in texts[0]


# --- the CLI -------------------------------------------------------------------------------------


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from samia_schema.cli import app

    return CliRunner().invoke(app, ["diff", *args])


def test_cli_exit_codes_and_json(chat_dsn: str, samia_server: Server) -> None:
    clean = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn)
    assert clean.exit_code == 0, clean.output
    assert "no differences" in clean.output
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, (CASES_DIR / "column_added" / "live.sql").read_text())
        execute_script(conn, (CASES_DIR / "policy_using_edited" / "live.sql").read_text())
    report = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn)
    assert report.exit_code == 1, report.output
    assert "chat_messages_select" in report.output and "changed" in report.output
    as_json = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn, "--json", "--sql")
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["differences"] == 2
    assert {c["name"] for c in payload["changes"]} == {"public.chat_messages",
                                                       "public.chat_messages.chat_messages_select"}
    assert any(s["destructive"] for s in payload["sql"])
    as_sql = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn, "--sql")
    assert as_sql.exit_code == 1
    # a column the templates do not define is not ours to drop: withheld unless --allow-destructive
    assert 'drop column "junk"' in as_sql.stdout and "-- withheld" in as_sql.stdout
    assert '\nalter table "public"."chat_messages" drop column "junk";' not in as_sql.stdout
    assert 'create policy "chat_messages_select"' in as_sql.stdout
    allowed = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn, "--sql", "--allow-destructive")
    assert "-- destructive\nalter table \"public\".\"chat_messages\" drop column \"junk\";" in allowed.stdout


def test_cli_against_and_filters(chat_dsn: str, samia_server: Server) -> None:
    same = _cli("--db", chat_dsn, "--against", chat_dsn, "--json")
    assert same.exit_code == 0
    assert json.loads(same.stdout)["differences"] == 0
    with connect(chat_dsn, autocommit=True) as conn:
        execute_script(conn, (CASES_DIR / "storage_leftover_policy" / "live.sql").read_text())
    report = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn, "--schema", "public")
    assert report.exit_code == 0, report.output
    report = _cli("--db", chat_dsn, "--shadow", samia_server.base_dsn, "--table", "storage.objects", "--json")
    assert report.exit_code == 1
    assert [c["kind"] for c in json.loads(report.stdout)["changes"]] == ["added"]


def test_cli_errors(samia_server: Server) -> None:
    bad = _cli("--db", "postgresql://nobody:s3cret@127.0.0.1:1/none", "--against", samia_server.base_dsn)
    assert bad.exit_code == 4
    assert "s3cret" not in bad.output
    both = _cli("--db", samia_server.base_dsn, "--against", samia_server.base_dsn, "--shadow", "x")
    assert both.exit_code == 2


PG15 = Path("/usr/lib/postgresql/15/bin")


@pytest.mark.pg15
@pytest.mark.skipif(not (PG15 / "initdb").exists(), reason="Debian's postgresql-15 is not installed here")
def test_postgres_15_live_against_16_shadow(samia_workspace: Workspace, samia_settings: Settings,
                                           desired: Catalog) -> None:
    """Across major versions expressions go through normalisation: no noise, sabotage found."""
    from samia_schema.engines import embedded_postgres

    with embedded_postgres(PG15) as pg:
        prepare(samia_workspace, pg.dsn)
        live = _snap(pg.dsn, samia_settings)
        assert live.server_version == 15 and desired.server_version >= 16
        assert diff(live, desired, Scope.templates()) == ()
        with connect(pg.dsn, autocommit=True) as conn:
            execute_script(conn, (CASES_DIR / "combined_sabotage" / "live.sql").read_text())
        changes = diff(_snap(pg.dsn, samia_settings), desired, Scope.templates())
        assert len(changes) == 6
        _apply(pg.dsn, reconcile_sql(changes))
        assert diff(_snap(pg.dsn, samia_settings), desired, Scope.templates()) == ()
