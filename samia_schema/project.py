"""Where the bundled templates and static SQL live (a checkout or an installed wheel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import TemplateError

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`templates` or `sql`: inside the wheel (`samia_schema/_data/`) or at the checkout root."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise TemplateError(f"the bundled {name}/ directory is missing from this installation")


def static_sql(name: str) -> str:
    """The text of a static SQL file under sql/ (e.g. `bootstrap.sql`)."""
    return (data_dir("sql") / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Project:
    """A template set: every `*.sql.j2` file of a directory, ordered by file name (prefix)."""

    templates_dir: Path

    @classmethod
    def bundled(cls) -> Project:
        return cls(data_dir("templates"))

    def template_names(self) -> tuple[str, ...]:
        names = sorted(p.name for p in self.templates_dir.glob("*.sql.j2"))
        if not names:
            raise TemplateError(f"{self.templates_dir}: no *.sql.j2 templates found")
        return tuple(names)
