"""What a zip or OLE container holds, judged without unpacking it: the gate's structural checks.

Zip archives (OOXML, ODF) are judged from their central directory plus the first few
KB of each XML part; legacy OLE compound files from their stream names and the first
BIFF records. Nothing is decompressed in full, so a check costs the same for a bomb as
for a real file. :func:`xltool.io.gate.check_input_file` calls these by magic bytes;
the refusals (:func:`refuse`) and their Chinese messages are shared with the gate.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.io.extents import is_cell_part, measured_in_memory
from xltool.io.xmlguard import scan_prolog

Kind = Literal["xlsx", "xls", "ods", "docx"]


# Limits of a zip. Budget workbooks are a few hundred KB; every limit is far above that.

MAX_ZIP_ENTRIES = 10_000
"""More entries than this is a bomb (or not a workbook): each costs parser work."""

MAX_TOTAL_UNCOMPRESSED = 500 * 1024 * 1024
"""Sum of declared uncompressed sizes. Python's zipfile never inflates an entry past its
declared size, so this bounds what openpyxl can be made to decompress."""

MAX_COMPRESSION_RATIO = 200
"""Deflate on real spreadsheet XML gives ~5–50:1; 1000:1 is the signature of zeros."""

RATIO_CHECK_MIN_SIZE = 1024 * 1024
"""Small entries may have any ratio (a 1 KB run of spaces is harmless)."""

MSG_LOCKED = "文件被占用或无权限读取，请关闭 Excel 中打开的该文件后再试"
MSG_ENCRYPTED = (
    "工作簿已设置打开密码，请在 Excel 中取消密码"
    "（文件→信息→保护工作簿→用密码进行加密，清空密码）后再试"
)
MSG_NOT_EXCEL = "不是有效的 Excel 工作簿"
MSG_BAD_XML = "工作簿内容损坏或包含不安全的 XML 结构"
MSG_DAMAGED_ZIP = "文件已损坏或不完整（压缩结构无法读取），可能在复制或下载时被截断，请重新获取原文件"
MSG_SAVE_AS = "请在 Excel 中打开后“另存为”Excel 工作簿（*.xlsx）再试"


def refuse(message: str, path: Path, code: str = "file.not_workbook") -> XltoolError:
    """The gate's one kind of refusal: a Chinese message naming the file, a machine code, exit code 2."""
    return XltoolError(message, file=path, exit_code=EXIT_INPUT, code=code)


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


# ---------------------------------------------------------------------------
# OOXML / ODF (zip)


PartHook = Callable[[zipfile.ZipFile, zipfile.ZipInfo, "bytes | None"], None]


def check_zip(p: Path, measure: PartHook | None = None) -> Kind:
    """``measure(zf, info, data)``: called for each part that holds cells (``xl/**.xml`` of an xlsx,
    ``content.xml`` of an ods) after its prolog passed, with its whole bytes (read once for both
    checks) or None for a part too large to hold."""
    try:
        zf = zipfile.ZipFile(p)
    except PermissionError:
        raise
    except Exception as exc:  # BadZipFile, struct.error, ValueError, NotImplementedError…
        raise refuse(MSG_DAMAGED_ZIP, p, "file.damaged") from exc
    with zf:
        infos = zf.infolist()
        _check_zip_directory(p, zf, infos)
        kind = _zip_kind(p, zf)
        _check_xml_prologs(p, zf, infos, measure if kind in ("xlsx", "ods") else None, kind)
    return kind


