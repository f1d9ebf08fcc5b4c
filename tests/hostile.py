"""Generator of a hostile input corpus for tests.

Every file is written at test time into a directory the caller owns (usually a pytest
``tmp_path``), so no bomb, exploit or encrypted blob is ever committed to the repo.
Each ``make_*`` function writes one file and returns its path; :func:`build_corpus`
writes them all and returns ``{name: path}``.

The XML attacks are built from a hand-written minimal workbook (see
:func:`minimal_xlsx_parts`) so that exactly one part carries the attack and the rest
is a workbook both openpyxl and python-calamine accept.
"""

from __future__ import annotations

import functools
import inspect
import os
import struct
import zipfile
from pathlib import Path
from typing import Callable, Iterable

import openpyxl

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import run_cache
except ImportError:  # pragma: no cover
    import run_cache  # type: ignore[no-redef]

# A string that must never show up in anything a parser returns: the XXE files point
# an external entity at a local file holding it.
SECRET = "XLTOOL_SECRET_5f1e2d_泄露标记"
# The ASCII head of SECRET: serializers may turn the Chinese tail into &#...; references,
# so leak checks search for this.
SECRET_MARKER = "XLTOOL_SECRET_5f1e2d"

def once_per_run(make: Callable[..., Path]) -> Callable[..., Path]:
    """``make(directory, name=...)`` runs once per test run (tests/run_cache.py); later calls copy its file.

    For builders whose file depends on nothing but its name: the 200 MB bomb alone costs 1.3 s of
    deflate at level 9, and four test files build the corpus.
    """
    @functools.wraps(make)
    def wrapper(directory: Path, *args: object, **kwargs: object) -> Path:
        if args or set(kwargs) - {"name"}:
            return make(directory, *args, **kwargs)
        name = str(kwargs.get("name") or inspect.signature(make).parameters["name"].default)
        return run_cache.built_once(f"hostile-{make.__name__}-{name}", directory / name,
                                    lambda path: make(path.parent, name=path.name))

    return wrapper


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# The classic "billion laughs": 10 levels x 10 references = 10**9 copies of "lol",
# about 3 GB once expanded, from well under 1 KB of XML.
BILLION_LAUGHS_DTD = (
    '<!DOCTYPE {root} [\n'
    ' <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)


def _xxe_dtd(root: str, secret_file: Path) -> str:
    """A DOCTYPE declaring ``&xxe;`` as the contents of ``secret_file``."""
    return f'<!DOCTYPE {root} [\n <!ENTITY xxe SYSTEM "{secret_file.resolve().as_uri()}">\n]>\n'


def write_secret(directory: Path) -> Path:
    """Write the file an external entity tries to exfiltrate."""
    path = directory / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Valid baselines


def make_valid_xlsx(directory: Path, name: str = "valid.xlsx") -> Path:
    """A small, ordinary workbook written by openpyxl (the fuzz seed, too)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1"
    ws["A1"] = "项目名称"
    ws["B1"] = "示例项目"
    ws["A2"] = "资金总额"
    ws["B2"] = 120.5
    ws.merge_cells("B3:D3")
    ws["B3"] = "合并单元格"
    path = directory / name
    wb.save(path)
    return path


def make_unrelated_xlsx(directory: Path, name: str = "unrelated.xlsx") -> Path:
    """A perfectly valid workbook that holds no 项目绩效目标表 at all."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "通讯录"
    ws.append(["姓名", "电话"])
    ws.append(["张三", "13800000000"])
    path = directory / name
    wb.save(path)
    return path


def minimal_xlsx_parts(
    *,
    shared_strings: str | bytes | None = None,
    sheet: str | bytes | None = None,
    workbook: str | bytes | None = None,
    core: str | bytes | None = None,
) -> dict[str, bytes]:
    """The parts of a tiny hand-written xlsx; any part may be replaced by the caller."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _XML_DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>",
        "_rels/.rels": _XML_DECL
        + f'<Relationships xmlns="{_NS_PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>",
        "docProps/core.xml": core
        if core is not None
        else _XML_DECL
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>标题</dc:title></cp:coreProperties>',
        "xl/workbook.xml": workbook
        if workbook is not None
        else _XML_DECL
        + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _XML_DECL
        + f'<Relationships xmlns="{_NS_PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet
        if sheet is not None
        else _XML_DECL
        + f'<worksheet xmlns="{_NS_MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>3</v></c></row>'
        "</sheetData></worksheet>",
        "xl/sharedStrings.xml": shared_strings
        if shared_strings is not None
        else _XML_DECL + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>hello</t></si></sst>',
    }
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in parts.items()}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def write_sheet_xlsx(path: Path, rows: Iterable[str], *, dimension: str | None = None) -> Path:
    """A minimal workbook whose one sheet's ``<row>`` elements are streamed in as given."""
    parts = minimal_xlsx_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS_MAIN}">'.encode())
            if dimension:
                out.write(f'<dimension ref="{dimension}"/>'.encode())
            out.write(b"<sheetData>")
            batch: list[str] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 20_000:
                    out.write("".join(batch).encode())
                    batch.clear()
            out.write("".join(batch).encode())
            out.write(b"</sheetData></worksheet>")
    return path


