"""Consolidation at scale: the legacy fixture generated at N messages, consolidated (database part),
with the wall time, the peak RSS of this process and the row accounting.

    python bench/consolidate/run.py --messages 100000        # ~100k legacy messages (all sources)
    python bench/consolidate/run.py --messages 1000000       # the 1M target (< 2 minutes)

The generator is tests/fixtures/legacy/seed.sql at a scale (samia.legacy_scale): one scale unit is
1,100 messages + 1,000 chat_messages + 150 voice notes. Prints one JSON line; writes nothing else.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
PER_SCALE = 1100 + 1000 + 150


def main() -> None:
    from support import NO_MIGRATIONS, workspace

    from samia_schema import api
    from samia_schema.consolidate.run import StorageOptions
    from samia_schema.db import execute_script
    from samia_schema.engines import embedded_postgres
    from samia_schema.ledger import bootstrap

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="legacy messages of every source")
    parser.add_argument("--verify", action="store_true", help="also run samia verify and the owned diff")
    args = parser.parse_args()
    scale = max(1, round(args.messages / PER_SCALE))
    fixture = REPO / "tests" / "fixtures" / "legacy"
    ws = workspace(profiles="existing", **NO_MIGRATIONS)
    with embedded_postgres() as pg, tempfile.TemporaryDirectory() as tmp:
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            bootstrap(conn)
            started = time.monotonic()
            execute_script(conn, (fixture / "schema.sql").read_text())
            conn.execute("select set_config('samia.legacy_scale', %s, false)", (str(scale),))
            execute_script(conn, (fixture / "seed.sql").read_text())
            generated = time.monotonic() - started
        steps: list[tuple[str, float]] = []
        t0 = time.monotonic()

        def progress(step: str, done: int, total: int | None) -> None:
            if not steps or steps[-1][0] != step:
                steps.append((step, round(time.monotonic() - t0, 2)))
                print(f"  {steps[-1][1]:7.2f}s {step}", file=sys.stderr)

        report = api.consolidate(ws, pg.dsn, backup_dir=Path(tmp) / "backup", storage=StorageOptions(skip=True),
                                 prove=args.verify, progress=progress)
        seconds = time.monotonic() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"legacy_messages": scale * PER_SCALE, "scale": scale, "generate_s": round(generated, 1),
                      "consolidate_s": round(seconds, 1), "peak_rss_mb": round(rss_mb, 1),
                      "balanced": report.balanced, "checksums_kept": report.checksums_kept,
                      "proven": report.proven if args.verify else None,
                      "tables": {a.table: [a.found, a.migrated, a.skipped] for a in report.accounts},
                      "steps": steps}))


if __name__ == "__main__":
    main()
