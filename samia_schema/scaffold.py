"""`samia init`: the files of a new project, written without touching what the user already has."""

from __future__ import annotations

import shutil
from dataclasses import MISSING, fields
from pathlib import Path

from .config import PACK_TEMPLATES, Settings
from .errors import ConfigError
from .migrations import write_supabase_migrations
from .packs import load_pack
from .packs.base import Pack
from .workspace import load_workspace

EJECT_DIR = "templates"


def _toml_value(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(_toml_value(v) or "" for v in value) + "]"
    return None


def config_text(pack: Pack, reference: str, templates: tuple[str, ...]) -> str:
    """samia.toml for a pack: the engine keys set, the pack's keys listed with their defaults."""
    lines = [
        "# samia-schema project. Precedence: CLI flag > environment (SAMIA_<KEY>) > this file > default.",
        "[samia]",
        f"pack = {_toml_value(reference)}",
        f"templates = {_toml_value(templates)}   # {PACK_TEMPLATES} = the pack's; later directories override",
        'migrations_dir = "supabase/migrations"',
        "",
        f"# the {pack.name} pack's settings, at their defaults:",
    ]
    engine = {f.name for f in fields(Settings)}
    defaults = pack.settings_class()
    for f in fields(pack.settings_class):
        if f.name in engine or (f.default is MISSING and f.default_factory is MISSING):
            continue
        value = _toml_value(getattr(defaults, f.name))
        if value is not None:
            lines.append(f"# {f.name} = {value}")
    return "\n".join(lines) + "\n"


def _supabase_config(project: str) -> str:
    return (f'# Supabase CLI project; migrations/ is written by `samia render --supabase`.\n'
            f'project_id = "{project}"\n\n[db]\nmajor_version = 15\n\n[db.migrations]\nenabled = true\n')


def scaffold(directory: Path, pack_ref: str, *, eject: bool, force: bool) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Write the project files; returns (written, kept)."""
    pack = load_pack(pack_ref, directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "samia.toml"
    if config.exists() and not force:
        raise ConfigError(f"{config} already exists (pass --force to overwrite it)")
    written: list[Path] = []
    kept: list[Path] = []
    templates: tuple[str, ...] = (PACK_TEMPLATES,)
    if eject:
        target = directory / EJECT_DIR
        sources = [p for d in pack.template_dirs() for p in sorted(d.iterdir()) if p.name.endswith((".sql.j2", ".sql"))]
        clashes = [target / p.name for p in sources if (target / p.name).exists()]
        if clashes and not force:
            raise ConfigError(f"{clashes[0]} already exists (pass --force to overwrite the ejected templates)")
        target.mkdir(exist_ok=True)
        for source in sources:
            shutil.copyfile(source, target / source.name)
            written.append(target / source.name)
        templates = (PACK_TEMPLATES, EJECT_DIR)
    config.write_text(config_text(pack, pack_ref, templates), encoding="utf-8")
    written.insert(0, config)
    supabase_config = directory / "supabase" / "config.toml"
    if supabase_config.exists():
        kept.append(supabase_config)
    else:
        supabase_config.parent.mkdir(parents=True, exist_ok=True)
        supabase_config.write_text(_supabase_config(directory.resolve().name or "samia"), encoding="utf-8")
        written.append(supabase_config)
    ws = load_workspace(config, env={})
    written += write_supabase_migrations(ws.plan, ws.settings.migrations_dir).paths
    return tuple(written), tuple(kept)
