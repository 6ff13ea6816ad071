"""Both histories read together: each unit status, the user's migrations, the CLI's version order.

The CLI's own behaviour is proven in test_supabase_cli.py; these cases need no CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from support import rendered

from samia_schema.config import load_settings
from samia_schema.errors import ConfigError
from samia_schema.history import Recorded, foreign_migrations, unit_statuses
from samia_schema.ledger import apply_plan, plan_status
from samia_schema.migrations import local_history, write_supabase_migrations
from samia_schema.splitting import split_statements

REPO = Path(__file__).resolve().parent.parent


def _rows(local: Any, *versions: str, other: str | None = None) -> dict[str, Recorded]:
    files = {f.version: f for fs in local.units.values() for f in fs}
    rows = {v: Recorded(v, files[v].name, files[v].statements) for v in versions}
    if other:  # the same version recorded with other statements
        rows[other] = Recorded(other, files[other].name, ("select 'edited'",))
    return rows


def test_each_status_from_the_two_histories(tmp_path: Path) -> None:
    old, new = rendered(), rendered(file_size_limit=1234)
    write_supabase_migrations(old, tmp_path)
    first = {u: f[0].version for u, f in local_history(old, tmp_path).units.items()}
    write_supabase_migrations(new, tmp_path)
    local = local_history(new, tmp_path)
    everything = [f.version for fs in local.units.values() for f in fs]
    storage = [f.version for f in local.files("090_storage")]

    def status(recorded: dict[str, Recorded], ledger: dict[str, tuple[tuple[str, str], ...]] | None = None) -> str:
        return {s.name: s.status for s in unit_statuses(new, local, recorded, ledger or {})}["090_storage"]

    assert status({}) == "new"
    assert status(_rows(local, *everything)) == "applied"
    assert status(_rows(local, first["090_storage"])) == "changed"  # only the old file was run
    assert status(_rows(local, *everything[:-1], other=storage[-1])) == "drift"
    assert status(_rows(local, storage[-1])) == "reverted"  # the old file's row was removed
    applied = {"090_storage": ((storage[-1], new.unit("090_storage").checksum),)}
    assert status({}, applied) == "reverted"  # samia recorded it, the rows are gone
    assert status({}, {"090_storage": (("", new.unit("090_storage").checksum),)}) == "unrecorded"
    assert status({}, {"090_storage": (("", old.unit("090_storage").checksum),)}) == "changed"
    applied_row = {s.name: s for s in unit_statuses(new, local, _rows(local, *everything), {})}["090_storage"]
    assert applied_row.recorded_checksum == local.files("090_storage")[-1].checksum  # from the file


def test_user_migrations_and_rows_without_a_file(tmp_path: Path) -> None:
    plan = rendered()
    write_supabase_migrations(plan, tmp_path)
    (tmp_path / "20300101000000_add-reactions.sql").write_text("select 1;\n")
    (tmp_path / "20300102000000_more.sql").write_text("select 2;\n")
    local = local_history(plan, tmp_path)
    recorded = {"20300101000000": Recorded("20300101000000", "add-reactions", ("select 1",)),
                "20200101000000": Recorded("20200101000000", "elsewhere", None)}
    found = [(f.version, f.name, f.status) for f in foreign_migrations(local, recorded)]
    assert found == [("20200101000000", "elsewhere", "remote only"), ("20300101000000", "add-reactions", "applied"),
                     ("20300102000000", "more", "pending")]


@pytest.fixture()
def settings() -> Any:
    return load_settings(REPO / "samia.toml", env={})


def test_apply_records_every_file_of_a_unit(fresh_dsn: str, settings: Any, tmp_path: Path) -> None:
    write_supabase_migrations(rendered(), tmp_path)
    new = rendered(file_size_limit=1234)
    write_supabase_migrations(new, tmp_path)  # 020 and 090 now have two files, both the latest rendering
    local = local_history(new, tmp_path)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply_plan(conn, new, settings, migrations_dir=tmp_path)
        rows = dict(conn.execute("select version, statements from supabase_migrations.schema_migrations"))
        assert all(s.status == "applied" for s in plan_status(conn, new, tmp_path).units)
    files = [f for fs in local.units.values() for f in fs]
    assert len(files) == 14 and {v: tuple(s) for v, s in rows.items()} == {f.version: f.statements for f in files}
    assert rows[local.files("090_storage")[0].version] == list(split_statements(new.unit("090_storage").sql))


def test_apply_never_records_a_version_after_a_pending_user_migration(fresh_dsn: str, settings: Any,
                                                                      tmp_path: Path) -> None:
    plan = rendered()
    write_supabase_migrations(plan, tmp_path)
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        apply_plan(conn, plan, settings, migrations_dir=tmp_path)
        user = tmp_path / "20990101000000_mine.sql"  # not pushed yet
        user.write_text("select 1;\n")
        new = rendered(file_size_limit=1234)
        assert all(p.name > user.name for p in write_supabase_migrations(new, tmp_path).new)
        before = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
        history = plan_status(conn, new, tmp_path)
        assert history.order_conflict() and user.name in (history.order_conflict() or "")
        with pytest.raises(ConfigError, match=rf"apply refused: your migration {user.name} is not applied"):
            apply_plan(conn, new, settings, migrations_dir=tmp_path)
        assert conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone() == before
        user.unlink()  # once the user's migration is pushed (or gone), samia applies
        assert set(apply_plan(conn, new, settings, migrations_dir=tmp_path).applied) == {"020_tables", "090_storage"}
