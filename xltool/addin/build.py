"""Build, install and uninstall the xltool Excel add-in (``xltool.xlam``).

Why it is built rather than checked in: a binary ``.xlam`` cannot be reviewed or
merged, and the xlwings VBA runtime inside it must match the xlwings version
installed next to xltool. So the add-in is assembled at build time from

* the xlwings runtime module ``xlwings_custom_addin.bas`` of the *installed* xlwings
  (its ``PROJECT_NAME`` set to ``xltool``, so it reads ``xltool.conf``),
* xlwings' ``Dictionary`` class module (needed by that runtime on macOS only),
* ``macros/xltool_ribbon.bas`` (ribbon callbacks) and ``macros/customUI14.xml``,
* two document modules, ``ThisWorkbook`` and ``Sheet1``, matching the codeNames in
  ``workbook.xml``/``sheet1.xml``: every workbook Excel saves has one per sheet plus
  one for the workbook, so the project mirrors that instead of relying on Excel
  repairing a mismatch.

The VBA project is written by :mod:`xltool.addin.vba`. Nothing here imports xlwings (its
location is looked up with :func:`importlib.util.find_spec`) and the VBA writer is
imported only when building, which keeps ``import xltool.addin`` (and thus the CLI
start-up) cheap.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xltool.core.errors import XltoolError

if TYPE_CHECKING:  # imported lazily below: only building needs the VBA writer
    from xltool.addin import vba

__all__ = [
    "ADDIN_FILENAME",
    "InstallLocations",
    "InstallResult",
    "addin_group",
    "build_addin",
    "build_modules",
    "install_addin",
    "install_locations",
    "uninstall_addin",
]

ADDIN_FILENAME = "xltool.xlam"
PROJECT_NAME = "xltool"  # VBA project name and xlwings PROJECT_NAME (config file name)
RIBBON_MODULE = "xltool_ribbon"
MACROS_DIR = Path(__file__).resolve().parents[2] / "macros"

_LINUX_MESSAGE = (
    "未检测到 Microsoft Excel：Linux 上无法安装加载项，请在 Windows 或 macOS 上运行 xltool addin install。"
    "`xltool addin build` 仍可生成 .xlam 文件。"
)
_PROJECT_NAME_CONST = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.MULTILINE)
_VERSION_CONST = re.compile(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', re.MULTILINE)

# OOXML package parts. The relationship types and content types are the ones
# Excel writes for a macro-enabled add-in with a Office 2010+ ribbon.
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>\
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" \
Target="customUI/customUI14.xml"/>\
</Relationships>"""
_WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">\
<workbookPr codeName="ThisWorkbook"/>\
<bookViews><workbookView/></bookViews>\
<sheets><sheet name="xltool" sheetId="1" r:id="rId1"/></sheets>\
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" \
Target="vbaProject.bin"/>\
</Relationships>"""
_SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">\
<sheetPr codeName="Sheet1"/>\
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>xltool 绩效目标表加载项（本工作表不显示）</t></is></c></row></sheetData>\
</worksheet>"""
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN_NS}">\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: identical input, identical .xlam


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------


def xlwings_dir() -> Path:
    """The installed xlwings package folder, found without importing xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise XltoolError("未找到 xlwings：请先安装 xlwings（pip install xlwings）后再生成加载项。")
    return Path(spec.origin).resolve().parent


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise XltoolError("生成加载项所需的文件不存在。", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise XltoolError(f"无法读取生成加载项所需的文件：{exc}", file=path) from None


def xlwings_runtime_source(package_dir: Path | None = None) -> str:
    """xlwings' custom add-in runtime with ``PROJECT_NAME`` set to ``xltool``.

    The runtime derives its config locations from that constant:
    ``%USERPROFILE%\\.xltool\\xltool.conf`` on Windows,
    ``~/Library/Containers/com.microsoft.Excel/Data/xltool.conf`` on macOS, a
    ``xltool.conf`` sheet or a ``xltool.conf`` file next to the workbook.
    """
    path = (package_dir or xlwings_dir()) / "xlwings_custom_addin.bas"
    text = _read_text(path)
    text, count = _PROJECT_NAME_CONST.subn(rf'\1"{PROJECT_NAME}"', text)
    if count != 1:
        raise XltoolError(
            "所安装的 xlwings 版本的 VBA 运行库格式不符合预期（未找到 PROJECT_NAME 常量），无法生成加载项。",
            file=path,
        )
    return text


def xlwings_version(runtime_source: str) -> str:
    """The XLWINGS_VERSION the runtime was made for (names the macOS AppleScript)."""
    match = _VERSION_CONST.search(runtime_source)
    if not match:
        raise XltoolError("无法从 xlwings 的 VBA 运行库中读出版本号。")
    return match.group(1)


def build_modules(package_dir: Path | None = None, macros_dir: Path | None = None) -> list[vba.VbaModule]:
    """All VBA modules of the add-in, in project order."""
    from xltool.addin import vba

    package_dir = package_dir or xlwings_dir()
    macros_dir = macros_dir or MACROS_DIR
    modules = [
        vba.document_module("ThisWorkbook", vba.WORKBOOK_BASE),
        vba.document_module("Sheet1", vba.WORKSHEET_BASE),
    ]
    try:
        modules.append(vba.standard_module(xlwings_runtime_source(package_dir)))
        dictionary = package_dir / "addin" / "Dictionary.cls"
        if dictionary.is_file():  # macOS-only dependency of the runtime (#If Mac)
            modules.append(vba.class_module(_read_text(dictionary)))
        ribbon = vba.standard_module(_read_text(macros_dir / f"{RIBBON_MODULE}.bas"))
    except ValueError as exc:
        raise XltoolError(f"VBA 模块格式不正确：{exc}") from None
    if ribbon.name != RIBBON_MODULE:
        raise XltoolError(f"功能区模块名应为 {RIBBON_MODULE}。", file=macros_dir / f"{RIBBON_MODULE}.bas")
    modules.append(ribbon)
    return modules


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through :func:`xltool.io.files.atomic_output`, creating the folder first.

    A half-written .xlam in XLSTART would make Excel complain at every start-up, and
    Excel's startup folder may not exist yet on a machine that never used add-ins.
    """
    from xltool.io.files import atomic_output

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise XltoolError(f"无法创建文件夹：{exc.strerror or exc}", file=path.parent) from None
    with atomic_output(path) as tmp:
        try:
            write(tmp)
        except OSError as exc:
            raise XltoolError(f"写入文件失败：{exc.strerror or exc}", file=path) from None


