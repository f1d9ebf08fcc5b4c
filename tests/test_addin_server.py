"""``USE UDF SERVER``: install switches xlwings' persistent Python on (Windows), the doctor reports it.

The VBA facts this rests on are read out of the BUILT add-in with olevba: RunPython
reads the key and, on Windows, hands the command to the COM server after setting
``BOOK_CALLER``; the server's DLL is loaded from the interpreter's folder or its
parent. The installs write real files into a temporary home; the DLL is a real file
next to a Windows-like layout of ``python.exe`` (a venv and a plain install).
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from xltool.addin import build as addin
from xltool.addin import install as addin_install
from xltool.addin import udfserver
from xltool.addin.config import read_as_vba
from xltool.addin.doctor import ATTENTION, INFO, OK, Machine, diagnose
from xltool.addin.registry import DictRegistry
from xltool.cli.addin import addin_group
from xltool.core.errors import XltoolError

try:
    from tests.test_addin_ribbon import procedures
except ImportError:  # pragma: no cover - run from inside tests/
    from test_addin_ribbon import procedures  # type: ignore[no-redef]

VERSION = importlib.metadata.version("xlwings")
KEY = udfserver.SERVER_KEY
TITLE = "按钮的运行方式"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The xlwings runtime module as it sits in the built .xlam."""
    xlam = addin.build_addin(tmp_path_factory.mktemp("server") / "xltool.xlam")
    modules = {name: code for _, _, name, code in VBA_Parser(str(xlam)).extract_macros()}
    return next(code for code in modules.values() if "Function RunPython" in code)


def test_the_built_runtime_runs_clicks_in_the_com_server_when_the_key_is_true(runtime: str) -> None:
    body = procedures(runtime)["RunPython"]
    assert f'OPTIMIZED_CONNECTION = GetConfig("{KEY}", False)' in body
    windows = body[body.index("#Else", body.index("ExecuteMac PythonCommand, interpreter, PYTHONPATH")):]
    branch = windows[windows.index("If OPTIMIZED_CONNECTION = True Then"):windows.index("Else")]
    assert 'XLPy.SetAttr XLPy.Module("xlwings._xlwindows"), "BOOK_CALLER", ActiveWorkbook' in branch  # per click
    assert 'XLPy.Exec "" & PythonCommand & ""' in branch
    assert any("ExecuteWindows(False, PythonCommand" in line for line in windows)  # otherwise: a new python.exe


def test_the_dll_is_looked_for_where_udfserver_looks(runtime: str) -> None:
    load = " ".join(procedures(runtime)["XLPyLoadDLL"])
    assert 'LoadLibrary(ParentFolder(PYTHON_WIN) + "\\" + XLPyDLLName)' in load
    assert 'LoadLibrary(ParentFolder(ParentFolder(PYTHON_WIN)) + "\\" + XLPyDLLName)' in load
    declared = set(re.findall(r'XLPyDLLName As String = "([^"]+)"', runtime))
    assert declared == set(udfserver.dll_names(VERSION))  # 64-bit and 32-bit Excel
    assert udfserver.dll_places(r"C:\Users\张三\venv\Scripts\python.exe") == [r"C:\Users\张三\venv\Scripts",
                                                                          r"C:\Users\张三\venv"]


def test_parse_flag_is_vba_cbool() -> None:
    assert [udfserver.parse_flag(v) for v in ("True", "false", " TRUE ", "0", "-1", "", None)] == \
           [True, False, True, False, True, None, None]
    with pytest.raises(ValueError):
        udfserver.parse_flag("yes")


# --------------------------------------------------------------------------- install


