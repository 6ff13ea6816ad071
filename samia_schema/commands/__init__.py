"""CLI commands that live outside cli.py; each module has `register(app)`."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Attach every extra command module to the Typer app."""
    # registrations: one import + call per command module (keep this list sorted)
    from . import audit as _audit

    _audit.register(app)
    from . import diff as _diff

    _diff.register(app)
    from . import lint as _lint

    _lint.register(app)
    from . import verify as _verify

    _verify.register(app)