def make_minimal_xlsx(directory: Path, name: str = "minimal.xlsx") -> Path:
    """The hand-written baseline the XML attacks start from; itself harmless."""
    return write_zip(directory / name, minimal_xlsx_parts())


# ---------------------------------------------------------------------------
# Not a workbook at all


def make_random_bytes_xlsx(directory: Path, name: str = "random.xlsx") -> Path:
    """64 KiB of noise with an .xlsx name (fixed seed so failures reproduce)."""
    import random

    path = directory / name
    path.write_bytes(random.Random(20240601).randbytes(64 * 1024))
    return path


def make_empty_xlsx(directory: Path, name: str = "empty.xlsx") -> Path:
    """A 0-byte file, e.g. left behind by an interrupted copy."""
    path = directory / name
    path.write_bytes(b"")
    return path


def make_truncated_xlsx(directory: Path, name: str = "truncated.xlsx") -> Path:
    """A real workbook cut in half, so the zip central directory is gone."""
    src = make_valid_xlsx(directory, name="_full_for_truncation.xlsx")
    data = src.read_bytes()
    src.unlink()
    path = directory / name
    path.write_bytes(data[: len(data) // 2])
    return path


def make_text_xlsx(directory: Path, name: str = "text.xlsx") -> Path:
    """A CSV saved with an .xlsx name."""
    path = directory / name
    path.write_text("项目名称,资金总额\n示例项目,100\n", encoding="utf-8")
    return path


def make_html_xls(directory: Path, name: str = "html.xls") -> Path:
    """An HTML table saved as .xls, as many web systems 'export to Excel'."""
    path = directory / name
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>项目名称</td></tr></table></body></html>",
        encoding="utf-8",
    )
    return path


def make_pdf_xlsx(directory: Path, name: str = "pdf.xlsx") -> Path:
    """A PDF given an .xlsx name."""
    path = directory / name
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    return path


def make_lock_file(directory: Path, name: str = "~$valid.xlsx") -> Path:
    """The 165-byte owner file Excel creates next to an open workbook."""
    path = directory / name
    user = "张三".encode("utf-16-le")
    path.write_bytes(bytes([2]) + b"zs".ljust(53, b" ") + user.ljust(111, b" "))
    return path


def make_folder_xlsx(directory: Path, name: str = "folder.xlsx") -> Path:
    """A directory whose name looks like a workbook."""
    path = directory / name
    path.mkdir()
    return path


def make_zip_missing_parts(directory: Path, name: str = "no_workbook.xlsx") -> Path:
    """A valid zip (e.g. a renamed archive of photos) without any workbook part."""
    return write_zip(directory / name, {"photos/readme.txt": "这是一个普通压缩包".encode()})


def make_docx_as_xlsx(directory: Path, name: str = "document.xlsx") -> Path:
    """A minimal Word document carrying an .xlsx name."""
    parts = {
        "[Content_Types].xml": _XML_DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>",
        "_rels/.rels": _XML_DECL
        + f'<Relationships xmlns="{_NS_PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>",
        "word/document.xml": _XML_DECL
        + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>附件3</w:t></w:r></w:p></w:body></w:document>",
    }
    return write_zip(directory / name, {k: v.encode() for k, v in parts.items()})


def make_ods(directory: Path, name: str = "sheet.ods") -> Path:
    """A minimal OpenDocument spreadsheet (mimetype first and stored, as ODF requires)."""
    path = directory / name
    content = (
        _XML_DECL + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet/></office:body></office:document-content>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


# ---------------------------------------------------------------------------
# Zip bombs and malformed archives (judged from the central directory alone)


@once_per_run
def make_zip_bomb(directory: Path, name: str = "zip_bomb.xlsx", megabytes: int = 200) -> Path:
    """A valid workbook plus one entry of ``megabytes`` MB of zeros (~1000:1, ~200 KB on disk).

    Streamed in 1 MiB chunks so building it never holds the payload in memory.
    """
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for part, data in minimal_xlsx_parts().items():
            zf.writestr(part, data)
        chunk = bytes(1 << 20)
        with zf.open("xl/media/image1.bin", "w") as out:
            for _ in range(megabytes):
                out.write(chunk)
    return path


def _patch_central_directory(data: bytearray, entry: str, **fields: int) -> None:
    """Overwrite fields of ``entry``'s central-directory record (and its local header).

    Supported fields: ``file_size``, ``compress_size``, ``header_offset``.
    """
    name = entry.encode()
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            local = struct.unpack_from("<I", data, pos + 42)[0]
            if "compress_size" in fields:
                struct.pack_into("<I", data, pos + 20, fields["compress_size"])
                struct.pack_into("<I", data, local + 18, fields["compress_size"])
            if "file_size" in fields:
                struct.pack_into("<I", data, pos + 24, fields["file_size"])
                struct.pack_into("<I", data, local + 22, fields["file_size"])
            if "header_offset" in fields:
                struct.pack_into("<I", data, pos + 42, fields["header_offset"])
            return
        pos += 4
    raise KeyError(entry)


def make_zip_bomb_declared(directory: Path, name: str = "zip_declared_huge.xlsx") -> Path:
    """A tiny workbook whose directory claims one stored entry unpacks to ~3.9 GB."""
    path = write_zip(directory / name, minimal_xlsx_parts())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/huge.bin", b"x" * 16)
    data = bytearray(path.read_bytes())
    _patch_central_directory(data, "xl/media/huge.bin", file_size=0xF000_0000)
    path.write_bytes(bytes(data))
    return path


@once_per_run
def make_zip_size_lie(directory: Path, name: str = "zip_size_lie.xlsx") -> Path:
    """An entry whose directory understates its unpacked size (1 KB declared, 20 MB real).

    Deflate can never turn 1 KB into ~20 KB of compressed data, so the declared pair
    is self-contradictory and readers that trust the compressed stream would blow up.
    """
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for part, data in minimal_xlsx_parts().items():
            zf.writestr(part, data)
        zf.writestr("xl/media/image1.bin", bytes(20 << 20))
    data = bytearray(path.read_bytes())
    _patch_central_directory(data, "xl/media/image1.bin", file_size=1024)
    path.write_bytes(bytes(data))
    return path


@once_per_run
def make_zip_many_entries(directory: Path, name: str = "zip_many_entries.xlsx", count: int = 10_050) -> Path:
    """A workbook padded with more than 10,000 empty entries."""
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for part, data in minimal_xlsx_parts().items():
            zf.writestr(part, data)
        for i in range(count):
            zf.writestr(f"x/{i}", b"")
    return path


def make_zip_overlapping(directory: Path, name: str = "zip_overlap.xlsx") -> Path:
    """Two directory entries pointing at the same local data (the non-recursive bomb trick)."""
    path = directory / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, data in minimal_xlsx_parts().items():
            zf.writestr(part, data)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        target = zf.getinfo("xl/worksheets/sheet1.xml").header_offset
    _patch_central_directory(data, "xl/sharedStrings.xml", header_offset=target)
    path.write_bytes(bytes(data))
    return path


def make_zip_duplicate_names(directory: Path, name: str = "zip_duplicate.xlsx") -> Path:
    """Two entries named ``xl/workbook.xml``: which one a reader picks is undefined."""
    import warnings

    path = write_zip(directory / name, minimal_xlsx_parts())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/workbook.xml", b"<workbook/>")
    return path


def make_zip_empty_name(directory: Path, name: str = "zip_empty_name.xlsx") -> Path:
    """An entry with an empty name (found by the fuzz test): zipfile's own ``is_dir`` fails on it."""
    path = write_zip(directory / name, minimal_xlsx_parts())
    with zipfile.ZipFile(path, "a") as zf, zf.open(zipfile.ZipInfo(""), "w") as fh:
        fh.write(b"x")
    return path


# ---------------------------------------------------------------------------
# XML attacks


def make_billion_laughs_xlsx(directory: Path, name: str = "billion_laughs.xlsx") -> Path:
    """Entity bomb in xl/sharedStrings.xml (read by openpyxl's iterparse)."""
    sst = (
        _XML_DECL
        + BILLION_LAUGHS_DTD.format(root="sst")
        + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(shared_strings=sst))


def make_billion_laughs_workbook(directory: Path, name: str = "billion_laughs_workbook.xlsx") -> Path:
    """Entity bomb in xl/workbook.xml (read by openpyxl's ``fromstring``, lxml when installed)."""
    wbxml = (
        _XML_DECL
        + BILLION_LAUGHS_DTD.format(root="workbook")
        + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="bomb">&lol9;</definedName></definedNames></workbook>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(workbook=wbxml))


def make_xxe_xlsx(directory: Path, secret_file: Path, name: str = "xxe.xlsx") -> Path:
    """External entity in a shared string, pointing at ``secret_file``."""
    sst = (
        _XML_DECL
        + _xxe_dtd("sst", secret_file)
        + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(shared_strings=sst))


def make_xxe_sheet(directory: Path, secret_file: Path, name: str = "xxe_sheet.xlsx") -> Path:
    """External entity in an inline string of the worksheet itself."""
    sheet = (
        _XML_DECL
        + _xxe_dtd("worksheet", secret_file)
        + f'<worksheet xmlns="{_NS_MAIN}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c><c r="B1"><v>3</v></c>'
        "</row></sheetData></worksheet>"
    )
    return write_zip(directory / name, minimal_xlsx_parts(sheet=sheet))


def make_xxe_core(directory: Path, secret_file: Path, name: str = "xxe_core.xlsx") -> Path:
    """External entity in docProps/core.xml (the document title)."""
    core = (
        _XML_DECL
        + _xxe_dtd("cp:coreProperties", secret_file)
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title></cp:coreProperties>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(core=core))


def make_xxe_workbook(directory: Path, secret_file: Path, name: str = "xxe_workbook.xlsx") -> Path:
    """External entity in a defined name of xl/workbook.xml."""
    wbxml = (
        _XML_DECL
        + _xxe_dtd("workbook", secret_file)
        + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="leak">&xxe;</definedName></definedNames></workbook>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(workbook=wbxml))


def make_xxe_padded(directory: Path, secret_file: Path, name: str = "xxe_padded.xlsx") -> Path:
    """XXE whose DOCTYPE hides behind a 64 KiB comment, to defeat naive prefix scans."""
    sst = (
        _XML_DECL
        + "<!--" + "x" * 65536 + "-->\n"
        + _xxe_dtd("sst", secret_file)
        + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(shared_strings=sst))


def make_xxe_utf16(directory: Path, secret_file: Path, name: str = "xxe_utf16.xlsx") -> Path:
    """XXE in a UTF-16 encoded part (legal XML; a byte-level ``<!DOCTYPE`` grep misses it)."""
    sst = (
        '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\n'
        + _xxe_dtd("sst", secret_file)
        + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(shared_strings=sst.encode("utf-16")))


def make_xxe_fifo(directory: Path, name: str = "xxe_fifo.xlsx") -> Path | None:
    """XXE in every XML part that openpyxl reads with ``fromstring``, aimed at a FIFO.

    Opening a FIFO with no writer blocks forever, so a parser that merely *tries* to
    fetch the external entity hangs, and the test's timeout catches it even though no
    data could leak. Returns None where FIFOs do not exist (Windows).
    """
    if not hasattr(os, "mkfifo"):
        return None
    fifo = directory / "blocking.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    wbxml = (
        _XML_DECL
        + _xxe_dtd("workbook", fifo)
        + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="leak">&xxe;</definedName></definedNames></workbook>'
    )
    core = (
        _XML_DECL
        + _xxe_dtd("cp:coreProperties", fifo)
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title></cp:coreProperties>'
    )
    return write_zip(directory / name, minimal_xlsx_parts(workbook=wbxml, core=core))


def make_far_cell_xlsx(directory: Path, name: str = "far_cell.xlsx") -> Path:
    """A 5 KB valid workbook with values in A1 and XFD1048576 (python-calamine would abort)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "项目名称"
    ws["XFD1048576"] = "误填"
    path = directory / name
    wb.save(path)
    return path


# ---------------------------------------------------------------------------
# Encryption


@once_per_run
def make_encrypted_xlsx(directory: Path, name: str = "encrypted.xlsx", password: str = "1234") -> Path:
    """A workbook with an open password: an OLE container holding ``EncryptedPackage``."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_valid_xlsx(directory, name="_plain_for_encryption.xlsx")
    path = directory / name
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    plain.unlink()
    return path


def _biff_record(rtype: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def biff_globals(encrypted: bool) -> bytes:
    """The start of a BIFF8 workbook-globals substream, optionally with FILEPASS."""
    bof = _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06))
    records = [bof]
    if encrypted:
        # FILEPASS, RC4 CryptoAPI header; the detector only needs the record type.
        records.append(_biff_record(0x002F, struct.pack("<HHH", 1, 4, 2) + bytes(48)))
    records.append(_biff_record(0x0042, struct.pack("<H", 1200)))  # CODEPAGE
    records.append(_biff_record(0x000A))  # EOF
    return b"".join(records)


