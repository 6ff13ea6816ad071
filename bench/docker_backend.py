"""Docker backend timings: container start, chat schema preparation, stop (embedded for reference).

    bash ci/docker-up.sh && . /tmp/samia-docker/env
    python bench/docker_backend.py [--runs 3] [--image samia/postgres:15-local]

Prints one line per run and the medians. Needs a Docker daemon (exits 1 with a message otherwise).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from samia_schema.backends import Server, create_database
from samia_schema.config import find_config
from samia_schema.containers import configured_image, docker_available, running_postgres
from samia_schema.database import prepare
from samia_schema.engines import embedded_postgres
from samia_schema.workspace import load_workspace


def _time_backend(kind: str, image: str | None) -> tuple[float, float, float]:
    ws = load_workspace(find_config(Path.cwd()), overrides={"migrations_dir": "/nonexistent"})
    t0 = time.perf_counter()
    if kind == "docker":
        ctx = running_postgres(image)
        pg = ctx.__enter__()
        dsn = pg.dsn
    else:
        ctx = embedded_postgres()
        dsn = ctx.__enter__().dsn
    started = time.perf_counter() - t0
    t1 = time.perf_counter()
    db = create_database(Server(kind, dsn, ""), "samia_bench_chat")
    prepare(ws, db)
    prepared = time.perf_counter() - t1
    t2 = time.perf_counter()
    ctx.__exit__(None, None, None)
    return started, prepared, time.perf_counter() - t2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--image", default=None, help="default: $SAMIA_TEST_IMAGE or the supabase image")
    args = parser.parse_args()
    if not docker_available():
        print("no Docker daemon answers (bash ci/docker-up.sh)", file=sys.stderr)
        return 1
    image = args.image or configured_image()
    for kind in ("docker", "embedded"):
        rows = [_time_backend(kind, image) for _ in range(args.runs)]
        for i, (start, prep, stop) in enumerate(rows, 1):
            print(f"{kind:8} run {i}: start {start:6.2f} s  chat db {prep:5.2f} s  stop {stop:5.2f} s")
        med = [statistics.median(col) for col in zip(*rows, strict=True)]
        label = image if kind == "docker" else "pgserver"
        print(f"{kind:8} median: start {med[0]:6.2f} s  chat db {med[1]:5.2f} s  stop {med[2]:5.2f} s"
              f"  ({label})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
