"""A wheel installed on its own can build the add-in (macros/ ships as xltool/macros).

Builds a wheel from this checkout, installs it into a temporary ``--target`` folder
(dependencies come from the running environment, no network needed for them) and
runs ``python -m xltool addin build`` from a folder outside the repository, so the
checkout's own ``macros/`` cannot be what is found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from xltool.addin.bundle import builds_without_isolation

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the wheel was installed into (``pip install --target``)."""
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, target = base / "src", base / "dist", base / "site"
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("xltool", "macros"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)]
    if builds_without_isolation():  # as `xltool bundle` builds it
        command.insert(4, "--no-build-isolation")
    _run(command, cwd=base)
    (wheel,) = wheels.glob("xltool-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "xltool/macros/xltool_ribbon.bas" in names and "xltool/macros/customUI14.xml" in names
    assert not any(name.startswith("macros/") for name in names)  # no stray top-level package
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], cwd=base)
    return target


def test_installed_wheel_builds_the_addin(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "外部文件夹"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("PYTHONHOME", None)
    where = _run([sys.executable, "-c", "import xltool, xltool.addin.build as a; print(xltool.__file__); print(a.find_macros_dir())"],
                 cwd=work, env=env).stdout.splitlines()
    assert Path(where[0]).is_relative_to(installed), where  # the wheel's copy, not this checkout
    assert Path(where[1]) == installed / "xltool" / "macros"

    done = _run([sys.executable, "-m", "xltool", "addin", "build", "-o", "x.xlam"], cwd=work, env=env)
    assert "已生成加载项" in done.stdout
    xlam = work / "x.xlam"
    assert xlam.is_file()
    modules = {name for _, _, name, _ in VBA_Parser(str(xlam)).extract_macros()}
    assert {"xlwings.bas", "xltool_ribbon.bas", "xltool_text.bas", "ThisWorkbook.cls", "Sheet1.cls"} <= modules
    with zipfile.ZipFile(xlam) as archive:
        assert archive.read("customUI/customUI14.xml") == (ROOT / "macros" / "customUI14.xml").read_bytes()


def test_installed_wheel_runs_the_doctor(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    done = subprocess.run([sys.executable, "-m", "xltool", "addin", "doctor"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    if sys.platform.startswith("linux"):
        assert done.returncode == 0, done.stdout + done.stderr
        assert "可以生成 xltool.xlam" in done.stdout and "Linux" in done.stdout
    assert "xltool 加载项检查" in done.stdout
