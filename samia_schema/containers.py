"""The testcontainers backend: a Postgres container (default the real supabase/postgres image).

Environment:
    SAMIA_TEST_IMAGE        image to run (default: the supabase/postgres tag below). Any image that
                            honours POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB works, e.g. the plain
                            PostgreSQL 15 image `ci/docker-up.sh` builds offline (samia/postgres:15-local).
    SAMIA_TEST_DB_USER      the superuser the image creates (default: postgres)
    SAMIA_TEST_BIND_HOST    host address the port is published on (default: 127.0.0.1, loopback only;
                            set 0.0.0.0 only for a remote DOCKER_HOST)
    TESTCONTAINERS_RYUK_DISABLED  defaults to true here (the reaper image needs a registry); containers
                            are removed by the context manager instead.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EngineError

# The supabase/postgres tag the Supabase CLI pins (pkg/config/templates/Dockerfile: `FROM
# supabase/postgres:17.4.1.067`); override with SAMIA_TEST_IMAGE.
DEFAULT_IMAGE = "supabase/postgres:17.4.1.067"
# Every container we start carries this label; ci/docker-down.sh removes what is left of them.
LABEL = "org.samia.test"
_PASSWORD = "samia-test"
_PORT = 5432


@dataclass(frozen=True)
class RunningPostgres:
    """A started Postgres container: a superuser DSN and where its port is published."""

    container_id: str
    image: str
    dsn: str
    host: str
    port: int
    bindings: tuple[tuple[str, int], ...]  # (host ip, host port) for 5432/tcp, as Docker reports them

    @property
    def key(self) -> str:
        return self.container_id


def docker_available() -> bool:
    """True when a Docker daemon answers on DOCKER_HOST or the default socket."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return True  # a TCP daemon: let testcontainers decide
    path = Path(host.removeprefix("unix://"))
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return b"OK" in sock.recv(256)
    except OSError:
        return False


def configured_image() -> str:
    """The image the docker backend runs: $SAMIA_TEST_IMAGE, else the supabase/postgres tag."""
    return os.environ.get("SAMIA_TEST_IMAGE") or DEFAULT_IMAGE


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _postgres_container_class() -> Any:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        try:
            from testcontainers.postgres import PostgresContainer
        except ImportError as exc:
            raise EngineError("testcontainers is not installed (pip install 'samia-schema[test]')") from exc
    return PostgresContainer


def _bindings(container: Any) -> tuple[tuple[str, int], ...]:
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    rows = (wrapped.ports or {}).get(f"{_PORT}/tcp") or []
    return tuple(sorted((str(r["HostIp"]), int(r["HostPort"])) for r in rows))


@contextmanager
def running_postgres(image: str | None = None) -> Iterator[RunningPostgres]:
    """Run a Postgres container published on loopback only; always removes it.

    Example:
        >>> with running_postgres("samia/postgres:15-local") as pg:  # doctest: +SKIP
        ...     connect(pg.dsn)
    """
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    image = image or configured_image()
    user = os.environ.get("SAMIA_TEST_DB_USER", "postgres")
    bind_host = os.environ.get("SAMIA_TEST_BIND_HOST", "127.0.0.1")
    container = _postgres_container_class()(
        image, username=user, password=_PASSWORD, dbname="postgres", driver=None
    )
    # docker-py's (host_ip,) form: a random free port on that address only (never 0.0.0.0 by default).
    ports: dict[str, Any] = container.ports
    ports.pop(str(_PORT), None)
    ports[f"{_PORT}/tcp"] = (bind_host,)
    container.with_kwargs(labels={LABEL: "true"})
    try:
        try:
            container.start()
        except Exception as exc:  # docker errors come in many types; report one line
            hint = ""
            if "images/create" in str(exc) or type(exc).__name__ == "ImageNotFound":
                hint = " (offline? `bash ci/docker-up.sh`, then SAMIA_TEST_IMAGE=samia/postgres:15-local)"
            raise EngineError(f"cannot start container {image}: {_first_line(exc)}{hint}") from None
        bindings = _bindings(container)
        if bind_host in ("0.0.0.0", "::"):  # remote daemon: ask testcontainers where the port is
            host, port = container.get_container_host_ip(), int(container.get_exposed_port(_PORT))
        else:  # our own address: trust Docker's binding, not testcontainers' guess (/.dockerenv -> gateway)
            ports_here = [p for ip, p in bindings if ip == bind_host]
            if not ports_here:
                raise EngineError(f"container {image}: 5432/tcp is not published on {bind_host} ({bindings})")
            host, port = bind_host, ports_here[0]
        dsn = f"host={host} port={port} user={user} password={_PASSWORD} dbname=postgres"
        yield RunningPostgres(container.get_container_id(), image, dsn, host, port, bindings)
    finally:
        with suppress(Exception):  # nothing to remove when create itself failed
            container.stop()


@contextmanager
def postgres_container(image: str | None = None) -> Iterator[str]:
    """Run a Postgres container on loopback; yields a superuser DSN; always removes it.

    Image: `image`, else $SAMIA_TEST_IMAGE, else the supabase/postgres tag above. Any image that
    honours POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB works (e.g. a locally built plain Postgres).
    """
    with running_postgres(image) as pg:
        yield pg.dsn
