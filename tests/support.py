"""Helpers shared by the test modules (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from samia_schema.config import Settings
from samia_schema.packs import load_pack
from samia_schema.templates import TemplateSet, render_units
from samia_schema.units import Plan
from samia_schema.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parent.parent
NO_MIGRATIONS = {"migrations_dir": "/nonexistent-samia-migrations"}


def workspace(config: Path | None = None, *, env: Mapping[str, str] | None = None, pack: str | None = None,
              templates: tuple[str, ...] | None = None, **overrides: object) -> Workspace:
    """A workspace of `config` (default: no file at all), with settings overridden like flags."""
    if config is None:
        env = {"SAMIA_CONFIG": str(REPO / "tests" / "fixtures" / "empty.toml"), **(env or {})}
    return load_workspace(config, env=dict(env or {}), pack=pack, templates=templates, overrides=overrides)


def rendered(**overrides: object) -> Plan:
    """The plan of the bundled pack with `overrides`."""
    return workspace(**overrides).plan


def plan_of(settings: Settings, templates: Path | None = None) -> Plan:
    """The plan `settings` render to: its pack's templates, or only those in `templates`."""
    pack = load_pack(settings.pack)
    entries = (str(templates),) if templates else settings.templates
    return render_units(TemplateSet.resolve(entries, pack.template_dirs()),
                        {**pack.template_context(settings), "s": settings})
