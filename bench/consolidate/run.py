"""Consolidation at scale: the legacy fixture generated at N messages on an embedded Postgres, then
`samia consolidate` (backup, archive, migrate, checksums; storage skipped) timed step by step.

    python bench/consolidate/run.py --messages 100000                 # ~100k legacy messages (all sources)
    python bench/consolidate/run.py --messages 1000000 --out DIR      # the 1M target (< 2 minutes)
    python bench/consolidate/run.py --messages 1000000 --verify       # also samia verify and the owned diff
    python bench/consolidate/run.py --messages 100000 --restore       # then time the rollback

The generator is tests/fixtures/legacy/seed.sql at a scale (samia.legacy_scale): one scale unit is
1,100 messages + 1,000 chat_messages + 150 voice notes, with their sessions, notifications,
monitoring events, audit rows and storage objects, then vacuumed (as a long-lived database is).
Progress goes to stderr as each step starts;
the figures are printed at the end (a table, then one JSON line). With --out DIR it also writes
DIR/consolidate-<N>.md and DIR/consolidate-<N>.json. Wall times depend on the machine's load: the
CPU seconds of this process and of the Postgres server are printed too (less sensitive to it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
PER_SCALE = 1100 + 1000 + 150
TARGET_SECONDS = 120.0


def _server_cpu(pid: int) -> float:
    """CPU seconds of the postmaster and its exited children (the backends), from /proc (0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


class Steps:
    """Progress lines as steps start (stderr), and each step's duration."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.marks: list[tuple[str, float]] = []

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if self.marks and self.marks[-1][0] == step:
            return
        now = time.monotonic() - self.started
        if self.marks:
            print(f"    {now - self.marks[-1][1]:6.2f}s", file=sys.stderr)
        self.marks.append((step, now))
        print(f"  {now:7.2f}s  {step}", end="", file=sys.stderr, flush=True)

    def durations(self, end: float) -> list[tuple[str, float]]:
        ends = [t for _, t in self.marks[1:]] + [end]
        return [(name, round(stop - start, 2)) for (name, start), stop in zip(self.marks, ends, strict=True)]


def _phases(durations: list[tuple[str, float]]) -> dict[str, float]:
    """Steps summed per phase: detect, backup, migrate, accounts and checksums, storage, prove."""
    names = (("detect", "detect"), ("backup", "backup"), ("archive", "migrate"), ("apply", "migrate"),
             ("migrate", "migrate"), ("accounts", "accounts and checksums"), ("checksums", "accounts and checksums"),
             ("storage", "storage"), ("verify", "prove"), ("diff", "prove"))
    phases: dict[str, float] = {}
    for name, seconds in durations:
        phase = next((p for prefix, p in names if name.startswith(prefix)), "other")
        phases[phase] = round(phases.get(phase, 0.0) + seconds, 2)
    return phases


def _markdown(result: dict[str, Any]) -> str:
    lines = [f"# Consolidation benchmark: {result['legacy_messages']:,} legacy messages", "",
             f"{result['when']}; {result['machine']}; load average before {result['load_before']},"
             f" after {result['load_after']}; PostgreSQL {result['postgres']}", "",
             f"- consolidate: **{result['consolidate_s']} s** wall (target {TARGET_SECONDS:.0f} s at 1M);"
             f" {result['messages_per_s']:,} messages/s",
             f"- CPU: samia {result['client_cpu_s']} s, Postgres {result['server_cpu_s']} s",
             f"- peak RSS of this process: {result['peak_rss_mb']} MB (streamed: no table is held in Python)",
             f"- generating the legacy data: {result['generate_s']} s (not counted)",
             f"- every row accounted for: {result['balanced']}; archive checksums equal the backup's:"
             f" {result['checksums_kept']}" + ("" if result["proven"] is None else f"; proven: {result['proven']}"),
             ] + ([] if result["restore"] is None else [
                 f"- restore (the rollback, then every checksum against the manifest):"
                 f" {result['restore']['seconds']} s; equal: {result['restore']['checksums_equal']}"])
    lines += ["", "| phase | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in result["phases"].items()]
    lines += ["", "| step | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds} |" for name, seconds in result["steps"]]
    lines += ["", "| legacy table | found | migrated | skipped |", "|---|---:|---:|---:|"]
    lines += [f"| {t} | {f:,} | {m:,} | {s:,} |" for t, (f, m, s) in result["tables"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    from support import NO_MIGRATIONS, workspace

    from samia_schema import api
    from samia_schema.consolidate.run import StorageOptions
    from samia_schema.db import execute_script
    from samia_schema.engines import embedded_postgres
    from samia_schema.ledger import bootstrap

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="legacy messages of every source")
    parser.add_argument("--verify", action="store_true", help="also run samia verify and the owned diff")
    parser.add_argument("--restore", action="store_true", help="then time the rollback (samia restore)")
    parser.add_argument("--out", type=Path, help="write consolidate-<N>.md and .json to this directory")
    args = parser.parse_args()
    scale = max(1, round(args.messages / PER_SCALE))
    fixture = REPO / "tests" / "fixtures" / "legacy"
    ws = workspace(profiles="existing", **NO_MIGRATIONS)
    load_before = _load()
    with embedded_postgres() as pg, tempfile.TemporaryDirectory() as tmp:
        print(f"generating {scale * PER_SCALE:,} legacy messages (scale {scale}) …", file=sys.stderr, flush=True)
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            bootstrap(conn)
            started = time.monotonic()
            execute_script(conn, (fixture / "schema.sql").read_text())
            conn.execute("select set_config('samia.legacy_scale', %s, false)", (str(scale),))
            execute_script(conn, (fixture / "seed.sql").read_text())
            conn.execute("vacuum (analyze)")  # as a long-lived database is: hint bits set, no autovacuum pending
            generated = time.monotonic() - started
            version = conn.execute("show server_version").fetchone()
        print(f"  {generated:.1f}s; consolidating …", file=sys.stderr, flush=True)
        steps = Steps()
        server0, client0 = _server_cpu(pg.process_id), _self_cpu()
        report = api.consolidate(ws, pg.dsn, backup_dir=Path(tmp) / "backup", storage=StorageOptions(skip=True),
                                 prove=args.verify, progress=steps)
        seconds = time.monotonic() - steps.started
        print(f"    {seconds - steps.marks[-1][1]:6.2f}s", file=sys.stderr)
        time.sleep(0.3)  # the closed connections' backends exit: their CPU is then the postmaster's
        server_cpu, client_cpu = _server_cpu(pg.process_id) - server0, _self_cpu() - client0
        restored: dict[str, Any] | None = None
        if args.restore:
            print("restoring …", file=sys.stderr, flush=True)
            started = time.monotonic()
            back = api.restore(ws, pg.dsn, backup_dir=Path(tmp) / "backup", storage=StorageOptions(skip=True))
            restored = {"seconds": round(time.monotonic() - started, 1), "checksums_equal": not back.mismatches}
            print(f"  {restored['seconds']}s", file=sys.stderr)
    durations = steps.durations(seconds)
    result = {
        "legacy_messages": scale * PER_SCALE, "scale": scale, "generate_s": round(generated, 1),
        "consolidate_s": round(seconds, 1), "messages_per_s": round(scale * PER_SCALE / seconds),
        "client_cpu_s": round(client_cpu, 1), "server_cpu_s": round(server_cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "balanced": report.balanced, "checksums_kept": report.checksums_kept,
        "proven": report.proven if args.verify else None,
        "tables": {a.table: [a.found, a.migrated, a.skipped] for a in report.accounts},
        "phases": _phases(durations), "steps": durations, "restore": restored,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "postgres": version[0] if version else "?", "load_before": load_before, "load_after": _load(),
    }
    text = _markdown(result)
    print(text)
    print(json.dumps(result))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = args.out / f"consolidate-{scale * PER_SCALE}"
        stem.with_suffix(".md").write_text(text, encoding="utf-8")
        stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {stem}.md and {stem}.json", file=sys.stderr)


if __name__ == "__main__":
    main()
