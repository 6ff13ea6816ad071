"""The engine is generic: no engine module names a chat table, column, bucket or app role.

Chat knowledge lives in samia_schema/packs/chat/ and sql/chat/ (and the top-level templates/);
everything else must work for any pack (tests/packs/notes proves it end to end).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENGINE_DIRS = (REPO / "samia_schema", REPO / "sql")
PACK_DIRS = (REPO / "samia_schema" / "packs" / "chat", REPO / "sql" / "chat")
# tables, columns, the bucket, the private schema and the app roles of the chat pack
CHAT_NAMES = re.compile(
    r"chat_(sessions|messages|audit_logs|monitoring|private|files|notifications)|chat-files|chat-attachments"
    r"|voice[-_]notes|zodiac|participants|sender_id|session_id|reply_to|read_at|profiles|bookings?\b|booking_id"
    r"|super_admin|\bapp_roles\b|['\"](client|reader|monitor|admin)['\"]",
)


def _engine_files() -> list[Path]:
    files = []
    for root in ENGINE_DIRS:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".py", ".sql", ".toml", ".json") or "__pycache__" in path.parts:
                continue
            if any(path.is_relative_to(d) for d in PACK_DIRS):
                continue
            files.append(path)
    return files


def test_engine_modules_name_no_chat_object() -> None:
    found = []
    for path in _engine_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "is_super_admin" in line:  # a column of GoTrue's auth.users, created by the bootstrap
                line = line.replace("is_super_admin", "")
            match = CHAT_NAMES.search(line)
            if match:
                found.append(f"{path.relative_to(REPO)}:{number}: {match.group(0)}")
    assert not found, "chat names in engine modules:\n" + "\n".join(found)


def test_the_scan_is_not_vacuous() -> None:
    assert len(_engine_files()) > 40
    chat_pack = (REPO / "samia_schema" / "packs" / "chat" / "world.py").read_text()
    assert CHAT_NAMES.search(chat_pack)


def test_engine_never_imports_the_chat_pack() -> None:
    """Only the pack registry (by name, lazily) may reach the chat pack."""
    offenders = []
    for path in _engine_files():
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any("packs.chat" in n or n == "chat" and isinstance(node, ast.ImportFrom) and node.level for n in names):
                offenders.append(str(path.relative_to(REPO)))
    assert not offenders, offenders


def test_no_import_circle_in_the_cli() -> None:
    """cli/ command modules import options/output and the library, never the application module."""
    cli = REPO / "samia_schema" / "cli"
    for path in sorted(cli.glob("*.py")):
        if path.name in ("__init__.py", "application.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "from .application" not in text and "from . import application" not in text, path.name
        assert "samia_schema.cli" not in text and "from . import app" not in text, path.name
