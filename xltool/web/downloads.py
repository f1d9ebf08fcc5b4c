"""Downloads: Content-Disposition with the Chinese file name, and the findings as .xlsx / .csv.

Findings are text a user (or an attacker) typed into a workbook; opened in a
spreadsheet, a value starting with = + - @ would run as a formula. The .xlsx writes
every value as a string cell and the .csv prefixes such values with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.responses import FileResponse, Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = [("file", "文件"), ("sheet", "工作表"), ("project", "项目"), ("cell", "单元格"), ("level", "级别"),
           ("code", "规则编号"), ("message", "问题说明"), ("level2", "二级指标"), ("indicator", "三级指标")]
LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real (Chinese) name per RFC 5987."""
    stem, dot, suffix = name.rpartition(".")
    ascii_stem = "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "_-"))
    fallback = (ascii_stem or "xltool") + (dot + suffix if suffix.isascii() and suffix.isalnum() else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_download(path: Path, name: str, media_type: str = XLSX) -> FileResponse:
    return FileResponse(path, media_type=media_type, headers={"Content-Disposition": disposition(name),
                                                              "Cache-Control": "no-store"})


def bytes_download(data: bytes, name: str, media_type: str = XLSX) -> Response:
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition(name),
                                                          "Cache-Control": "no-store"})


def _rows(findings: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for f in findings:
        item = {**f, "level": LEVELS.get(f.get("severity", ""), f.get("severity", ""))}
        rows.append([str(item.get(key) or "") for key, _ in COLUMNS])
    return rows


def as_text_cell(value: str) -> str:
    """A CSV value a spreadsheet will not evaluate."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def findings_csv(findings: list[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM (Excel and WPS open it as Chinese), formula-looking text escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    writer.writerows([as_text_cell(v) for v in row] for row in _rows(findings))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def findings_xlsx(findings: list[dict[str, Any]]) -> bytes:
    """One sheet 问题清单; every value written as a string cell (never a formula)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("问题清单")
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, (_, title) in enumerate(COLUMNS):
        sheet.write_string(0, col, title, head)
    for r, row in enumerate(_rows(findings), 1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value, wrap)
    for col, width in enumerate([18, 12, 24, 8, 6, 9, 60, 12, 20]):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(findings)), len(COLUMNS) - 1)
    book.close()
    return buffer.getvalue()
