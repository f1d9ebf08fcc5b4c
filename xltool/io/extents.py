"""How far a worksheet part's cells reach, measured from its XML without loading it.

python-calamine allocates the whole first-to-last-cell rectangle and aborts the
process on a far-away cell, so :func:`xltool.io.gate.check_sheet_extents` measures
each part first. The measuring lives here: a C-level regex fast path for the
addresses writers produce, and an exact streaming scan for everything else.
"""

from __future__ import annotations

import bisect
import io
import re
import sys
import zipfile
from typing import Any

from xltool.core.grid import column_index, column_letter

Extent = tuple[tuple[int, int], tuple[int, int]]
"""((min row, min col), (max row, max col)) of a part's value-bearing cells."""

_NAME = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL_OR_ROW = re.compile(
    rb"<" + _NAME + rb"(row|c)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>(\s*</" + _NAME + rb"c>)?"
)
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")


def part_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent | None:
    """The extent of one zip part's cells; None when it holds no cell tags."""
    if info.file_size > _FAST_PATH_BYTES:
        with zf.open(info) as fh:
            return scan_extent(fh)
    return data_extent(zf.read(info))


def is_cell_part(info: zipfile.ZipInfo, kind: str = "xlsx") -> bool:
    """Where a workbook's cells can be (every such part is measured): an xlsx's ``xl/**.xml``
    parts, an ods's ``content.xml``."""
    if kind == "ods":
        return info.filename == "content.xml"
    return info.filename.startswith("xl/") and info.filename.endswith(".xml")


def measured_in_memory(info: zipfile.ZipInfo) -> bool:
    """A cell part small enough to be measured from its bytes (larger ones are streamed)."""
    return info.file_size <= _FAST_PATH_BYTES


def data_extent(data: bytes, rows: list[int] | None = None) -> Extent | None:
    """The extent of a part's cells from its bytes; None when it holds no cell tags.
    ``rows``: filled with every cell's row in document order when the fast path measured it."""
    if (b"<c" not in data and b":c" not in data) or not _ANY_CELL_TAG.search(data):
        return None  # no cell tags at all (styles' <cellXfs>, shared strings, …)
    # Value-less cells count in the fast path (the exact scan skips them): a slightly
    # larger extent, never a smaller one.
    return fast_extent(data, rows) or scan_extent(io.BytesIO(data))


_FAST_PATH_BYTES = 128 << 20
_ANY_CELL_TAG = re.compile(rb"<" + _NAME + rb"c[\s>/]")  # what _CELL_OR_ROW takes for a cell
_RARE_CELL_TAG = re.compile(rb"<c[\t\n\r\f\v]")  # with "<c " and "<c>": every "<c[\s>]" cell tag
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,2}(\d+)"')
_PREFIXED_TAG = re.compile(rb"<[A-Za-z_][\w.\-]*:(?:row|c)[\s>/]")


def fast_extent(data: bytes, rows: list[int] | None = None) -> Extent | None:
    """((min row, min col), (max row, max col)) of a part's cells, or None when not cheap.

    What writers (Excel, openpyxl, xlsxwriter) produce: every ``<c>`` carries an
    explicit ``r`` with at most two column letters (its own row number included). Then the
    extent is found by C-level regex scans instead of a Python step per cell. Anything else
    (implicit positions, prefixed tags, three-letter columns) returns None: exact scan.
    """
    # A prefixed cell or row tag holds ":c" or ":row"; two byte searches spare most parts the regex.
    if (b":c" in data or b":row" in data) and _PREFIXED_TAG.search(data):
        return None
    cell_rows = _CELL_ROW.findall(data)
    # Counted without building a list of millions of matches: two bytes.count scans and a rare-case regex.
    if len(cell_rows) != data.count(b"<c ") + data.count(b"<c>") + len(_RARE_CELL_TAG.findall(data)):
        return None
    if not cell_rows:
        return None
    numbers = list(map(int, cell_rows))
    if rows is not None:
        rows[:] = numbers
    if len(data) <= _SMALL_PART:
        # Every cell tag matched _CELL_ROW above, so this finds the same cells; on a part of
        # a few KB (what a 绩效目标表 is) one scan beats the letter-by-letter passes below.
        columns = [column_index(letters.decode("ascii")) for letters in set(_CELL_LETTERS.findall(data))]
        return (min(numbers), min(columns)), (max(numbers), max(columns))
    low_col, high_col = _column_range(data)
    return (min(numbers), low_col), (max(numbers), high_col)


_SMALL_PART = 1 << 20
_CELL_LETTERS = re.compile(rb'<c r="([A-Z]{1,2})\d+"')


