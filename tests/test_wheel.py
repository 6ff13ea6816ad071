"""A wheel built from the checkout, installed into a fresh venv, works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
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
    # A fresh venv whose dependencies come from the venv running the tests (not from the base
    # interpreter, which is what `system_site_packages=True` would expose): a .pth line appends our
    # site-packages after the new venv's own, so the package itself comes only from the wheel.
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    new_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip())
    (new_site / "_samia_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
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
