"""Tests for xltool.addin: the .xlam package, its VBA, the ribbon, install/uninstall.

What Excel itself does with the file cannot be tested here; olevba, olefile and
LibreOffice (which has its own VBA importer) stand in as independent readers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from oletools.olevba import VBA_Parser

from xltool.addin import build as addin
from xltool.addin import install as addin_install
from xltool.addin import vba
from xltool.cli.addin import addin_group
from xltool.core.errors import XltoolError

MACROS = Path(__file__).resolve().parent.parent / "macros"
RIBBON_BAS = MACROS / "xltool_ribbon.bas"
CUSTOM_UI = MACROS / "customUI14.xml"
CUI_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
EXPECTED_TARGETS = {"validate_active_sheet", "validate_workbook", "clear_marks", "new_project_sheet", "show_help"}
EXPECTED_BUTTONS = ["校验本表", "校验全部", "清除标记", "新建项目表", "帮助"]
LINUX_MESSAGE = (
    "未检测到 Microsoft Excel：Linux 上无法安装加载项，请在 Windows 或 macOS 上运行 xltool addin install。"
    "`xltool addin build` 仍可生成 .xlam 文件。"
)


def _xlwings_dir() -> Path:
    spec = importlib.util.find_spec("xlwings")
    assert spec and spec.origin
    return Path(spec.origin).parent


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@pytest.fixture(scope="module")
def xlam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return addin.build_addin(tmp_path_factory.mktemp("build") / "xltool.xlam")


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    return ElementTree.fromstring(archive.read(name))


# --------------------------------------------------------------------------- package


def test_package_parts_and_relationships(xlam: Path) -> None:
    with zipfile.ZipFile(xlam) as archive:
        assert archive.testzip() is None
        assert archive.namelist()[0] == "[Content_Types].xml"
        types = _xml(archive, "[Content_Types].xml")
        overrides = {e.get("PartName"): e.get("ContentType") for e in types if e.tag.endswith("Override")}
        assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
        for part in overrides:
            assert part.lstrip("/") in archive.namelist()

        root_rels = {e.get("Type"): e.get("Target") for e in _xml(archive, "_rels/.rels")}
        office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        ui = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
        assert root_rels[office] == "xl/workbook.xml"
        assert root_rels[ui] == "customUI/customUI14.xml"
        assert archive.read("customUI/customUI14.xml") == CUSTOM_UI.read_bytes()

        wb_rels = {e.get("Type"): e.get("Target") for e in _xml(archive, "xl/_rels/workbook.xml.rels")}
        assert wb_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
        for target in wb_rels.values():
            assert f"xl/{target}" in archive.namelist()

        main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        workbook = _xml(archive, "xl/workbook.xml")
        assert workbook.find(f"{main}workbookPr").get("codeName") == "ThisWorkbook"
        assert len(workbook.find(f"{main}sheets")) == 1
        sheet = _xml(archive, "xl/worksheets/sheet1.xml")
        assert sheet.find(f"{main}sheetPr").get("codeName") == "Sheet1"


def test_document_modules_match_workbook_code_names(xlam: Path) -> None:
    parser = VBA_Parser(str(xlam))
    names = {name for _, _, name, _ in parser.extract_macros()}
    assert {"ThisWorkbook.cls", "Sheet1.cls"} <= names


def test_build_is_reproducible_and_atomic(tmp_path: Path, xlam: Path) -> None:
    target = tmp_path / "sub" / "xltool.xlam"
    with pytest.raises(XltoolError, match="不存在"):  # like every other output: the folder must exist
        addin.build_addin(target)
    assert not target.parent.exists()
    target.parent.mkdir()
    addin.build_addin(target)
    assert target.read_bytes() == xlam.read_bytes()
    target.write_bytes(b"old")
    addin.build_addin(target)  # replaces an existing file
    assert target.read_bytes() == xlam.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["xltool.xlam"]


def test_failed_build_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "xltool.xlam"
    target.write_bytes(b"previous add-in")
    calls = []

    def failing_writestr(self: zipfile.ZipFile, info: object, data: bytes) -> None:
        calls.append(info)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(XltoolError) as caught:
        addin.build_addin(target)
    assert calls
    assert caught.value.exit_code == 2 and caught.value.file == str(target)
    assert target.read_bytes() == b"previous add-in"
    assert [p.name for p in tmp_path.iterdir()] == ["xltool.xlam"]


# --------------------------------------------------------------------------- VBA inside


def test_every_module_extracts_with_identical_source(xlam: Path) -> None:
    xw = _xlwings_dir()
    runtime = (xw / "xlwings_custom_addin.bas").read_text().replace(
        'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xltool"'
    )
    dictionary_body = (xw / "addin" / "Dictionary.cls").read_text().split("\n")
    dictionary_body = [line.rstrip("\r") for line in dictionary_body if not line.startswith(("VERSION", "BEGIN", "  MultiUse", "END", "Attribute VB_"))]

    extracted = {name: code for _, _, name, code in VBA_Parser(str(xlam)).extract_macros()}
    assert set(extracted) == {
        "ThisWorkbook.cls", "Sheet1.cls", "xlwings.bas", "Dictionary.cls", "xltool_text.bas", "xltool_ribbon.bas"
    }
    assert extracted["xltool_ribbon.bas"] == _crlf(RIBBON_BAS.read_bytes().decode("ascii"))
    assert extracted["xlwings.bas"] == _crlf(runtime)
    assert [line for line in extracted["Dictionary.cls"].split("\r\n") if not line.startswith("Attribute VB_")] == dictionary_body
    for module in addin.build_modules():
        suffix = "bas" if module.kind is vba.ModuleKind.STANDARD else "cls"
        assert extracted[f"{module.name}.{suffix}"] == module.source
    sizes = {name: len(code) for name, code in extracted.items()}
    assert sizes["xlwings.bas"] > 40_000 and sizes["Dictionary.cls"] > 10_000


def test_runtime_reads_xltool_config() -> None:
    source = addin.xlwings_runtime_source()
    assert 'Public Const PROJECT_NAME As String = "xltool"' in source
    assert "myaddin" not in source
    # The config path is built from PROJECT_NAME: %USERPROFILE%\.xltool\xltool.conf
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in source
    assert addin.xlwings_version(source) == importlib.metadata.version("xlwings")


def test_unexpected_runtime_is_reported(tmp_path: Path) -> None:
    (tmp_path / "xlwings_custom_addin.bas").write_text('Attribute VB_Name = "xlwings"\r\n')
    with pytest.raises(XltoolError, match="PROJECT_NAME"):
        addin.build_modules(package_dir=tmp_path)


def test_missing_xlwings_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(XltoolError, match="xlwings") as caught:
        addin.build_addin(tmp_path / "x.xlam")
    assert caught.value.exit_code == 2
    assert not (tmp_path / "x.xlam").exists()


# --------------------------------------------------------------------------- ribbon


def _ribbon_subs() -> set[str]:
    text = RIBBON_BAS.read_text(encoding="ascii")
    return set(re.findall(r"^Sub (\w+)\(control As IRibbonControl\)\s*$", text, re.MULTILINE))


def _run_python_commands() -> list[str]:
    return re.findall(r'RunPython "([^\r\n]*)"\s*$', RIBBON_BAS.read_text(encoding="ascii"), re.MULTILINE)


def test_ribbon_xml() -> None:
    root = ElementTree.parse(CUSTOM_UI).getroot()
    assert root.tag == f"{CUI_NS}customUI"
    tabs = root.findall(f"./{CUI_NS}ribbon/{CUI_NS}tabs/{CUI_NS}tab")
    assert [tab.get("label") for tab in tabs] == ["绩效目标"]
    buttons = tabs[0].findall(f".//{CUI_NS}button")
    assert [b.get("label") for b in buttons] == EXPECTED_BUTTONS
    assert all(b.get("imageMso") for b in buttons)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_every_on_action_has_its_sub() -> None:
    root = ElementTree.parse(CUSTOM_UI).getroot()
    actions = [e.get("onAction") for e in root.iter() if e.get("onAction")]
    assert len(actions) == 5
    subs = _ribbon_subs()
    for action in actions:
        module, _, sub = action.rpartition(".")
        assert module in ("", addin.RIBBON_MODULE)
        assert sub in subs, action
    assert subs == {a.rpartition(".")[2] for a in actions}


def test_ribbon_module_is_ascii_and_calls_the_excel_entry_points() -> None:
    RIBBON_BAS.read_bytes().decode("ascii")  # code page independent
    commands = _run_python_commands()
    assert len(commands) == 5
    targets = set()
    for command in commands:
        assert '"' not in command  # goes through cmd.exe /C inside double quotes
        match = re.fullmatch(r"import xltool\.addin\.ribbon as m; m\.(\w+)\(\)", command)
        assert match, command
        targets.add(match.group(1))
    assert targets == EXPECTED_TARGETS


def test_excel_entry_points_exist() -> None:
    excel = pytest.importorskip("xltool.addin.ribbon")
    for name in EXPECTED_TARGETS:
        assert callable(getattr(excel, name, None)), f"xltool.addin.ribbon.{name} is missing"


# --------------------------------------------------------------------------- install


def test_install_and_uninstall_on_windows(tmp_path: Path) -> None:
    home = tmp_path / "Users" / "zhang"
    env = {"APPDATA": str(home / "AppData" / "Roaming"), "USERPROFILE": str(home)}
    python = r"C:\Users\zhang\AppData\Local\Programs\Python\Python311\python.exe"
    conf = home / ".xltool" / "xltool.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b'"INTERPRETER_WIN","C:\\old\\python.exe"\r\n"SHOW CONSOLE","True"\r\n')

    result = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=python)
    target = home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xltool.xlam"
    assert result.addin == target and target.is_file()
    assert zipfile.ZipFile(target).read("customUI/customUI14.xml") == CUSTOM_UI.read_bytes()
    assert result.config_file == conf
    assert conf.read_bytes() == f'"INTERPRETER_WIN","{python}"\r\n"SHOW CONSOLE","True"\r\n'.encode()

    again = addin_install.install_addin(platform="win32", home=home, env=env, interpreter=python)
    assert conf.read_bytes().count(b"INTERPRETER_WIN") == 1
    assert again.addin == target

    removed = addin_install.uninstall_addin(platform="win32", home=home, env=env)
    assert removed.removed == [target, conf]
    assert not target.exists() and not conf.parent.exists()
    assert addin_install.uninstall_addin(platform="win32", home=home, env=env).removed == []


def test_windows_paths_fall_back_to_home(tmp_path: Path) -> None:
    where = addin_install.install_locations("win32", tmp_path, env={})
    assert where.startup_dir == tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    assert where.config_file == tmp_path / ".xltool" / "xltool.conf"


def test_install_and_uninstall_on_macos(tmp_path: Path) -> None:
    result = addin_install.install_addin(platform="darwin", home=tmp_path, env={}, interpreter="/opt/py/bin/python3")
    startup = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    conf = tmp_path / "Library/Containers/com.microsoft.Excel/Data/xltool.conf"
    version = importlib.metadata.version("xlwings")
    script = tmp_path / f"Library/Application Scripts/com.microsoft.Excel/xlwings-{version}.applescript"
    assert result.addin == startup / "xltool.xlam" and result.addin.is_file()
    assert conf.read_bytes() == b'"INTERPRETER_MAC","/opt/py/bin/python3"\n'
    assert script.read_bytes() == (_xlwings_dir() / script.name).read_bytes()
    assert result.written == [startup / "xltool.xlam", conf, script]

    removed = addin_install.uninstall_addin(platform="darwin", home=tmp_path, env={})
    assert removed.removed == [startup / "xltool.xlam", conf]
    assert script.exists()  # shared with the xlwings add-in


def test_linux_is_refused_with_a_chinese_message(tmp_path: Path) -> None:
    with pytest.raises(XltoolError) as caught:
        addin_install.install_addin(platform="linux", home=tmp_path)
    assert caught.value.message == LINUX_MESSAGE
    assert caught.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_uninstall_on_linux_has_nothing_to_remove(tmp_path: Path) -> None:
    result = addin_install.uninstall_addin(platform="linux", home=tmp_path)  # not "run addin install"
    assert result.removed == [] and "不会在这里安装加载项" in result.notes[0]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- CLI


def test_cli_build(tmp_path: Path, xlam: Path) -> None:
    out = tmp_path / "加载项.xlam"
    result = CliRunner().invoke(addin_group, ["build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成加载项" in result.output
    assert out.read_bytes() == xlam.read_bytes()


def test_cli_help_is_chinese() -> None:
    result = CliRunner().invoke(addin_group, ["--help"])
    assert result.exit_code == 0
    assert "生成" in result.output and "安装" in result.output and "卸载" in result.output
    assert set(addin_group.commands) == {"build", "install", "uninstall", "doctor"}


def test_cli_install_on_linux_raises_the_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addin_install.sys, "platform", "linux")
    result = CliRunner().invoke(addin_group, ["install"])
    assert isinstance(result.exception, XltoolError)  # cli.py turns it into text + exit 2
    assert result.exception.exit_code == 2


# --------------------------------------------------------------------------- LibreOffice

_LO_SCRIPT = """
doc = load(ARGS["path"], FilterName="Calc MS Excel 2007 VBA XML")
libs = doc.BasicLibraries
result = {"libraries": {}, "codeName": doc.CodeName}
for name in libs.getElementNames():
    libs.loadLibrary(name)
    lib = libs.getByName(name)
    result["libraries"][name] = {m: lib.getByName(m) for m in lib.getElementNames()}
