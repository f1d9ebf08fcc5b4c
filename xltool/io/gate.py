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
import os
import stat
import struct
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.grid import cell_ref
from xltool.io.extents import part_extent
from xltool.io.xmlguard import harden_xml, scan_prolog

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.workbook.workbook import Workbook
    from python_calamine import CalamineWorkbook

Kind = Literal["xlsx", "xls", "ods", "docx"]

# ---------------------------------------------------------------------------
# Limits. Budget workbooks are a few hundred KB; every limit is far above that, and
# each one turns a potentially unbounded cost into a refusal with a clear message.

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest input file accepted (on disk). Real 绩效目标表 files are < 5 MB."""

MAX_ZIP_ENTRIES = 10_000
"""More entries than this is a bomb (or not a workbook): each costs parser work."""

MAX_TOTAL_UNCOMPRESSED = 500 * 1024 * 1024
"""Sum of declared uncompressed sizes. Python's zipfile never inflates an entry past its
declared size, so this bounds what openpyxl can be made to decompress."""

MAX_COMPRESSION_RATIO = 200
"""Deflate on real spreadsheet XML gives ~5–50:1; 1000:1 is the signature of zeros."""

RATIO_CHECK_MIN_SIZE = 1024 * 1024
"""Small entries may have any ratio (a 1 KB run of spaces is harmless)."""

MAX_ROWS = 5_000
MAX_COLS = 50
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

_MSG_LOCKED = "文件被占用或无权限读取，请关闭 Excel 中打开的该文件后再试"
_MSG_ENCRYPTED = (
    "工作簿已设置打开密码，请在 Excel 中取消密码"
    "（文件→信息→保护工作簿→用密码进行加密，清空密码）后再试"
)
_MSG_NOT_EXCEL = "不是有效的 Excel 工作簿"
_MSG_BAD_XML = "工作簿内容损坏或包含不安全的 XML 结构"
_MSG_DAMAGED_ZIP = "文件已损坏或不完整（压缩结构无法读取），可能在复制或下载时被截断，请重新获取原文件"
_MSG_SAVE_AS = "请在 Excel 中打开后“另存为”Excel 工作簿（*.xlsx）再试"

_open_binary = open  # seam so tests can simulate a Windows sharing violation


def _fail(message: str, path: Path) -> XltoolError:
    return XltoolError(message, file=path, exit_code=EXIT_INPUT)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


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


def check_input_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Kind:
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
        raise _fail("文件不存在，请检查路径是否正确", p) from None
    except PermissionError:
        raise _fail(_MSG_LOCKED, p) from None
    except OSError as exc:
        raise _fail(f"无法读取文件（{exc.strerror or exc}）", p) from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail("这是一个文件夹，不是 Excel 文件", p)
    if not stat.S_ISREG(st.st_mode):
        raise _fail("不是普通文件（可能是设备或管道），无法作为工作簿读取", p)
    if st.st_size == 0:
        raise _fail("文件为空（0 字节），可能在复制或下载时中断，请重新获取该文件", p)
    if st.st_size > max_bytes:
        raise _fail(f"文件过大（{_mb(st.st_size)}），超过上限 {_mb(max_bytes)}，不像是绩效目标表", p)

    try:
        with _open_binary(p, "rb") as fh:
            head = fh.read(4096)
    except PermissionError:
        raise _fail(_MSG_LOCKED, p) from None
    except OSError as exc:
        raise _fail(f"无法读取文件（{exc.strerror or exc}）", p) from None

    try:
        if head.startswith(_ZIP_MAGIC):
            return _check_zip(p)
        if head.startswith(_OLE_MAGIC):
            return _check_ole(p)
    except PermissionError:
        raise _fail(_MSG_LOCKED, p) from None
    if p.name.startswith("~$"):
        raise _fail("这是 Excel 打开工作簿时生成的临时锁文件（以 ~$ 开头），不是工作簿，请忽略它", p)
    raise _fail(_describe_foreign(head), p)


def _describe_foreign(head: bytes) -> str:
    """Name what a non-Excel file most likely is, so the user knows how to fix it."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"%pdf"):
        return f"{_MSG_NOT_EXCEL}：该文件实际是 PDF 文档"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return f"{_MSG_NOT_EXCEL}：该文件实际是“XML 表格 2003”格式，{_MSG_SAVE_AS}"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in text[:512]:
        return f"{_MSG_NOT_EXCEL}：该文件实际是网页（HTML）格式，只是扩展名像 Excel 文件，{_MSG_SAVE_AS}"
    if text.startswith(b"mime-version"):
        return f"{_MSG_NOT_EXCEL}：该文件实际是单个文件网页（MHT）格式，{_MSG_SAVE_AS}"
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return f"{_MSG_NOT_EXCEL}：该文件实际是压缩包（RAR/7z/gz），请先解压"
    return f"{_MSG_NOT_EXCEL}（文件内容既不是 .xlsx 也不是 .xls 格式，可能是改了扩展名的其他文件，或已损坏）"


