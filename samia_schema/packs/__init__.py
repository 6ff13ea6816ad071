"""Content packs: `chat` is bundled; others come from an entry point or a directory with `pack.py`.

Example:
    >>> load_pack("chat").name
    'chat'
    >>> load_pack("./packs/notes", base=Path("/srv/project")).name  # /srv/project/packs/notes/pack.py
    'notes'
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import ConfigError
from .base import InventoryScope, Pack

__all__ = ["BUILTIN", "InventoryScope", "Pack", "load_pack"]

BUILTIN = {"chat": "samia_schema.packs.chat"}
ENTRY_POINT_GROUP = "samia.packs"


def _from_module(module_name: str, reference: str) -> Pack:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"pack {reference!r}: cannot import {module_name}: {exc}") from None
    return _pack_of(module, reference)


def _pack_of(module: object, reference: str) -> Pack:
    pack = getattr(module, "PACK", None)
    if not isinstance(pack, Pack):
        raise ConfigError(f"pack {reference!r}: the module defines no PACK (a samia_schema.packs.Pack)")
    return _named(pack, reference)


def _from_directory(directory: Path, reference: str) -> Pack:
    source = directory / "pack.py"
    if not source.is_file():
        raise ConfigError(f"pack {reference!r}: {source} does not exist")
    name = "samia_pack_" + hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:12]
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, source)
        if spec is None or spec.loader is None:
            raise ConfigError(f"pack {reference!r}: cannot load {source}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # a broken pack is a configuration error, reported in one line
            del sys.modules[name]
            raise ConfigError(f"pack {reference!r}: {source} failed to load: {type(exc).__name__}: {exc}") from None
    return _pack_of(module, reference)


def load_pack(reference: str, base: Path | None = None) -> Pack:
    """The pack named by `reference`: a bundled name, an entry point, `module:PACK`, or a directory.

    A directory (absolute, or relative to `base`, the config file's directory) must hold `pack.py`
    defining `PACK`.
    """
    if reference in BUILTIN:
        return _from_module(BUILTIN[reference], reference)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == reference:
            loaded = ep.load()
            return _named(loaded, reference) if isinstance(loaded, Pack) else _pack_of(loaded, reference)
    if "/" in reference or reference.startswith(".") or (base or Path.cwd()).joinpath(reference).is_dir():
        directory = Path(reference)
        if not directory.is_absolute():
            directory = (base or Path.cwd()) / directory
        return _from_directory(directory, reference)
    if ":" in reference or "." in reference:
        return _from_module(reference.split(":", 1)[0], reference)
    known = ", ".join(sorted(BUILTIN))
    raise ConfigError(f"unknown pack {reference!r} (bundled: {known}; or a directory with pack.py)")


def _named(pack: Pack, reference: str) -> Pack:
    chosen = copy.copy(pack)
    chosen.reference = reference
    return chosen
