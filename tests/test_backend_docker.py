"""The testcontainers backend: a real container, the chat schema on it, loopback-only publishing.

Skipped only when no Docker daemon answers. Image: $SAMIA_TEST_IMAGE (CI: samia/postgres:15-local,
built offline by ci/docker-up.sh), else the supabase/postgres default.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from samia_schema.backends import Server, create_database, server_from_env
from samia_schema.config import Settings
from samia_schema.containers import RunningPostgres, configured_image, docker_available, running_postgres
from samia_schema.database import prepare
from samia_schema.db import connect
from samia_schema.ledger import apply_plan
from samia_schema.packs.chat import PACK
from samia_schema.workspace import Workspace

summary = PACK.summary

pytestmark = pytest.mark.docker

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp*


@pytest.fixture(scope="module")
def container() -> Iterator[RunningPostgres]:
    if not docker_available():
        pytest.skip(reason="no Docker daemon answers (start one with: bash ci/docker-up.sh)")
    with running_postgres() as pg:
        yield pg


@pytest.fixture(scope="module")
def chat_db(container: RunningPostgres, samia_workspace: Workspace) -> str:
    server = Server("docker", container.dsn, "")
    dsn = create_database(server, "samia_docker_chat")
    prepare(samia_workspace, dsn)
    return dsn


def _listeners(port: int) -> list[str]:
    """Local addresses of sockets listening on `port` (what `ss -ltn` shows), from /proc."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            hex_ip, hex_port = address.split(":")
            if state != _LISTEN or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(hex_ip)
            # /proc prints each 32-bit word in host (little-endian) order
            ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.append(str(ipaddress.ip_address(ordered)))
    return found


def test_backend_docker_runs_configured_image(container: RunningPostgres) -> None:
    assert container.image == configured_image()
    with connect(container.dsn) as conn:
        query = "select rolsuper, rolcreatedb from pg_roles where rolname = current_user"
        row = conn.execute(query).fetchone()
    assert row == (True, True)


def test_backend_docker_applies_chat_schema(chat_db: str, samia_settings: Settings) -> None:
    with connect(chat_db) as conn:
        counts = summary(conn, samia_settings)
    assert counts["chat_tables"] == 5
    assert counts["chat_indexes"] >= 15
    assert counts["chat_policies"] >= 8
    assert counts["storage_policies"] == 4
    assert counts["private_buckets"] == 1


def test_backend_docker_reapply_is_noop(chat_db: str, samia_workspace: Workspace) -> None:
    samia_settings = samia_workspace.settings
    with connect(chat_db) as conn:
        before = summary(conn, samia_settings)
        ledger_before = conn.execute("select count(*) from samia.ledger").fetchone()
    with connect(chat_db, autocommit=True) as conn:
        result = apply_plan(conn, samia_workspace.plan, samia_settings)
    assert result.applied == ()
    with connect(chat_db) as conn:
        assert summary(conn, samia_settings) == before
        assert conn.execute("select count(*) from samia.ledger").fetchone() == ledger_before


def test_backend_docker_publishes_on_loopback_only(container: RunningPostgres) -> None:
    assert container.bindings, "Docker reports no published port for 5432/tcp"
    assert {ip for ip, _ in container.bindings} == {"127.0.0.1"}
    assert container.host == "127.0.0.1"
    assert {port for _, port in container.bindings} == {container.port}
    # docker-proxy (when used) listens on loopback only; nothing on 0.0.0.0, :: or another address.
    for address in _listeners(container.port):
        assert ipaddress.ip_address(address).is_loopback, f"port {container.port} listens on {address}"
    with connect(container.dsn) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_backend_docker_server_from_env_creates_databases(container: RunningPostgres) -> None:
    with server_from_env(prefer="docker") as server:
        assert server.kind == "docker"
        dsn = create_database(server, "samia_docker_probe")
        with connect(dsn) as conn:
            assert conn.execute("select current_database()").fetchone() == ("samia_docker_probe",)