# ---------------------------------------------------------------------------
# OOXML / ODF (zip)


def _check_zip(p: Path) -> Kind:
    try:
        zf = zipfile.ZipFile(p)
    except PermissionError:
        raise
    except Exception as exc:  # BadZipFile, struct.error, ValueError, NotImplementedError…
        raise _fail(_MSG_DAMAGED_ZIP, p) from exc
    with zf:
        infos = zf.infolist()
        _check_zip_directory(p, zf, infos)
        kind = _zip_kind(p, zf)
        _check_xml_prologs(p, zf, infos)
    return kind


def _check_zip_directory(p: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse bombs and tampering using only what the central directory declares."""
    bomb = "疑似压缩炸弹（恶意构造的文件），已拒绝读取"
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _fail(f"压缩包内有 {len(infos)} 个条目，超过上限 {MAX_ZIP_ENTRIES}，{bomb}", p)
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _fail("压缩包内存在重名的部件，文件可能被篡改，已拒绝读取", p)
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _fail(f"解压后总大小声明为 {_mb(total)}，超过上限 {_mb(MAX_TOTAL_UNCOMPRESSED)}，{bomb}", p)
    for info in infos:
        if info.flag_bits & 0x1:
            raise _fail(f"压缩包条目 {info.filename} 已加密，无法读取", p)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail(f"压缩包条目 {info.filename} 使用了 Excel 不会使用的压缩方式，已拒绝读取", p)
        if info.file_size > RATIO_CHECK_MIN_SIZE and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise _fail(f"压缩包条目 {info.filename} 的压缩比高达 {ratio}:1，{bomb}", p)
        # Deflate never grows data by more than ~0.03 % + a few bytes; a larger
        # compressed size means the declared uncompressed size is a lie.
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _fail(f"压缩包条目 {info.filename} 的声明大小自相矛盾，{bomb}", p)
        if info.compress_size > info.file_size + info.file_size // 100 + 1024:
            raise _fail(f"压缩包条目 {info.filename} 的声明大小自相矛盾，{bomb}", p)

    # Overlapping entries (several directory records sharing compressed data) are how
    # non-recursive bombs reach huge sizes with valid ratios; real zips never overlap.
    end_of_data = getattr(zf, "start_dir", None)
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for cur, nxt in zip(ordered, [*ordered[1:], None]):
        raw_name = cur.orig_filename.encode("utf-8" if cur.flag_bits & 0x800 else "cp437", "replace")
        min_end = cur.header_offset + 30 + len(raw_name) + cur.compress_size
        limit = nxt.header_offset if nxt is not None else end_of_data
        if limit is not None and min_end > limit:
            raise _fail(f"压缩包条目 {cur.filename} 与其他条目的数据重叠，{bomb}", p)


def _zip_kind(p: Path, zf: zipfile.ZipFile) -> Kind:
    """Which document a zip holds, judged by the parts its readers need."""
    names = set(zf.namelist())
    if "mimetype" in names:
        with zf.open("mimetype") as fh:
            mimetype = fh.read(128).decode("ascii", "replace").strip()
        if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
            if "content.xml" not in names:
                raise _fail("OpenDocument 表格缺少必需的部件 content.xml，文件已损坏", p)
            return "ods"
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise _fail(f"{_MSG_NOT_EXCEL}：这是 OpenDocument 文档（{mimetype}），不是表格", p)
    if "[Content_Types].xml" not in names:
        raise _fail(f"{_MSG_NOT_EXCEL}：压缩包中缺少工作簿必需的部件 [Content_Types].xml（可能是改了扩展名的普通压缩包）", p)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.bin" in names:
        raise _fail(f"这是 Excel 二进制工作簿（.xlsb），{_MSG_SAVE_AS}", p)
    if "ppt/presentation.xml" in names:
        raise _fail(f"{_MSG_NOT_EXCEL}：这是 PowerPoint 演示文稿", p)
    raise _fail(f"{_MSG_NOT_EXCEL}：缺少工作簿必需的部件 xl/workbook.xml", p)


def _check_xml_prologs(p: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse any part whose XML prolog declares a DTD.

    Excel, WPS and LibreOffice never write a DTD into a package part, and a DTD is the
    only way to declare the entities behind billion-laughs and XXE attacks. Refusing it
    here protects every parser behind the gate, whatever its own settings. Only the
    prolog (at most ``MAX_XML_PROLOG`` bytes per part) is decompressed.
    """
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        try:
            with zf.open(info) as fh:
                verdict = scan_prolog(fh)
        except PermissionError:
            raise
        except Exception as exc:  # zlib.error, BadZipFile (header mismatch, CRC), EOFError…
            raise _fail(f"{_MSG_DAMAGED_ZIP}（部件 {info.filename}）", p) from exc
        if verdict == "dtd":
            raise _fail(
                f"{_MSG_BAD_XML}：部件 {info.filename} 含有 DTD/实体声明（正常的 Excel 文件不会包含），已拒绝读取",
                p,
            )
        if verdict == "too_long":
            raise _fail(f"{_MSG_BAD_XML}：部件 {info.filename} 的 XML 声明区异常冗长，已拒绝读取", p)


# ---------------------------------------------------------------------------
# Legacy OLE compound files


def _check_ole(p: Path) -> Kind:
    import olefile

    try:
        with olefile.OleFileIO(str(p)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
            if "EncryptedPackage" in streams:
                raise _fail(_MSG_ENCRYPTED, p)
            book = "Workbook" if "Workbook" in streams else "Book" if "Book" in streams else None
            if book is None:
                if "WordDocument" in streams:
                    raise _fail(f"{_MSG_NOT_EXCEL}：这是旧版 Word 文档（.doc）", p)
                if "PowerPoint Document" in streams:
                    raise _fail(f"{_MSG_NOT_EXCEL}：这是旧版 PowerPoint 演示文稿（.ppt）", p)
                raise _fail(f"{_MSG_NOT_EXCEL}（旧版 Office 复合文档中没有工作簿数据）", p)
            with ole.openstream(book) as fh:
                head = fh.read(64 * 1024)
    except XltoolError:
        raise
    except PermissionError:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError… on garbage
        raise _fail("文件已损坏（旧版 .xls 复合文档结构无法读取），请重新获取原文件", p) from exc
    if biff_has_filepass(head):
        raise _fail(_MSG_ENCRYPTED.replace("工作簿已设置打开密码", "工作簿（旧版 .xls）已设置打开密码"), p)
    return "xls"


def biff_has_filepass(stream: bytes, max_records: int = 64) -> bool:
    """True if a BIFF workbook stream is encrypted.

    [MS-XLS] places FILEPASS (0x002F) right after the globals BOF, so walking the first
    records is enough; this avoids depending on msoffcrypto at run time.
    """
    pos = 0
    for _ in range(max_records):
        if pos + 4 > len(stream):
            return False
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x002F:
            return True
        if rtype == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + size
    return False


# ---------------------------------------------------------------------------
# Guarded loaders


_OPENPYXL_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


def _refuse_kind(kind: Kind, p: Path, allowed: tuple[Kind, ...]) -> None:
    if kind in allowed:
        return
    if kind == "xls":
        raise _fail(f"这是旧版 .xls 工作簿，{_MSG_SAVE_AS}", p)
    if kind == "ods":
        raise _fail(f"这是 OpenDocument 表格（.ods），{_MSG_SAVE_AS}", p)
    raise _fail(f"{_MSG_NOT_EXCEL}：这是 Word 文档（.docx）", p)


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
        import io

        try:
            source = io.BytesIO(p.read_bytes())
        except PermissionError:
            raise _fail(_MSG_LOCKED, p) from None
    with guard_openpyxl(p):
        return openpyxl.load_workbook(source, **kw)


@contextlib.contextmanager
def guard_openpyxl(path: str | os.PathLike[str]) -> Iterator[None]:
    """Map failures of lazily parsed openpyxl objects to XltoolError.

    With ``read_only=True`` openpyxl parses each sheet while it is iterated, after
    :func:`safe_load_workbook` has returned; wrap that iteration (and nothing else) in
    this so bad content still surfaces as one Chinese message.
    """
    with _content_guard(Path(path), f"{_MSG_BAD_XML}，无法读取。请在 Excel 中打开并另存为新的 .xlsx 文件后再试"):
        yield


@contextlib.contextmanager
def _content_guard(p: Path, message: str) -> Iterator[None]:
    """Whatever a parser raises on bad content becomes one Chinese message (cause kept)."""
    try:
        yield
    except XltoolError:
        raise
    except PermissionError:
        raise _fail(_MSG_LOCKED, p) from None
    except Exception as exc:
        raise _fail(message, p) from exc


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
        raise _fail(_MSG_ENCRYPTED, p) from None
    except PermissionError:
        raise _fail(_MSG_LOCKED, p) from None
    except (CalamineError, ValueError, OverflowError, UnicodeError, OSError, IndexError) as exc:
        raise _fail(f"{_MSG_BAD_XML}，无法读取。请在 Excel 中打开并另存为新的 .xlsx 文件后再试", p) from exc
    except BaseException as exc:
        if _is_rust_panic(exc):
            raise _fail(f"{_MSG_BAD_XML}，无法读取（解析器异常）", p) from exc
        raise


def safe_open_calamine(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> CalamineWorkbook:
    """``CalamineWorkbook.from_path`` behind the gate (xlsx, xls and ods are accepted).

    For xlsx it also scans each worksheet's cell addresses first (see
    :data:`MAX_SHEET_CELLS`), because what calamine does with a far-away cell is abort
    the whole process, which no ``except`` can catch.
    """
    p = Path(path)
    return open_checked_calamine(p, check_input_file(p, max_bytes=max_bytes))


def open_checked_calamine(p: Path, kind: Kind) -> CalamineWorkbook:
    """Open a file :func:`check_input_file` already passed as ``kind`` (no second check)."""
    from python_calamine import CalamineWorkbook

    _refuse_kind(kind, p, ("xlsx", "xls", "ods"))
    if kind == "xlsx":
        check_sheet_extents(p)
    with guard_calamine(p):
        return CalamineWorkbook.from_path(str(p))


def check_sheet_extents(path: str | os.PathLike[str], *, max_cells: int = MAX_SHEET_CELLS) -> None:
    """Refuse an xlsx whose non-empty cells span more than ``max_cells`` in any part.

    Each ``xl/**.xml`` part is measured once: by C-level regex scans when every cell
    carries an explicit address (what writers produce), otherwise by a streaming scan
    that follows positions the way spreadsheet readers do. Work is linear in the part
    sizes, which the gate already bounded.
    """
    p = Path(path)
    with _content_guard(p, _MSG_DAMAGED_ZIP), zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/") and info.filename.endswith(".xml")):
                continue
            extent = part_extent(zf, info)
            if extent is None:
                continue
            (r0, c0), (r1, c1) = extent
            rows, cols = r1 - r0 + 1, c1 - c0 + 1
            if rows * cols > max_cells:
                raise _fail(
                    f"工作表的数据区域过大（{rows} 行 × {cols} 列，部件 {info.filename}），"
                    f"可能有内容误填在很远的单元格（如 {cell_ref(r1, c1)}）中，请删除多余内容后再试",
                    p,
                )
