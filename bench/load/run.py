"""Concurrency benchmark: the chat hot paths as many clients send them, ours vs floor, with pgbench.

    python bench/load/run.py [--scale 1m] [--clients 16,64] [--seconds 20] [--db URL]

Each simulated client is a signed-in user (from a pool of clients that have sessions) sending the
app's mix — message pages, unread counts, session lists, sends and mark-read — exactly as PostgREST
runs them (a transaction: role + JWT claims + request headers with set_config, then the query).
"ours" runs them as `authenticated` under RLS; "floor" runs the same work as `service_role` with the
access rule written out as a plain filter (bench/rls/hotpaths.py defines both). pgbench drives the
clients (C, one connection each, no Python in the loop); per-transaction logs give p50/p95/p99.
Rounds alternate ours/floor to cancel drift. Targets: throughput ratio ours/floor >= 0.8 and
p95 ratio <= 1.5 at every client count. Loopback only (a unix socket), bounded by --seconds.
Writes bench/results/load-report.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "bench" / "rls"), str(ROOT / "bench")]

import hotpaths as hp  # noqa: E402
from machine import stop_on_sigterm  # noqa: E402
from psycopg.conninfo import conninfo_to_dict  # noqa: E402
from seeding import seed, sizes  # noqa: E402

from samia_schema.database import prepare, scratch_database  # noqa: E402
from samia_schema.db import connect, redact_dsn  # noqa: E402
from samia_schema.engines import embedded_postgres  # noqa: E402
from samia_schema.workspace import load_workspace  # noqa: E402

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
# the mix a chat client sends: mostly reads of the open session, some lists, a few writes
MIX = {"page": ("2", 40), "unread": ("3", 20), "sessions": ("1", 15), "send": ("8", 15), "mark_read": (None, 10)}
PGBENCH = [p for p in (shutil.which("pgbench"), "/usr/lib/postgresql/15/bin/pgbench") if p and Path(p).exists()]
HEADERS = '{"x-forwarded-for": "198.51.100.7", "cf-connecting-ip": "198.51.100.7", "user-agent": "bench-load"}'


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _pgbench_sql(text: str) -> str:
    """psycopg's %(name)s placeholders as pgbench variables, quoted (pgbench substitutes text)."""
    return re.sub(r"%\((\w+)\)s", r"':\1'", text).replace("%%", "%")


def _impersonate(role: str) -> str:
    claims = f"'{{\"sub\": \":uid\", \"role\": \"{role}\", \"aud\": \"authenticated\"}}'"
    return (f"select set_config('role', '{role}', true), set_config('request.jwt.claims', {claims}, true),"
            f" set_config('request.jwt.claim.sub', ':uid', true), set_config('request.jwt.claim.role', '{role}', true),"
            f" set_config('request.headers', '{HEADERS}', true);")


def scripts(policy_set: str, folder: Path) -> list[str]:
    """One pgbench script per kind of request, weighted by MIX; returns `-f file@weight` arguments."""
    by_key = {p.key: p for p in hp.HOT_PATHS}
    role = "authenticated" if policy_set == "ours" else "service_role"
    args = []
    for name, (key, weight) in MIX.items():
        if key is not None:
            query = _pgbench_sql(by_key[key].text_for(policy_set))
        elif policy_set == "ours":
            query = "select public.mark_session_read(':sid'::uuid)"
        else:  # the floor of mark-read: the same RPC (it is security definer already), as the bypass role
            query = "select public.mark_session_read(':sid'::uuid)"
        body = (f"\\set n random(1, :personas)\n"
                f"select uid, sid, cursor_ts, cursor_id, my_sids from bench_load_personas where n = :n \\gset\n"
                f"begin;\n{_impersonate(role)}\n{query};\ncommit;\n")
        path = folder / f"{policy_set}_{name}.sql"
        path.write_text(body)
        args += ["-f", f"{path}@{weight}"]
    return args


