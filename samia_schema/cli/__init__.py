"""The `samia` command. Importing this package is cheap: the Typer app loads inside `main()`, so a
Ctrl-C at any moment (even while Python is still importing) ends with one line and exit 130."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Any


class Interrupted(BaseException):
    """Ctrl-C before a command runs, raised by our SIGINT handler. Not a KeyboardInterrupt, so that
    Click's argument handling (which catches KeyboardInterrupt and exits without a word) cannot
    swallow it. Once a command runs, `output.handled` restores the default handler: a plain
    KeyboardInterrupt lets psycopg cancel a running query and every context manager clean up."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGINT, _interrupt)
    try:
        from .application import app

        app()
    except (KeyboardInterrupt, Interrupted):
        sys.stdout.flush()
        sys.stderr.write("samia: interrupted\n")
        raise SystemExit(130) from None


def __getattr__(name: str) -> Any:
    if name == "app":
        from .application import app

        return app
    raise AttributeError(f"module 'samia_schema.cli' has no attribute {name!r}")
