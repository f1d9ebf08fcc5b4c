"""The 填写说明 sheet: how to fill the form, in the template's own year (prose in ``data/template_help.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.pagebreak import Break

from xltool.core.frameworks import Profile
from xltool.core.names import INSTRUCTIONS_SHEET
from xltool.write.printing import openpyxl_print_setup
from xltool.write.sheet_style import BODY_FONT, BORDER, HEAD_FILL, TITLE_FONT, row_height, put_text, stamp


# Row points on an A4 portrait page (the page less its margins): Excel prints these columns at about
# 90 % and LibreOffice smaller, so a page holds at least this much of the sheet's own height.
_PAGE_POINTS = 842 - (0.5 + 0.6) * 72
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)


@cache
def _font(name: str, size: int, bold: bool) -> Font:
    """One Font object per look, so that sheet_style.stamp styles each kind of cell once."""
    return Font(name=name, size=size, bold=bold)


@cache
def _help_data() -> dict[str, Any]:
    return tomllib.loads((resources.files("xltool") / "data" / "template_help.toml").read_text(encoding="utf-8"))


def _help(year: int) -> dict[str, list[Any]]:
    """The 填写说明 prose with its examples in the template's own year."""
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{year}", str(year))
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return [fill(v) for v in value]

    return {key: fill(value) for key, value in _help_data().items()}


def instructions_sheet(wb: Workbook, profile: Profile, year: int) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 21
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 62
    ws.sheet_view.showGridLines = False
    row = 1

    def line(a: str = "", b: str = "", c: str = "", *, bold: bool = False, size: int = 11,
             merge: bool = False, fill: PatternFill | None = None, span: bool = False) -> None:
        """One row; ``merge``: A:C as one paragraph; ``span``: a two-column table, B:C as one cell."""
        nonlocal row
        look: dict[str, Any] = {"font": _font(TITLE_FONT if bold else BODY_FONT, size, bold), "alignment": _TOP_WRAP}
        if fill is not None:
            look["fill"] = fill
        if not merge and (b or c or span):
            look["border"] = BORDER
        for letter, text in zip("ABC", (a, b, c)):
            put_text(ws, f"{letter}{row}", text)
            stamp(ws[f"{letter}{row}"], **look)
        if span:
            ws.merge_cells(f"B{row}:C{row}")
        if merge:
            ws.merge_cells(f"A{row}:C{row}")
            ws.row_dimensions[row].height = row_height(a, 100, minimum=20 if size <= 11 else 30, line=15)
        else:
            ws.row_dimensions[row].height = max(
                row_height(b, 24, minimum=18, line=15), row_height(c, 60, minimum=18, line=15)
            )
        row += 1

    def keep_together(title: str, rows: list[Any]) -> None:
        """A table starts on a new page when it would not fit under what is above it, so it never
        continues on the next page without its column titles (it is shorter than a page)."""
        used = sum((ws.row_dimensions[r].height or 15) for r in range(page_top, row))
        need = row_height(title, 100, minimum=30, line=15) + sum(
            max(row_height(b, 24, minimum=18, line=15), row_height(c, 60, minimum=18, line=15)) for _, b, c in rows)
        if used + need > _PAGE_POINTS and need <= _PAGE_POINTS:
            new_page()

    def new_page() -> None:
        nonlocal page_top
        ws.row_breaks.append(Break(id=row - 1))
        page_top = row

    page_top = 1
    line(f"填写说明：{profile.title_for(year)}", bold=True, size=16, merge=True)
    line(f"指标体系：{profile.label}（{profile.name}）", merge=True)
    line()
    line("一、怎样填写", bold=True, size=12, merge=True)
    help_text = _help(year)
    for text in help_text["steps"]:
        line(text, merge=True)
    line()
    for table in help_text["table"]:
        keep_together(table["title"], [table["columns"], *table["rows"]])
        line(table["title"], bold=True, size=12, merge=True)
        line(*table["columns"], bold=True, fill=HEAD_FILL)
        for a, b, c in table["rows"]:
            line(a, b, c)
        line()
    level_rows = [(l1.name, "、".join(l2.name for l2 in l1.level2), "") for l1 in profile.level1]
    keep_together(f"五、指标体系（{profile.label}）", [("一级指标", "二级指标", ""), *level_rows])
    line(f"五、指标体系（{profile.label}）", bold=True, size=12, merge=True)
    line("一级指标", "二级指标", bold=True, fill=HEAD_FILL, span=True)
    for l1 in profile.level1:
        line(l1.name, "、".join(l2.name for l2 in l1.level2), span=True)
    # Every cell here is locked (were the sheet protected) without setting it: locked is a cell's default
    # protection (Excel's and openpyxl's, index 0). Setting it cell by cell cost a third of the sheet's
    # time (openpyxl hashes the style object on every assignment).
    openpyxl_print_setup(ws, landscape=False)
    ws.print_area = f"A1:C{row - 1}"
    ws.sheet_properties.tabColor = "A6A6A6"
