"""CLI commands that live outside cli.py; each module has `register(app)`."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Attach every extra command module to the Typer app."""
    # registrations: one import + call per command module (keep this list sorted)
