"""The offline Windows installer: one zip that puts xltool on an office PC without internet.

Built on any machine that reaches a package index: xltool's own wheel (from this
source tree), every dependency as a ``win_amd64`` wheel for one CPython minor version
(wheels are per version), the scripts of :mod:`.bundle_text`.

The trap this module exists for: pip evaluates environment markers against the
machine it runs on, even with ``--platform win_amd64``, so xlwings' ``pywin32;
platform_system == "Windows"`` (and click's ``colorama``) are silently left out on
Linux. pywin32 is named explicitly, and then the bundle's own metadata is walked with
the markers evaluated for Windows and the target Python (:func:`missing_requirements`);
whatever is still missing is downloaded too, and a bundle that stays incomplete is
refused rather than shipped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Callable, Iterable

from xltool.addin import bundle_text
from xltool.core.errors import XltoolError
from xltool.io.files import atomic_output, backup_file
from xltool.io.tempdirs import owned_tempdir

PYTHON_VERSIONS = tuple(bundle_text.PYTHON_INSTALLERS)
DEFAULT_PYTHON = "3.11"
PLATFORM = "win_amd64"
EXPLICIT = ("pywin32",)  # xlwings' Windows-only dependency: what drives Excel
_ROUNDS = 12  # rounds of downloads (one level of the dependency tree each) before giving up

Runner = Callable[[list[str]], subprocess.CompletedProcess[str]]


@dataclass
class BundleResult:
    output: Path
    python: str
    wheels: list[str]  # file names, sorted
    size: int  # bytes of the zip
    backup: Path | None = None
    notes: list[str] = field(default_factory=list)


def windows_environment(python: str, extra: str = "") -> dict[str, str]:
    """Marker variables of 64-bit CPython ``python`` on Windows (PEP 508)."""
    return {
        "implementation_name": "cpython", "implementation_version": f"{python}.0", "os_name": "nt",
        "platform_machine": "AMD64", "platform_python_implementation": "CPython", "platform_release": "10",
        "platform_system": "Windows", "platform_version": "10.0", "python_full_version": f"{python}.0",
        "python_version": python, "sys_platform": "win32", "extra": extra,
    }


def supported_tags(python: str) -> set[str]:
    """Wheel tags 64-bit CPython ``python`` on Windows installs (``cp311-cp311-win_amd64`` …)."""
    from packaging import tags

    version = tuple(int(p) for p in python.split("."))
    found = list(tags.cpython_tags(version, platforms=[PLATFORM]))
    found += tags.compatible_tags(version, f"cp{python.replace('.', '')}", platforms=[PLATFORM])
    return {str(t) for t in found}


@dataclass(frozen=True)
class _Wheel:
    name: str  # canonical
    version: object  # packaging Version
    tags: frozenset[str]
    requires: tuple[str, ...]


def _read_wheel(path: Path) -> _Wheel:
    from packaging.utils import parse_wheel_filename

    name, version, _, tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as zf:
        meta = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1), None)
        text = zf.read(meta).decode("utf-8") if meta else ""
    requires = tuple(HeaderParser().parsestr(text).get_all("Requires-Dist") or [])
    return _Wheel(str(name), version, frozenset(str(t) for t in tags), requires)


def missing_requirements(folder: Path, python: str, roots: Iterable[str] = ("xltool", *EXPLICIT)) -> list[str]:
    """Requirements of ``roots`` (transitively, extras followed) that no wheel in ``folder`` meets.

    Markers are evaluated for Windows and ``python``, not for this machine; a wheel
    that 64-bit CPython ``python`` on Windows cannot install counts as absent.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    usable = supported_tags(python)
    wheels: dict[str, list[_Wheel]] = {}
    for path in sorted(folder.glob("*.whl")):
        wheel = _read_wheel(path)
        if wheel.tags & usable:
            wheels.setdefault(wheel.name, []).append(wheel)
    missing: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [Requirement(r) for r in roots]
    while queue:
        req = queue.pop()
        name = canonicalize_name(req.name)
        matching = [w for w in wheels.get(name, []) if req.specifier.contains(w.version, prereleases=True)]
        if not matching:
            if str(req) not in missing:
                missing.append(str(req))
            continue
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        wheel = max(matching, key=lambda w: w.version)
        for text in wheel.requires:
            dep = Requirement(text)
            if dep.marker is None or any(dep.marker.evaluate(windows_environment(python, e))
                                         for e in ("", *sorted(req.extras))):
                queue.append(Requirement(f"{dep.name}{'[' + ','.join(sorted(dep.extras)) + ']' if dep.extras else ''}"
                                         f"{dep.specifier}"))
    return sorted(missing)


# ---------------------------------------------------------------------------
# pip
# ---------------------------------------------------------------------------


def run_pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    """``python -m pip …`` with this interpreter (replaceable in tests)."""
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", check=False)


def _pip_tail(done: subprocess.CompletedProcess[str], lines: int = 6) -> str:
    noise = ("is ignored: it is neither a file nor a directory", "[notice]")
    kept = [line for line in (done.stderr + "\n" + done.stdout).splitlines()
            if line.strip() and not any(n in line for n in noise)]
    return "\n".join(kept[-lines:])