def write_cfb(path: Path, streams: dict[str, bytes]) -> Path:
    """Write a minimal OLE compound file (CFB v3) holding the given root-level streams.

    olefile can only read, so this writes one by hand: 512-byte sectors, one FAT
    sector, one directory sector, every stream padded to >= 4096 bytes so nothing
    lives in the mini stream. Enough for magic-byte and stream-name detection.
    """
    sector = 512
    if len(streams) > 3:
        raise ValueError("at most 3 streams fit in one directory sector")
    blobs = [(n, d + bytes(max(0, 4096 - len(d)))) for n, d in streams.items()]
    fat: list[int] = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0 = FAT, sector 1 = directory
    starts: list[int] = []
    body = b""
    for _, blob in blobs:
        nsec = -(-len(blob) // sector)
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + nsec))
        fat.append(0xFFFFFFFE)
        body += blob.ljust(nsec * sector, b"\0")
    if len(fat) > sector // 4:
        raise ValueError("streams too large for a single FAT sector")
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [0xFFFFFFFF] * (sector // 4 - len(fat))))

    def dir_entry(name: str, etype: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), etype, 1)  # name length, type, black
            + struct.pack("<III", left, right, child)
            + bytes(16 + 4 + 16)  # clsid, state bits, times
            + struct.pack("<IQ", start, size)
        )

    none = 0xFFFFFFFF
    entries = [b""] * 4
    # Root's child is entry 1 and each further stream is the right sibling of the one
    # before: an unbalanced but valid all-black tree, which olefile reads fine.
    for i, ((name, blob), start) in enumerate(zip(blobs, starts), start=1):
        right = i + 1 if i < len(blobs) else none
        entries[i] = dir_entry(name, 2, none, right, none, start, len(blob))
    entries[0] = dir_entry("Root Entry", 5, none, none, 1 if blobs else none, 0xFFFFFFFE, 0)
    for i in range(len(blobs) + 1, 4):
        entries[i] = bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", none, none, none) + bytes(48)
    directory_sector = b"".join(entries)
    assert len(directory_sector) == sector

    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    )
    header += struct.pack("<109I", 0, *([0xFFFFFFFF] * 108))
    assert len(header) == sector
    path.write_bytes(header + fat_sector + directory_sector + body)
    return path


