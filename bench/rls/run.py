"""RLS benchmark: the chat hot paths under our policies, the naive pattern and the bypass floor.

    python bench/rls/run.py --scale 10k,100k,1m [--db URL] [--runs 15] [--out bench/results]

Without --db an embedded Postgres is started (and removed). With --db, one scratch database per
scale is created on that server (and dropped unless --keep). Results: rls-report.md, .json and
rls-latency.png in --out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hotpaths as hp  # noqa: E402
import report  # noqa: E402
import seeding  # noqa: E402
from machine import machine, peak_rss_mb, stop_on_sigterm, tune  # noqa: E402

from samia_schema.db import connect, redact_dsn  # noqa: E402
from samia_schema.engines import embedded_postgres  # noqa: E402
from samia_schema.ledger import apply_plan as apply  # noqa: E402
from samia_schema.units import Plan  # noqa: E402
from samia_schema.workspace import Workspace, load_workspace  # noqa: E402

POLICY_SETS = ("ours", "naive", "floor", "bare")
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed(dsn: str, messages: int) -> dict[str, Any]:
    """Bulk-load one scale and print each step; the seed time excludes VACUUM ANALYZE."""
    n = seeding.sizes(messages)

    def progress(name: str, rows: int, seconds: float) -> None:
        log(f"  seed {name:<40} {rows if rows >= 0 else '':>9} rows  {seconds:6.1f}s")

    with connect(dsn) as conn:
        timings = seeding.seed(conn, n, progress)
    load = sum(v for k, v in timings.items() if k != "vacuum analyze")
    log(f"  seeded {messages:,} messages in {load:.1f}s (+{timings['vacuum analyze']:.1f}s vacuum analyze)")
    return {"sizes": n, "load_seconds": round(load, 2), "total_seconds": round(sum(timings.values()), 2),
            "steps": {k: round(v, 2) for k, v in timings.items()}}


def time_query(conn: psycopg.Connection[Any], policy_set: str, path: hp.HotPath,
               world: hp.World, since: datetime, rpcs: frozenset[str]) -> tuple[float, int]:
    """One run, in its own rolled-back impersonated transaction: (ms, rows)."""
    text = path.text_for(policy_set, path.rpc in rpcs).encode()
    with hp.request(conn, policy_set, path, world, world.params(path.persona, since)) as (c, params):
        t = time.perf_counter()
        cur = c.execute(text, params)  # type: ignore[call-overload]
        rows = len(cur.fetchall())
        return (time.perf_counter() - t) * 1000, rows


def _summary(samples: list[float], rows: int) -> dict[str, Any]:
    q = statistics.quantiles(samples, n=4) if len(samples) >= 2 else [samples[0]] * 3
    return {"median_ms": round(statistics.median(samples), 3), "min_ms": round(min(samples), 3),
            "max_ms": round(max(samples), 3), "p25_ms": round(q[0], 3), "p75_ms": round(q[2], 3),
            "runs": len(samples), "rows": rows}


def measure(conn: psycopg.Connection[Any], policy_sets: tuple[str, ...], world: hp.World,
            since: datetime, runs: int, warmup: int, rpcs: frozenset[str]) -> dict[str, dict[str, Any]]:
    """Warm up, then time each path `runs` times per set, the sets interleaved run by run (so that
    load from other processes on the machine hits every set alike)."""
    results: dict[str, dict[str, Any]] = {name: {} for name in policy_sets}
    for path in hp.HOT_PATHS:
        samples: dict[str, list[float]] = {name: [] for name in policy_sets}
        rows: dict[str, int] = {}
        for name in policy_sets:
            for _ in range(warmup):
                time_query(conn, name, path, world, since, rpcs)
        for _ in range(runs):
            for name in policy_sets:
                ms, rows[name] = time_query(conn, name, path, world, since, rpcs)
                samples[name].append(ms)
        for name in policy_sets:
            r = results[name][path.key] = _summary(samples[name], rows[name])
            log(f"    {path.key:<3} {name:<5} median {r['median_ms']:9.3f} ms"
                f"  [{r['min_ms']:.3f} .. {r['max_ms']:.3f}]  rows {r['rows']}")
    return results


def broadcast_cost(conn: psycopg.Connection[Any], world: hp.World, since: datetime, runs: int, warmup: int,
                   rpcs: frozenset[str], blocks: int = 3) -> dict[str, Any]:
    """What broadcasting a new message adds to the send path (8): ours with and without the broadcast
    trigger (disabled in a rolled-back transaction), in alternating blocks of `runs` runs each."""
    path = next(p for p in hp.HOT_PATHS if p.key == "8")
    samples: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(blocks):
        for label in samples:
            with conn.transaction(force_rollback=True):
                if label == "without":
                    conn.execute(hp.WITHOUT_BROADCAST)
                for _ in range(warmup):
                    time_query(conn, "ours", path, world, since, rpcs)
                samples[label] += [time_query(conn, "ours", path, world, since, rpcs)[0] for _ in range(runs)]
    with_ms, without_ms = (statistics.median(samples[k]) for k in ("with", "without"))
    return {"with_ms": round(with_ms, 3), "without_ms": round(without_ms, 3),
            "added_ms": round(with_ms - without_ms, 3), "runs": len(samples["with"])}


def explain_ours(conn: psycopg.Connection[Any], world: hp.World, since: datetime,
                 rpcs: frozenset[str]) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of ours per path, plus the index/seq-scan verdict (JSON plan).

    For an RPC, the plan of its body's query (run as the definer would) is shown too: a function
    scan hides it.
    """
    plans: dict[str, Any] = {}
    for path in hp.HOT_PATHS:
        params = world.params(path.persona, since)
        text = path.text_for("ours", path.rpc in rpcs)
        with hp.request(conn, "ours", path, world, params) as (c, run_params):
            analyzed = c.execute(("explain (analyze, buffers) " + text).encode(), run_params)  # type: ignore[call-overload]
            lines = [r[0] for r in analyzed.fetchall()]
        with hp.request(conn, "ours", path, world, params) as (c, run_params):
            plan = hp.plan_json(c, text, run_params)
        entry: dict[str, Any] = {"query": text, "plan": lines}
        checked = plan
        if path.rpc_sql and path.rpc in rpcs:
            body = path.floor_sql
            with hp.as_persona(conn, "floor", world.persona_id(path.persona)) as c:
                body_lines = [r[0] for r in c.execute(("explain (analyze, buffers) " + body).encode(),  # type: ignore[call-overload]
                                                      params).fetchall()]
                checked = hp.plan_json(c, body, params)
            entry["rpc_body_query"] = body
            entry["rpc_body_plan"] = body_lines
        entry["seq_scans"] = hp.seq_scans_of_watched(checked)
        entry["index_on"] = sorted({rel for node, rel in hp.scans(checked)
                                    if "Index" in node or "Bitmap" in node})
        entry["scans"] = [f"{node} on {rel}" for node, rel in hp.scans(checked)]
        plans[path.key] = entry
    return plans


