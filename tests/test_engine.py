"""The embedded engine: starts, answers, and is always stopped and removed."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from samia_schema.engines import embedded_postgres, find_bin_dir
from samia_schema.errors import EngineError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_embedded_starts_and_cleans_up() -> None:
    with embedded_postgres() as pg:
        with psycopg.connect(pg.dsn) as conn:
            assert conn.execute("select current_setting('listen_addresses')").fetchone() == ("",)
            assert conn.execute("select 1").fetchone() == (1,)
        root, pid = pg.root, pg.process_id
        assert root.exists()
    assert not root.exists()
    assert not _alive(pid)


def test_embedded_is_stopped_on_error() -> None:
    holder = {}
    with pytest.raises(RuntimeError), embedded_postgres() as pg:
        holder["root"], holder["pid"] = pg.root, pg.process_id
        raise RuntimeError("test failure inside the block")
    assert not holder["root"].exists()
    assert not _alive(holder["pid"])


def test_embedded_is_stopped_on_keyboard_interrupt() -> None:
    holder = {}
    with pytest.raises(KeyboardInterrupt), embedded_postgres() as pg:
        holder["root"], holder["pid"] = pg.root, pg.process_id
        raise KeyboardInterrupt
    assert not holder["root"].exists()
    assert not _alive(holder["pid"])


def test_missing_binaries_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMIA_PG_BIN", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    import samia_schema.engines as engines

    monkeypatch.setattr(engines, "_pgserver_bin", lambda: None)
    monkeypatch.setattr(engines, "Path", _NoDebian)
    with pytest.raises(EngineError, match="no PostgreSQL binaries found"):
        find_bin_dir()


class _NoDebian(type(Path())):  # type: ignore[misc]
    def glob(self, pattern: str):  # type: ignore[no-untyped-def]
        return iter(())
