"""Catalogs as JSON and back (a backup keeps the catalog it was taken from).

Example:
    >>> text = json.dumps(catalog_to_json(catalog))
    >>> catalog_from_json(json.loads(text)) == catalog
    True
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

from samia_schema.catalog.changes import jsonable
from samia_schema.catalog.model import Catalog


def catalog_to_json(catalog: Catalog) -> dict[str, Any]:
    """JSON-ready data of a catalog (every field, `definition` and `server_version` included)."""
    data: dict[str, Any] = jsonable(catalog)
    data["server_version"] = catalog.server_version
    data["schemas"] = list(catalog.schemas)
    return data


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(inner[0], value)
    if origin is tuple:
        (item, *_) = typing.get_args(hint)
        return tuple(_decode(item, v) for v in value)
    if origin is frozenset:
        (item,) = typing.get_args(hint)
        return frozenset(_decode(item, v) for v in value)
    if isinstance(hint, type) and is_dataclass(hint):
        return _build(hint, value)
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    return cls(**{f.name: _decode(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data})


def catalog_from_json(data: dict[str, Any]) -> Catalog:
    """The catalog `catalog_to_json` wrote."""
    catalog: Catalog = _build(Catalog, data)
    return catalog
