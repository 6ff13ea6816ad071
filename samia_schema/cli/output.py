"""Consoles and the error handler: results on stdout, one line per error on stderr, exit codes.

On a terminal, rich uses the terminal's width. Elsewhere (CI logs, pipes) there is no width to
fit: tables take the width of their content, so that no identifier is ever split across lines.
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console, RenderableType

from ..errors import SamiaError, first_line
from . import Interrupted

F = TypeVar("F", bound=Callable[..., Any])
_UNBOUNDED = 100_000  # a non-terminal has no width: measure the content instead


def console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, highlight=False)
    return Console(stderr=stderr, highlight=False, width=_UNBOUNDED, no_color=True, soft_wrap=True)


def show(renderable: RenderableType) -> None:
    """Print a result (a table, a group, a line) on stdout."""
    console().print(renderable)


def echo(text: str) -> None:
    """Print machine output (JSON, SQL, XML) exactly, with a trailing newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def progress_line(text: str) -> None:
    """A progress note on stderr (long-running steps, retries); results stay on stdout."""
    sys.stderr.write(f"samia: {text}\n")
    sys.stderr.flush()


def fail(message: str, code: int) -> typer.Exit:
    sys.stdout.flush()
    sys.stderr.write(f"samia: error: {message}\n")
    return typer.Exit(code)


def handled(func: F) -> F:
    """Run a command: a SamiaError or a database error becomes one line on stderr and its exit code."""
    import psycopg

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            return func(*args, **kwargs)
        except SamiaError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except psycopg.Error as exc:  # a driver error no library step wrapped: still one line, exit 4
            raise fail(f"database: {first_line(exc)}", 4) from None
        except OSError as exc:  # files we were asked to write or read
            raise fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 2) from None
        except (KeyboardInterrupt, Interrupted):
            sys.stdout.flush()
            sys.stderr.write("samia: interrupted\n")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]
