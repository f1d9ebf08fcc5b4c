"""Files in a reviewer's folder that may hold a unit's tables but are not read: archives, PDFs, scans.

A department often sends its workbooks zipped: passing over the archive with one word on
the console would lose that department's money without a trace, so discovery lists it
as skipped, with what to do, in 文件清单, and the run exits 1. A .zip is looked into (its
directory only, nothing is unpacked): one holding no workbook or document stays unlisted.
A PDF or a picture is most often the stamped scan of a table also sent as a workbook: it
is listed in 文件清单 too (a unit that sent only the scan is seen there), without making
the run fail.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cab", ".arj", ".lzh")

_UNPACK = "请解压后改用解压出的文件夹"
_ASK = "请向其索要 Excel、WPS 或 Word 格式的文件"
ARCHIVE_REASON = f"压缩包，其中的文件未读取；{_UNPACK}"
PDF_REASON = f"PDF 文件（常为盖章扫描件），无法读取其中的表格；若该单位没有另报工作簿，{_ASK}"
SCAN_REASON = f"图片（可能是表格的扫描件），无法读取其中的表格；若该单位没有另报工作簿，{_ASK}"

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"})
SCAN_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
NOTED: dict[str, str] = {
    **{s: ARCHIVE_REASON for s in (".zip", ".rar", ".7z")},
    **{s: PDF_REASON if s == ".pdf" else SCAN_REASON for s in SCAN_SUFFIXES},
}

_SHOWN = 3  # entries a reason names


def zip_entry_name(info: zipfile.ZipInfo) -> str:
    """An entry's name as its author wrote it. Without the UTF-8 flag the bytes are UTF-8 (zip on
    macOS and Linux) or GBK (Chinese Windows tools): UTF-8 first, as core/fsnames.py reads names,
    since GBK bytes are rarely valid UTF-8 while UTF-8 bytes often decode as wrong GBK characters."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def zip_reason(path: Path, tables: tuple[str, ...]) -> str | None:
    """Why a .zip in a folder is listed (naming what it holds with a suffix in ``tables``: discovery's
    workbooks, sources and noted documents), or None when it holds none of them."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [zip_entry_name(i) for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "压缩包已损坏或无法打开，其中的文件未读取；请重新获取后解压，改用解压出的文件夹"
    tables = [n.rsplit("/", 1)[-1] for n in names
              if n.lower().endswith(tables) and not n.startswith("__MACOSX/")
              and not n.rsplit("/", 1)[-1].startswith(("~$", "."))]
    if not tables:
        return None
    shown = "、".join(tables[:_SHOWN]) + (" 等" if len(tables) > _SHOWN else "")
    return f"压缩包，内含 {len(tables)} 个工作簿或文档（{shown}），未读取；{_UNPACK}"
