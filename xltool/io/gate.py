"""The safety gate every input file passes before any parser touches it.

Inputs are workbooks collected from many departments, so they are untrusted: a file may
be renamed, truncated, encrypted, a zip bomb, or carry hostile XML. This module decides
what a file *is* from its bytes (never its extension), refuses what no parser should
see, and wraps openpyxl / python-calamine so that every failure they can raise on bad
input reaches the user as one :class:`~xltool.core.errors.XltoolError` in Chinese, never a
traceback and never an unbounded amount of work. See ``SECURITY.md`` for the promises.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.core.errors import XltoolError
from xltool.core.grid import MAX_COLS, MAX_ROWS, cell_ref  # noqa: F401  (the limits are the gate's too)
from xltool.io.extents import Extent, data_extent, is_cell_part, ods_extent, part_extent, rows_cut
from xltool.io.containers import (  # noqa: F401  (the zip limits and Kind are the gate's too)
    MAX_COMPRESSION_RATIO, MAX_TOTAL_UNCOMPRESSED, MAX_ZIP_ENTRIES, MSG_BAD_XML, MSG_DAMAGED_ZIP, MSG_ENCRYPTED,
    MSG_LOCKED, MSG_NOT_EXCEL, MSG_SAVE_AS, RATIO_CHECK_MIN_SIZE, Kind, PartHook, biff_has_filepass, check_ole,
    check_zip, mb, refuse,
)
from xltool.io.xmlguard import harden_xml

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.workbook.workbook import Workbook
    from python_calamine import CalamineWorkbook

# ---------------------------------------------------------------------------
# Limits. Budget workbooks are a few hundred KB; every limit is far above that, and
# each one turns a potentially unbounded cost into a refusal with a clear message.

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest input file accepted (on disk). Real 绩效目标表 files are < 5 MB."""

# MAX_ROWS, MAX_COLS (imported above from xltool.core.grid, where the ribbon's reader finds them too):
"""The grid reader never looks beyond ``MAX_ROWS`` x ``MAX_COLS`` cells of a sheet.

A 项目绩效目标表 fits in ~60 rows x 10 columns; a project list in a few thousand rows.
But a sheet's declared dimension is attacker-controlled (``A1:XFD1048576`` costs a few
bytes) and formatting often extends "used range" to a million rows, so every loop over
cells must be bounded by these constants, not by ``ws.max_row`` / ``ws.max_column``.
Note that in openpyxl's full (non-read-only) mode ``ws.iter_rows(max_row=…, max_col=…)``
*creates* every cell of the rectangle (250,000 here, ~2 s); read sparse sheets with
``read_only=True`` or iterate only the cells that exist.
"""

MAX_SHEET_CELLS = 5_000_000
"""Largest rectangle (first to last non-empty cell) python-calamine may allocate.

Calamine allocates the whole rectangle up front (~32 bytes per cell) and *aborts the
process* (SIGABRT, not an exception) when that fails: one value in ``XFD1048576`` next to
one in ``A1`` asks for 512 GB. 5 M cells is ~160 MB, far above any real 绩效目标表.
"""

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

_open_binary = open  # seam so tests can simulate a Windows sharing violation


# ---------------------------------------------------------------------------
# Public helpers


def is_lock_or_hidden(path: str | os.PathLike[str]) -> bool:
    """True for files a folder scan must skip rather than report.

    Excel writes a ``~$name.xlsx`` owner file next to every open workbook; macOS copies
    leave ``._name.xlsx`` resource forks; Windows marks others hidden. None of them is a
    workbook, and reporting each as "damaged" would bury the real findings.
    """
    p = Path(path)
    if p.name.startswith(("~$", ".")):
        return True
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        try:
            attrs = getattr(os.stat(p), "st_file_attributes", 0)
        except OSError:
            return False
        return bool(attrs & (stat.FILE_ATTRIBUTE_HIDDEN | stat.FILE_ATTRIBUTE_SYSTEM))
    return False


# ---------------------------------------------------------------------------
# The gate


