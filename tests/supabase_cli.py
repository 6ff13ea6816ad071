"""The real Supabase CLI for the migration-history tests: where it is, how it is run, what it says.

Install it with `bash ci/supabase-cli.sh` (npm: supabase@2.117.0, into ~/.cache/samia/), or point
$SAMIA_SUPABASE_CLI at a `supabase` binary. The CLI takes our unix-socket DSNs as
`--db-url "postgresql://user@localhost:port/db?host=/socket/dir&sslmode=disable"` and needs no
Docker for `migration list/repair/fetch`, `db push` and `db reset --db-url`.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg

CLI_VERSION = "2.117.0"
INSTALL = f"bash ci/supabase-cli.sh (npm i -E supabase@{CLI_VERSION} into ~/.cache/samia)"


def cli_binary() -> Path | None:
    """$SAMIA_SUPABASE_CLI, else the pinned CLI where ci/supabase-cli.sh installs it."""
    if os.environ.get("SAMIA_SUPABASE_CLI"):
        chosen = Path(os.environ["SAMIA_SUPABASE_CLI"])
        return chosen if chosen.exists() else None
    cache = Path(os.environ.get("SAMIA_CACHE_DIR")
                 or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "samia")
    candidate = cache / f"supabase-cli-{CLI_VERSION}" / "node_modules" / ".bin" / "supabase"
    return candidate if candidate.exists() else None


def db_url(dsn: str) -> str:
    """A libpq DSN as the URL `--db-url` takes: a socket directory goes in `?host=`, TLS off.

    Example:
        >>> db_url("host=/tmp/s port=5432 user=postgres dbname=x")
        'postgresql://postgres@localhost:5432/x?sslmode=disable&host=%2Ftmp%2Fs'
    """
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    host, port = str(params.get("host") or "localhost"), str(params.get("port") or "5432")
    query = {"sslmode": "disable"}
    if host.startswith("/"):
        query["host"], host = host, "localhost"
    user = quote(str(params.get("user") or "postgres"), safe="")
    if params.get("password"):
        user += ":" + quote(str(params["password"]), safe="")
    return f"postgresql://{user}@{host}:{port}/{quote(str(params.get('dbname') or 'postgres'))}?{urlencode(query)}"


@dataclass(frozen=True)
class SupabaseCli:
    """The CLI binary, run in a project directory with a private HOME and no telemetry."""

    binary: Path
    home: Path

    def run(self, project: Path, *args: str, dsn: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(self.home), "SUPABASE_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1"}
        result = subprocess.run([str(self.binary), *args, "--db-url", db_url(dsn), "--yes"], cwd=project, env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        if ok and result.returncode != 0:
            raise AssertionError(f"supabase {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stderr}{result.stdout}")
        return result

    def migration_list(self, project: Path, dsn: str) -> list[tuple[str | None, str | None]]:
        """`supabase migration list` as (local, remote) version pairs; None where a side has none."""
        rows = []
        for line in self.run(project, "migration", "list", dsn=dsn).stdout.splitlines():
            cells = [c.strip().strip("`").strip() for c in line.split("|")]
            if len(cells) == 3 and cells[2][:1].isdigit():
                rows.append((cells[0] or None, cells[1] or None))
        return rows

    def push(self, project: Path, dsn: str, *flags: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(project, "db", "push", *flags, dsn=dsn, ok=ok)
