"""Throwaway Postgres clusters: embedded (pip-installed or PATH binaries), always cleaned up."""

from __future__ import annotations

import atexit
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .errors import EngineError

_RUN_AS = "nobody"
_SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "128MB",
    "max_locks_per_transaction": "256",
    "log_min_messages": "warning",
}


def _pgserver_bin() -> Path | None:
    spec = importlib.util.find_spec("pgserver")  # located, not imported: its import has side effects
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return candidate if (candidate / "initdb").exists() else None


def find_bin_dir() -> Path:
    """PostgreSQL binaries: $SAMIA_PG_BIN, the pgserver wheel, initdb on PATH, Debian's layout."""
    candidates: list[Path | None] = []
    if os.environ.get("SAMIA_PG_BIN"):
        candidates.append(Path(os.environ["SAMIA_PG_BIN"]))
    candidates.append(_pgserver_bin())
    on_path = shutil.which("initdb")
    candidates.append(Path(on_path).resolve().parent if on_path else None)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise EngineError(
        "no PostgreSQL binaries found: pip install pgserver, install postgresql, or set SAMIA_PG_BIN"
    )


def _accessible_copy(bin_dir: Path, user: str) -> Path:
    """Binaries the unprivileged user can execute (pip installs under /root are not traversable)."""
    try:
        probe = subprocess.run(
            [str(bin_dir / "postgres"), "--version"], user=user, capture_output=True, check=False
        )
        if probe.returncode == 0:
            return bin_dir
    except OSError:
        pass
    install = bin_dir.parent  # .../pgserver/pginstall
    libs = install.parent.parent / "pgserver.libs"
    cache = Path(tempfile.gettempdir()) / f"samia-pgbin-{os.stat(bin_dir / 'postgres').st_mtime_ns}"
    target_bin = cache / "pgserver" / "pginstall" / "bin"
    if not target_bin.exists():
        staging = Path(tempfile.mkdtemp(prefix="samia-pgbin-staging-"))
        shutil.copytree(install, staging / "pgserver" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "pgserver.libs", symlinks=True)
        os.chmod(staging, 0o755)
        with suppress(OSError):
            staging.rename(cache)  # another process may have won the race; theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
    return target_bin


@dataclass(frozen=True)
class EmbeddedCluster:
    """A running throwaway cluster reachable on a unix socket; `dsn` connects as superuser."""

    root: Path
    bin_dir: Path
    socket_dir: Path
    process_id: int
    version: str

    @property
    def dsn(self) -> str:
        return f"host={self.socket_dir} port=5432 user=postgres dbname=postgres"

    def dsn_for(self, dbname: str) -> str:
        return f"host={self.socket_dir} port=5432 user=postgres dbname={dbname}"


def _run(cmd: list[str], user: str | None, what: str) -> None:
    """Run a setup tool (initdb) in its own process group: interrupted, the whole group is killed,
    so that no child it spawned (initdb's bootstrap backend) keeps writing into a directory we remove."""
    process = subprocess.Popen(cmd, user=user, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate()
    except BaseException:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if process.returncode != 0:
        last = (stderr.strip() or stdout.strip()).splitlines()[-1:] or ["no output"]
        raise EngineError(f"{what} failed: {last[0]}")


def _stop(process: subprocess.Popen[bytes], root: Path) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)  # fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    shutil.rmtree(root, ignore_errors=True)


def _wait_ready(cluster: EmbeddedCluster, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no log"]
            raise EngineError(f"embedded postgres exited during start-up: {tail[0]}")
        try:
            psycopg.connect(cluster.dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise EngineError("embedded postgres did not accept connections within 30 s")


@contextmanager
def embedded_postgres(bin_dir: Path | None = None,
                      settings: Mapping[str, str] | None = None) -> Iterator[EmbeddedCluster]:
    """Start a throwaway cluster (unix socket only, no TCP); stop and delete it on exit.

    Runs as an unprivileged user when started as root (Postgres refuses to run as root).
    `settings` override the server settings (e.g. `{"max_connections": "100"}` for a load test).

    Example:
        >>> with embedded_postgres() as pg:
        ...     psycopg.connect(pg.dsn).execute("select 1")
    """
    bin_dir = bin_dir or find_bin_dir()
    user = _RUN_AS if os.geteuid() == 0 else None
    if user:
        bin_dir = _accessible_copy(bin_dir, user)
    root = Path(tempfile.mkdtemp(prefix="samia-pg-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        data, sock, log = root / "data", root / "sock", root / "postgres.log"
        sock.mkdir()
        if user:
            entry = pwd.getpwnam(user)
            for path in (root, sock):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(root, 0o755)
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
              "--locale=C", "--no-sync"], user, "initdb")
        options: list[str] = []
        for key, value in {**_SERVER_SETTINGS, **(settings or {}), "unix_socket_directories": str(sock)}.items():
            options += ["-c", f"{key}={value}"]
        with open(log, "wb") as log_file:
            process = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), *options],
                user=user, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            )
        if user:
            os.chown(log, pwd.getpwnam(user).pw_uid, -1)
        version = (data / "PG_VERSION").read_text().strip()
        cluster = EmbeddedCluster(root, bin_dir, sock, process.pid, version)
        cleanup = _stop
        atexit.register(cleanup, process, root)
        _wait_ready(cluster, process, log)
        yield cluster
    finally:
        if process is not None:
            _stop(process, root)
            atexit.unregister(_stop)
        else:
            shutil.rmtree(root, ignore_errors=True)
