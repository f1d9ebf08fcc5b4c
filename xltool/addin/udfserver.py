"""Whether the ribbon's clicks run in xlwings' persistent Python or in a fresh ``python.exe`` each.

xlwings' VBA ``RunPython`` (in the runtime :mod:`xltool.addin.build` copies into
``xltool.xlam``) reads ``GetConfig("USE UDF SERVER", False)``. False: every click starts
a new interpreter, which imports xlwings, pydantic, the parser and the rules again
(about three times ``import xlwings`` per click, see ``benchmarks/import_time.py``).
True, on Windows only: the click runs in xlwings' COM server, the same persistent
Python its UDFs use (started by ``xlwings64-<version>.dll`` inside Excel), so the
modules the first click imported stay loaded and later clicks import nothing. macOS
has no such server (its ``RunPython`` always goes through AppleScript and a new
process), so nothing is written there.

The server is started by a DLL that VBA loads from the interpreter's folder or its
parent (``XLPyLoadDLL``); pip puts it in ``sys.prefix``, which is one of them for a
normal install and a venv, but not for ``pip install --user``. Without the DLL every
click would fail, so the server is only switched on where the DLL is found.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from xltool.core.errors import XltoolError

__all__ = ["SERVER_KEY", "ServerChoice", "choose", "dll_names", "dll_places", "find_dll", "mode_summary",
           "parse_flag"]

SERVER_KEY = "USE UDF SERVER"
FRESH_FLAG = "--fresh-process"
PERSISTENT_FLAG = "--persistent-process"
MAC_NOTE = ("macOS 版 Excel 没有常驻的 Python 进程（xlwings 的 UDF 服务器只在 Windows 上提供），"
            "每次点击按钮都会启动新的 Python 进程，第一次和以后的点击一样慢。")
UPGRADE_NOTE = "常驻进程在 Excel 退出前一直运行已载入的 xltool：升级 xltool 后请重新启动 Excel。"


def dll_names(version: str, bits: int | None = None) -> list[str]:
    """The DLL names ``XLPyLoadDLL`` loads: 64-bit Excel needs ``xlwings64-…``, 32-bit ``xlwings32-…``."""
    wanted = (bits,) if bits in (32, 64) else (64, 32)
    return [f"xlwings{b}-{version}.dll" for b in wanted]


def _parent(path: str) -> str:
    """VBA's ``ParentFolder``: everything before the last backslash (or slash, for tests on POSIX)."""
    cut = max(path.rfind("\\"), path.rfind("/"))
    return path[:cut] if cut > 0 else ""


def dll_places(interpreter: str) -> list[str]:
    """The folders ``XLPyLoadDLL`` tries, in order: the interpreter's, then its parent (a venv's root)."""
    first = _parent(interpreter)
    second = _parent(first)
    return [p for p in (first, second) if p]


def find_dll(interpreter: str, version: str, bits: int | None = None,
             exists: Callable[[str], bool] = os.path.isfile) -> str | None:
    """The DLL the add-in would load for ``interpreter``, or None (the server cannot start)."""
    sep = "\\" if "\\" in interpreter else "/"
    for folder in dll_places(interpreter):
        for name in dll_names(version, bits):
            candidate = f"{folder}{sep}{name}"
            if exists(candidate):
                return candidate
    return None


def parse_flag(value: str | None) -> bool | None:
    """``value`` as VBA converts it to Boolean (``CBool``): True/False in any case or a number; None if unset.

    Anything else makes VBA stop with "type mismatch" on every click: :class:`ValueError`.
    """
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return float(text) != 0
    except ValueError:
        raise ValueError(text) from None


@dataclass
class ServerChoice:
    """What install writes for ``USE UDF SERVER`` (None: leave the file's line as it is) and why."""

    value: str | None
    persistent: bool
    notes: list[str] = field(default_factory=list)


def choose(platform: str, existing: str | None, fresh_process: bool | None, dll: str | None,
           dll_wanted: str) -> ServerChoice:
    """The setting for ``platform`` given the file's current value and the user's flag.

    ``fresh_process`` None keeps a valid value the user (or an earlier install) wrote;
    True/False is the explicit choice. ``dll`` is the server's DLL found next to the
    interpreter (None: not found; ``dll_wanted`` names what was looked for). Without it
    the server is not switched on, and nothing is written, so that a later install
    (after xlwings is repaired) switches it on.
    """
    if platform != "windows":
        return ServerChoice(None, False, [MAC_NOTE] if platform == "macos" else [])
    notes: list[str] = []
    try:
        current = parse_flag(existing)
    except ValueError:
        current = None
        notes.append(f"配置中 {SERVER_KEY} 的值“{existing}”无效（Excel 会在每次点击时报“类型不匹配”），已改写。")
    invalid = bool(notes)
    if fresh_process is True:
        return ServerChoice("False", False, [*notes, f"按钮每次点击都启动新的 Python 进程（{SERVER_KEY} = False）。"])
    if fresh_process is None and current is not None:
        kept = ServerChoice(None, current, [f"保留配置中已有的设置 {SERVER_KEY} = {existing}。"])
        if current and dll is None:
            kept.notes.append(f"注意：未找到 {dll_wanted}，常驻进程无法启动，按钮会报错；"
                              f"请重新安装 xlwings，或运行 xltool addin install {FRESH_FLAG}。")
        elif current:
            kept.notes.append(UPGRADE_NOTE)
        else:
            kept.notes.append(f"按钮每次点击都启动新的 Python 进程；改用常驻进程：xltool addin install {PERSISTENT_FLAG}。")
        return kept
    if dll is None:
        if fresh_process is False:
            raise XltoolError(
                f"无法改用常驻的 Python 进程：未在 Python 所在文件夹及其上一级找到 {dll_wanted}（xlwings 安装时放在那里）。"
                "请用配置的那个 Python 重新安装 xlwings（python -m pip install --force-reinstall xlwings）后重试，"
                f"或不加 {PERSISTENT_FLAG}。")
        return ServerChoice("False" if invalid else None, False, [*notes, (
            f"未在 Python 所在文件夹及其上一级找到 {dll_wanted}（xlwings 的常驻进程需要它），"
            "按钮每次点击启动新的 Python 进程（较慢）。重新安装 xlwings 后再运行 xltool addin install 即改用常驻进程。")])
    return ServerChoice("True", True, [*notes, (
        f"按钮在常驻的 Python 进程中运行（{SERVER_KEY} = True）：第一次点击启动它，以后的点击不再重新载入程序，响应更快。"
        + UPGRADE_NOTE + f"如需每次点击都启动新的 Python 进程：xltool addin install {FRESH_FLAG}。")])


def mode_summary() -> str:
    """One Chinese line on which mode the add-in uses by default (printed by the import benchmark)."""
    return (f"加载项的运行方式：Windows 上 xltool addin install 默认写入 {SERVER_KEY} = True，"
            "第一次点击启动常驻 Python，以后的点击在同一进程中运行（找不到 xlwings 的 DLL 或加 "
            f"{FRESH_FLAG} 时每次点击启动新进程）；macOS 每次点击都启动新进程。")