def _letters(data: bytes, prefix: bytes, suffix: bytes) -> list[int]:
    """The letters L (A=1 … Z=26) that occur in ``<c r="{prefix}L{suffix}`` somewhere in ``data``.

    One pass in all: each search excludes the letters found so far and resumes where
    the last new one was found (everything before it holds only known letters), so
    the cost is one C-level scan, not one per letter (absent letters used to mean a
    full scan each: 10 s on a million-row sheet).
    """
    found: set[int] = set()
    pos = 0
    while len(found) < 26:
        allowed = bytes(c for c in range(65, 91) if c not in found)
        match = re.compile(b'<c r="' + prefix + b"([" + allowed + b"])" + suffix).search(data, pos)
        if match is None:
            break
        found.add(match.group(1)[0])
        pos = match.start()
    return sorted(c - 64 for c in found)


def _column_range(data: bytes) -> tuple[int, int]:
    """(narrowest, widest) column of a part whose cells carry one- or two-letter references.

    At most four passes of C-level searching, whatever the size.
    """
    singles = _letters(data, b"", rb"\d")
    firsts = _letters(data, b"", rb"[A-Z]\d")
    low = singles[0] if singles else None
    high = singles[-1] if singles else None
    if firsts:
        lo_first, hi_first = firsts[0], firsts[-1]
        high = hi_first * 26 + _letters(data, bytes([64 + hi_first]), rb"\d")[-1]  # AA = 27
        if low is None:
            low = lo_first * 26 + _letters(data, bytes([64 + lo_first]), rb"\d")[0]
    return low or 1, high or 1


def scan_extent(fh: Any) -> Extent | None:
    """((min_row, min_col), (max_row, max_col)) of value-bearing cells, or None."""
    row = col = 0
    lo_r = lo_c = sys.maxsize
    hi_r = hi_c = 0
    carry = b""
    while True:
        chunk = fh.read(1 << 20)
        buf = carry + chunk
        for m in _CELL_OR_ROW.finditer(buf):
            tag, attrs, self_closing, empty_close = m.groups()
            r = _R_ATTR.search(attrs)
            if tag == b"row":
                row = int(r.group(2)) if r and r.group(2) else row + 1
                col = 0
                continue
            if r and r.group(1):
                col = column_index(r.group(1).decode("ascii"))
                if r.group(2):
                    row = int(r.group(2))
            else:
                col += 1
            if self_closing or empty_close:
                continue  # style-only cell: readers skip it, it costs no allocation
            lo_r, lo_c = min(lo_r, row), min(lo_c, col)
            hi_r, hi_c = max(hi_r, row), max(hi_c, col)
        if not chunk:
            break
        # Keep an unfinished tag for the next round ("<" never occurs inside attributes).
        last = buf.rfind(b"<")
        carry = buf[last:] if last >= 0 and buf.find(b">", last) < 0 else b""
        if len(carry) > 1 << 20:
            raise ValueError("tag longer than 1 MiB")
    if hi_r == 0:
        return None
    return (lo_r, lo_c), (hi_r, hi_c)


def _at_most(limit: int) -> bytes:
    """A regex for the decimal numbers 1 … ``limit`` (no leading zeros), digit by digit."""
    digits = str(limit)
    width = len(digits)
    options = [rb"[1-9]\d{0,%d}" % (width - 2)] if width > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = width - i - 1
            options.append(digits[:i].encode() + b"[%d-%d]" % (low, int(digit) - 1) + (rb"\d{%d}" % rest if rest else b""))
    options.append(digits.encode())
    return b"(?:" + b"|".join(options) + b")"