def check_input_file(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, measure: PartHook | None = None
) -> Kind:
    """Classify ``path`` by its bytes, or raise :class:`XltoolError` explaining why not.

    Returns ``"xlsx"`` (any OOXML spreadsheet: xlsx/xlsm/xltx/xlam), ``"xls"`` (BIFF in
    an OLE container), ``"ods"`` or ``"docx"``. Zip archives are judged from their central
    directory plus the first few KB of each XML part (to refuse DTDs); nothing is
    decompressed in full, so the check costs the same for a bomb as for a real file.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        raise refuse("文件不存在，请检查路径是否正确", p, "file.not_found") from None
    except PermissionError:
        raise refuse(MSG_LOCKED, p, "file.locked") from None
    except OSError as exc:
        raise refuse(f"无法读取文件（{exc.strerror or exc}）", p, "file.unreadable") from None
    if stat.S_ISDIR(st.st_mode):
        raise refuse("这是一个文件夹，不是 Excel 文件", p, "input.not_file")
    if not stat.S_ISREG(st.st_mode):
        raise refuse("不是普通文件（可能是设备或管道），无法作为工作簿读取", p, "input.not_file")
    if st.st_size == 0:
        raise refuse("文件为空（0 字节），可能在复制或下载时中断，请重新获取该文件", p, "file.empty")
    if st.st_size > max_bytes:
        raise refuse(f"文件过大（{mb(st.st_size)}），超过上限 {mb(max_bytes)}，不像是绩效目标表", p, "file.too_large")

    try:
        with _open_binary(p, "rb") as fh:
            head = fh.read(4096)
    except PermissionError:
        raise refuse(MSG_LOCKED, p, "file.locked") from None
    except OSError as exc:
        raise refuse(f"无法读取文件（{exc.strerror or exc}）", p, "file.unreadable") from None

    try:
        if head.startswith(_ZIP_MAGIC):
            return check_zip(p, measure)
        if head.startswith(_OLE_MAGIC):
            return check_ole(p)
    except PermissionError:
        raise refuse(MSG_LOCKED, p, "file.locked") from None
    if p.name.startswith("~$"):
        raise refuse("这是 Excel 打开工作簿时生成的临时锁文件（以 ~$ 开头），不是工作簿，请忽略它", p, "file.not_workbook")
    raise refuse(_describe_foreign(head, p.suffix.lower()), p, "file.not_workbook")


_TEXT_TABLES = {".csv": "一个 CSV 文本文件（逗号分隔的表格）", ".tsv": "一个制表符分隔的文本文件", ".txt": "一个文本文件"}


def _describe_foreign(head: bytes, suffix: str = "") -> str:
    """Name what a non-Excel file most likely is, so the user knows how to fix it."""
    if suffix in _TEXT_TABLES and b"\x00" not in head:  # a real text file, named as one: not a renamed file
        hint = "，或用 xltool import 导入其中的项目表" if suffix == ".txt" else ""
        return f"{MSG_NOT_EXCEL}：这是{_TEXT_TABLES[suffix]}，不是工作簿；{MSG_SAVE_AS}{hint}"
    from xltool.io.html import looks_like_html  # the readers' own sniffs: read by validate and merge, not markable
    from xltool.io.xml2003 import is_spreadsheetml

    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"%pdf"):
        return f"{MSG_NOT_EXCEL}：该文件实际是 PDF 文档"
    if is_spreadsheetml(text):
        return f"{MSG_NOT_EXCEL}：该文件实际是“XML 表格 2003”格式，{MSG_SAVE_AS}"
    if looks_like_html(text):
        return (f"{MSG_NOT_EXCEL}：该文件实际是网页（HTML）格式，只是扩展名像 Excel 文件，{MSG_SAVE_AS}，"
                "或用 xltool import 导入其中的项目表")
    if text.startswith(b"mime-version"):
        return f"{MSG_NOT_EXCEL}：该文件实际是单个文件网页（MHT）格式，{MSG_SAVE_AS}"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return f"{MSG_NOT_EXCEL}：该文件实际是压缩包（RAR/7z/gz），请先解压"
    return f"{MSG_NOT_EXCEL}（文件内容既不是 .xlsx 也不是 .xls 格式，可能是改了扩展名的其他文件，或已损坏）"


# ---------------------------------------------------------------------------
# Guarded loaders


_OPENPYXL_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


def _refuse_kind(kind: Kind, p: Path, allowed: tuple[Kind, ...]) -> None:
    if kind in allowed:
        return
    if kind == "xls":
        raise refuse(f"这是旧版 .xls 工作簿，{MSG_SAVE_AS}", p, "file.not_workbook")
    if kind == "ods":
        raise refuse(f"这是 OpenDocument 表格（.ods），{MSG_SAVE_AS}", p, "file.not_workbook")
    raise refuse(f"{MSG_NOT_EXCEL}：这是 Word 文档（.docx）", p, "file.not_workbook")


def safe_load_workbook(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, **kw: Any) -> Workbook:
    """``openpyxl.load_workbook`` behind the gate; any failure becomes an XltoolError.

    Everything openpyxl raises here comes from the file's content (it wraps parse errors
    in ValueError, and malformed parts surface as KeyError, TypeError, IndexError…), so
    all of it is mapped to one message; the original stays in ``__cause__`` for debugging.
    With ``read_only=True`` sheets are parsed later: iterate them inside
    :func:`guard_openpyxl`.
    """
    import openpyxl

    p = Path(path)
    _refuse_kind(check_input_file(p, max_bytes=max_bytes), p, ("xlsx",))
    harden_xml()
    source: Any = p
    if p.suffix.lower() not in _OPENPYXL_SUFFIXES:
        # openpyxl refuses unknown extensions by name; the gate already knows it is OOXML.
        try:
            source = io.BytesIO(p.read_bytes())
        except PermissionError:
            raise refuse(MSG_LOCKED, p, "file.locked") from None
    with guard_openpyxl(p):
        return openpyxl.load_workbook(source, **kw)


@contextlib.contextmanager
def guard_openpyxl(path: str | os.PathLike[str]) -> Iterator[None]:
    """Map failures of lazily parsed openpyxl objects to XltoolError.

    With ``read_only=True`` openpyxl parses each sheet while it is iterated, after
    :func:`safe_load_workbook` has returned; wrap that iteration (and nothing else) in
    this so bad content still surfaces as one Chinese message.
    """
    with _content_guard(Path(path), f"{MSG_BAD_XML}，无法读取。请在 Excel 中打开并另存为新的 .xlsx 文件后再试"):
        yield


@contextlib.contextmanager
def _content_guard(p: Path, message: str) -> Iterator[None]:
    """Whatever a parser raises on bad content becomes one Chinese message (cause kept)."""
    try:
        yield
    except XltoolError:
        raise
    except PermissionError:
        raise refuse(MSG_LOCKED, p, "file.locked") from None
    except Exception as exc:
        raise refuse(message, p, "file.damaged") from exc


def _is_rust_panic(exc: BaseException) -> bool:
    # pyo3 raises PanicException, a BaseException subclass not importable by name.
    return type(exc).__name__ == "PanicException"


@contextlib.contextmanager
def guard_calamine(path: str | os.PathLike[str]) -> Iterator[None]:
    """Map what python-calamine raises on bad content to XltoolError.

    Calamine parses sheets lazily, so wrap every ``get_sheet_by_*`` / ``to_python`` /
    ``iter_rows`` call on an untrusted workbook in this, not only the open.
    """
    from python_calamine import CalamineError, PasswordError

    p = Path(path)
    try:
        yield
    except XltoolError:
        raise
    except PasswordError:
        raise refuse(MSG_ENCRYPTED, p, "file.encrypted") from None
    except PermissionError:
        raise refuse(MSG_LOCKED, p, "file.locked") from None
    except (CalamineError, ValueError, OverflowError, UnicodeError, OSError, IndexError) as exc:
        raise refuse(f"{MSG_BAD_XML}，无法读取。请在 Excel 中打开并另存为新的 .xlsx 文件后再试", p, "file.damaged") from exc
    except BaseException as exc:
        if _is_rust_panic(exc):
            raise refuse(f"{MSG_BAD_XML}，无法读取（解析器异常）", p, "file.damaged") from exc
        raise


def safe_open_calamine(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> CalamineWorkbook:
    """``CalamineWorkbook.from_path`` behind the gate (xlsx, xls and ods are accepted).

    For xlsx it also scans each worksheet's cell addresses first (see
    :data:`MAX_SHEET_CELLS`), because what calamine does with a far-away cell is abort
    the whole process, which no ``except`` can catch.
    """
    p = Path(path)
    return open_checked_calamine(p, check_for_calamine(p, max_bytes=max_bytes), measured=True)


def open_checked_calamine(p: Path, kind: Kind, *, measured: bool = False,
                          replaced: dict[str, bytes] | None = None) -> CalamineWorkbook:
    """Open a file :func:`check_input_file` already passed as ``kind`` (no second check);
    ``measured``: its sheet extents were checked too (:func:`check_for_calamine`).
    ``replaced``: parts of an xlsx given in place of the file's own (rows cut off a huge sheet)."""
    from python_calamine import CalamineWorkbook

    _refuse_kind(kind, p, ("xlsx", "xls", "ods"))
    if kind == "xlsx" and not measured:
        check_sheet_extents(p)
    with guard_calamine(p):
        if replaced:
            return CalamineWorkbook.from_filelike(_with_parts(p, replaced))
        try:
            str(p).encode("utf-8")
        except UnicodeEncodeError:  # a name in GBK bytes (unzip): calamine takes UTF-8 paths only
            with _open_binary(p, "rb") as fh:
                return CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
        return CalamineWorkbook.from_path(str(p))


