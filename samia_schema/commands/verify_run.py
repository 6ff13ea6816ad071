"""The work behind `samia verify` (kept out of the Typer layer)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..access.matrix import Matrix, load_matrix, parse_matrix
from ..access.report import failure_lines, matrix_table, self_test_table, to_json, to_junit
from ..access.verify import SabotageResult, sabotages, self_test, verify
from ..backends import prepare_chat_database
from ..config import Settings, find_config, load_settings, read_config_table
from ..db import connect, redact_dsn
from ..engines import embedded_postgres

out = Console() if Console().is_terminal else Console(width=170)  # CI logs: keep the matrix readable
err = Console(stderr=True)


def resolve_matrix(config: Path | None, matrix_path: Path | None) -> Matrix:
    """--matrix, else a [samia.matrix] / [matrix] table in the config, else the bundled default."""
    if matrix_path is not None:
        return load_matrix(matrix_path)
    path = config or (Path(os.environ["SAMIA_CONFIG"]) if os.environ.get("SAMIA_CONFIG") else None) or find_config()
    if path is not None:
        declared = read_config_table(path).get("matrix")
        if isinstance(declared, str):  # matrix = "matrix.toml", beside the config
            return load_matrix(path.parent / declared)
        if declared is not None:
            return parse_matrix(path.read_text(encoding="utf-8"), str(path))
    return load_matrix()


@contextmanager
def _target(db: str | None, settings: Settings) -> Iterator[tuple[str, str]]:
    if db:
        yield db, redact_dsn(db)
        return
    with embedded_postgres() as pg:
        prepare_chat_database(pg.dsn, settings)
        yield pg.dsn, f"embedded PostgreSQL {pg.version}"


def run_verify(config: Path | None, db: str | None, matrix_path: Path | None, output: str,
               run_self_test: bool, junit_out: Path | None) -> int:
    settings = load_settings(config)
    matrix = resolve_matrix(config, matrix_path)
    dsn = db or os.environ.get("SAMIA_DB_URL") or os.environ.get("DATABASE_URL")
    quiet = output != "table"
    with _target(dsn, settings) as (target, label):
        with connect(target, autocommit=True) as conn:
            total = len(matrix.expectations)
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True, disable=quiet) as bar:
                task = bar.add_task(f"probing {label}", total=total)
                report = verify(conn, matrix, settings, progress=lambda _e: bar.advance(task))
                sabotage_results: tuple[SabotageResult, ...] = ()
                if run_self_test:
                    st = bar.add_task("self-test", total=len(sabotages()))
                    sabotage_results = self_test(conn, matrix, settings, progress=lambda _n: bar.advance(st))
    killed = sum(1 for r in sabotage_results if r.killed)
    extra = {"database": label}
    if run_self_test:
        extra["self_test"] = {  # type: ignore[assignment]
            "kill_rate": killed / len(sabotage_results) if sabotage_results else 0.0,
            "sabotages": [{"name": r.name, "description": r.description, "killed": r.killed,
                           "caught_by": sorted({f"{o.resource}.{o.operation}.{o.persona}" for o in r.failures})}
                          for r in sabotage_results]}
    if junit_out is not None:
        junit_out.write_text(to_junit(report), encoding="utf-8")
    if output == "json":
        print(to_json(report, extra))
    elif output == "junit":
        print(to_junit(report))
    else:
        out.print(matrix_table(report))
        for line in failure_lines(report):
            out.print(line, style="red", highlight=False)
        status = "all cells hold" if report.passed else f"{len(report.failures)} cell(s) do not hold"
        out.print(f"{len(report.outcomes)} cells on {label} in {report.seconds:.2f}s: {status}")
        if run_self_test:
            out.print(self_test_table(sabotage_results))
            out.print(f"self-test kill rate: {killed}/{len(sabotage_results)}")
    uncaught = run_self_test and killed != len(sabotage_results)
    return 1 if (not report.passed or uncaught) else 0