def personas(conn: Any, count: int) -> int:
    """A pool of clients that have sessions, with what the app knows of each (its ids, a cursor)."""
    conn.execute("drop table if exists public.bench_load_personas")
    for statement in (HERE / "personas.sql").read_text().split(";\n"):
        if statement.strip() and not all(line.startswith("--") for line in statement.strip().splitlines()):
            conn.execute(statement.encode(), {"count": count} if "%(count)s" in statement else None)  # type: ignore[call-overload]
    row = conn.execute("select count(*) from public.bench_load_personas").fetchone()
    conn.execute("grant select on public.bench_load_personas to authenticated, service_role")
    return int(row[0]) if row else 0


def run_pgbench(dsn: str, policy_set: str, clients: int, seconds: int, folder: Path, pool: int) -> dict[str, Any]:
    params = conninfo_to_dict(dsn)
    prefix = folder / f"log_{policy_set}_{clients}_{time.time_ns()}"
    command = [PGBENCH[0], "-n", "-M", "simple", "-c", str(clients), "-j", str(min(clients, 4)),
               "-T", str(seconds), "-D", f"personas={pool}", "-l", "--log-prefix", str(prefix),
               "-h", str(params.get("host")), "-p", str(params.get("port", "5432")), "-U", str(params.get("user")),
               *scripts(policy_set, folder), str(params.get("dbname"))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
        raise RuntimeError(f"pgbench failed: {' | '.join(errors[:3]) or done.stderr.strip()[-300:]}")
    latencies = []
    for path in folder.glob(prefix.name + "*"):
        for line in path.read_text().splitlines():
            fields = line.split()
            latencies.append(int(fields[2]) / 1000.0)  # microseconds -> ms
        path.unlink()
    failed = int(m.group(1)) if (m := re.search(r"number of failed transactions: (\d+)", done.stdout)) else 0
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {"transactions": len(latencies), "tps": len(latencies) / seconds, "failed": failed,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": latencies[-1] if latencies else 0.0}


def measure(dsn: str, clients: list[int], seconds: int, rounds: int, pool: int) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="samia-load-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o777)
        for n in clients:
            runs: dict[str, list[dict[str, Any]]] = {"ours": [], "floor": []}
            for r in range(rounds):
                for policy_set in (("ours", "floor") if r % 2 == 0 else ("floor", "ours")):
                    log(f"{n} clients, {policy_set}, round {r + 1}/{rounds}, {seconds}s")
                    runs[policy_set].append(run_pgbench(dsn, policy_set, n, seconds, folder, pool))
            merged = {k: _merge(v) for k, v in runs.items()}
            results.append({"clients": n, **merged,
                            "tps_ratio": merged["ours"]["tps"] / merged["floor"]["tps"],
                            "p95_ratio": merged["ours"]["p95_ms"] / merged["floor"]["p95_ms"]})
    return results


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    merged = {key: statistics.median(r[key] for r in runs) for key in ("tps", "p50_ms", "p95_ms", "p99_ms")}
    return {**merged, "max_ms": max(r["max_ms"] for r in runs), "failed": sum(r["failed"] for r in runs),
            "transactions": sum(r["transactions"] for r in runs)}


def write_report(out: Path, data: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    js, md = out / "load-report.json", out / "load-report.md"
    js.write_text(json.dumps(data, indent=2) + "\n")
    m = data["machine"]
    lines = [f"# Load benchmark: {data['messages']:,} messages, ours vs floor under concurrency", "",
             f"- machine: {m['nproc']} cores, {m['memory_mb']} MB, {m['postgres']}; pgbench from {m['pgbench']}",
             f"- command: `{data['command']}`; {data['seconds']} s per run, {data['rounds']} alternating rounds"
             " (medians); mix: " + ", ".join(f"{k} {w}%" for k, (_, w) in MIX.items()),
             f"- a pool of {data['personas']} signed-in clients; ours = `authenticated` under RLS as PostgREST"
             " sends it; floor = `service_role` with the rule as an explicit filter", "",
             "| clients | ours tps | floor tps | tps ratio (≥ 0.8) | ours p95 ms | floor p95 ms | p95 ratio (≤ 1.5) |"
             " ours p99 ms | failed |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["results"]:
        o, f = r["ours"], r["floor"]
        lines.append(f"| {r['clients']} | {o['tps']:.0f} | {f['tps']:.0f} | {r['tps_ratio']:.2f} | {o['p95_ms']:.2f} |"
                     f" {f['p95_ms']:.2f} | {r['p95_ratio']:.2f} | {o['p99_ms']:.2f} | {o['failed'] + f['failed']} |")
    holds = all(r["tps_ratio"] >= 0.8 and r["p95_ratio"] <= 1.5 for r in data["results"])
    lines += ["", f"**targets {'hold' if holds else 'do NOT hold'}** at every client count."]
    md.write_text("\n".join(lines) + "\n")
    written = [md, js]
    try:
        _chart(data, out / "load-chart.png")
        written.append(out / "load-chart.png")
    except ImportError:
        log("matplotlib is not installed (pip install -e '.[bench]'): no chart")
    return written


def _chart(data: dict[str, Any], target: Path) -> None:
    """Throughput and p95 per client count, ours next to floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = data["results"]
    xs = range(len(results))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, key, title in ((axes[0], "tps", "transactions/s (higher is better)"),
                           (axes[1], "p95_ms", "p95 latency, ms (lower is better)")):
        ax.bar([x - 0.2 for x in xs], [r["ours"][key] for r in results], 0.4, label="ours (RLS)")
        ax.bar([x + 0.2 for x in xs], [r["floor"][key] for r in results], 0.4, label="floor")
        ax.set_xticks(list(xs), [f"{r['clients']} clients" for r in results])
        ax.set_title(title)
        ax.legend(loc="lower center")
    fig.suptitle(f"hot-path mix at {data['messages']:,} messages (pgbench, {data['seconds']} s runs)")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1m", choices=sorted(SCALES))
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--personas", type=int, default=2000)
    parser.add_argument("--db", help="a server to create the bench database on (default: embedded)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    stop_on_sigterm()
    if not PGBENCH:
        parser.error("pgbench not found (Debian: apt-get install postgresql-15)")
    clients = [int(c) for c in args.clients.split(",")]
    ws = load_workspace(ROOT / "samia.toml", overrides={"migrations_dir": "/nonexistent-samia-bench"})

    def go(dsn: str) -> int:
        log(f"server {redact_dsn(dsn)}: schema, then seeding {SCALES[args.scale]:,} messages")
        prepare(ws, dsn)
        with connect(dsn) as conn:
            seed(conn, sizes(SCALES[args.scale]))
        with connect(dsn, autocommit=True) as conn:
            pool = personas(conn, args.personas)
            version = str(conn.execute("select version()").fetchone()[0]).split(" on ")[0]  # type: ignore[index]
        results = measure(dsn, clients, args.seconds, args.rounds, pool)
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        machine = {"nproc": os.cpu_count(), "memory_mb": memory_mb,
                   "postgres": version, "pgbench": Path(PGBENCH[0]).name, "python": platform.python_version()}
        data = {"messages": SCALES[args.scale], "seconds": args.seconds, "rounds": args.rounds, "personas": pool,
                "machine": machine, "results": results, "generated_at": datetime.now().astimezone().isoformat(),
                "command": "python bench/load/run.py " + " ".join(argv or sys.argv[1:])}
        for path in write_report(Path(args.out), data):
            log(f"wrote {path}")
        return 0

    settings = {"max_connections": str(max(clients) + 20), "shared_buffers": "512MB"}
    if args.db:
        with scratch_database(args.db, "samia_bench_load") as dsn:
            return go(dsn)
    with embedded_postgres(settings=settings) as pg:
        return go(pg.dsn)


if __name__ == "__main__":
    raise SystemExit(main())