def _with_parts(p: Path, replaced: dict[str, bytes]) -> io.BytesIO:
    """The checked xlsx rebuilt in memory (stored, not compressed) with ``replaced`` parts swapped in."""
    out = io.BytesIO()
    with _open_binary(p, "rb") as fh, zipfile.ZipFile(fh) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replaced[info.filename] if info.filename in replaced else src.read(info))
    out.seek(0)
    return out


KEEP_MAX = 64 << 20  # decompressed parts kept for the number formats (io/numfmt), in total


def check_for_calamine(
    path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES, max_cells: int = MAX_SHEET_CELLS,
    keep: dict[str, bytes] | None = None, cut: dict[str, bytes] | None = None,
) -> Kind:
    """:func:`check_input_file` and, for an xlsx, :func:`check_sheet_extents` in one pass over
    the zip: each ``xl/**.xml`` part is decompressed once for both (a merge reads thousands of
    files). Every prolog is judged before any extent is refused, as in the two-pass order.
    ``keep``: filled with the parts decompressed whole (up to :data:`KEEP_MAX` bytes in all),
    so the number formats are read from them rather than decompressed again. ``cut``: filled with
    the worksheet parts that reach beyond the rows the reader keeps, cut after them
    (:func:`xltool.io.extents.rows_cut`), for calamine to load in place of the whole sheet."""
    p = Path(path)
    extents: list[tuple[str, Extent]] = []
    kept = [0]

    def measure(zf: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | None) -> None:
        if keep is not None and data is not None and kept[0] + len(data) <= KEEP_MAX:
            keep[info.filename] = data
            kept[0] += len(data)
        rows: list[int] = []
        with _content_guard(p, MSG_DAMAGED_ZIP):
            if info.filename == "content.xml":  # an ods (an xlsx's parts are all under xl/)
                with zf.open(info) if data is None else io.BytesIO(data) as fh:
                    extent = ods_extent(fh)
            elif data is None:
                extent = part_extent(zf, info)
            else:
                extent = data_extent(data, rows if cut is not None else None)
        if extent is not None:
            extents.append((info.filename, extent))
            if cut is not None and rows and data is not None and extent[1][0] > MAX_ROWS + 1:
                smaller = rows_cut(data, MAX_ROWS + 1, rows, extent[1][1])
                if smaller is not None:
                    cut[info.filename] = smaller

    kind = check_input_file(p, max_bytes=max_bytes, measure=measure)
    for name, extent in extents:
        _check_extent(p, name, extent, max_cells)
    return kind


def _check_extent(p: Path, name: str, extent: Extent, max_cells: int) -> None:
    (r0, c0), (r1, c1) = extent
    rows, cols = r1 - r0 + 1, c1 - c0 + 1
    if rows * cols > max_cells:
        raise refuse(
            f"工作表的数据区域过大（{rows} 行 × {cols} 列，部件 {name}），"
            f"可能有内容误填在很远的单元格（如 {cell_ref(r1, c1)}）中，请删除多余内容后再试",
            p,
            "file.too_large",
        )


def check_sheet_extents(path: str | os.PathLike[str], *, max_cells: int = MAX_SHEET_CELLS) -> None:
    """Refuse an xlsx whose non-empty cells span more than ``max_cells`` in any part.

    Each ``xl/**.xml`` part is measured once: by C-level regex scans when every cell
    carries an explicit address (what writers produce), otherwise by a streaming scan
    that follows positions the way spreadsheet readers do. Work is linear in the part
    sizes, which the gate already bounded.
    """
    p = Path(path)
    with _content_guard(p, MSG_DAMAGED_ZIP), zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            if not is_cell_part(info):
                continue
            extent = part_extent(zf, info)
            if extent is not None:
                _check_extent(p, info.filename, extent, max_cells)