def _check_zip_directory(p: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse bombs and tampering using only what the central directory declares."""
    bomb = "疑似压缩炸弹（恶意构造的文件），已拒绝读取"
    if len(infos) > MAX_ZIP_ENTRIES:
        raise refuse(f"压缩包内有 {len(infos)} 个条目，超过上限 {MAX_ZIP_ENTRIES}，{bomb}", p, "file.too_large")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise refuse("压缩包内存在重名的部件，文件可能被篡改，已拒绝读取", p, "file.damaged")
    if "" in names:  # zipfile's own helpers (is_dir) fail on it; no writer produces one
        raise refuse(f"{MSG_DAMAGED_ZIP}（压缩包内有名称为空的部件）", p, "file.damaged")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise refuse(f"解压后总大小声明为 {mb(total)}，超过上限 {mb(MAX_TOTAL_UNCOMPRESSED)}，{bomb}", p, "file.too_large")
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(f"压缩包条目 {info.filename} 已加密，无法读取", p, "file.encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse(f"压缩包条目 {info.filename} 使用了 Excel 不会使用的压缩方式，已拒绝读取", p, "file.damaged")
        if info.file_size > RATIO_CHECK_MIN_SIZE and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise refuse(f"压缩包条目 {info.filename} 的压缩比高达 {ratio}:1，{bomb}", p, "file.too_large")
        # Deflate never grows data by more than ~0.03 % + a few bytes; a larger
        # compressed size means the declared uncompressed size is a lie.
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise refuse(f"压缩包条目 {info.filename} 的声明大小自相矛盾，{bomb}", p, "file.too_large")
        if info.compress_size > info.file_size + info.file_size // 100 + 1024:
            raise refuse(f"压缩包条目 {info.filename} 的声明大小自相矛盾，{bomb}", p, "file.too_large")

    # Overlapping entries (several directory records sharing compressed data) are how
    # non-recursive bombs reach huge sizes with valid ratios; real zips never overlap.
    end_of_data = getattr(zf, "start_dir", None)
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for cur, nxt in zip(ordered, [*ordered[1:], None]):
        raw_name = cur.orig_filename.encode("utf-8" if cur.flag_bits & 0x800 else "cp437", "replace")
        min_end = cur.header_offset + 30 + len(raw_name) + cur.compress_size
        limit = nxt.header_offset if nxt is not None else end_of_data
        if limit is not None and min_end > limit:
            raise refuse(f"压缩包条目 {cur.filename} 与其他条目的数据重叠，{bomb}", p, "file.too_large")


def _zip_kind(p: Path, zf: zipfile.ZipFile) -> Kind:
    """Which document a zip holds, judged by the parts its readers need."""
    names = set(zf.namelist())
    if "mimetype" in names:
        with zf.open("mimetype") as fh:
            mimetype = fh.read(128).decode("ascii", "replace").strip()
        if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
            if "content.xml" not in names:
                raise refuse("OpenDocument 表格缺少必需的部件 content.xml，文件已损坏", p, "file.damaged")
            return "ods"
        if mimetype.startswith("application/vnd.oasis.opendocument"):
            raise refuse(f"{MSG_NOT_EXCEL}：这是 OpenDocument 文档（{mimetype}），不是表格", p, "file.not_workbook")
    if "[Content_Types].xml" not in names:
        raise refuse(f"{MSG_NOT_EXCEL}：压缩包中缺少工作簿必需的部件 [Content_Types].xml（可能是改了扩展名的普通压缩包）", p, "file.not_workbook")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.bin" in names:
        raise refuse(f"这是 Excel 二进制工作簿（.xlsb），{MSG_SAVE_AS}", p, "file.not_workbook")
    if "ppt/presentation.xml" in names:
        raise refuse(f"{MSG_NOT_EXCEL}：这是 PowerPoint 演示文稿", p, "file.not_workbook")
    raise refuse(f"{MSG_NOT_EXCEL}：缺少工作簿必需的部件 xl/workbook.xml", p, "file.not_workbook")


def _check_xml_prologs(
    p: Path, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], measure: PartHook | None = None,
    kind: Kind = "xlsx",
) -> None:
    """Refuse any part whose XML prolog declares a DTD.

    Excel, WPS and LibreOffice never write a DTD into a package part, and a DTD is the
    only way to declare the entities behind billion-laughs and XXE attacks. Refusing it
    here protects every parser behind the gate, whatever its own settings. Only the
    prolog (at most ``MAX_XML_PROLOG`` bytes per part) is decompressed.
    """
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        data = None
        xl_part = measure is not None and is_cell_part(info, kind)
        try:
            if xl_part and measured_in_memory(info):
                data = zf.read(info)  # the whole part: its cells are measured next, no second read
                verdict = scan_prolog(io.BytesIO(data))
            else:
                with zf.open(info) as fh:
                    verdict = scan_prolog(fh)
        except PermissionError:
            raise
        except Exception as exc:  # zlib.error, BadZipFile (header mismatch, CRC), EOFError…
            raise refuse(f"{MSG_DAMAGED_ZIP}（部件 {info.filename}）", p, "file.damaged") from exc
        if verdict == "dtd":
            raise refuse(
                f"{MSG_BAD_XML}：部件 {info.filename} 含有 DTD/实体声明（正常的 Excel 文件不会包含），已拒绝读取",
                p,
                "file.damaged",
            )
        if verdict == "too_long":
            raise refuse(f"{MSG_BAD_XML}：部件 {info.filename} 的 XML 声明区异常冗长，已拒绝读取", p, "file.damaged")
        if xl_part and measure is not None:
            measure(zf, info, data)


# ---------------------------------------------------------------------------
# Legacy OLE compound files


def check_ole(p: Path) -> Kind:
    import olefile

    try:
        with olefile.OleFileIO(str(p)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
            if "EncryptedPackage" in streams:
                raise refuse(MSG_ENCRYPTED, p, "file.encrypted")
            book = "Workbook" if "Workbook" in streams else "Book" if "Book" in streams else None
            if book is None:
                if "WordDocument" in streams:
                    raise refuse(f"{MSG_NOT_EXCEL}：这是旧版 Word 文档（.doc）", p, "file.not_workbook")
                if "PowerPoint Document" in streams:
                    raise refuse(f"{MSG_NOT_EXCEL}：这是旧版 PowerPoint 演示文稿（.ppt）", p, "file.not_workbook")
                raise refuse(f"{MSG_NOT_EXCEL}（旧版 Office 复合文档中没有工作簿数据）", p, "file.not_workbook")
            with ole.openstream(book) as fh:
                head = fh.read(64 * 1024)
    except XltoolError:
        raise
    except PermissionError:
        raise
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError… on garbage
        raise refuse("文件已损坏（旧版 .xls 复合文档结构无法读取），请重新获取原文件", p, "file.damaged") from exc
    if biff_has_filepass(head):
        raise refuse(MSG_ENCRYPTED.replace("工作簿已设置打开密码", "工作簿（旧版 .xls）已设置打开密码"), p, "file.encrypted")
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
