"""Run bench/rls/sql/seed.sql: set-based bulk load with the FK/audit triggers off, then ANALYZE."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

SEED_SQL = Path(__file__).resolve().parent / "sql" / "seed.sql"
SEED_FILES = (SEED_SQL, SEED_SQL.with_name("seed_realtime.sql"))  # run in this order, one transaction
CHUNK = 500_000  # rows per statement of a chunked step (bounded memory and WAL per statement)


def sizes(messages: int) -> dict[str, int]:
    """1M messages ≈ 10k users, 50k sessions, 200k storage objects (scaled linearly: 10M ≈ 100k
    users, 500k sessions, 2M objects)."""
    return {"users": max(messages // 100, 40), "sessions": max(messages // 20, 50),
            "messages": messages, "objects": max(messages // 5, 10)}


def seed_steps() -> list[tuple[str, str, str | None]]:
    """The seed files split into their statements: (name, SQL, the count a chunked statement runs over)."""
    steps: list[tuple[str, str, str | None]] = []
    for chunk in ";\n".join(f.read_text() for f in SEED_FILES).split(";\n"):
        marker = next((line.split(":", 1)[1].strip() for line in chunk.splitlines()
                       if line.startswith("-- chunked:")), None)
        body = "\n".join(line for line in chunk.splitlines() if not line.startswith("--")).strip()
        if body:
            words = body.split()
            target = next((w for w in words if "." in w or w.startswith("bench_")), words[0])
            steps.append((f"{words[0]} {target}", body, marker))
    return steps


def seed(conn: psycopg.Connection[Any], counts: dict[str, int],
         progress: Callable[[str, int, float], None] | None = None) -> dict[str, float]:
    """Load `counts` rows in one transaction (superuser: session_replication_role = replica, so
    foreign-key and audit triggers do not fire during the bulk load), commit, then VACUUM ANALYZE.

    `conn` must not be in autocommit mode. Returns seconds per step.
    """
    timings: dict[str, float] = {}
    conn.execute("set local session_replication_role = replica")
    conn.execute("set local work_mem = '256MB'")
    for key, value in counts.items():
        conn.execute("select set_config(%s, %s, true)", (f"bench.{key}", str(value)))
    # messages_partitioning = "monthly": the partitions of the seeded year (created_at goes back 365 days)
    if conn.execute("select to_regprocedure('chat_private.create_message_partitions(timestamptz, integer)')"
                    " is not null").fetchone() == (True,):
        conn.execute("select count(*) from chat_private.create_message_partitions(now() - interval '400 days')")
    for name, statement, chunked in seed_steps():
        started = time.monotonic()
        total = counts[chunked] if chunked else 1
        rows = 0
        for first in range(1, total + 1, CHUNK):  # one pass unless chunked
            if chunked:
                conn.execute("select set_config('bench.first', %s, true), set_config('bench.last', %s, true)",
                             (str(first), str(min(first + CHUNK - 1, total))))
            cur = conn.execute(statement.encode())  # type: ignore[call-overload]
            rows += max(cur.rowcount, 0)
            if chunked and progress and total > CHUNK:
                progress(f"{name} (to {min(first + CHUNK - 1, total):,})", cur.rowcount, time.monotonic() - started)
        timings[name] = time.monotonic() - started
        if progress:
            progress(name, rows if chunked else cur.rowcount, timings[name])
    conn.commit()
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        started = time.monotonic()
        conn.execute("vacuum (analyze) auth.users, public.profiles, public.chat_sessions,"
                     " public.chat_messages, public.chat_read_cursors, storage.objects, realtime.messages")
        timings["vacuum analyze"] = time.monotonic() - started
    finally:
        conn.autocommit = autocommit
    return timings
