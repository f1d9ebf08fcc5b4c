"""The look and the layout of a 附件3 sheet: styles, where each field sits, input prompts.

Positions, labels and prompts come from the field table (``data/fields.toml``), so the
template prints exactly the wording the reader recognises.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field as dc_field
from types import MappingProxyType
from typing import Any, Mapping

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from xltool.core.fields import Field, field, fields, keys_of_kind
from xltool.write.cellfit import put_fitted
from xltool.core.text import display_lines


SPARE_ROWS = 10


@dataclass(frozen=True)
class Layout:
    """Where each field sits in a sheet this module writes (1-based rows, letters)."""

    attachment_cell: str = "A1"
    title_cell: str = "A2"
    # field path (as in Project.cells) → the value cell
    cells: Mapping[str, str] = dc_field(default_factory=dict)
    # field path → the label cell
    labels: Mapping[str, str] = dc_field(default_factory=dict)
    indicator_header_row: int = 11
    first_indicator_row: int = 12
    # indicator field → column letter
    columns: Mapping[str, str] = dc_field(default_factory=dict)
    last_column: str = "E"
    spare_rows: int = SPARE_ROWS


def _header_rows() -> tuple[tuple[int, str, str, str], ...]:
    """(row, left field, left label, right field) of rows 3–7, from the field table's row/side."""
    rows: dict[int, dict[str, Field]] = {}
    for f in fields("header"):
        if f.row is not None:
            rows.setdefault(f.row, {})[f.side] = f
    return tuple(
        (row, sides["left"].key, sides["left"].display, sides["right"].key)
        for row, sides in sorted(rows.items())
        if "right" in sides
    )


# (row, left field, left label, right field); right labels depend on the profile's funding wording.
HEADER_ROWS = _header_rows()
# Long texts over B:E (rows 8–10).
TEXT_ROWS: tuple[tuple[int, str, str], ...] = tuple(
    (f.row, f.key, f.display)
    for f in fields("header")
    if f.row is not None and f.row not in {r for r, *_ in HEADER_ROWS}
)
INDICATOR_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (f.key, f.column, f.title) for f in fields("columns") if f.column
)


LAYOUT = Layout(
    cells=MappingProxyType(
        {f: f"B{r}" for r, f, *_ in HEADER_ROWS}
        | {f: f"E{r}" for r, _, _, f in HEADER_ROWS}
        | {f: f"B{r}" for r, f, _ in TEXT_ROWS}
    ),
    labels=MappingProxyType(
        {f: f"A{r}" for r, f, *_ in HEADER_ROWS}
        | {f: f"D{r}" for r, _, _, f in HEADER_ROWS}
        | {f: f"A{r}" for r, f, _ in TEXT_ROWS}
    ),
    columns=MappingProxyType({f: c for f, c, _ in INDICATOR_COLUMNS}),
)


def sheet_layout() -> Layout:
    """The layout constants of a fresh project sheet (for writers, not for reading)."""
    return LAYOUT


AMOUNT_FIELDS = keys_of_kind("amount")  # fields.toml's kind = "amount"; the total first, then its parts


MONTH_FIELDS = ("start", "end")


WIDTHS = {"A": 14.0, "B": 17.0, "C": 34.0, "D": 21.0, "E": 20.0}


BODY_FONT = "宋体"


TITLE_FONT = "黑体"


_THIN = Side(style="thin", color="000000")


BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


_LABEL_FILL = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")


HEAD_FILL = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")


LOCKED = Protection(locked=True)


UNLOCKED = Protection(locked=False)


ALIGN_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


ALIGN_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


ALIGN_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


ALIGN_RIGHT = Alignment(horizontal="right", vertical="center")  # amounts


# Conditional-format fills (dxf): Excel reads the background colour of a solid pattern.
RED_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")


ORANGE_FILL = PatternFill(fill_type="solid", start_color="FFD08A", end_color="FFD08A")


YELLOW_FILL = PatternFill(fill_type="solid", start_color="FFF2A8", end_color="FFF2A8")


RED_FONT = Font(color="9C0006")


_TEXT_FORMAT = "@"


AMOUNT_FORMAT = "0.00"


FUNDING_TOLERANCE = 0.005


def prompt_for(key: str, year: int) -> tuple[str, str]:
    """(title, text) of a cell's input prompt, from the field table; examples follow the year."""
    entry = field("name", "columns") if key == "indicator" else (
        field(key, "columns") if key in ("level1", "level2", "operator", "target") else field(key)
    )
    return entry.display, entry.prompt_text(year)