doc.close(True)
"""


@pytest.mark.libreoffice
def test_libreoffice_loads_the_vba_project(xlam: Path) -> None:
    """LibreOffice's own VBA importer (dir stream, module streams, CFB) reads every module."""
    if shutil.which("soffice") is None:
        pytest.skip("soffice (LibreOffice) is not on PATH")
    try:  # `python -m pytest` puts the repo root on sys.path, bare `pytest` puts tests/
        from tests.lo_helper import need, run_uno_script, uno_available
    except ImportError:
        from lo_helper import need, run_uno_script, uno_available  # type: ignore[no-redef]

    need(uno_available(), "python3-uno is not installed")
    result = run_uno_script(_LO_SCRIPT, timeout=240, args={"path": str(xlam)})
    assert result["codeName"] == "ThisWorkbook"
    modules = result["libraries"]["xltool"]  # the library is named after the VBA project
    expected_type = {
        vba.ModuleKind.STANDARD: "VBAModule",
        vba.ModuleKind.CLASS: "VBAClassModule",
        vba.ModuleKind.DOCUMENT: "VBADocumentModule",
    }
    built = addin.build_modules()
    assert set(modules) == {m.name for m in built}
    for module in built:
        lo_lines = modules[module.name].split("\n")
        assert lo_lines[0] == f"Rem Attribute VBA_ModuleType={expected_type[module.kind]}"
        # LibreOffice drops Attribute lines and adds its own Option lines.
        lo_body = [line for line in lo_lines[1:] if not line.startswith(("Option VBASupport", "Option ClassModule"))]
        ours = [line for line in module.source.split("\r\n") if not line.startswith("Attribute ")]
        while lo_body and not lo_body[-1]:
            lo_body.pop()
        while ours and not ours[-1]:
            ours.pop()
        assert lo_body == ours, module.name
