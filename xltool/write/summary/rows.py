"""List-sheet rows rendered straight into xlsxwriter's row file: the same bytes, a fraction of the time.

A merge writes one 指标明细 row per indicator. Through xlsxwriter's cell API each
cell costs a decorator, a bounds check, a tuple in a table, an attribute list and
three regex passes: most of a merge's writing time. A list-sheet row only ever holds
inline strings, numbers and formatted blanks, so it is rendered here in one string,
exactly as xlsxwriter's constant-memory writer renders it, and appended to the
worksheet's row file (``ws.fh``), keeping the sheet's dimensions and row cursor.

That touches xlsxwriter's internals, so :func:`fast_rows_ok` writes probe rows both
ways once per process and compares the sheet XML byte for byte; with any other
xlsxwriter the API path is used, as it is for a value this renderer leaves to the
API (a non-finite number, a text near the 32,767-character cell limit).

One deliberate difference: xlsxwriter writes a text that starts with ``<r>`` and
ends with ``</r>`` into the XML unescaped (its own rich strings look like that),
which corrupts the file; here every text is escaped.
"""

from __future__ import annotations

import math
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from xltool.core.grid import column_letter
from xltool.io.tempdirs import owned_tempdir

_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")  # typed "_x0041_" must survive Excel's unescaping
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_PLAIN_FORMULA = re.compile(r"=?(SUBTOTAL|SUMIFS|SUM)\([$A-Z0-9:,\"是否]*\)$")
SAFE_TEXT = 16_383  # longer texts take the API path (xlsxwriter counts the cell limit in UTF-16 units)
_LETTERS = [column_letter(c + 1) for c in range(256)]  # A … IV: every summary sheet is narrower


def escape_text(text: str) -> str:
    """Control characters as Excel's ``_xHHHH_``, then the XML escapes, as xlsxwriter orders them."""
    if not _SPECIAL.search(text):
        return text
    if "_x" in text:
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Formula(NamedTuple):
    """A formula cell with its computed value (readers without a calc engine show the value)."""

    formula: str
    value: float


def renderable(value: Any) -> bool:
    """Whether this renderer writes ``value`` (else the row goes through the API)."""
    cls = value.__class__
    if cls is str:
        return len(value) <= SAFE_TEXT
    if cls is Formula:  # xlsxwriter rewrites some function names (_xlfn.…): only these are rendered here
        return _PLAIN_FORMULA.match(value.formula) is not None and value.value.__class__ in (int, float) \
            and math.isfinite(value.value)
    return math.isfinite(value)


