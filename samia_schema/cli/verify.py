"""`samia verify`: prove the access-control matrix on a real Postgres."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import api
from ..access.report import failure_lines, matrix_table, self_test_table, to_json, to_junit, vocabulary_table
from ..access.verify import sabotages
from . import options as opt
from .output import console, echo, handled, show


@handled
@opt.shared(formats=opt.VerifyFormat)
def verify_command(
    common: opt.Common,
    matrix_path: Annotated[Path | None, typer.Option(
        "--matrix", "-m", metavar="FILE", show_default=False,
        help="Matrix spec (TOML). Default: samia.matrix in the config, else the pack's bundled matrix.")] = None,
    self_test: Annotated[bool, typer.Option(
        "--self-test", help="Also plant each known sabotage (rolled back); every one must be caught.")] = False,
    junit_out: Annotated[Path | None, typer.Option(
        "--junit-file", metavar="FILE", help="Also write JUnit XML here.", show_default=False)] = None,
    list_vocabulary: Annotated[bool, typer.Option(
        "--list", help="List the resources, operations and levels a matrix may use, and exit.")] = False,
) -> None:
    """Impersonate every persona as PostgREST does and prove the matrix. Without --db: an embedded
    Postgres, bootstrapped, with the schema applied. Exit 0 all hold; 1 a mismatch or an uncaught
    sabotage; 2 bad spec; 4 database."""
    ws = common.workspace(matrix=matrix_path)
    chosen = common.format
    if list_vocabulary:
        show(vocabulary_table(ws.pack.vocabulary()))
        return
    matrix = ws.matrix()
    quiet = chosen != "table"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True, disable=quiet) as bar:
        cells = bar.add_task("probing", total=len(matrix.expectations))
        planted = bar.add_task("self-test", total=len(sabotages(ws.pack.sabotage_dir())), visible=self_test)
        result = api.verify(ws, common.db, matrix=matrix, self_test=self_test,
                            progress=lambda _e: bar.advance(cells), sabotage_progress=lambda _n: bar.advance(planted))
    if junit_out is not None:
        junit_out.write_text(to_junit(result.report), encoding="utf-8")
    if chosen == "json":
        echo(to_json(result.report, _extra(result)))
    elif chosen == "junit":
        echo(to_junit(result.report))
    else:
        status = "all cells hold" if result.report.passed else f"{len(result.report.failures)} cell(s) do not hold"
        parts: list[RenderableType] = [matrix_table(result.report), *failure_lines(result.report),
                 f"{len(result.report.outcomes)} cells on {result.database} in {result.report.seconds:.2f}s: {status}"]
        if self_test:
            parts += [self_test_table(result.sabotages),
                      f"self-test kill rate: {result.killed}/{len(result.sabotages)}"]
        show(Group(*parts))
    raise typer.Exit(0 if result.passed else 1)


def _extra(result: api.VerifyReport) -> dict[str, object]:
    extra: dict[str, object] = {"database": result.database}
    if result.self_tested:
        extra["self_test"] = {
            "kill_rate": result.killed / len(result.sabotages) if result.sabotages else 0.0,
            "sabotages": [{"name": r.name, "description": r.description, "killed": r.killed,
                           "caught_by": sorted({f"{o.resource}.{o.operation}.{o.persona}" for o in r.failures})}
                          for r in result.sabotages]}
    return extra