@contextmanager
def naive_policies(conn: psycopg.Connection[Any]) -> Iterator[float]:
    """Swap in the naive policy set inside a transaction; rolled back (ours restored) on exit."""
    with conn.transaction(force_rollback=True):
        t = time.monotonic()
        conn.execute((hp.SQL_DIR / "naive_policies.sql").read_text().encode())  # type: ignore[call-overload]
        yield time.monotonic() - t


def apply_checks(dsn: str, ws: Workspace, bundled: bool) -> dict[str, Any]:
    """No-op apply (library and CLI) and the reader stall while a changed policy unit is applied."""
    plan, settings = ws.plan, ws.settings
    out: dict[str, Any] = {}
    with connect(dsn, autocommit=True) as conn:
        t = time.monotonic()
        result = apply(conn, plan, settings)
        out["noop_apply_library_s"] = round(time.monotonic() - t, 3)
        out["noop_applied_units"] = list(result.applied)
    if bundled:
        env = {**os.environ, "SAMIA_MIGRATIONS_DIR": "/nonexistent-samia-bench"}
        if ws.settings.source and ws.settings.source.endswith(".toml"):
            env["SAMIA_CONFIG"] = ws.settings.source  # the benchmarked config (--config), not ./samia.toml
        t = time.monotonic()
        proc = subprocess.run(["samia", "apply", "--db", dsn], capture_output=True, text=True, env=env,
                              check=False)
        out["noop_apply_cli_s"] = round(time.monotonic() - t, 3)
        out["noop_apply_cli_exit"] = proc.returncode
    else:  # the CLI renders the bundled templates: it would apply them, not measure a no-op
        out["noop_apply_cli_s"], out["noop_apply_cli_exit"] = None, None
    # a changed policy unit (070_rls) applied while a reader keeps reading chat_messages
    changed = Plan(tuple(replace(u, sql=u.sql + f"\n-- bench change {time.time_ns()}\n")
                         if u.name == "070_rls" else u for u in plan.units))
    stalls: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        with connect(dsn, autocommit=True) as rconn:
            while not stop.is_set():
                t0 = time.perf_counter()
                rconn.execute("select count(*) from (select 1 from public.chat_messages"
                              " order by created_at desc limit 50) x")
                stalls.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.002)

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.3)
    baseline = len(stalls)
    with connect(dsn, autocommit=True) as conn:
        t = time.monotonic()
        result = apply(conn, changed, settings)
        out["policy_change_apply_s"] = round(time.monotonic() - t, 3)
        out["policy_change_applied_units"] = list(result.applied)
    time.sleep(0.3)
    stop.set()
    thread.join()
    out["reader_max_ms_before"] = round(max(stalls[:baseline] or [0.0]), 3)
    out["reader_max_ms_during"] = round(max(stalls[baseline:] or [0.0]), 3)
    return out


