"""supabase/tests/*.sql (pgTAP, what `supabase test db` runs) pass on PostgreSQL 15 through pg_prove."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema.database import prepare
from samia_schema.engines import embedded_postgres

REPO = Path(__file__).resolve().parent.parent
PG15 = Path("/usr/lib/postgresql/15/bin")
PGTAP = Path("/usr/share/postgresql/15/extension/pgtap.control")


@pytest.mark.skipif(not (PG15 / "initdb").exists() or not PGTAP.exists() or not shutil.which("pg_prove"),
                    reason="needs Debian's postgresql-15, postgresql-15-pgtap and pg_prove")
def test_pgtap_suite_passes_with_pg_prove() -> None:
    ws = workspace(REPO / "samia.toml", **NO_MIGRATIONS)
    with embedded_postgres(PG15) as pg:
        prepare(ws, pg.dsn)
        result = subprocess.run(
            ["pg_prove", "--verbose", "-h", str(pg.socket_dir), "-p", "5432", "-U", "postgres", "-d", "postgres",
             *sorted(str(p) for p in (REPO / "supabase" / "tests").glob("*.sql"))],
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "All tests successful." in result.stdout
        assert "ok 20 - the audit row carries the client IP" in result.stdout
        with psycopg.connect(pg.dsn) as conn:  # the suite rolled everything back
            assert conn.execute("select count(*) from auth.users").fetchone() == (0,)
