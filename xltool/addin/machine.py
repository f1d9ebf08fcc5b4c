"""What the add-in doctor knows about a computer, each probe replaceable so tests can stage any machine.

:class:`Machine.current` looks at this one (platform, Python, xlwings, code page, the
Windows registry); :func:`xltool.addin.doctor.diagnose` judges any :class:`Machine`
without touching the real system, which is how Windows and macOS are checked on Linux.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from xltool.addin import config as addin_config
from xltool.addin import registry as addin_registry

MAC_EXCEL = "/Applications/Microsoft Excel.app"


def _xlwings_version() -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        return None


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)  # also equates a path and its 8.3 short form
    except OSError:
        return os.path.normcase(a) == os.path.normcase(b)


def _check_python(interpreter: str) -> str | None:
    """None if ``interpreter`` can import xlwings and xltool, else why not (one line)."""
    import subprocess

    if same_file(interpreter, sys.executable):
        return None if _xlwings_version() else "No module named 'xlwings'"
    try:
        done = subprocess.run(
            [interpreter, "-c", "import xlwings, xltool"], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"无法运行（{exc}）"
    if done.returncode == 0:
        return None
    lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"退出码 {done.returncode}"


def _mac_excel_version() -> str | None:
    import plistlib

    try:
        with open(f"{MAC_EXCEL}/Contents/Info.plist", "rb") as handle:
            return str(plistlib.load(handle).get("CFBundleShortVersionString") or "") or None
    except (OSError, ValueError):
        return None


def _build_inputs() -> str | None:
    """None if ``xltool addin build`` finds everything it needs, else the Chinese reason."""
    from xltool.addin import build as addin
    from xltool.core.errors import XltoolError

    try:
        macros = addin.find_macros_dir()
        addin.xlwings_runtime_source()
    except XltoolError as exc:
        return exc.describe()
    return None if (macros / "customUI14.xml").is_file() else "缺少 customUI14.xml。"


@dataclass
class Machine:
    """What the doctor knows about a computer; :meth:`current` probes this one."""

    platform: str  # "windows", "macos" or "linux"
    env: Mapping[str, str]
    home: Path
    interpreter: str
    python_version: str
    python_bits: int
    xlwings_version: str | None
    encoding: str  # what the add-in's VBA decodes xltool.conf with
    registry: addin_registry.Registry | None = None
    exists: Callable[[str], bool] = os.path.exists
    check_python: Callable[[str], str | None] = _check_python
    mac_excel_version: Callable[[], str | None] = _mac_excel_version
    build_inputs: Callable[[], str | None] = _build_inputs

    @classmethod
    def current(cls) -> Machine:
        from xltool.addin import install as addin_install

        platform = addin_install.normalise_platform(None)
        return cls(
            platform=platform,
            env=os.environ,
            home=Path.home(),
            interpreter=sys.executable,
            python_version=sys.version.split()[0],
            python_bits=64 if sys.maxsize > 2**32 else 32,
            xlwings_version=_xlwings_version(),
            encoding=addin_config.config_encoding(platform),
            registry=addin_registry.default_registry() if platform == "windows" else None,
        )
