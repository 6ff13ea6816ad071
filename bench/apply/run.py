"""Apply benchmark: what concurrent senders feel while `samia apply` changes a busy chat_messages.

    python bench/apply/run.py [--messages 1000000] [--writers 4] [--rounds 1] [--db URL] [--out bench/results]

Seeds the chat schema with --messages messages (bench/rls/seeding.py), then, while --writers
clients keep sending messages as the app does through PostgREST (a transaction: role
`authenticated` + JWT claims + request headers with set_config, then `insert … returning`), applies
a changed index unit (030_indexes + one new index on chat_messages) and a new constraint (020_tables
+ one CHECK on chat_messages), once on the one-transaction path (`--one-transaction`, as `supabase
db push` runs it) and once online (the default). The change is undone between the two (the order
alternates per round). Reports each path's apply time and the senders' latency while it ran: p50,
p99 and the max stall (targets for the online path: p99 <= 100 ms, max <= 250 ms), next to the
senders' latency before it. Writes apply-report.md, apply-report.json and apply-stalls.png
(matplotlib: pip install -e '.[bench]') in --out, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "bench" / "rls"), str(ROOT / "bench")]

from machine import machine, peak_rss_mb, stop_on_sigterm, tune  # noqa: E402
from psycopg import sql  # noqa: E402
from seeding import seed, sizes  # noqa: E402

from samia_schema.database import prepare, scratch_database  # noqa: E402
from samia_schema.db import connect, redact_dsn, set_request  # noqa: E402
from samia_schema.engines import embedded_postgres  # noqa: E402
from samia_schema.ledger import apply_plan  # noqa: E402
from samia_schema.units import Plan  # noqa: E402
from samia_schema.workspace import Workspace, load_workspace  # noqa: E402

TARGET_P99_MS, TARGET_MAX_MS = 100.0, 250.0
PATHS = ("one-transaction", "online")
HEADERS = {"x-forwarded-for": "198.51.100.7", "user-agent": "bench-apply"}
SEND = ("insert into public.chat_messages (session_id, sender_id, content) values (%s, %s, %s)"
        " returning id, created_at")


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def change(plan: Plan, tag: str) -> Plan:
    """The bundled plan with one new index (030_indexes) and one new CHECK (020_tables) on chat_messages."""
    extra = {"030_indexes": f"\ncreate index if not exists chat_messages_bench_{tag}_idx"
                            " on public.chat_messages (sender_id, created_at desc);\n",
             "020_tables": f"\nalter table public.chat_messages add constraint chat_messages_bench_{tag}_check"
                           " check (char_length(content) < 20000);\n"}
    return Plan(tuple(replace(u, sql=u.sql + extra[u.name]) if u.name in extra else u for u in plan.units))


def undo(dsn: str, tag: str) -> None:
    """Drop what `change` added, so that the next path starts from the same state."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop index concurrently if exists {}").format(
            sql.Identifier("public", f"chat_messages_bench_{tag}_idx")))
        conn.execute(sql.SQL("alter table public.chat_messages drop constraint if exists {}").format(
            sql.Identifier(f"chat_messages_bench_{tag}_check")))