def build_addin_bytes(package_dir: Path | None = None, macros_dir: Path | None = None) -> dict[str, bytes]:
    """The parts of the .xlam package, by name, in the order they are zipped."""
    from xltool.addin import vba

    macros_dir = macros_dir or MACROS_DIR
    modules = build_modules(package_dir, macros_dir)
    try:
        project = vba.build_vba_project(modules, PROJECT_NAME)
    except ValueError as exc:
        raise XltoolError(f"无法生成 VBA 工程：{exc}") from None
    custom_ui = macros_dir / "customUI14.xml"
    return {
        "[Content_Types].xml": _CONTENT_TYPES.encode("utf-8"),
        "_rels/.rels": _ROOT_RELS.encode("utf-8"),
        "customUI/customUI14.xml": _read_text(custom_ui).encode("utf-8"),
        "xl/workbook.xml": _WORKBOOK.encode("utf-8"),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.encode("utf-8"),
        "xl/worksheets/sheet1.xml": _SHEET.encode("utf-8"),
        "xl/styles.xml": _STYLES.encode("utf-8"),
        "xl/vbaProject.bin": project,
    }


def build_addin(output: Path, *, package_dir: Path | None = None, macros_dir: Path | None = None) -> Path:
    """Build ``xltool.xlam`` at ``output`` (atomically) and return its path."""
    output = Path(output)
    parts = build_addin_bytes(package_dir, macros_dir)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)

    _atomic_write(output, write)
    return output


# ---------------------------------------------------------------------------
# Install / uninstall
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallLocations:
    """Where the add-in and its config go on one platform."""

    platform: str  # "windows" or "macos"
    startup_dir: Path  # Excel opens every add-in in here at start-up
    config_file: Path  # read by the xlwings runtime (PROJECT_NAME = xltool)
    interpreter_key: str  # INTERPRETER_WIN / INTERPRETER_MAC
    applescript_dir: Path | None = None  # macOS: where RunPython's AppleScript must live


@dataclass
class InstallResult:
    """What install/uninstall touched, for the CLI to report."""

    addin: Path
    config_file: Path
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def _normalise_platform(platform: str | None) -> str:
    name = (platform or sys.platform).lower()
    if name.startswith("win"):
        return "windows"
    if name in ("darwin", "macos", "mac"):
        return "macos"
    return "linux"


def install_locations(
    platform: str | None = None, home: Path | None = None, env: Mapping[str, str] | None = None
) -> InstallLocations:
    """The install locations for ``platform`` (default: this machine).

    Mirrors ``xlwings addin install``: the add-in goes into Excel's user start-up
    folder (``Application.StartupPath``), on Windows ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
    and on macOS (Excel 2016 and later) the Office group container's
    ``User Content/Startup/Excel``. On macOS RunPython also needs xlwings'
    AppleScript in ``~/Library/Application Scripts/com.microsoft.Excel``
    (``xlwings runpython install``).
    """
    kind = _normalise_platform(platform)
    env = os.environ if env is None else env
    home = Path(home) if home is not None else Path.home()
    if kind == "windows":
        appdata = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
        profile = Path(env["USERPROFILE"]) if env.get("USERPROFILE") else home
        return InstallLocations(
            platform="windows",
            startup_dir=appdata / "Microsoft" / "Excel" / "XLSTART",
            config_file=profile / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf",
            interpreter_key="INTERPRETER_WIN",
        )
    if kind == "macos":
        library = home / "Library"
        return InstallLocations(
            platform="macos",
            startup_dir=library / "Group Containers" / "UBF8T346G9.Office" / "User Content" / "Startup" / "Excel",
            config_file=library / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT_NAME}.conf",
            interpreter_key="INTERPRETER_MAC",
            applescript_dir=library / "Application Scripts" / "com.microsoft.Excel",
        )
    raise XltoolError(_LINUX_MESSAGE, exit_code=2)


