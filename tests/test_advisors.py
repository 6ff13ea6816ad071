"""Supabase's advisors' view of the applied schema: pgrls (PyPI) reports no ERROR.

pgrls is run as its users run it, the `pgrls lint` command against a database (here one with the
chat schema applied), over the exposed schema and the private helper schema. Splinter's lints are
not vendored; docs/security.md says how they were run by hand and what they report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from samia_schema.config import Settings

PGRLS = shutil.which("pgrls")


@pytest.fixture(scope="module")
def pgrls_report(samia_server: Any, _samia_chat_template: str, samia_settings: Settings) -> dict[str, Any]:
    if PGRLS is None:
        pytest.skip("pgrls is not installed (pip install -e '.[test]' installs it from PyPI)")
    schemas = f"{samia_settings.schema},{samia_settings.private_schema}"  # type: ignore[attr-defined]
    proc = subprocess.run(
        [PGRLS, "lint", "--database-url", samia_server.dsn_for(_samia_chat_template), "--schemas", schemas,
         "--format", "json"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.strip(), f"pgrls printed nothing (exit {proc.returncode}): {proc.stderr[-500:]}"
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def test_pgrls_reports_no_error(pgrls_report: dict[str, Any]) -> None:
    errors = [f"{v['rule_id']} {v['location']}: {v['message'][:160]}" for v in pgrls_report["violations"]
              if v["severity"] == "error"]
    assert errors == [], "\n".join(errors)
    assert pgrls_report["summary"]["errors"] == 0


def test_pgrls_saw_the_chat_tables(pgrls_report: dict[str, Any]) -> None:
    """Not vacuous: pgrls linted our objects (its warnings name them)."""
    locations = {v["location"] for v in pgrls_report["violations"]}
    assert any(loc.startswith("public.chat_messages") for loc in locations), sorted(locations)[:10]
