"""The rendered schema applies to Debian's PostgreSQL 15 too (not only the embedded 16)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from support import NO_MIGRATIONS, workspace

from samia_schema.access.verify import verify_matrix
from samia_schema.engines import embedded_postgres
from samia_schema.ledger import apply_plan

PG15 = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.pg15


@pytest.mark.skipif(not (PG15 / "initdb").exists(), reason="Debian's postgresql-15 is not installed here")
def test_schema_applies_and_verifies_on_postgres_15() -> None:
    ws = workspace(REPO / "samia.toml", **NO_MIGRATIONS)
    settings = ws.settings
    with embedded_postgres(PG15) as pg:
        assert pg.version == "15"
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            assert conn.execute("show server_version_num").fetchone()[0].startswith("15")  # type: ignore[index]
            result = apply_plan(conn, ws.plan, settings)
            assert len(result.applied) == len(ws.plan.units)
            counts = ws.pack.summary(conn, settings)
            assert counts["chat_tables"] == 5 and counts["chat_indexes"] >= 15
            assert counts["chat_policies"] >= 8 and counts["storage_policies"] >= 4
            assert apply_plan(conn, ws.plan, settings).applied == ()
            report = verify_matrix(conn, ws.pack, ws.matrix(), settings)
            assert report.passed, [(o.key, o.observed) for o in report.failures]