def run_scale(server_dsn: str, label: str, messages: int, args: argparse.Namespace,
              ws: Workspace) -> dict[str, Any]:
    name = f"samia_bench_{label}"
    with connect(server_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    dsn = make_conninfo(server_dsn, dbname=name)
    try:
        log(f"scale {label}: schema")
        with connect(dsn, autocommit=True) as conn:
            apply(conn, ws.plan, ws.settings)
        log(f"scale {label}: seeding {messages:,} messages")
        seeded = seed(dsn, messages)
        with connect(dsn) as conn:
            world = hp.find_world(conn)
            rpcs = hp.available_rpcs(conn)
            since = conn.execute("select now() - interval '7 days'").fetchone()[0]  # type: ignore[index]
            conn.rollback()
            log(f"scale {label}: client {world.client_id} with {world.n_sessions} sessions")
            conn.autocommit = False
            timings: dict[str, Any] = {}
            runs = args.runs
            log(f"scale {label}: ours, floor (service_role + the access rule as an explicit filter),"
                " bare (service_role, no rule), interleaved")
            timings.update(measure(conn, ("ours", "floor", "bare"), world, since, runs, args.warmup, rpcs))
            plans = explain_ours(conn, world, since, rpcs)
            conn.rollback()
            broadcast = broadcast_cost(conn, world, since, runs, args.warmup, rpcs)
            log(f"scale {label}: the broadcast trigger adds {broadcast['added_ms']:.3f} ms to path 8"
                f" ({broadcast['with_ms']:.3f} ms with, {broadcast['without_ms']:.3f} ms without)")
            conn.rollback()
            with naive_policies(conn) as swap_s:
                log(f"scale {label}: naive (policies swapped in {swap_s * 1000:.0f} ms, rolled back after)")
                timings.update(measure(conn, ("naive",), world, since, max(5, runs // 2),
                                       min(args.warmup, 1), rpcs))
            conn.rollback()
        log(f"scale {label}: apply checks")
        checks = apply_checks(dsn, ws, args.templates is None)
        log(f"  no-op apply {checks['noop_apply_library_s']}s (CLI {checks['noop_apply_cli_s']}s);"
            f" policy change {checks['policy_change_apply_s']}s, reader max"
            f" {checks['reader_max_ms_during']} ms (before {checks['reader_max_ms_before']} ms)")
        return {"label": label, "messages": messages, "seed": seeded, "timings": timings, "plans": plans,
                "apply": checks, "world": {"client_sessions": world.n_sessions}, "rpcs": sorted(rpcs),
                "broadcast": broadcast, "memory_mb": peak_rss_mb()}
    finally:
        if not args.keep:
            with connect(server_dsn, autocommit=True) as admin:
                admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="10k,100k,1m", help="comma list of 10k, 100k, 1m, 10m")
    parser.add_argument("--db", help="server DSN (scratch databases are created there); default: embedded")
    parser.add_argument("--runs", type=int, default=21, help="timed runs per query (naive: half)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "results"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--config", help="samia.toml (default: the repository's)")
    parser.add_argument("--templates", help="bench another template set (e.g. an older checkout's)")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    labels = [s.strip().lower() for s in args.scale.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale {', '.join(unknown)} (choose from {', '.join(SCALES)})")
    root = Path(__file__).resolve().parents[2]
    ws = load_workspace(Path(args.config) if args.config else root / "samia.toml",
                        templates=(str(Path(args.templates).resolve()),) if args.templates else None,
                        overrides={"migrations_dir": "/nonexistent-samia-bench"})
    templates = args.templates or "templates/ (bundled)"

    def go(server_dsn: str, embedded: bool) -> int:
        if embedded:
            tune(server_dsn)
        with connect(server_dsn, autocommit=True) as conn:
            info = machine(conn)
        log(f"server {redact_dsn(server_dsn)}: {info['postgres'].split(',')[0]}; {info['nproc']} cpus,"
            f" {info['memory_mb']} MB")
        scales = [run_scale(server_dsn, label, SCALES[label], args, ws) for label in labels]
        written = report.write(Path(args.out), {"machine": info, "scales": scales,
                                                "generated_at": datetime.now().astimezone().isoformat(),
                                                "templates": templates,
                                                "command": "python bench/rls/run.py "
                                                + " ".join(argv or sys.argv[1:])})
        for path in written:
            log(f"wrote {path}")
        return 0

    if args.db:
        return go(args.db, embedded=False)
    with embedded_postgres() as pg:
        return go(pg.dsn, embedded=True)



if __name__ == "__main__":
    raise SystemExit(main())