VALIDATION_ERRORS: dict[str, tuple[str, str]] = {
    "amount": ("金额格式不正确", "请填写不小于 0 的数字（单位万元），不要带“万元”等文字。"),
    "month": ("时间格式不正确", "请按“年.月”填写，如 {year}.01（月份为 01～12 的两位数）。"),
    "level1": ("一级指标不在列表中", "请从下拉列表选择一级指标。选“是”保留所填内容，选“否”重新填写。"),
    "level2": ("二级指标不在列表中", "请先选一级指标，再从下拉列表选择对应的二级指标。选“是”保留所填内容。"),
    "operator": ("计算符号不正确", "计算符号只能是 = ≥ ≤ > < 或 定性，请从下拉列表选择。"),
}


def safe_text(value: Any) -> str:
    """Text that can be stored in a cell (control characters removed)."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def put_text(ws: Worksheet, ref: str, value: Any) -> None:
    """Write a value as text, never as a formula or an error code (``=…``, ``#N/A``)."""
    text = safe_text(value)
    cell = ws[ref]
    if text == "":
        cell.value = None
        return
    cell.value = put_fitted(ws, ref, text)  # longer than a cell holds: cut visibly and recorded
    cell.data_type = "s"


def _text_lines(text: str, width_chars: float) -> int:
    """How many lines ``text`` wraps to in a cell about ``width_chars`` wide."""
    return display_lines(text or "", max(1.0, width_chars - 2))


def row_height(text: str, width_chars: float, *, minimum: float, line: float = 14.5) -> float:
    """Row height in points: Excel does not grow rows for wrapped text in merged cells."""
    return max(minimum, round(_text_lines(text, width_chars) * line + 8, 1))


def stamp(cell: Cell, **styles: Any) -> None:
    """Give ``cell`` the styles named (font=…, fill=…, …), each combination computed once per workbook.

    openpyxl files each assigned style object by hashing it, a Python walk over all its
    attributes: a sheet of a hundred indicator rows took tens of thousands of those (most of an
    import's time). The first cell of a kind is styled the documented way; later ones copy its
    style indexes. The kind is the cell's style before and the identity of each object given
    (pass shared objects, not new ones per cell); the cache keeps those objects, so their ids
    cannot be reused while the workbook lives.
    """
    workbook = cell.parent.parent
    cache: dict[tuple[Any, ...], tuple[StyleArray, tuple[Any, ...]]] | None = getattr(
        workbook, "_xltool_style_cache", None)
    if cache is None:
        cache = {}
        workbook._xltool_style_cache = cache  # type: ignore[attr-defined]
    before = () if cell._style is None else tuple(cell._style)  # a fresh cell has no style array yet
    key = (before, *((name, value if isinstance(value, str) else id(value)) for name, value in styles.items()))
    found = cache.get(key)
    if found is None:
        for name, value in styles.items():
            setattr(cell, name, value)
        cache[key] = (copy(cell._style), tuple(styles.values()))
    else:
        cell._style = copy(found[0])


_BODY = {False: Font(name=BODY_FONT, size=11), True: Font(name=BODY_FONT, size=11, bold=True)}


def style_label(ws: Worksheet, ref: str, text: str, *, fill: PatternFill = _LABEL_FILL, bold: bool = False) -> None:
    put_text(ws, ref, text)
    stamp(ws[ref], font=_BODY[bold], fill=fill, alignment=ALIGN_CENTER, border=BORDER, protection=LOCKED)


def style_input(ws: Worksheet, ref: str, *, number_format: str = _TEXT_FORMAT, align: Alignment = ALIGN_LEFT) -> None:
    stamp(ws[ref], font=_BODY[False], alignment=align, border=BORDER, protection=UNLOCKED, number_format=number_format)


def merge_range(ws: Worksheet, first: str, last: str) -> None:
    """Merge a range, keeping the border on every cell so printing shows the grid.

    What ``ws.merge_cells`` and then a border on every cell give (each covered cell a
    ``MergedCell`` with the border and the first cell's protection), without openpyxl
    re-adding a border per edge cell and side (the other half of an import's time).
    """
    merged = MergedCellRange(ws, f"{first}:{last}")
    ws.merged_cells.add(merged)
    start = merged.start_cell
    stamp(start, border=BORDER)
    covered = StyleArray()
    covered.borderId = start._style.borderId
    covered.protectionId = start._style.protectionId
    cells = merged.cells
    next(cells)  # the first cell keeps its value and style
    for row, column in cells:
        cell = MergedCell(ws, row, column)
        cell._style = copy(covered)
        ws._cells[row, column] = cell
