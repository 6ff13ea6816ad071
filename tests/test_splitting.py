"""Statements split as the Supabase CLI splits a migration file (data from the real CLI 2.117.0)."""

from __future__ import annotations

import json
from pathlib import Path

from support import rendered

from samia_schema.splitting import same_statements, split_statements

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "split"


def test_each_case_splits_as_the_cli_recorded_it() -> None:
    """expected.json is what `supabase migration repair --status applied` stored for cases.sql
    (test_supabase_cli.py checks it against the CLI again whenever the CLI is installed)."""
    cases = [c for c in (FIXTURES / "cases.sql").read_text().split("\n-- ====\n") if c.strip()]
    expected = json.loads((FIXTURES / "expected.json").read_text())
    assert len(cases) == len(expected) >= 30
    for case, statements in zip(cases, expected, strict=True):
        assert list(split_statements(case)) == statements, case


def test_comments_stay_with_their_statement_and_empty_pieces_go() -> None:
    assert split_statements("-- head\ncreate table t (a int);\n\n;;\n") == ("-- head\ncreate table t (a int)",)
    assert split_statements("") == () and split_statements(" ;\n; ") == ()


def test_every_rendered_unit_survives_the_round_trip_of_migration_fetch() -> None:
    """`supabase migration fetch` writes the statements joined by ';\\n': the same statements again."""
    for unit in rendered().units:
        statements = split_statements(unit.sql)
        assert statements and split_statements(";\n".join(statements) + ";\n") == statements, unit.name


def test_recorded_statements_compare_by_content() -> None:
    sql = "select 1;\n-- two\nselect 2;\n"
    assert same_statements(["select 1", "-- two\nselect 2"], sql)  # the CLI's rows
    assert same_statements([sql], sql)  # one whole file, as samia recorded it before
    assert not same_statements(["select 1"], sql)
