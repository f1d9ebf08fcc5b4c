"""Any source file (text, .docx, workbook) → grids: the file kind is decided from the bytes.

Building projects from the grids is the layer above (``xltool.apps.sources``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.core.names import LISTS_SHEET, SERVICE_SHEETS
from xltool.io.calamine import grids_from_calamine
from xltool.io.docx import docx_to_grids
from xltool.io.gate import check_input_file
from xltool.io.html import html_to_grids, looks_like_html
from xltool.io.xml2003 import is_spreadsheetml, spreadsheetml_grids
from xltool.io.text import MAX_TEXT_BYTES, TableHints, refuse_foreign_text, decode_text, text_to_grids


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _stat_regular(path: Path) -> os.stat_result:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise XltoolError("文件不存在，请检查路径是否正确", file=path, code="file.not_found") from None
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path, code="file.locked") from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise XltoolError("这是一个文件夹，请指定要导入的文件", file=path, code="input.not_file")
    if not stat.S_ISREG(st.st_mode):
        raise XltoolError("不是普通文件，无法导入", file=path, code="input.not_file")
    if st.st_size == 0:
        raise XltoolError("文件为空（0 字节），没有可导入的内容", file=path, code="file.empty")
    return st


def _read_head(path: Path, size: int = 8) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path, code="file.locked") from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None


def source_grids(path: str | Path, *, hints: TableHints) -> tuple[str, list[Grid]]:
    """The kind of one source file (``text`` | ``html`` | ``docx`` | ``workbook``) and its grids.

    Raises :class:`XltoolError` naming the file when it cannot be read.
    """
    path = Path(path)
    st = _stat_regular(path)
    head = _read_head(path)
    if head.startswith(_OLE_MAGIC) and _is_word97(path):
        raise XltoolError("这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入", file=path, code="file.not_workbook")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        if check_input_file(path) == "docx":
            return "docx", docx_to_grids(path, hints=hints)
        return "workbook", _workbook_grids(path)
    if st.st_size > MAX_TEXT_BYTES:
        raise XltoolError(f"文本文件过大（超过 {MAX_TEXT_BYTES // (1024 * 1024)} MB），不像是绩效目标表", file=path, code="file.too_large")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
    if is_spreadsheetml(data):  # Excel's "XML 表格 2003", as older systems export it
        return "workbook", [g for g in spreadsheetml_grids(data, file=path) if not g.hidden]
    if looks_like_html(data):  # a saved web page, or a system's "Excel" export that is HTML
        return "html", html_to_grids(data, hints=hints, name=path.name, file=path)
    refuse_foreign_text(data, path)
    return "text", text_to_grids(decode_text(data, file=path), hints=hints, name=path.name)


def text_workbook(path: str | Path) -> tuple[str, bytes] | None:
    """("xml2003" | "html", the bytes) for a "workbook" that is text — Excel's XML 2003 or a web page,
    as budget systems export them — else None: a real workbook, an unreadable file or one too large
    for a page goes on to the workbook gate, which says what is wrong. The head is read once."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
            kind = "xml2003" if is_spreadsheetml(head) else "html" if looks_like_html(head) else ""
            if not kind or os.fstat(fh.fileno()).st_size > MAX_TEXT_BYTES:
                return None
            return kind, head + fh.read()
    except OSError:
        return None


def _is_word97(path: Path) -> bool:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("WordDocument"))
    except Exception:  # not a readable OLE file: the safety gate reports it
        return False


def _workbook_grids(path: Path) -> list[Grid]:
    """Visible sheets of another region's workbook (or an earlier template), lists sheet left out."""

    return [g for g in grids_from_calamine(path) if g.name not in (LISTS_SHEET, *SERVICE_SHEETS) and not g.hidden]
