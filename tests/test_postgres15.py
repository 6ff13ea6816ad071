"""The rendered schema applies to Debian's PostgreSQL 15 too (not only the embedded 16)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from samia_schema import load_settings, render
from samia_schema.access.matrix import load_matrix
from samia_schema.access.verify import verify
from samia_schema.apply import apply, bootstrap, summary
from samia_schema.engines import embedded_postgres

PG15 = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.pg15


@pytest.mark.skipif(not (PG15 / "initdb").exists(), reason="Debian's postgresql-15 is not installed here")
def test_schema_applies_and_verifies_on_postgres_15() -> None:
    settings = load_settings(REPO / "samia.toml", overrides={"migrations_dir": "/nonexistent"}, env={})
    with embedded_postgres(PG15) as pg:
        assert pg.version == "15"
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            assert conn.execute("show server_version_num").fetchone()[0].startswith("15")  # type: ignore[index]
            bootstrap(conn)
            result = apply(conn, render(settings), settings)
            assert len(result.applied) == len(render(settings).units)
            counts = summary(conn, settings)
            assert counts["chat_tables"] == 4 and counts["chat_indexes"] >= 15
            assert counts["chat_policies"] >= 8 and counts["storage_policies"] >= 4
            assert apply(conn, render(settings), settings).applied == ()
            report = verify(conn, load_matrix(), settings)
            assert report.passed, [(o.key, o.observed) for o in report.failures]
