"""The offline Windows installer (``xltool bundle windows``).

Without network: the completeness check against hand-made wheels (markers evaluated
for Windows and the target Python, wheels for another Python ignored), and the
scripts' bytes (GBK, CRLF, every path quoted).

With a package index (marked ``network``; skipped with the reason when pip cannot
download): the bundle is built once by the CLI into a folder named in Chinese with a
space, and proved complete by resolving xltool and pywin32 from it alone for
win_amd64 (``pip install --no-index --find-links … --target``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xltool.addin import bundle_text
from xltool.addin.bundle import missing_requirements, supported_tags

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import bundle_prebuild as prebuild
except ImportError:  # pragma: no cover
    import bundle_prebuild as prebuild  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PY = prebuild.PY


# ---------------------------------------------------------------------------
# Completeness check (no network)
# ---------------------------------------------------------------------------


def _wheel(folder: Path, name: str, version: str, tag: str, requires: list[str]) -> None:
    dist = f"{name}-{version}.dist-info"
    meta = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}\n".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(folder / f"{name}-{version}-{tag}.whl", "w") as zf:
        zf.writestr(f"{dist}/METADATA", meta)
        zf.writestr(f"{name}/__init__.py", "")


@pytest.fixture()
def fake_index(tmp_path: Path) -> Path:
    _wheel(tmp_path, "xltool", "0.1.0", "py3-none-any", ["xlwings>=0.30", "click>=8", "uvicorn"])
    _wheel(tmp_path, "xlwings", "0.37.8", "cp311-cp311-win_amd64",
           ['pywin32>=224; platform_system == "Windows"', 'psutil>=2; platform_system == "Darwin"',
            'pandas; extra == "all"'])
    _wheel(tmp_path, "click", "8.1.0", "py3-none-any",
           ['colorama; platform_system == "Windows"', 'importlib-metadata; python_version < "3.8"'])
    _wheel(tmp_path, "uvicorn", "0.30.0", "py3-none-any", ['tomli>=1; python_version < "3.11"'])
    return tmp_path


def test_windows_only_dependencies_are_found_missing(fake_index: Path) -> None:
    """pip on Linux leaves pywin32 and colorama out; the check evaluates markers for Windows."""
    assert missing_requirements(fake_index, "3.11", roots=["xltool"]) == ["colorama", "pywin32>=224"]
    # tomli is needed only below 3.11: the target Python's version decides, not this machine's;
    # and the cp311 build of xlwings is no xlwings for 3.10
    assert missing_requirements(fake_index, "3.10", roots=["xltool"]) == ["colorama", "tomli>=1", "xlwings>=0.30"]


def test_complete_folder_and_wrong_builds(fake_index: Path) -> None:
    _wheel(fake_index, "colorama", "0.4.6", "py2.py3-none-any", [])
    _wheel(fake_index, "pywin32", "306", "cp311-cp311-win_amd64", [])
    assert missing_requirements(fake_index, "3.11", roots=["xltool"]) == []
    # the same pywin32 is useless to Python 3.12: a wheel for another CPython counts as absent
    _wheel(fake_index, "xlwings", "0.37.8", "cp312-cp312-win_amd64", ['pywin32>=224; platform_system == "Windows"'])
    assert "pywin32>=224" in missing_requirements(fake_index, "3.12", roots=["xltool"])
    # an old version that does not meet the specifier is not a match
    (fake_index / "pywin32-306-cp311-cp311-win_amd64.whl").unlink()
    _wheel(fake_index, "pywin32", "200", "cp311-cp311-win_amd64", [])
    assert missing_requirements(fake_index, "3.11", roots=["xltool"]) == ["pywin32>=224"]


def test_extras_are_followed(fake_index: Path) -> None:
    assert "pandas" in missing_requirements(fake_index, "3.11", roots=["xlwings[all]"])
    assert "pandas" not in missing_requirements(fake_index, "3.11", roots=["xlwings"])


def test_tags_are_windows_cpython() -> None:
    tags = supported_tags("3.11")
    assert {"cp311-cp311-win_amd64", "cp38-abi3-win_amd64", "py3-none-any"} <= tags
    assert not {"cp312-cp312-win_amd64", "cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-win32"} & tags


# ---------------------------------------------------------------------------
# The scripts' bytes (no network)
# ---------------------------------------------------------------------------

SCRIPTS = {
    "install": bundle_text.install_bat(PY),
    "uninstall": bundle_text.uninstall_bat(),
}
PATH_VARIABLES = ("%~dp0", "%~1", "%VENV%", "%VPY%", "%WHEELS%", "%LOCALAPPDATA%", "%XLTOOL_WPS_SERVER%")


@pytest.mark.parametrize("which", sorted(SCRIPTS))
def test_bat_is_gbk_with_crlf(which: str) -> None:
    data = SCRIPTS[which]
    text = data.decode("gbk")  # cmd.exe reads it in code page 936
    assert re.search("[\u4e00-\u9fff]", text), "the messages are Chinese"
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends in CRLF"
    assert data.endswith(b"\r\n") and not data.startswith(b"\xef\xbb\xbf")  # a BOM would be a bad first command
    assert text.splitlines()[0] == "@echo off"


@pytest.mark.parametrize("which", sorted(SCRIPTS))
def test_bat_multibyte_characters_hide_no_cmd_syntax(which: str) -> None:
    """A GBK trail byte that is ^ or | would split a line on a console in another code page."""
    for char in set(SCRIPTS[which].decode("gbk")):
        if ord(char) > 127:
            assert not set(char.encode("gbk")[1:]) & set(b"^|&<>%\"()"), char


@pytest.mark.parametrize("which", sorted(SCRIPTS))
def test_bat_quotes_every_path(which: str) -> None:
    for number, line in enumerate(SCRIPTS[which].decode("gbk").split("\r\n"), start=1):
        if line.lower().startswith("rem "):
            continue
        for variable in PATH_VARIABLES:
            for match in re.finditer(re.escape(variable), line):
                before = line[: match.start()]
                inside = before.count('"') % 2 == 1
                assert inside, f"line {number}: {variable} outside quotes: {line}"
        # "C:\dir\" would escape the closing quote in the program's argument parsing
        assert '\\"' not in line, f"line {number}: a quoted path ends in a backslash: {line}"


def test_install_bat_installs_offline_into_the_user_profile() -> None:
    text = SCRIPTS["install"].decode("gbk")
    assert 'set "WHEELS=%~dp0wheels"' in text
    assert r'set "VENV=%LOCALAPPDATA%\xltool\venv"' in text
    assert '"%VPY%" -m pip install --no-index --find-links "%WHEELS%"' in text
    assert "pywin32" in text and '"%VPY%" -m xltool addin install' in text
    assert "py -3.11-64 -c" in text and "(3, 11)" in text
    assert '-m xltool addin install --wps --server "%XLTOOL_WPS_SERVER%"' in text  # WPS only when IT names a server
    assert '-m xltool addin uninstall --wps' in SCRIPTS["uninstall"].decode("gbk")
    labels = set(re.findall(r"^:(\w+)", text, re.M))
    targets = set(re.findall(r"goto :(\w+)", text))
    assert targets <= labels, targets - labels


def test_readme_names_the_python_installer_and_the_undo() -> None:
    data = bundle_text.readme_txt("3.12", ["xltool-0.1.0-py3-none-any.whl"], "0.1.0")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "python-3.12.10-amd64.exe" in text and "卸载.bat" in text and "XLSTART" in text
    assert "xltool-0.1.0-py3-none-any.whl" in text


# ---------------------------------------------------------------------------
# The real bundle (needs the package index)
# ---------------------------------------------------------------------------


def _pip(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The bundle the CLI builds (once per test run), unpacked; skipped when no index answers.

    The build is started in the background as soon as the run has collected these tests
    (tests/bundle_prebuild.py, from tests/conftest.py), so its downloads hold no worker idle.
    """
    shared = prebuild.shared_folder(tmp_path_factory.getbasetemp())
    prebuild.start(shared)  # nothing to do when the run started it already
    built = prebuild.result(shared)
    if "skip" in built:
        pytest.skip(built["skip"])
    assert "error" not in built, built["error"]
    done = subprocess.CompletedProcess(["xltool", "bundle", "windows"], built["returncode"], built["stdout"],
                                       built["stderr"])
    assert done.returncode == 0, done.stderr
    return shared / "解压 后", done