def render_row(ws: Any, row: int, cells: list[tuple[int, Any, Any]], height: float | None = None) -> None:
    """Append row ``row`` — ``(col, value, format)`` in column order; value None is a formatted blank —
    to the constant-memory worksheet ``ws``, as its own writer would.

    ``height`` in points, as ``set_row`` takes it. The caller has checked :func:`renderable`.
    """
    if row > ws.previous_row:
        ws._write_single_row(row)  # flushes a row still held by the API (e.g. the header)
    number = str(row + 1)
    if height is not None:
        pixels = int(height * 4.0 / 3.0 + 0.5)  # set_row's conversion
        if pixels != ws.original_row_height or pixels != ws.default_row_height:
            parts = [f'<row r="{number}" ht="{pixels * 0.75:.16g}" customHeight="1">']
        else:
            parts = [f'<row r="{number}">']
    else:
        parts = [f'<row r="{number}">']
    append = parts.append
    last = cells[-1][0] if cells else 0
    letters = _LETTERS if last < len(_LETTERS) else [column_letter(c + 1) for c in range(last + 1)]
    for col, value, fmt in cells:
        xf = fmt.xf_index
        if xf is None:
            xf = fmt._get_xf_index()
        if value is None:
            append(f'<c r="{letters[col]}{number}" s="{xf}"/>')
        elif value.__class__ is str:
            if _SPECIAL.search(value):
                value = escape_text(value)
            if value[:1].isspace() or value[-1:].isspace():
                append(f'<c r="{letters[col]}{number}" s="{xf}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
            else:
                append(f'<c r="{letters[col]}{number}" s="{xf}" t="inlineStr"><is><t>{value}</t></is></c>')
        elif value.__class__ is Formula:
            formula = value.formula[1:] if value.formula[:1] == "=" else value.formula
            append(f'<c r="{letters[col]}{number}" s="{xf}"><f>{formula}</f><v>{value.value}</v></c>')
        else:
            append(f'<c r="{letters[col]}{number}" s="{xf}"><v>{value:.16G}</v></c>')
    append("</row>")
    ws.fh.write("".join(parts))
    if cells:
        first, last = cells[0][0], cells[-1][0]
        if ws.dim_rowmin is None or row < ws.dim_rowmin:
            ws.dim_rowmin = row
        if ws.dim_rowmax is None or row > ws.dim_rowmax:
            ws.dim_rowmax = row
        if ws.dim_colmin is None or first < ws.dim_colmin:
            ws.dim_colmin = first
        if ws.dim_colmax is None or last > ws.dim_colmax:
            ws.dim_colmax = last


def api_row(ws: Any, row: int, cells: list[tuple[int, Any, Any]], height: float | None = None) -> None:
    """The same row through xlsxwriter's cell API: the reference, and the way for what
    :func:`render_row` leaves alone."""
    for col, value, fmt in cells:
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif value.__class__ is Formula:
            ws.write_formula(row, col, value.formula, fmt, value.value)
        elif value.__class__ is not str:
            ws.write_number(row, col, value, fmt)
        elif value.startswith("<r>") and value.endswith("</r>"):
            # xlsxwriter would write this text unescaped, as one of its rich strings: split, it is escaped.
            ws.write_rich_string(row, col, value[:1], value[1:-1], value[-1:], fmt)
        else:
            ws.write_string(row, col, value, fmt)
    if height is not None:
        ws.set_row(row, height)


PROBE_ROWS: tuple[tuple[tuple[Any, ...], float | None], ...] = (
    (("项目名称", "一级指标", None, 12, 3.5, "  前后有空格 ", "a & b < c > d \"引号\""), None),
    (("第一行\n第二行", "\u3000全角空格", "控制\x01字符\x1f", "_x0041_ 字面", 1e-07, 123456789012.5, None), 33.0),
    ((None, "", "\ufffe\uffff", "tab\tend\t", -0.0, 10**20, "𠀋 astral"), 409.0),
    (("x", None, None, None, None, None, 0), 15.0),
    ((Formula("SUBTOTAL(103,A6)", 1), Formula('=SUMIFS($E$2:$E$9,$P$2:$P$9,"是",$T$2:$T$9,1)', 123.45), "y",
      Formula("=SUM(B2:B5)", 0.0), None, None, 1), None),
)


@lru_cache(maxsize=1)
def fast_rows_ok() -> bool:
    """Whether :func:`render_row` writes what this xlsxwriter writes (checked once per process)."""
    try:
        with owned_tempdir("rows") as tmp:
            api_xml, fast_xml = write_both_ways(Path(tmp), PROBE_ROWS)
        return api_xml == fast_xml and b"<row" in fast_xml
    except Exception:  # noqa: BLE001 - any surprise means: use the API
        return False


def write_both_ways(folder: Path, table: Iterable[tuple[Sequence[Any], float | None]]) -> tuple[bytes, bytes]:
    """``table`` rows (values, height in points) written through xlsxwriter's cell API on one
    sheet and by :func:`render_row` on another; the two sheets' row XML, to compare."""
    import xlsxwriter

    out = folder / "probe.xlsx"
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "tmpdir": str(folder)})
    fmt, other = wb.add_format({"border": 1}), wb.add_format({"bold": True, "num_format": "0.00"})
    api, fast = wb.add_worksheet("api"), wb.add_worksheet("fast")
    for ws in (api, fast):
        ws.write_string(0, 0, "表头", other)
    for r, (values, height) in enumerate(table, start=1):
        cells = [(c, None if v == "" else v, other if c % 3 == 0 else fmt) for c, v in enumerate(values)]
        api_row(api, r, cells, height)
        render_row(fast, r, cells, height)
    wb.close()
    with zipfile.ZipFile(out) as zf:
        api_xml, fast_xml = (_rows_xml(zf.read(f"xl/worksheets/sheet{n}.xml")) for n in (1, 2))
    return api_xml, fast_xml


def _rows_xml(sheet: bytes) -> bytes:
    """The parts a row writer decides: the dimension and the sheet data (not which tab is selected)."""
    return b"".join(re.findall(rb"<dimension [^>]*>|<sheetData>.*</sheetData>", sheet, re.S))
