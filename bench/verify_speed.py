"""Benchmark: the full default matrix (seeding included) on a warm database, and `samia verify` cold.

Run: python bench/verify_speed.py [--runs 7] [--db URL]
Prints the median and spread of verify() on a warm database (one that has the chat schema and has
been verified once), and the wall time of the whole `samia verify` process (boot, bootstrap, apply,
verify) from a cold start.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from samia_schema.access.verify import verify_matrix
from samia_schema.database import prepare
from samia_schema.engines import embedded_postgres
from samia_schema.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent


def warm_runs(dsn: str, runs: int) -> list[float]:
    ws = load_workspace(REPO / "samia.toml", overrides={"migrations_dir": "/nonexistent"})
    matrix = ws.matrix()
    times = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        verify_matrix(conn, ws.pack, matrix, ws.settings)  # warm-up
        for _ in range(runs):
            report = verify_matrix(conn, ws.pack, matrix, ws.settings)
            assert report.passed, report.failures
            times.append(report.seconds)
        print(f"cells per run: {len(report.outcomes)}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", help="a database with the chat schema applied (default: embedded)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.db:
        times = warm_runs(args.db, args.runs)
    else:
        with embedded_postgres() as pg:
            prepare(load_workspace(REPO / "samia.toml", overrides={"migrations_dir": "/x"}), pg.dsn)
            print(f"embedded PostgreSQL {pg.version}")
            times = warm_runs(pg.dsn, args.runs)
    print(f"verify() warm, {args.runs} runs: median {statistics.median(times):.3f}s, "
          f"min {min(times):.3f}s, max {max(times):.3f}s")
    samia = shutil.which("samia") or sys.exit("samia is not on PATH")
    colds = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([samia, "verify", "--format", "json"], check=True, capture_output=True, cwd="/tmp")
        colds.append(time.monotonic() - started)
    print(f"`samia verify` cold (boot + bootstrap + apply + verify), 3 runs: median {statistics.median(colds):.2f}s, "
          f"min {min(colds):.2f}s, max {max(colds):.2f}s")


if __name__ == "__main__":
    main()
