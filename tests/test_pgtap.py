"""supabase/tests/*.sql (pgTAP, what `supabase test db` runs) pass on PostgreSQL 15 through pg_prove,
with GoTrue's auth functions and with the bare supabase/postgres image's older ones; the verifier
holds on both too.

The older functions (tests/fixtures/platform/image_auth.sql) read only `request.jwt.claim.*` and
there is no `auth.jwt()`: they are created before the bootstrap, which then adds only what is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema.access.verify import verify_matrix
from samia_schema.backends import Server, create_database, drop_database
from samia_schema.database import prepare
from samia_schema.db import execute_script
from samia_schema.engines import embedded_postgres

REPO = Path(__file__).resolve().parent.parent
PG15 = Path("/usr/lib/postgresql/15/bin")
PGTAP = Path("/usr/share/postgresql/15/extension/pgtap.control")
IMAGE_AUTH = (REPO / "tests" / "fixtures" / "platform" / "image_auth.sql").read_text(encoding="utf-8")
AUTH_VARIANTS = ("gotrue", "image")


def _auth_variant(dsn: str, variant: str) -> None:
    """Before the bootstrap: nothing (GoTrue's current functions get created) or the image's old ones."""
    if variant == "image":
        with psycopg.connect(dsn, autocommit=True) as conn:
            execute_script(conn, IMAGE_AUTH, label="image auth functions")


def _assert_variant(dsn: str, variant: str) -> None:
    with psycopg.connect(dsn) as conn:
        source = conn.execute("select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure").fetchone()
        assert source is not None and ("request.jwt.claims" in source[0]) is (variant == "gotrue"), source
        assert conn.execute("select to_regprocedure('auth.jwt()') is not null").fetchone() == (True,)


@pytest.mark.skipif(not (PG15 / "initdb").exists() or not PGTAP.exists() or not shutil.which("pg_prove"),
                    reason="needs Debian's postgresql-15, postgresql-15-pgtap and pg_prove")
def test_pgtap_suite_passes_with_pg_prove() -> None:
    ws = workspace(REPO / "samia.toml", **NO_MIGRATIONS)
    with embedded_postgres(PG15) as pg:
        for variant in AUTH_VARIANTS:
            database = f"pgtap_{variant}"
            with psycopg.connect(pg.dsn, autocommit=True) as conn:
                conn.execute(psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(database)))
            dsn = pg.dsn.replace("dbname=postgres", f"dbname={database}")
            _auth_variant(dsn, variant)
            prepare(ws, dsn)
            _assert_variant(dsn, variant)
            result = subprocess.run(
                ["pg_prove", "--verbose", "-h", str(pg.socket_dir), "-p", "5432", "-U", "postgres", "-d", database,
                 *sorted(str(p) for p in (REPO / "supabase" / "tests").glob("*.sql"))],
                capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, variant + ": " + result.stdout[-3000:] + result.stderr[-2000:]
            assert "All tests successful." in result.stdout
            assert "ok 20 - the audit row carries the client IP" in result.stdout
            with psycopg.connect(dsn) as conn:  # the suite rolled everything back
                assert conn.execute("select count(*) from auth.users").fetchone() == (0,)


@pytest.mark.parametrize("variant", AUTH_VARIANTS)
def test_verifier_holds_with_either_auth_functions(samia_server: Server, variant: str) -> None:
    ws = workspace(REPO / "samia.toml", **NO_MIGRATIONS)
    name = f"samia_auth_{variant}_{uuid.uuid4().hex[:8]}"
    dsn = create_database(samia_server, name)
    try:
        _auth_variant(dsn, variant)
        prepare(ws, dsn)
        _assert_variant(dsn, variant)
        with psycopg.connect(dsn, autocommit=True) as conn:
            report = verify_matrix(conn, ws.pack, ws.matrix(), ws.settings)
        assert report.passed, [(o.key, o.observed, o.detail[:200]) for o in report.failures]
    finally:
        drop_database(samia_server, name)
