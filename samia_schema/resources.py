"""Where the bundled data lives (templates/ and sql/, in a checkout or inside the installed wheel)."""

from __future__ import annotations

from pathlib import Path

from .errors import TemplateError

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`templates` or `sql`: inside the wheel (`samia_schema/_data/`) or at the checkout root.

    Example:
        >>> data_dir("sql").joinpath("bootstrap.sql").is_file()
        True
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise TemplateError(f"the bundled {name}/ directory is missing from this installation")


def static_sql(name: str) -> str:
    """The text of a static SQL file under sql/ (e.g. `bootstrap.sql`, `catalog/tables.sql`)."""
    return (data_dir("sql") / name).read_text(encoding="utf-8")