class Writers:
    """--writers clients sending messages in their own sessions; every send's (start, ms) is kept."""

    def __init__(self, dsn: str, count: int, pause: float) -> None:
        with connect(dsn) as conn:
            self.senders = conn.execute(
                "select s.id, s.participants[1] from public.chat_sessions s where s.status = 'active'"
                " order by s.id limit %s", (count,)).fetchall()
        self.dsn, self.pause = dsn, pause
        self.samples: list[tuple[float, float]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(s,), daemon=True) for s in self.senders]

    def run(self, sender: tuple[Any, Any]) -> None:
        session, uid = sender
        claims = {"sub": str(uid), "role": "authenticated", "aud": "authenticated"}
        with connect(self.dsn, autocommit=True) as conn:
            conn.execute("set lock_timeout = '30s'")
            n = 0
            while not self.stop.is_set():
                n += 1
                started = time.perf_counter()
                try:
                    with conn.transaction():
                        set_request(conn, "authenticated", claims, HEADERS, path="/rest/v1/chat_messages")
                        conn.execute(SEND, (session, uid, f"bench message {n}")).fetchone()
                except Exception as exc:  # noqa: BLE001 - a failed send is a result, counted
                    self.errors.append(str(exc).splitlines()[0])
                self.samples.append((time.monotonic(), (time.perf_counter() - started) * 1000))
                time.sleep(self.pause)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of the sends that were in flight at some moment of [start, end]."""
        return [ms for t, ms in list(self.samples) if t - ms / 1000 <= end and t >= start]


def _stats(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"sends": 0}
    ordered = sorted(samples)
    return {"sends": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            "max_ms": round(ordered[-1], 2), "over_250ms": sum(1 for v in ordered if v > TARGET_MAX_MS)}


def one_path(dsn: str, ws: Workspace, path: str, writers: int, pause: float, warm: float) -> dict[str, Any]:
    """Writers before (baseline) and during the apply of the change on one path."""
    tag = path.replace("-", "_")
    plan = change(ws.plan, tag)
    with Writers(dsn, writers, pause) as w:
        time.sleep(warm)
        started = time.monotonic()
        with connect(dsn, autocommit=True) as conn:
            result = apply_plan(conn, plan, ws.settings, online=path == "online")
        ended = time.monotonic()
        time.sleep(min(warm, 1.0))
    baseline = [ms for t, ms in w.samples if t < started]
    during = w.between(started, ended)
    steps = [{"step": s.step.label, "outcome": s.outcome, "attempts": s.attempts, "seconds": round(s.seconds, 3)}
             for s in result.steps]
    timeline = [(round(t - started, 4), round(ms, 3)) for t, ms in w.samples]
    log(f"  {path}: apply {ended - started:.2f}s ({len(steps)} online steps, {result.attempts} attempt(s));"
        f" senders during: {_stats(during)}")
    return {"path": path, "apply_seconds": round(ended - started, 3), "applied": list(result.applied),
            "attempts": result.attempts, "steps": steps, "baseline": _stats(baseline), "during": _stats(during),
            "errors": w.errors[:5], "timeline": timeline}


def write_report(out: Path, data: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    js, md, png = out / "apply-report.json", out / "apply-report.md", out / "apply-stalls.png"
    js.write_text(json.dumps(data, indent=2) + "\n")
    m = data["machine"]
    lines = [f"# Apply benchmark: a changed index unit and a new constraint on {data['messages']:,} messages",
             "", f"- machine: {m['cpu']}, {m['nproc']} cores, {m['memory_mb']} MB; {m['postgres'].split(',')[0]}",
             f"- command: `{data['command']}`; {data['writers']} senders (PostgREST-style transactions as"
             f" `authenticated`), {data['pause_ms']} ms between sends; peak RSS: harness"
             f" {data['memory_mb']['harness']} MB, largest postgres process {data['memory_mb']['largest_postgres']} MB",
             "", "| round | path | apply s | online steps | senders before: p99 / max ms |"
             " during the apply: sends | p50 ms | p99 ms (≤ 100) | max stall ms (≤ 250) | sends > 250 ms |",
             "|---:|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in data["runs"]:
        b, d = r["baseline"], r["during"]
        lines.append(f"| {r['round']} | {r['path']} | {r['apply_seconds']:.2f} | {len(r['steps'])} |"
                     f" {b.get('p99_ms', '-')} / {b.get('max_ms', '-')} | {d['sends']} | {d.get('p50_ms', '-')} |"
                     f" {d.get('p99_ms', '-')} | {d.get('max_ms', '-')} | {d.get('over_250ms', '-')} |")
    online = [r["during"] for r in data["runs"] if r["path"] == "online" and r["during"]["sends"]]
    holds = bool(online) and all(d["p99_ms"] <= TARGET_P99_MS and d["max_ms"] <= TARGET_MAX_MS for d in online)
    lines += ["", f"**online path targets {'hold' if holds else 'do NOT hold'}** (p99 ≤ {TARGET_P99_MS:.0f} ms,"
              f" max ≤ {TARGET_MAX_MS:.0f} ms while the apply runs)."]
    md.write_text("\n".join(lines) + "\n")
    written = [md, js]
    try:
        _chart(data, png)
        written.append(png)
    except ImportError:
        log("matplotlib is not installed (pip install -e '.[bench]'): no chart")
    return written


def _chart(data: dict[str, Any], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [r for r in data["runs"] if r["round"] == 1]
    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 3.2 * len(runs)), sharey=True, squeeze=False)
    for ax, r in zip(axes.flat, runs, strict=False):
        xs, ys = zip(*r["timeline"], strict=True) if r["timeline"] else ((), ())
        ax.scatter(xs, ys, s=3)
        ax.axvspan(0, r["apply_seconds"], alpha=0.15, color="red", label="apply running")
        ax.axhline(TARGET_MAX_MS, linestyle="--", linewidth=0.8, color="gray")
        ax.set_yscale("log")
        ax.set_title(f"{r['path']}: apply {r['apply_seconds']:.2f} s, max send {r['during'].get('max_ms')} ms")
        ax.set_ylabel("send ms")
        ax.legend(loc="upper right")
    axes.flat[-1].set_xlabel("seconds from the start of the apply")
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--writers", type=int, default=4, help="concurrent senders")
    parser.add_argument("--pause-ms", type=float, default=5.0, help="think time between a sender's messages")
    parser.add_argument("--warm", type=float, default=2.0, help="seconds of sending before each apply")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both paths (the order alternates)")
    parser.add_argument("--db", help="a server to create the bench database on (default: embedded)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    stop_on_sigterm()
    ws = load_workspace(ROOT / "samia.toml", overrides={"migrations_dir": "/nonexistent-samia-bench"})

    def go(dsn: str) -> int:
        log(f"server {redact_dsn(dsn)}: schema, then seeding {args.messages:,} messages")
        prepare(ws, dsn)
        started = time.monotonic()
        with connect(dsn) as conn:
            seed(conn, sizes(args.messages))
        seconds = time.monotonic() - started
        log(f"seeded in {seconds:.1f}s")
        with connect(dsn, autocommit=True) as conn:
            info = machine(conn)
        runs = []
        for n in range(args.rounds):
            for path in PATHS if n % 2 == 0 else tuple(reversed(PATHS)):
                log(f"round {n + 1}: {path}")
                run = one_path(dsn, ws, path, args.writers, args.pause_ms / 1000, args.warm)
                runs.append({"round": n + 1, **run})
                undo(dsn, path.replace("-", "_"))
                with connect(dsn, autocommit=True) as conn:  # back to the bundled plan (re-records 020/030)
                    apply_plan(conn, ws.plan, ws.settings)
        data = {"messages": args.messages, "writers": args.writers, "pause_ms": args.pause_ms,
                "seed_seconds": round(seconds, 1), "machine": info, "runs": runs, "memory_mb": peak_rss_mb(),
                "generated_at": datetime.now().astimezone().isoformat(),
                "command": "python bench/apply/run.py " + " ".join(argv or sys.argv[1:])}
        for path in write_report(Path(args.out), data):
            log(f"wrote {path}")
        return 0

    if args.db:
        with scratch_database(args.db, "samia_bench_apply") as dsn:
            return go(dsn)
    with embedded_postgres(settings={"max_connections": str(args.writers + 20)}) as pg:
        tune(pg.dsn)
        return go(pg.dsn)


if __name__ == "__main__":
    raise SystemExit(main())