def _config_text(existing: str, key: str, value: str, newline: str) -> str:
    """xlwings config text (``"KEY","VALUE"`` lines, read by VBA ``Input #``) with ``key`` set.

    Other settings the user added (SHOW CONSOLE, PYTHONPATH, ...) are kept.
    """
    lines = [line for line in existing.splitlines() if line.strip()]
    prefix = f'"{key.upper()}",'
    lines = [line for line in lines if not line.strip().upper().startswith(prefix)]
    lines.insert(0, f'"{key}","{value}"')
    return newline.join(lines) + newline


def install_addin(
    *,
    platform: str | None = None,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    interpreter: str | None = None,
    package_dir: Path | None = None,
    macros_dir: Path | None = None,
) -> InstallResult:
    """Build the add-in into Excel's start-up folder and point its config at this Python.

    Excel must be restarted afterwards (it opens start-up add-ins only when it starts).
    """
    where = install_locations(platform, home, env)
    interpreter = interpreter or sys.executable
    package_dir = package_dir or xlwings_dir()
    target = where.startup_dir / ADDIN_FILENAME
    result = InstallResult(addin=target, config_file=where.config_file)

    build_addin(target, package_dir=package_dir, macros_dir=macros_dir)
    result.written.append(target)

    try:
        existing = where.config_file.read_text(encoding="utf-8") if where.config_file.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise XltoolError(f"无法读取已有的配置文件：{exc}", file=where.config_file) from None
    newline = "\r\n" if where.platform == "windows" else "\n"
    text = _config_text(existing, where.interpreter_key, interpreter, newline)
    _atomic_write(where.config_file, lambda tmp: tmp.write_bytes(text.encode("utf-8")))
    result.written.append(where.config_file)

    if where.applescript_dir is not None:
        version = xlwings_version(xlwings_runtime_source(package_dir))
        script = package_dir / f"xlwings-{version}.applescript"
        if not script.is_file():
            raise XltoolError("xlwings 安装不完整：缺少 macOS 所需的 AppleScript 文件。", file=script)
        destination = where.applescript_dir / script.name
        _atomic_write(destination, lambda tmp: shutil.copyfile(script, tmp))
        result.written.append(destination)
    return result


def uninstall_addin(
    *, platform: str | None = None, home: Path | None = None, env: Mapping[str, str] | None = None
) -> InstallResult:
    """Remove the add-in and its config file; missing files are not an error.

    xlwings' AppleScript on macOS is left in place: the xlwings add-in shares it.
    """
    where = install_locations(platform, home, env)
    result = InstallResult(addin=where.startup_dir / ADDIN_FILENAME, config_file=where.config_file)
    for path in (result.addin, result.config_file):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except PermissionError:
            raise XltoolError("无法删除文件，它可能正被 Excel 使用。请先退出 Excel 后重试。", file=path) from None
        except OSError as exc:
            raise XltoolError(f"删除文件失败：{exc.strerror or exc}", file=path) from None
        result.removed.append(path)
    config_dir = result.config_file.parent
    if where.platform == "windows" and config_dir.name == f".{PROJECT_NAME}":
        try:
            config_dir.rmdir()  # only if empty
        except OSError:
            pass
    return result


# ---------------------------------------------------------------------------
# CLI (wired by cli.py as ``xltool addin``)
# ---------------------------------------------------------------------------

_HELP_OPTION = {"help_option_names": ["-h", "--help"]}


@click.group(name="addin", context_settings=_HELP_OPTION, help="Excel 加载项（xltool.xlam）：生成、安装、卸载。")
def addin_group() -> None:
    """Command group; the subcommands below do the work."""


@addin_group.command("build", context_settings=_HELP_OPTION, help="生成 Excel 加载项文件 xltool.xlam。")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(ADDIN_FILENAME),
    show_default=True,
    help="输出文件路径。",
)
def build_command(output: Path) -> None:
    path = build_addin(output)
    click.echo(f"已生成加载项：{path}")


@addin_group.command(
    "install", context_settings=_HELP_OPTION, help="安装加载项到 Excel 启动文件夹，并配置当前 Python 解释器。"
)
def install_command() -> None:
    result = install_addin()
    click.echo(f"已安装加载项：{result.addin}")
    click.echo(f"已写入配置：{result.config_file}")
    click.echo("请重新启动 Excel，功能区中将出现“绩效目标”选项卡。")


@addin_group.command("uninstall", context_settings=_HELP_OPTION, help="从 Excel 启动文件夹卸载加载项。")
def uninstall_command() -> None:
    result = uninstall_addin()
    if not result.removed:
        click.echo("未找到已安装的加载项，无需卸载。")
        return
    for path in result.removed:
        click.echo(f"已删除：{path}")
    click.echo("请重新启动 Excel 以使更改生效。")