def _pc(tmp_path: Path, layout: str = "venv") -> tuple[Path, dict[str, str], str, Path]:
    """A Windows user's home, environment, interpreter and config path; the DLL where pip puts it."""
    home = tmp_path / "Users" / "zhang"
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    if layout == "venv":  # the offline installer's %LOCALAPPDATA%\xltool\venv: sys.prefix is the venv
        prefix = home / "AppData" / "Local" / "xltool" / "venv"
        python = prefix / "Scripts" / "python.exe"
    else:  # python.org's installer: sys.prefix holds python.exe
        prefix = tmp_path / "Python311"
        python = prefix / "python.exe"
    python.parent.mkdir(parents=True)
    python.write_bytes(b"")
    if layout != "user":  # pip install --user puts data files elsewhere
        (prefix / f"xlwings64-{VERSION}.dll").write_bytes(b"MZ")
        (prefix / f"xlwings32-{VERSION}.dll").write_bytes(b"MZ")
    return home, env, str(python), home / ".xltool" / "xltool.conf"


def _install(home: Path, env: dict[str, str], python: str, **kwargs: object) -> addin_install.InstallResult:
    return addin_install.install_addin(platform="win32", home=home, env=env, interpreter=python, encoding="cp936",
                                       **kwargs)  # type: ignore[arg-type]


def _seen(conf: Path) -> dict[str, str]:
    return dict(read_as_vba(conf.read_bytes(), "cp936").pairs)


@pytest.mark.parametrize("layout", ["venv", "plain"])
def test_install_turns_the_persistent_python_on_where_the_dll_is(tmp_path: Path, layout: str) -> None:
    home, env, python, conf = _pc(tmp_path, layout)
    result = _install(home, env, python)
    assert _seen(conf) == {"INTERPRETER_WIN": python, KEY: "True"}
    assert conf.read_bytes().startswith(f'"INTERPRETER_WIN","{python}"\r\n'.encode("gbk"))
    assert any("常驻的 Python 进程" in n and "--fresh-process" in n and "重新启动 Excel" in n for n in result.notes)


def test_without_the_dll_clicks_stay_fresh_and_a_later_install_can_still_turn_it_on(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path, "user")
    result = _install(home, env, python)
    assert KEY not in _seen(conf)  # nothing written: the VBA's default is a new process per click
    assert any(f"xlwings64-{VERSION}.dll" in n and "每次点击启动新的 Python 进程" in n for n in result.notes)
    (Path(python).parents[1] / f"xlwings64-{VERSION}.dll").write_bytes(b"MZ")  # xlwings reinstalled
    _install(home, env, python)
    assert _seen(conf)[KEY] == "True"


def test_the_users_value_is_kept_and_the_flags_override_it(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b'"use udf server","false"\r\n"SHOW CONSOLE","True"\r\n')
    result = _install(home, env, python)
    assert read_as_vba(conf.read_bytes(), "cp936").pairs == [("INTERPRETER_WIN", python), ("use udf server", "false"),
                                                             ("SHOW CONSOLE", "True")]
    said = "\n".join(result.notes)
    assert "保留配置中已有的设置 USE UDF SERVER = false" in said and "--persistent-process" in said

    _install(home, env, python, fresh_process=False)
    seen = read_as_vba(conf.read_bytes(), "cp936")
    assert seen.get(KEY) == "True" and [k.upper() for k, _ in seen.pairs].count(KEY) == 1
    _install(home, env, python, fresh_process=True)
    assert _seen(conf)[KEY] == "False"
    _install(home, env, python)  # the opt-out survives a reinstall
    assert _seen(conf)[KEY] == "False" and _seen(conf)["SHOW CONSOLE"] == "True"


def test_an_invalid_value_is_replaced(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_bytes(f'"{KEY}","是"\r\n'.encode("gbk"))
    result = _install(home, env, python)
    assert _seen(conf)[KEY] == "True"
    assert any("“是”无效" in n and "类型不匹配" in n for n in result.notes)


def test_asking_for_the_server_without_its_dll_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path, "user")
    with pytest.raises(XltoolError) as caught:
        _install(home, env, python, fresh_process=False)
    assert f"xlwings64-{VERSION}.dll" in caught.value.message and "--force-reinstall xlwings" in caught.value.message
    assert not conf.exists()
    assert not (home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xltool.xlam").exists()


def test_macos_never_writes_the_key_and_says_why(tmp_path: Path) -> None:
    for fresh in (None, False, True):
        result = addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter="/opt/py/bin/python3",
                                             fresh_process=fresh)
        conf = tmp_path / "Library/Containers/com.microsoft.Excel/Data/xltool.conf"
        assert conf.read_bytes() == b'"INTERPRETER_MAC","/opt/py/bin/python3"\n'
        assert udfserver.MAC_NOTE in result.notes


