"""The `samia` command. Importing this package is cheap: the Typer app loads inside `main()`, so a
Ctrl-C at any moment (even while Python is still importing) ends with one line and exit 130."""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    """Console-script entry point."""
    try:
        from .application import app

        app()
    except KeyboardInterrupt:
        sys.stderr.write("samia: interrupted\n")
        raise SystemExit(130) from None


def __getattr__(name: str) -> Any:
    if name == "app":
        from .application import app

        return app
    raise AttributeError(f"module 'samia_schema.cli' has no attribute {name!r}")