def make_xls(directory: Path, name: str = "legacy.xls") -> Path:
    """An OLE file with a BIFF8 ``Workbook`` stream (only its header records)."""
    return write_cfb(directory / name, {"Workbook": biff_globals(encrypted=False)})


def make_encrypted_xls(directory: Path, name: str = "encrypted.xls") -> Path:
    """An OLE file whose ``Workbook`` stream starts BOF, FILEPASS: a password-protected xls."""
    return write_cfb(directory / name, {"Workbook": biff_globals(encrypted=True)})


def make_ole_without_workbook(directory: Path, name: str = "word97.xls") -> Path:
    """An OLE file that is a legacy Word document, not a workbook."""
    return write_cfb(directory / name, {"WordDocument": b"\xec\xa5" + bytes(100)})


# ---------------------------------------------------------------------------


def build_corpus(directory: Path, *, include_bomb: bool = True) -> dict[str, Path]:
    """Write every hostile (and baseline) file into ``directory``; return ``{name: path}``.

    ``include_bomb=False`` skips the ~1 s / 200 MB-of-zeros compression for callers
    that do not need it. ``"secret"`` is the file the XXE entries try to read.
    """
    directory.mkdir(parents=True, exist_ok=True)
    secret = write_secret(directory)
    corpus: dict[str, Path] = {
        "secret": secret,
        "valid": make_valid_xlsx(directory),
        "minimal": make_minimal_xlsx(directory),
        "unrelated": make_unrelated_xlsx(directory),
        "ods": make_ods(directory),
        "docx": make_docx_as_xlsx(directory),
        "xls": make_xls(directory),
        "random": make_random_bytes_xlsx(directory),
        "empty": make_empty_xlsx(directory),
        "truncated": make_truncated_xlsx(directory),
        "text": make_text_xlsx(directory),
        "html": make_html_xls(directory),
        "pdf": make_pdf_xlsx(directory),
        "lock": make_lock_file(directory),
        "folder": make_folder_xlsx(directory),
        "missing_parts": make_zip_missing_parts(directory),
        "zip_declared_huge": make_zip_bomb_declared(directory),
        "zip_size_lie": make_zip_size_lie(directory),
        "zip_many_entries": make_zip_many_entries(directory),
        "zip_overlap": make_zip_overlapping(directory),
        "zip_duplicate": make_zip_duplicate_names(directory),
        "zip_empty_name": make_zip_empty_name(directory),
        "billion_laughs": make_billion_laughs_xlsx(directory),
        "billion_laughs_workbook": make_billion_laughs_workbook(directory),
        "xxe": make_xxe_xlsx(directory, secret),
        "xxe_sheet": make_xxe_sheet(directory, secret),
        "xxe_core": make_xxe_core(directory, secret),
        "xxe_workbook": make_xxe_workbook(directory, secret),
        "xxe_padded": make_xxe_padded(directory, secret),
        "xxe_utf16": make_xxe_utf16(directory, secret),
        "encrypted": make_encrypted_xlsx(directory),
        "encrypted_xls": make_encrypted_xls(directory),
        "ole_not_excel": make_ole_without_workbook(directory),
        "far_cell": make_far_cell_xlsx(directory),
    }
    fifo_attack = make_xxe_fifo(directory)
    if fifo_attack is not None:
        corpus["xxe_fifo"] = fifo_attack
    if include_bomb:
        corpus["zip_bomb"] = make_zip_bomb(directory)
    return corpus