def rows_cut(data: bytes, limit: int, rows: list[int], width: int) -> bytes | None:
    """A worksheet part holding only the cells of rows 1 … ``limit`` and a marker cell in row
    ``limit`` + 1, or None when nothing lies beyond ``limit`` or the cut is not provably exact.

    python-calamine loads a whole sheet even when asked for its first rows (a million-row sheet:
    4 s and 400 MB for the 5,000 rows the reader keeps). ``rows`` are the part's cell rows in
    document order as :func:`fast_extent` found them (every cell tag with an explicit ``r``); the
    cut is made only when they ascend, so that no cell of rows 1 … ``limit`` comes after it.
    Anything else (a hand-made part, cells out of order) is read whole as before. What follows
    ``</sheetData>`` (merged ranges and the like) is kept. The marker, in column ``width`` (the
    part's widest), keeps the sheet as tall and as wide as before: the reader still says it cut
    rows, and rows keep their length. The reader never returns the marker's row.
    """
    if not rows or rows[-1] <= limit or b"<![CDATA[" in data or rows != sorted(rows):
        return None  # (text in a CDATA section may look like a cell to the searches below)
    first_beyond = bisect.bisect_right(rows, limit)
    beyond = re.compile(rb'<c r="[A-Z]{1,2}(?!' + _at_most(limit) + rb'")\d+"').search(data)
    if beyond is None or data.count(b'<c r="', 0, beyond.start()) != first_beyond:
        return None  # a row written unusually (leading zeros): only a whole read is exact
    cut = beyond.start()
    end = data.find(b"</sheetData>", cut)
    row = data.rfind(b"<row", 0, cut)
    if end < 0 or row < 0 or data.rfind(b"</row>", 0, cut) > row:
        return None  # the cell is not inside a row element
    head = data[:row] if data.find(b"<c", row, cut) < 0 else data[:cut] + b"</row>"
    column = column_letter(width).encode()
    marker = b'<row r="%d"><c r="%s%d"><v>0</v></c></row>' % (limit + 1, column, limit + 1)
    return head + marker + data[end:]


# --- OpenDocument: content.xml holds every table; runs of rows and cells are repeated by count

_ODS_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(table|table-row|table-cell|covered-table-cell)((?:\s[^>]*?)?)(/?)>"
)
_ROWS_REPEATED = re.compile(rb"""number-rows-repeated\s*=\s*["']\s*\+?(\d+)""")  # "+5000" is read as 5000
_COLUMNS_REPEATED = re.compile(rb"""number-columns-repeated\s*=\s*["']\s*\+?(\d+)""")
_VALUE_TYPE = re.compile(rb"""[\s:]value-type\s*=""")
_CELL_CLOSE = re.compile(rb"\s*</(?:[A-Za-z_][\w.\-]*:)?table-cell\s*>")  # a cell with nothing inside


def ods_extent(fh: Any) -> Extent | None:
    """((min row, min col), (max row, max col)) of the value-bearing cells of the largest table
    in an OpenDocument ``content.xml``, or None when no cell holds a value.

    A repeated row or cell counts as often as it is repeated: calamine expands the runs between
    the first and the last value (a 1 KB file with one value after 5,000 × 16,000 empty cells asks
    it for gigabytes, and it aborts the process). A cell counts as a value when it declares a
    value type or has content; empty runs (LibreOffice closes every sheet with one) do not. Where
    a read ends inside a cell the cell counts: the measure may grow, never shrink.
    """
    best: Extent | None = None
    row = col = 0
    rows_here = 1
    lo_r = lo_c = sys.maxsize
    hi_r = hi_c = 0

    def table_done() -> None:
        nonlocal best
        if hi_r and (best is None or _cells((lo_r, lo_c), (hi_r, hi_c)) > _cells(*best)):
            best = ((lo_r, lo_c), (hi_r, hi_c))

    carry = b""
    while True:
        chunk = fh.read(1 << 20)
        buf = carry + chunk
        end = 0
        for m in _ODS_TAG.finditer(buf):
            end = m.end()
            closing, tag, attrs, empty = m.groups()
            if tag == b"table":
                if closing or not empty:
                    table_done()
                    row, lo_r, lo_c, hi_r, hi_c = 0, sys.maxsize, sys.maxsize, 0, 0
            elif tag == b"table-row":
                if closing:
                    row += rows_here
                    continue
                repeated = _ROWS_REPEATED.search(attrs)
                rows_here = max(int(repeated.group(1)), 1) if repeated else 1
                col = 0
                if empty:
                    row += rows_here
            elif not closing:  # a cell (covered cells keep their place too)
                repeated = _COLUMNS_REPEATED.search(attrs)
                count = max(int(repeated.group(1)), 1) if repeated else 1
                if _VALUE_TYPE.search(attrs) or (not empty and tag == b"table-cell"
                                                  and not _CELL_CLOSE.match(buf, m.end())):
                    lo_r, lo_c = min(lo_r, row + 1), min(lo_c, col + 1)
                    hi_r, hi_c = max(hi_r, row + rows_here), max(hi_c, col + count)
                col += count
        if not chunk:
            break
        carry = buf[end:]  # an unfinished tag, and the text since the last one, go to the next round
        if len(carry) > 1 << 20:
            carry = carry[-(1 << 16):]  # text, not a tag: only its end can hold the start of one
    table_done()
    return best


def _cells(low: tuple[int, int], high: tuple[int, int]) -> int:
    return (high[0] - low[0] + 1) * (high[1] - low[1] + 1)
