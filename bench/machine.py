"""What every benchmark reports about where it ran, the server settings it uses, and peak memory.

    from machine import machine, peak_rss_mb, tune
"""

from __future__ import annotations

import os
import platform
import resource
import signal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from samia_schema.db import connect

BENCH_SERVER_SETTINGS = {"work_mem": "64MB", "maintenance_work_mem": "512MB", "max_wal_size": "4GB",
                         "checkpoint_timeout": "30min", "random_page_cost": "1.1",
                         "effective_cache_size": "4GB"}


def machine(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """CPU, cores, memory, platform, Python and PostgreSQL (version and the settings that matter)."""
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    version = conn.execute("select version()").fetchone()[0]  # type: ignore[index]
    settings = dict(conn.execute("select name, setting || coalesce(unit, '') from pg_settings"
                                 " where name = any(%s)"
                                 " order by name", (["shared_buffers", "work_mem", "effective_cache_size",
                                                     "random_page_cost", "jit", "fsync", "maintenance_work_mem"],
                                                    )).fetchall())
    return {"nproc": os.cpu_count(), "memory_mb": mem, "platform": platform.platform(),
            "python": platform.python_version(), "postgres": version, "settings": settings,
            "cpu": next((line.split(":", 1)[1].strip()
                         for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("model name")), "unknown")}


def tune(server_dsn: str) -> None:
    """Generous settings for a bench (ALTER SYSTEM + reload; embedded cluster only)."""
    with connect(server_dsn, autocommit=True) as conn:
        for key, value in BENCH_SERVER_SETTINGS.items():
            conn.execute(sql.SQL("alter system set {} = {}").format(sql.Identifier(key), sql.Literal(value)))
        conn.execute("select pg_reload_conf()")


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory (MB) of this process and of the largest postgres process on the machine
    (VmHWM; shared buffers a backend touched count too)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    largest = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Name", "").strip() in ("postgres", "postmaster") and "VmHWM" in fields:
            largest = max(largest, int(fields["VmHWM"].split()[0]) / 1024)
    return {"harness": round(own, 1), "largest_postgres": round(largest, 1)}


def stop_on_sigterm() -> None:
    """SIGTERM (`timeout`, a CI runner) ends the bench like Ctrl-C: the embedded Postgres it started
    is stopped and removed on the way out."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