def test_cli_passes_the_choice_and_refuses_it_with_wps(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def install(**kwargs: object) -> addin_install.InstallResult:  # the real one needs Windows or macOS
        seen.append(kwargs["fresh_process"])
        return addin_install.InstallResult(addin=Path("xltool.xlam"), config_file=Path("xltool.conf"), notes=["说明"])

    monkeypatch.setattr(addin_install, "install_addin", install)
    runner = CliRunner()
    for args in ([], ["--fresh-process"], ["--persistent-process"]):
        done = runner.invoke(addin_group, ["install", *args])
        assert done.exit_code == 0 and "说明" in done.output
    assert seen == [None, True, False]
    done = runner.invoke(addin_group, ["install", "--wps", "--fresh-process"])
    assert done.exit_code != 0 and "不能与 --wps 一起使用" in done.output
    assert "--fresh-process" in runner.invoke(addin_group, ["install", "--help"]).output


# --------------------------------------------------------------------------- doctor


def _machine(home: Path, env: dict[str, str], python: str, platform: str = "x64") -> Machine:
    registry = {r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration": {"Platform": platform}}
    return Machine(platform="windows", env=env, home=home, interpreter=python, python_version="3.11.9", python_bits=64,
                   xlwings_version=VERSION, encoding="cp936", registry=DictRegistry(registry),
                   check_python=lambda path: None, build_inputs=lambda: None)


def _server_check(machine: Machine) -> tuple[str, str, str]:
    (check,) = [c for c in diagnose(machine).checks if c.title == TITLE]
    return check.status, check.detail, check.advice


def test_doctor_reports_the_persistent_python_and_a_missing_dll(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path)
    _install(home, env, python)
    status, detail, _ = _server_check(_machine(home, env, python))
    assert status == OK and f"{KEY} = True" in detail and f"xlwings64-{VERSION}.dll" in detail and "升级" in detail

    (Path(python).parents[1] / f"xlwings32-{VERSION}.dll").unlink()  # 32-bit Excel needs the other one
    machine = _machine(home, env, python, platform="x86")
    status, detail, advice = _server_check(machine)
    assert status == ATTENTION and f"xlwings32-{VERSION}.dll" in detail and "每次点击都会报错" in detail
    assert f'"{python}" -m pip install --force-reinstall xlwings' in advice and "--fresh-process" in advice
    assert diagnose(machine).exit_code == 1


def test_doctor_reports_a_fresh_process_and_an_invalid_value(tmp_path: Path) -> None:
    home, env, python, conf = _pc(tmp_path)
    _install(home, env, python, fresh_process=True)
    status, detail, advice = _server_check(_machine(home, env, python))
    assert status == INFO and "每次点击都启动新的 Python 进程" in detail and "--persistent-process" in advice
    conf.write_bytes(conf.read_bytes().replace(b'"False"', b'"yes"'))
    status, detail, _ = _server_check(_machine(home, env, python))
    assert status == ATTENTION and "类型不匹配" in detail


def test_doctor_on_macos_says_there_is_no_server(tmp_path: Path) -> None:
    python = "/opt/py/bin/python3"
    addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter=python)
    machine = Machine(platform="macos", env={}, home=tmp_path, interpreter=python, python_version="3.12.4",
                      python_bits=64, xlwings_version=VERSION, encoding="utf-8", check_python=lambda path: None,
                      build_inputs=lambda: None)
    assert _server_check(machine) == (INFO, udfserver.MAC_NOTE, "")