# ---------------------------------------------------------------------------
# Folders a run must walk without dropping anything (built from real tables)

GBK_NAME = "民政局.xlsx"  # the name a Windows zip carried, as GBK bytes after unzip
FAKE_BACKUP_NAME = "民政局.bak-20240315-093000.xlsx"  # a unit's own file, named like a backup


def gbk_name(name: str) -> str:
    """``name`` as Linux hands over the GBK bytes unzip wrote (surrogate escapes)."""
    return os.fsdecode(name.encode("gbk"))


def make_gbk_named(directory: Path, table: Path, name: str = GBK_NAME) -> Path:
    """A valid table whose file name is GBK bytes, not UTF-8."""
    directory.mkdir(parents=True, exist_ok=True)
    path = Path(os.path.join(directory, gbk_name(name)))
    path.write_bytes(table.read_bytes())
    return path


def make_deep_tree(directory: Path, table: Path, levels: int = 1_200) -> Path:
    """A table ``levels`` folders down (built level by level: pathlib's mkdir recurses)."""
    folder = str(directory)
    os.makedirs(folder, exist_ok=True)
    for _ in range(levels):
        folder = os.path.join(folder, "d")  # one byte a level: 1,200 levels stay within PATH_MAX
        os.mkdir(folder)
    target = Path(folder) / "深处.xlsx"
    target.write_bytes(table.read_bytes())
    return target