@pytest.mark.network
def test_bundle_contents(bundle: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    folder, done = bundle
    names = sorted(p.name for p in (folder / "wheels").glob("*.whl"))
    assert f"已生成离线安装包：xltool-离线安装包.zip（{len(names)} 个程序包" in done.stdout
    assert {p.name for p in folder.iterdir()} == {"安装.bat", "卸载.bat", "说明.txt", "wheels"}
    assert (folder / "安装.bat").read_bytes() == bundle_text.install_bat(PY)
    assert any(n.startswith("pywin32-") and n.endswith("-cp311-cp311-win_amd64.whl") for n in names)
    assert any(n.startswith("xltool-") for n in names) and any(n.startswith("xlwings-") for n in names)
    assert not [n for n in names if n.endswith(".tar.gz") or "linux" in n or "macosx" in n]
    assert missing_requirements(folder / "wheels", PY) == []
    readme = (folder / "说明.txt").read_bytes()[3:].decode("utf-8")
    assert all(n in readme for n in names)


@pytest.mark.network
def test_bundle_resolves_alone_for_windows(bundle: tuple[Path, subprocess.CompletedProcess[str]],
                                           tmp_path: Path) -> None:
    folder, _ = bundle
    target = tmp_path / "site"
    done = _pip("install", "--no-index", "--find-links", str(folder / "wheels"), "--platform", "win_amd64",
                "--python-version", PY, "--only-binary=:all:", "--no-compile", "--target", str(target), "xltool", "pywin32")
    assert done.returncode == 0, done.stderr
    assert (target / "xltool" / "addin" / "bundle.py").is_file()
    assert (target / "xltool" / "macros" / "xltool_ribbon.bas").is_file()  # the add-in can be built from it
    assert (target / "win32com").is_dir() and (target / "xlwings").is_dir()
    assert list((target / "pydantic_core").glob("*.pyd")), "the Windows build of pydantic_core"


# ---------------------------------------------------------------------------
# The build's logic with pip replaced (no network)
# ---------------------------------------------------------------------------


class FakePip:
    """pip download that writes hand-made wheels; what it was asked for is recorded."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        if self.fail:
            return subprocess.CompletedProcess(args, 1, "", "ERROR: Could not find a version that satisfies the requirement")
        dest = Path(args[args.index("-d") + 1])
        wanted = " ".join(args)
        if "xltool-" in wanted:  # the first round: what pip on Linux gives (no colorama for click)
            _wheel(dest, "xlwings", "0.37.8", "cp311-cp311-win_amd64", ['pywin32>=224; platform_system == "Windows"'])
            _wheel(dest, "click", "8.1.0", "py3-none-any", ['colorama; platform_system == "Windows"'])
            _wheel(dest, "uvicorn", "0.30.0", "py3-none-any", [])
            _wheel(dest, "pywin32", "306", "cp311-cp311-win_amd64", [])
        if args[-1] == "colorama":
            _wheel(dest, "colorama", "0.4.6", "py2.py3-none-any", [])
        return subprocess.CompletedProcess(args, 0, "", "")


@pytest.fixture()
def own_wheel(tmp_path: Path) -> Path:
    folder = tmp_path / "own"
    folder.mkdir()
    _wheel(folder, "xltool", "0.1.0", "py3-none-any", ["xlwings>=0.30", "click>=8", "uvicorn"])
    return next(folder.glob("*.whl"))


def test_what_pip_leaves_out_is_downloaded_by_name(tmp_path: Path, own_wheel: Path) -> None:
    from xltool.addin.bundle import build_bundle

    pip = FakePip()
    out = tmp_path / "包 目录" / "xltool-离线安装包.zip"
    out.parent.mkdir()
    result = build_bundle(out, python="3.11", own_wheel=own_wheel, runner=pip)
    first = pip.calls[0]
    assert first[:1] == ["download"] and "pywin32" in first
    assert ["--platform", "win_amd64"] == first[first.index("--platform"):first.index("--platform") + 2]
    assert first[first.index("--python-version") + 1] == "3.11"
    assert pip.calls[1][-1] == "colorama"  # found missing by the Windows-marker check, fetched by name
    assert len(pip.calls) == 2
    assert any(n.startswith("colorama-") for n in result.wheels)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
    assert {"安装.bat", "卸载.bat", "说明.txt", "wheels/xltool-0.1.0-py3-none-any.whl"} <= names
    again = build_bundle(out, python="3.11", own_wheel=own_wheel, runner=FakePip())
    assert again.backup is not None and again.backup.is_file()  # the earlier zip is kept, not overwritten


def test_pip_failure_is_a_chinese_error_and_writes_nothing(tmp_path: Path, own_wheel: Path) -> None:
    from xltool.addin.bundle import build_bundle
    from xltool.core.errors import XltoolError

    out = tmp_path / "包.zip"
    with pytest.raises(XltoolError) as caught:
        build_bundle(out, python="3.12", own_wheel=own_wheel, runner=FakePip(fail=True))
    assert "下载 Windows（Python 3.12）程序包失败" in caught.value.message
    assert "Could not find a version" in caught.value.message
    assert not out.exists() and list(tmp_path.iterdir()) == [own_wheel.parent]


def test_cli_refuses_other_pythons_and_suffixes(tmp_path: Path) -> None:
    wrong = subprocess.run([sys.executable, "-m", "xltool", "bundle", "windows", "--python", "3.9"],
                           capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    assert wrong.returncode == 2 and "3.9" in wrong.stderr
    suffix = subprocess.run([sys.executable, "-m", "xltool", "bundle", "windows", "-o", "包.7z"],
                            capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)
    assert suffix.returncode == 2 and "离线安装包的文件名应以 .zip 结尾" in suffix.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("versions", "isolated"), [
    ({"setuptools": "84.2.1"}, False), ({"setuptools": "70.1.0"}, False), ({"setuptools": "69.5.1", "wheel": "0.43"}, False),
    ({"setuptools": "69.5.1"}, True), ({"setuptools": "65.5.0", "wheel": "0.43"}, True), ({}, True)])
def test_own_wheel_is_built_in_place_when_this_setuptools_can(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             versions: dict[str, str], isolated: bool) -> None:
    """pyproject.toml asks for setuptools >= 68 and bdist_wheel (in setuptools from 70.1, else the wheel
    package): with those here, pip builds in this environment instead of filling a fresh one from the index."""
    import importlib.metadata

    from xltool.addin import bundle as bundle_module

    def version(name: str) -> str:
        if name not in versions:
            raise importlib.metadata.PackageNotFoundError(name)
        return versions[name]

    monkeypatch.setattr(importlib.metadata, "version", version)
    calls: list[list[str]] = []

    def runner(args: list[str]) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        out = Path(args[args.index("-w") + 1])
        out.mkdir(parents=True)
        (out / "xltool-0.1.0-py3-none-any.whl").write_bytes(b"PK")
        return subprocess.CompletedProcess(args, 0, "", "")

    bundle_module.build_own_wheel(tmp_path, runner=runner)
    assert ("--no-build-isolation" not in calls[0]) == isolated, calls
