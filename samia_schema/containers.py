"""The testcontainers backend: a Postgres container (default the real supabase/postgres image)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import EngineError

# The supabase/postgres tag the Supabase CLI pins (override with SAMIA_TEST_IMAGE).
DEFAULT_IMAGE = "public.ecr.aws/supabase/postgres:17.4.1.064"


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


@contextmanager
def postgres_container(image: str | None = None) -> Iterator[str]:
    """Run a Postgres container on loopback; yields a superuser DSN; always removes it.

    Image: `image`, else $SAMIA_TEST_IMAGE, else the supabase/postgres tag above. Any image that
    honours POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB works (e.g. a locally built plain Postgres).
    """
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    try:
        from testcontainers.postgres import PostgresContainer
    except ImportError as exc:
        raise EngineError("testcontainers is not installed (pip install 'samia-schema[test]')") from exc
    image = image or os.environ.get("SAMIA_TEST_IMAGE") or DEFAULT_IMAGE
    user = os.environ.get("SAMIA_TEST_DB_USER", "postgres")
    container = PostgresContainer(image, username=user, password="samia-test", dbname="postgres",
                                  driver=None)
    container.with_bind_ports(5432, None)
    try:
        container.start()
    except Exception as exc:  # docker errors come in many types; report one line
        raise EngineError(f"cannot start container {image}: {str(exc).strip().splitlines()[0]}") from None
    try:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(5432)
        yield f"host={host} port={port} user={user} password=samia-test dbname=postgres"
    finally:
        container.stop()