def remove_tree(top: Path) -> None:
    """Delete a tree of any depth (shutil.rmtree and pytest's cleanup recurse per level).

    Links are removed, never followed. A tree left 1,200 levels deep in pytest's base
    folder would make every later pytest session on the machine fail at its cleanup.
    """
    order: list[str] = []
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        order.append(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    os.unlink(entry.path)
    for folder in reversed(order):
        os.rmdir(folder)


def make_symlink_cycle(directory: Path) -> Path:
    """``directory/循环/回到上级`` → ``directory``: a walk that follows links blindly never ends."""
    loop = directory / "循环"
    loop.mkdir(parents=True, exist_ok=True)
    link = loop / "回到上级"
    os.symlink(os.path.relpath(directory, loop), link)
    return link


def make_linked_folder(directory: Path, elsewhere: Path, table: Path) -> Path:
    """A folder kept outside, reached through a symlink inside ``directory`` (must be followed)."""
    elsewhere.mkdir(parents=True, exist_ok=True)
    (elsewhere / "链接处的表.xlsx").write_bytes(table.read_bytes())
    link = directory / "共享盘"
    os.symlink(elsewhere, link)
    return link


def make_broken_link(directory: Path, name: str = "已移走的资料") -> Path:
    """A symlink whose target is gone (a folder moved after the link was made)."""
    link = directory / name
    os.symlink(directory / "不存在的文件夹", link)
    return link


def make_unreadable_folder(directory: Path, table: Path) -> Path:
    """A subfolder with mode 0 holding a table (the caller restores the mode to clean up)."""
    folder = directory / "无权限子文件夹"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "看不见的表.xlsx").write_bytes(table.read_bytes())
    folder.chmod(0)
    return folder


