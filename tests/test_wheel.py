"""A wheel built from the checkout, installed into a fresh venv, works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(build), str(REPO)],
                   check=True, capture_output=True, text=True)
    wheel = next(build.glob("samia_schema-*.whl"))
    env_dir = tmp_path_factory.mktemp("venv")
    # the venv sees the already-installed dependencies; the package itself comes only from the wheel
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "--force-reinstall", str(wheel)], check=True, capture_output=True, text=True)
    return env_dir


def test_wheel_ships_templates_and_sql(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import samia_schema, sys; print(samia_schema.__file__)"],
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(installed)), where
    result = subprocess.run([str(installed / "bin" / "samia"), "render", "--json"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert '"name": "110_grants"' in result.stdout


def test_wheel_verifies_on_embedded_postgres(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(installed / "bin" / "samia"), "verify", "--format", "json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"passed": true' in result.stdout
