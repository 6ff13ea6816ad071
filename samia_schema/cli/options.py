"""Options shared by the commands, declared once, and the workspace every command starts from."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..workspace import Workspace, load_workspace

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", metavar="FILE", show_default=False,
    help="Config file (default: $SAMIA_CONFIG, else ./samia.toml, else [tool.samia] in pyproject.toml).")]
PackOption = Annotated[str | None, typer.Option(
    "--pack", metavar="PACK", show_default=False,
    help="Content pack: a bundled name (chat), an entry point, or a directory with pack.py "
         "(default: samia.pack, else chat).")]
DbOption = Annotated[str | None, typer.Option(
    "--db", metavar="URL", show_default=False, help="Database URL (default: $SAMIA_DB_URL, else $DATABASE_URL).")]
ShadowOption = Annotated[str | None, typer.Option(
    "--shadow", metavar="URL", show_default=False,
    help="Server to build the shadow database on (default: an embedded Postgres).")]
StorageUrlOption = Annotated[str | None, typer.Option(
    "--storage-url", metavar="URL", show_default=False,
    help="Storage API URL, e.g. https://<project>.supabase.co (default: $SAMIA_STORAGE_URL).")]
ServiceKeyOption = Annotated[str | None, typer.Option(
    "--service-key", metavar="KEY", show_default=False,
    help="The service role key for the Storage API (default: $SAMIA_SERVICE_KEY); never printed.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout (same as --format json).")]


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


class VerifyFormat(StrEnum):
    table = "table"
    json = "json"
    junit = "junit"


class LintFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


class FailLevel(StrEnum):
    error = "error"
    warn = "warn"
    info = "info"


FormatOption = Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")]


def output_format(fmt: StrEnum, as_json: bool) -> str:
    """The chosen format: --json wins over the default table."""
    return "json" if as_json else str(fmt)


def storage(ws: Workspace, url: str | None, key: str | None) -> tuple[str | None, str]:
    """The Storage API URL and service key: flags, else $SAMIA_STORAGE_URL / $SAMIA_SERVICE_KEY."""
    return url or ws.env.get("SAMIA_STORAGE_URL") or None, key or ws.env.get("SAMIA_SERVICE_KEY") or ""


def workspace(config: Path | None, pack: str | None, *, matrix: Path | None = None) -> Workspace:
    """The workspace of a command's --config / --pack (flag > environment > file > default)."""
    return load_workspace(config, pack=pack, matrix=matrix)


F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Common:
    """The options every command shares, parsed: the config file, pack, database URL, output format."""

    config: Path | None
    pack: str | None
    db: str | None
    format: str

    def workspace(self, *, matrix: Path | None = None) -> Workspace:
        return workspace(self.config, self.pack, matrix=matrix)


def shared(*, formats: type[StrEnum] = TableOrJson, db: bool = True) -> Callable[[F], F]:
    """Give a command the shared options, declared here once: `--config`, `--pack`, `--db` (unless
    `db=False`), `--format` (one of `formats`) and `--json`. The command takes `common: Common`.

    Example:
        >>> @shared()
        ... def audit_command(common: Common) -> None: ...
    """
    def decorate(func: F) -> F:
        own = [p for p in inspect.signature(func, eval_str=True).parameters.values() if p.name != "common"]
        fmt_option = Annotated[formats, typer.Option("--format", "-f", help="Output format.")]  # type: ignore[valid-type]
        keyword = inspect.Parameter.KEYWORD_ONLY
        first = [inspect.Parameter("config", keyword, default=None, annotation=ConfigOption),
                 inspect.Parameter("pack", keyword, default=None, annotation=PackOption)]
        if db:
            first.append(inspect.Parameter("db", keyword, default=None, annotation=DbOption))
        last = [inspect.Parameter("fmt", keyword, default=next(iter(formats)), annotation=fmt_option),
                inspect.Parameter("as_json", keyword, default=False, annotation=JsonOption)]

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            common = Common(kwargs.pop("config"), kwargs.pop("pack"), kwargs.pop("db", None),
                            output_format(kwargs.pop("fmt"), kwargs.pop("as_json")))
            return func(common=common, **kwargs)

        params = [p.replace(kind=keyword) for p in own]
        wrapper.__signature__ = inspect.Signature([*first, *params, *last])  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