def download(requirements: list[str], dest: Path, python: str, runner: Runner = run_pip) -> None:
    """``pip download`` win_amd64 wheels for CPython ``python`` (binary only) into ``dest``.

    Without their dependencies: pip would evaluate their markers for this machine (a Linux-only
    dependency asked for, a Windows-only one left out); :func:`missing_requirements` walks them instead.
    """
    done = runner(["download", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:", "--platform",
                   PLATFORM, "--python-version", python, "--implementation", "cp", "-d", str(dest), *requirements])
    if done.returncode != 0:
        raise XltoolError(
            f"下载 Windows（Python {python}）程序包失败。生成离线安装包需要能访问软件包索引（pip 的配置）。"
            f"pip 的输出：\n{_pip_tail(done)}"
        )


def source_root() -> Path:
    """The xltool source tree this program runs from (its own wheel is built from it)."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if not (pyproject.is_file() and (root / "setup.py").is_file() and 'name = "xltool"' in pyproject.read_text(
            encoding="utf-8")):
        raise XltoolError("生成离线安装包需要 xltool 的源代码目录（含 pyproject.toml）；当前运行的是已安装的副本。"
                          "请在源代码目录中运行，或用 --wheel 指定已生成的 xltool 程序包（.whl）")
    return root


def builds_without_isolation() -> bool:
    """Whether this environment's setuptools can build xltool itself (pyproject.toml asks for >= 68;
    bdist_wheel is in setuptools from 70.1, before that in the ``wheel`` package). Then the wheel is
    built here, not in a fresh environment pip fills from the package index: seconds faster, and
    no index needed for the build."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    if (major, minor) >= (70, 1):
        return True
    try:
        version("wheel")
    except PackageNotFoundError:
        return False
    return major >= 68


def build_own_wheel(dest: Path, runner: Runner = run_pip, root: Path | None = None) -> Path:
    """xltool's wheel, built from a copy of the source (the checkout gets no build/ folder)."""
    root = root or source_root()
    with owned_tempdir("wheel") as tmp:  # a killed build leaves nothing the next run does not sweep
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "setup.py", "README.md"):
            shutil.copy2(root / name, source / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")
        for name in ("xltool", "macros"):
            shutil.copytree(root / name, source / name, ignore=ignore)
        out = Path(tmp) / "dist"
        isolation = ["--no-build-isolation"] if builds_without_isolation() else []
        done = runner(["wheel", "--disable-pip-version-check", "--no-deps", *isolation, "-q", "-w", str(out), str(source)])
        found = sorted(out.glob("xltool-*.whl"))
        if done.returncode != 0 or not found:
            raise XltoolError(f"生成 xltool 程序包（.whl）失败。pip 的输出：\n{_pip_tail(done)}")
        target = dest / found[0].name
        shutil.copy2(found[0], target)
    return target


# ---------------------------------------------------------------------------
# The bundle
# ---------------------------------------------------------------------------


def collect_wheels(dest: Path, python: str, *, own_wheel: Path | None = None, runner: Runner = run_pip) -> list[str]:
    """Fill ``dest`` with xltool's wheel and every Windows dependency; returns the file names."""
    wheel = dest / own_wheel.name if own_wheel else build_own_wheel(dest, runner)
    if own_wheel:
        shutil.copy2(own_wheel, wheel)
    for _ in range(_ROUNDS):
        missing = missing_requirements(dest, python)
        if not missing:
            break
        download(missing, dest, python, runner)
    else:
        missing = missing_requirements(dest, python)
    if missing:
        raise XltoolError(f"离线安装包不完整：找不到适用于 Windows、Python {python} 的程序包：{'、'.join(missing)}")
    return sorted(p.name for p in dest.glob("*.whl"))


def build_bundle(output: Path, *, python: str = DEFAULT_PYTHON, own_wheel: Path | None = None,
                 wheel_cache: Path | None = None, runner: Runner = run_pip) -> BundleResult:
    """Write the offline installer zip for CPython ``python`` on 64-bit Windows.

    ``wheel_cache``: a folder of wheels kept between builds (pip skips files already
    there); by default a temporary folder. An existing ``output`` is backed up first.
    """
    from xltool import __version__

    if python not in PYTHON_VERSIONS:
        raise XltoolError(f"不支持的 Python 版本 {python}：可选 {'、'.join(PYTHON_VERSIONS)}")
    output = Path(output)
    if output.suffix.lower() != ".zip":
        raise XltoolError("离线安装包的文件名应以 .zip 结尾", file=output)
    with owned_tempdir("bundle") as tmp:
        folder = Path(wheel_cache) / f"py{python}" if wheel_cache else Path(tmp) / "wheels"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("xltool-*.whl"):
            old.unlink()  # this build's own wheel only
        names = collect_wheels(folder, python, own_wheel=own_wheel, runner=runner)
        backup = backup_file(output) if output.exists() else None
        with atomic_output(output) as temp:
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(bundle_text.INSTALL_BAT, bundle_text.install_bat(python))
                zf.writestr(bundle_text.UNINSTALL_BAT, bundle_text.uninstall_bat())
                zf.writestr(bundle_text.README_TXT, bundle_text.readme_txt(python, names, __version__))
                for name in names:  # wheels are zips already: stored, not deflated again
                    zf.write(folder / name, f"{bundle_text.WHEELS_DIR}/{name}", compress_type=zipfile.ZIP_STORED)
    return BundleResult(output=output, python=python, wheels=names, size=output.stat().st_size, backup=backup)