def make_fake_backup(directory: Path, table: Path, name: str = FAKE_BACKUP_NAME) -> Path:
    """A unit's own table named like an xltool backup, with no original beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(table.read_bytes())
    return path


def make_returned_marked_copy(directory: Path, table: Path, tag: str, *, edit: tuple[str, str, object] | None,
                              name: str = "") -> Path:
    """A ``--mark-to`` copy of ``tag`` (results sheet + the tag property), optionally edited by a unit.

    ``edit`` = (sheet, cell, value): what the unit corrected before sending it back.
    """
    from openpyxl.packaging.custom import StringProperty

    wb = openpyxl.load_workbook(table)
    if edit is not None:
        sheet, cell, value = edit
        wb[sheet][cell] = value
    marks = wb.create_sheet("xltool_marks")  # the sheet xltool's marking adds (hidden)
    marks["A1"] = "B3"
    marks.sheet_state = "hidden"
    wb.custom_doc_props.append(StringProperty(name="xltool_marked_copy_of", value=tag))
    path = directory / (name or f"{Path(tag).stem}_标注副本.xlsx")
    wb.save(path)
    return path


OVERLONG = 40_000  # characters in the 项目概况 of make_overlong_overview: more than an Excel cell keeps


def make_overlong_overview(directory: Path, table: Path, name: str = "超长概况.xlsx", length: int = OVERLONG) -> Path:
    """``table`` with a 项目概况 of ``length`` characters, written into the sheet XML directly
    (Excel and openpyxl never write more than 32,767; other programs do)."""
    wb = openpyxl.load_workbook(table)
    placeholder = "XLTOOL_OVERLONG_PLACEHOLDER"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "项目概况":
                    ws.cell(cell.row, cell.column + 1).value = placeholder
    directory.mkdir(parents=True, exist_ok=True)
    staged = directory / f".{name}.staged"
    wb.save(staged)
    text = ("本项目用于保障全区档案数字化工作。" * (length // 17 + 1))[:length]
    path = directory / name
    with zipfile.ZipFile(staged) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if placeholder.encode() in data:
                data = data.replace(placeholder.encode(), text.encode("utf-8"))
            dst.writestr(info, data)
    staged.unlink()
    return path


# Names grouped by what a reader must do with them.
XML_ATTACKS = (
    "xxe_fifo",
    "billion_laughs",
    "billion_laughs_workbook",
    "xxe",
    "xxe_sheet",
    "xxe_core",
    "xxe_workbook",
    "xxe_padded",
    "xxe_utf16",
)
ZIP_BOMBS = ("zip_bomb", "zip_declared_huge", "zip_size_lie", "zip_many_entries", "zip_overlap")

if __name__ == "__main__":  # pragma: no cover - manual inspection aid
    import sys
    import tempfile

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hostile-"))
    for key, value in build_corpus(out).items():
        size = value.stat().st_size if value.is_file() else "-"
        print(f"{key:26} {size!s:>10}  {value}")
    print(os.fspath(out))


def mutate_bytes(data: bytes, ops: list[tuple]) -> bytes:
    """Apply fuzzing edits (flip a bit, truncate, insert, delete, overwrite) to a file's bytes."""
    buf = bytearray(data)
    for op in ops:
        if not buf:
            break
        pos = op[1] % len(buf)
        if op[0] == "flip":
            buf[pos] ^= 1 << op[2]
        elif op[0] == "truncate":
            del buf[pos:]
        elif op[0] == "insert":
            buf[pos:pos] = op[2]
        elif op[0] == "delete":
            del buf[pos : pos + op[2]]
        elif op[0] == "overwrite":
            buf[pos : pos + len(op[2])] = op[2]
    return bytes(buf)
