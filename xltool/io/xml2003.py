"""Excel's "XML 表格 2003" (SpreadsheetML) → grids: what older budget systems export as .xls or .xml.

One grid per ``<Worksheet>``; ``ss:Index`` on rows and cells places values where Excel shows
them, and the cells a ``ss:MergeAcross``/``ss:MergeDown`` covers stay empty, as merged cells
of a real workbook read. The XML is parsed by defusedxml (no entity or DTD tricks), and rows
and columns past the reading limits are cut and noted as for any workbook.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError
from xltool.core.grid import MAX_COLS, MAX_ROWS, Grid
from xltool.io.containers import MSG_BAD_XML

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
_X = "{urn:schemas-microsoft-com:office:excel}"
MARK = b"urn:schemas-microsoft-com:office:spreadsheet"


def is_spreadsheetml(head: bytes) -> bool:
    """The first bytes of an Excel 2003 workbook, whatever the file is named."""
    return MARK in head[:2048]


def spreadsheetml_grids(data: bytes, *, file: str | Path) -> list[Grid]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise XltoolError(f"{MSG_BAD_XML}：含有 DTD/实体声明（正常的 Excel 文件不会包含），已拒绝读取", file=file,
                          code="file.damaged") from exc
    except Exception as exc:  # ParseError: truncated or not XML after all
        raise XltoolError("“XML 表格 2003”文件已损坏，无法读取；请在 Excel 中打开后另存为 .xlsx 再试",
                          file=file, code="file.damaged") from exc
    grids = [_sheet(ws, n) for n, ws in enumerate(root.iter(f"{_SS}Worksheet"), start=1)]
    if not grids:
        raise XltoolError("“XML 表格 2003”文件中没有工作表", file=file, code="input.no_table")
    return grids


def _sheet(ws: Any, number: int) -> Grid:
    rows: list[list[Any]] = []
    truncated = False
    r = 0
    for row in ws.iter(f"{_SS}Row"):
        r = _index(row, r + 1)
        if r > MAX_ROWS:
            truncated = True
            break
        while len(rows) < r:
            rows.append([])
        cells = rows[r - 1]
        c = 0
        for cell in row.findall(f"{_SS}Cell"):
            c = _index(cell, c + 1)
            if c <= MAX_COLS:
                while len(cells) < c:
                    cells.append(None)
                cells[c - 1] = _value(cell)
            c += _int(cell.get(f"{_SS}MergeAcross"), 0, MAX_COLS)
    width = max((len(r) for r in rows), default=0)
    grid = Grid(rows=[cells + [None] * (width - len(cells)) for cells in rows], name=ws.get(f"{_SS}Name") or f"Sheet{number}",
                hidden=any("Hidden" in (v.text or "") for v in ws.iter(f"{_X}Visible")))
    if truncated:
        grid.meta["truncated_rows"] = MAX_ROWS
    return grid


def _index(element: Any, default: int) -> int:
    """``ss:Index`` (1-based) if given and not behind ``default``: a hostile index cannot go back or jump past the limits."""
    return max(default, _int(element.get(f"{_SS}Index"), default, MAX_ROWS + 1))


def _int(text: str | None, default: int, cap: int) -> int:
    try:
        return max(0, min(int(str(text).strip()), cap))
    except ValueError:
        return default


def _value(cell: Any) -> Any:
    data = cell.find(f"{_SS}Data")
    if data is None:
        return None
    text = "".join(data.itertext())
    kind = data.get(f"{_SS}Type", "String")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            return text or None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.rstrip("Z"))
        except ValueError:
            return text or None
    if kind == "Boolean":
        return text.strip() == "1"
    return text if text.strip() else None
