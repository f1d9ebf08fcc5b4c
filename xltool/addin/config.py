"""xltool.conf written the way the add-in's VBA reads it.

The xlwings runtime inside ``xltool.xlam`` reads ``xltool.conf`` with
``Open … For Input`` and ``Input #f, name, value`` (``GetConfigFromFile``). VBA file
I/O is byte based: on Windows the bytes are decoded with the ANSI code page
(936/GBK on Chinese Windows), so a UTF-8 file turns ``C:\\Users\\张三`` into
mojibake and every button fails with "Could not find Interpreter!". xlwings itself
writes its own config with Python's locale encoding (``open(path, "w")`` in
``xlwings/cli.py``): the ANSI code page on Windows, UTF-8 on macOS. This module
does the same, but explicitly: the target encoding is a parameter, and
:func:`read_as_vba` decodes and splits a file exactly as ``Input #`` would so the
round trip can be tested (and shown by ``xltool addin doctor``).

The VBA also checks the interpreter with ``GetAttr`` (ANSI as well), so a path the
code page cannot represent is replaced by its 8.3 short form (ASCII) when Windows
has one, and refused with a Chinese explanation otherwise.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable
from dataclasses import dataclass

from xltool.core.errors import XltoolError

__all__ = [
    "VbaConfig",
    "config_bytes",
    "config_encoding",
    "decode_existing",
    "encodable",
    "interpreter_for_config",
    "read_as_vba",
    "short_path_name",
    "unencodable_chars",
    "vba_input_fields",
    "windows_ansi_encoding",
]

ShortPathLookup = Callable[[str], "str | None"]


# ---------------------------------------------------------------------------
# Which encoding the VBA reads
# ---------------------------------------------------------------------------


def windows_ansi_encoding(acp: int | None = None) -> str:
    """Python codec name for the Windows ANSI code page (what VBA ``Input #`` decodes with).

    ``acp`` defaults to this machine's ``GetACP()``. ``locale.getpreferredencoding``
    is not used because Python's UTF-8 mode makes it say ``utf-8`` while VBA still
    uses the code page. On a host that is not Windows the code page of the target
    PC is unknown, so only ASCII is safe.
    """
    if acp is None:
        if sys.platform != "win32":
            return "ascii"
        import ctypes

        acp = int(ctypes.windll.kernel32.GetACP())  # type: ignore[attr-defined]
    if acp == 65001:  # "Beta: Unicode UTF-8 for worldwide language support"
        return "utf-8"
    name = f"cp{acp}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "mbcs" if sys.platform == "win32" else "ascii"
    return name


def config_encoding(platform: str, acp: int | None = None) -> str:
    """The encoding xltool.conf must have on ``platform`` ("windows", "macos", "linux").

    Windows: the ANSI code page, as xlwings' ``open(path, "w")`` writes it. macOS:
    UTF-8, Python's locale encoding there and again what xlwings writes.
    """
    if platform == "windows":
        return windows_ansi_encoding(acp)
    return "utf-8"


def encodable(text: str, encoding: str) -> bool:
    """True if ``text`` survives encoding to ``encoding`` and back unchanged."""
    try:
        return text.encode(encoding).decode(encoding) == text
    except (UnicodeError, LookupError):
        return False


def unencodable_chars(text: str, encoding: str) -> list[str]:
    """The distinct characters of ``text`` that ``encoding`` cannot represent."""
    seen: list[str] = []
    for char in text:
        if char not in seen and not encodable(char, encoding):
            seen.append(char)
    return seen


# ---------------------------------------------------------------------------
# Reading the file the way VBA's Input # does
# ---------------------------------------------------------------------------


def vba_input_fields(text: str) -> list[str]:
    """Split ``text`` into the fields successive ``Input #`` reads return.

    Fields are separated by commas or line ends. Leading spaces and tabs are
    skipped; a field starting with ``"`` runs to the next ``"`` (there is no escape,
    so a value cannot contain a double quote) and anything up to the next delimiter
    after it is dropped; an unquoted field ends at a comma or line end and loses
    trailing spaces. Empty lines between records are skipped.
    """
    fields: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                fields.append(text[i + 1 :])
                break
            fields.append(text[i + 1 : end])
            i = end + 1
            while i < n and text[i] not in ",\r\n":
                i += 1
        else:
            start = i
            while i < n and text[i] not in ",\r\n":
                i += 1
            fields.append(text[start:i].rstrip(" \t"))
        if i < n and text[i] == ",":
            i += 1
    return fields


@dataclass(frozen=True)
class VbaConfig:
    """A config file as the add-in's VBA sees it."""

    text: str  # the bytes decoded with the code page (undecodable bytes become U+FFFD)
    pairs: list[tuple[str, str]]  # (name, value), in file order
    complete: bool  # False: an odd number of fields, the last Input # runs past the end

    def get(self, key: str) -> str | None:
        """The value ``GetConfigFromFile`` returns: the first name equal ignoring case."""
        for name, value in self.pairs:
            if name.lower() == key.lower():
                return value
        return None


def read_as_vba(data: bytes, encoding: str) -> VbaConfig:
    """Decode ``data`` with ``encoding`` and split it as ``Input #f, name, value`` does."""
    text = data.decode(encoding, errors="replace")
    fields = vba_input_fields(text)
    pairs = [(fields[k], fields[k + 1]) for k in range(0, len(fields) - 1, 2)]
    return VbaConfig(text=text, pairs=pairs, complete=len(fields) % 2 == 0)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def short_path_name(path: str) -> str | None:
    """The 8.3 short form of an existing ``path`` (Windows ``GetShortPathNameW``); None elsewhere.

    Windows returns the long path unchanged when 8.3 names are disabled on the volume;
    callers check the result is encodable, not that it differs.
    """
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    function = ctypes.windll.kernel32.GetShortPathNameW  # type: ignore[attr-defined]
    function.argtypes = [wintypes.LPCWSTR, wintypes.LPWSTR, wintypes.DWORD]
    function.restype = wintypes.DWORD
    size = function(path, None, 0)
    if size == 0:
        return None
    buffer = ctypes.create_unicode_buffer(size)
    if function(path, buffer, size) == 0:
        return None
    return buffer.value


def _describe_chars(chars: list[str]) -> str:
    return "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)


def interpreter_for_config(
    interpreter: str, encoding: str, short_path: ShortPathLookup | None = short_path_name
) -> str:
    """The interpreter path to write: as is, its 8.3 short form, or a Chinese refusal.

    The path must survive ``encoding`` (the VBA decodes the file and checks the path
    with ANSI file functions) and must not contain a double quote or a line break
    (``Input #`` would cut the value there).
    """
    if '"' in interpreter or "\r" in interpreter or "\n" in interpreter:
        raise XltoolError(
            f"Python 解释器路径中含有英文双引号或换行，加载项无法读取：{interpreter}。"
            "请把 Python 安装到普通文件夹后，用该 Python 重新运行 xltool addin install。"
        )
    if encodable(interpreter, encoding):
        return interpreter
    short = short_path(interpreter) if short_path is not None else None
    if short and encodable(short, encoding) and '"' not in short:
        return short
    chars = _describe_chars(unencodable_chars(interpreter, encoding))
    raise XltoolError(
        f"Python 解释器路径中有系统代码页（{encoding}）无法表示的字符{chars}：{interpreter}。"
        "Excel 的 VBA 按系统代码页读取配置文件，无法找到这个 Python，而该路径也没有可用的 8.3 短文件名。"
        "请把 Python 安装到路径只含英文字母和数字的文件夹（例如 C:\\Python311），"
        "再用那个 Python 安装 xltool（离线安装包：安装.bat \"C:\\Python311\\python.exe\"）并运行 xltool addin install。"
    )


def decode_existing(data: bytes, encoding: str) -> str:
    """Text of an existing config file: UTF-8 (older xltool wrote that) or ``encoding``.

    UTF-8 is tried first because GBK-encoded Chinese is almost never valid UTF-8,
    whereas UTF-8 bytes often decode as (wrong) GBK.
    """
    for candidate in ("utf-8-sig", encoding):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise XltoolError(f"已有的配置文件既不是 UTF-8 也不是 {encoding} 编码，无法读取；请删除它后重新安装。")


def config_bytes(text: str, encoding: str) -> bytes:
    """``text`` encoded for the VBA; a line the code page cannot hold is refused in Chinese."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        bad = [line for line in text.splitlines() if not encodable(line, encoding)]
        raise XltoolError(
            f"配置文件中有系统代码页（{encoding}）无法表示的内容：{bad[0] if bad else text}。"
            "请删除或修改这一行后重新安装。"
        ) from None
