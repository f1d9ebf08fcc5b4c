"""Install and uninstall the Excel add-in: Excel's start-up folder, the xlwings config, Trusted Locations.

Building the ``.xlam`` is :mod:`xltool.addin.build`'s job; this module decides where
it goes on Windows and macOS, points its config at this Python (in the code page the
VBA reads) and, on request, registers the folder as a Trusted Location. Linux has
no Excel: install refuses with a Chinese message, uninstall has nothing to remove.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xltool.addin import registry as addin_registry
from xltool.addin.build import (ADDIN_FILENAME, PROJECT_NAME, atomic_write, build_addin, xlwings_dir,
                                xlwings_runtime_source, xlwings_version)
from xltool.core.errors import XltoolError

if TYPE_CHECKING:
    from xltool.addin.udfserver import ServerChoice

__all__ = ["InstallLocations", "InstallResult", "install_addin", "install_locations", "normalise_platform",
           "uninstall_addin"]

LINUX_MESSAGE = (
    "未检测到 Microsoft Excel：Linux 上无法安装加载项，请在 Windows 或 macOS 上运行 xltool addin install。"
    "`xltool addin build` 仍可生成 .xlam 文件。"
)


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
    notes: list[str] = field(default_factory=list)  # Chinese remarks for the user


def normalise_platform(platform: str | None) -> str:
    name = (platform or sys.platform).lower()
    if name.startswith("win"):
        return "windows"
    if name in ("darwin", "macos", "mac"):
        return "macos"
    return "linux"


_OTHER_OS_UNINSTALL_NOTE = "这台电脑不是 Windows 或 macOS，没有 Microsoft Excel，xltool 不会在这里安装加载项。"


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
    kind = normalise_platform(platform)
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
    raise XltoolError(LINUX_MESSAGE, exit_code=2)


def config_text(existing: str, key: str, value: str, newline: str) -> str:
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
    encoding: str | None = None,
    short_path: Callable[[str], str | None] | None = None,
    trusted: bool = False,
    registry: addin_registry.Registry | None = None,
    fresh_process: bool | None = None,
    file_exists: Callable[[str], bool] = os.path.isfile,
) -> InstallResult:
    """Build the add-in into Excel's start-up folder and point its config at this Python.

    The config is written in ``encoding`` (default: what the VBA reads on that
    platform, see :mod:`xltool.addin.config`); an interpreter path it cannot hold
    becomes its 8.3 short form (``short_path``, default ``GetShortPathNameW``) or is
    refused before anything is written. ``trusted`` also registers the start-up
    folder as an Excel Trusted Location (Windows, through ``registry``).
    On Windows the clicks run in xlwings' persistent Python (``USE UDF SERVER``, see
    :mod:`xltool.addin.udfserver`) unless ``fresh_process`` or the user's own value says
    otherwise; ``file_exists`` looks for the server's DLL next to the interpreter.
    Excel must be restarted afterwards (it opens start-up add-ins only when it starts).
    """
    from xltool.addin import config as addin_config
    from xltool.addin import udfserver

    where = install_locations(platform, home, env)
    env = os.environ if env is None else env
    interpreter = interpreter or sys.executable
    package_dir = package_dir or xlwings_dir()
    target = where.startup_dir / ADDIN_FILENAME
    result = InstallResult(addin=target, config_file=where.config_file)
    encoding = encoding or addin_config.config_encoding(where.platform)
    value = addin_config.interpreter_for_config(interpreter, encoding, short_path or addin_config.short_path_name)
    if value != interpreter:
        result.notes.append(f"Python 路径含有系统代码页（{encoding}）无法表示的字符，配置中改用其 8.3 短路径：{value}")
    if not addin_config.encodable(str(where.config_file), encoding):
        result.notes.append(
            f"注意：配置文件路径含有系统代码页（{encoding}）无法表示的字符，Excel 的 VBA 找不到它，"
            "按钮将改用 PATH 中的 python。请在“控制面板 → 区域 → 管理 → 更改系统区域设置”中选择“中文(简体，中国)”，"
            "或使用用户名只含英文字母的 Windows 账户。"
        )

    try:
        existing = where.config_file.read_bytes() if where.config_file.exists() else b""
    except OSError as exc:
        raise XltoolError(f"无法读取已有的配置文件：{exc}", file=where.config_file) from None
    newline = "\r\n" if where.platform == "windows" else "\n"
    try:
        text = addin_config.decode_existing(existing, encoding)
        server = _server_choice(where.platform, text, value, package_dir, fresh_process, file_exists)
        if server.value is not None:
            text = config_text(text, udfserver.SERVER_KEY, server.value, newline)
        text = config_text(text, where.interpreter_key, value, newline)
        data = addin_config.config_bytes(text, encoding)
    except XltoolError as exc:
        raise XltoolError(exc.message, file=where.config_file) from None
    result.notes += server.notes

    build_addin(target, package_dir=package_dir, macros_dir=macros_dir, create_folder=True)
    result.written.append(target)
    atomic_write(where.config_file, lambda tmp: tmp.write_bytes(data))
    result.written.append(where.config_file)

    if where.applescript_dir is not None:
        version = xlwings_version(xlwings_runtime_source(package_dir))
        script = package_dir / f"xlwings-{version}.applescript"
        if not script.is_file():
            raise XltoolError("xlwings 安装不完整：缺少 macOS 所需的 AppleScript 文件。", file=script)
        destination = where.applescript_dir / script.name
        atomic_write(destination, lambda tmp: shutil.copyfile(script, tmp))
        result.written.append(destination)

    if trusted and where.platform == "windows":
        registry = registry if registry is not None else addin_registry.default_registry()
        result.notes += addin_registry.register_trusted_folder(registry, where.startup_dir, env)
        result.notes += addin_registry.IT_REQUIREMENTS
    elif trusted:
        result.notes.append("macOS 版 Excel 没有“受信任位置”设置：启动文件夹中的加载项由 Excel 直接加载。")
    return result


def _server_choice(platform: str, text: str, interpreter: str, package_dir: Path, fresh_process: bool | None,
                   file_exists: Callable[[str], bool]) -> ServerChoice:
    """``USE UDF SERVER`` for this install (:func:`xltool.addin.udfserver.choose`)."""
    from xltool.addin import config as addin_config
    from xltool.addin import udfserver

    existing = addin_config.read_as_vba(text.encode("utf-8"), "utf-8").get(udfserver.SERVER_KEY)
    if platform != "windows":
        return udfserver.choose(platform, existing, fresh_process, None, "")
    version = xlwings_version(xlwings_runtime_source(package_dir))
    dll = udfserver.find_dll(interpreter, version, exists=file_exists)
    wanted = " 或 ".join(udfserver.dll_names(version))
    return udfserver.choose(platform, existing, fresh_process, dll, wanted)


def uninstall_addin(
    *,
    platform: str | None = None,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: addin_registry.Registry | None = None,
) -> InstallResult:
    """Remove the add-in, its config file and the Trusted Location ``install --trusted`` added.

    Missing files are not an error. xlwings' AppleScript on macOS is left in place:
    the xlwings add-in shares it.
    """
    if normalise_platform(platform) not in ("windows", "macos"):  # nothing was ever installed here
        return InstallResult(addin=Path(ADDIN_FILENAME), config_file=Path(f"{PROJECT_NAME}.conf"),
                             notes=[_OTHER_OS_UNINSTALL_NOTE])
    where = install_locations(platform, home, env)
    if where.platform == "windows":
        registry = registry if registry is not None else addin_registry.default_registry()
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
    if registry is not None:
        for version in addin_registry.office_versions(registry):
            try:
                if addin_registry.remove_trusted_location(registry, version):
                    result.notes.append(f"已删除 xltool 登记的受信任位置（Office {version}）。")
            except OSError as exc:
                result.notes.append(f"无法删除 xltool 登记的受信任位置（Office {version}）：{exc}")
    return result
