"""The 附件3 workbook: a blank template for staff, and the model → workbook writer.

Staff fill these workbooks in Excel, WPS or LibreOffice without Python, so
everything that helps them lives inside the file: dropdowns fed from a very-hidden
lists sheet (the 二级 list follows the 一级 chosen in the same row through
``INDIRECT``), input prompts on every input cell, conditional formats that flag a
funding split that does not add up, locked labels on an unprotected-by-password
sheet, and a 填写说明 sheet. The reader never relies on the coordinates below (it
parses by labels), but other writers may use :data:`LAYOUT`.

The committed ``templates/jixiao_template.xlsx`` is generated with
``xltool template --year 2027 -o templates/jixiao_template.xlsx`` (default profile);
``tests/test_template.py`` regenerates it with that fixed year and compares.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from xltool import __version__
from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.frameworks import DEFAULT_PROFILE, Profile, get_profile, load_profiles
from xltool.core.model import STANDARD_OPERATORS, Indicator, Project, parse_target
from xltool.core.text import clean_text
from xltool.core.names import INSTRUCTIONS_SHEET, LISTS_SHEET, PROFILE_KEY

YEAR_KEY = "year"
SPARE_ROWS = 10
# Excel refuses these in sheet names; it also compares names case-insensitively.
_FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31
LEVEL1_LIST_NAME = "一级指标列表"
OPERATOR_LIST_NAME = "计算符号列表"

# ---------------------------------------------------------------------------
# Layout of a fresh project sheet.


@dataclass(frozen=True)
class Layout:
    """Where each field sits in a sheet this module writes (1-based rows, letters)."""

    attachment_cell: str = "A1"
    title_cell: str = "A2"
    # field path (as in Project.cells) → the value cell
    cells: Mapping[str, str] = field(default_factory=dict)
    # field path → the label cell
    labels: Mapping[str, str] = field(default_factory=dict)
    indicator_header_row: int = 11
    first_indicator_row: int = 12
    # indicator field → column letter
    columns: Mapping[str, str] = field(default_factory=dict)
    last_column: str = "E"
    spare_rows: int = SPARE_ROWS


# (row, left field, left label, right field, right label key); right labels depend on the profile.
_HEADER_ROWS: tuple[tuple[int, str, str, str, str], ...] = (
    (3, "name", "项目名称", "total", "项目总金额（万元）"),
    (4, "department", "主管部门", "funding.province", "province"),
    (5, "implementer", "实施单位", "funding.city", "city"),
    (6, "start", "计划开始时间", "funding.district", "district"),
    (7, "end", "计划结束时间", "funding.other", "other"),
)
_TEXT_ROWS: tuple[tuple[int, str, str], ...] = (
    (8, "overview", "项目概况"),
    (9, "long_term_goal", "中长期绩效目标"),
    (10, "annual_goal", "年度绩效目标"),
)
_INDICATOR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("level1", "A", "一级指标"),
    ("level2", "B", "二级指标"),
    ("name", "C", "三级指标"),
    ("operator", "D", "计算符号"),
    ("target", "E", "年度目标值"),
)

LAYOUT = Layout(
    cells=MappingProxyType(
        {f: f"B{r}" for r, f, *_ in _HEADER_ROWS}
        | {f: f"E{r}" for r, _, _, f, _ in _HEADER_ROWS}
        | {f: f"B{r}" for r, f, _ in _TEXT_ROWS}
    ),
    labels=MappingProxyType(
        {f: f"A{r}" for r, f, *_ in _HEADER_ROWS}
        | {f: f"D{r}" for r, _, _, f, _ in _HEADER_ROWS}
        | {f: f"A{r}" for r, f, _ in _TEXT_ROWS}
    ),
    columns=MappingProxyType({f: c for f, c, _ in _INDICATOR_COLUMNS}),
)


def sheet_layout() -> Layout:
    """The layout constants of a fresh project sheet (for writers, not for reading)."""
    return LAYOUT


_AMOUNT_FIELDS = ("total", "funding.province", "funding.city", "funding.district", "funding.other")
_MONTH_FIELDS = ("start", "end")
_WIDTHS = {"A": 14.0, "B": 17.0, "C": 34.0, "D": 21.0, "E": 20.0}

# ---------------------------------------------------------------------------
# Styles.

_BODY_FONT = "宋体"
_TITLE_FONT = "黑体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill(fill_type="solid", start_color="F2F2F2", end_color="F2F2F2")
_HEAD_FILL = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

# Conditional-format fills (dxf): Excel reads the background colour of a solid pattern.
_RED_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")
_ORANGE_FILL = PatternFill(fill_type="solid", start_color="FFD08A", end_color="FFD08A")
_YELLOW_FILL = PatternFill(fill_type="solid", start_color="FFF2A8", end_color="FFF2A8")
_RED_FONT = Font(color="9C0006")

_TEXT_FORMAT = "@"
_AMOUNT_FORMAT = "0.00"
_FUNDING_TOLERANCE = 0.005


def default_year(today: dt.date | None = None) -> int:
    """The budget year a new template is for: next year (tables are filed a year ahead)."""
    return (today or dt.date.today()).year + 1


# ---------------------------------------------------------------------------
# Prompts (what staff see when they select a cell). Excel caps titles at 32 and
# texts at 255 characters.

_PROMPTS: dict[str, tuple[str, str]] = {
    "name": ("项目名称", "填写预算项目的全称，与预算申报系统一致。例：业务档案费"),
    "department": ("主管部门", "填写主管部门全称。例：区行政审批局"),
    "implementer": ("实施单位", "填写具体实施项目的单位全称。例：区行政审批局"),
    "start": ("计划开始时间", "按“年.月”填写，月份两位。例：2022.01"),
    "end": ("计划结束时间", "按“年.月”填写，月份两位，不早于开始时间。例：2022.12"),
    "total": ("项目总金额（万元）", "填数字，单位万元，保留两位小数，不要带“万元”。例：115.50"),
    "funding.province": ("部省级财政（万元）", "填数字（万元）；没有则留空。各资金来源之和应等于项目总金额。"),
    "funding.city": ("市级财政（万元）", "填数字（万元）；没有则留空。各资金来源之和应等于项目总金额。"),
    "funding.district": ("区级财政（万元）", "填数字（万元）；没有则留空。各资金来源之和应等于项目总金额。"),
    "funding.other": ("其他（万元）", "填数字（万元）；没有则留空。各资金来源之和应等于项目总金额。"),
    "overview": ("项目概况", "写明资金用途和测算依据（数量×单价×月数＝金额），金额应与项目总金额一致。"),
    "long_term_goal": ("中长期绩效目标", "写明项目实施期内总体要达到的效果，不要与年度目标照抄相同。"),
    "annual_goal": ("年度绩效目标", "写明本年度要完成的产出和达到的效果，必须填写。"),
    "level1": ("一级指标", "从下拉列表选择一级指标。需要增加指标时插入整行，一级、二级每行都要填写。"),
    "level2": ("二级指标", "先选一级指标，再从下拉列表选择对应的二级指标。"),
    "indicator": ("三级指标", "写具体、可衡量的指标名称。例：档案库房租赁数、服务对象满意率。不要留“……”。"),
    "operator": ("计算符号", "从下拉列表选择：= ≥ ≤ > < 定性。数量、比率多用 ≥ 或 =；成本、时长多用 ≤。"),
    "target": ("年度目标值", "定量指标填数字加单位，如 95%、8085.11平方米、750元/人/月；定性指标填“达到预期目标”等等级用语。"),
}
_ERRORS: dict[str, tuple[str, str]] = {
    "amount": ("金额格式不正确", "请填写不小于 0 的数字（单位万元），不要带“万元”等文字。"),
    "month": ("时间格式不正确", "请按“年.月”填写，如 2022.01（月份为 01～12 的两位数）。"),
    "level1": ("一级指标不在列表中", "请从下拉列表选择一级指标。选“是”保留所填内容，选“否”重新填写。"),
    "level2": ("二级指标不在列表中", "请先选一级指标，再从下拉列表选择对应的二级指标。选“是”保留所填内容。"),
    "operator": ("计算符号不正确", "计算符号只能是 = ≥ ≤ > < 或 定性，请从下拉列表选择。"),
}

# ---------------------------------------------------------------------------
# Small helpers.


def _safe_text(value: Any) -> str:
    """Text that can be stored in a cell (control characters removed)."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def _put_text(ws: Worksheet, ref: str, value: Any) -> None:
    """Write a value as text, never as a formula or an error code (``=…``, ``#N/A``)."""
    text = _safe_text(value)
    cell = ws[ref]
    if text == "":
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _text_lines(text: str, width_chars: float) -> int:
    """How many lines ``text`` wraps to in a cell about ``width_chars`` wide."""
    per_line = max(1.0, width_chars - 2)
    return sum(max(1, math.ceil(_display_width(part) / per_line)) for part in (text or "").split("\n"))


def _height(text: str, width_chars: float, *, minimum: float, line: float = 14.5) -> float:
    """Row height in points: Excel does not grow rows for wrapped text in merged cells."""
    return max(minimum, round(_text_lines(text, width_chars) * line + 8, 1))


def _valid_defined_name(name: str) -> bool:
    """Excel's rules for a defined name (MS-XLSB 2.5.166 grammar, no cell-reference look-alike)."""
    if not name or len(name) > 255 or name.upper() in ("TRUE", "FALSE"):
        return False
    first, rest = name[0], name[1:]
    if not (first.isalpha() or first in "_\\"):
        return False
    if not all(ch.isalnum() or ch in "_.?\\" for ch in rest):
        return False
    if re.fullmatch(r"[A-Za-z]{1,3}\d+", name) or re.match(r"(?i)^(R\d*C\d*|R\d*|C\d*)$", name):
        return False
    return not re.match(r"(?i)^R\d+C\d+", name)


@dataclass(frozen=True)
class _ListNames:
    """Defined names for the dropdowns, and the 二级 list formula of a row."""

    level1: dict[str, str]  # 一级 text → defined name of its 二级 column
    bad_chars: tuple[str, ...]  # characters SUBSTITUTEd to "_" (when a 一级 text is no valid name)
    prefix: str

    def level2_formula(self, row: int) -> str:
        ref = f"$A{row}"
        if not self.bad_chars and not self.prefix:
            return f"INDIRECT({ref})"
        expr = ref
        for ch in self.bad_chars:
            expr = f'SUBSTITUTE({expr},"{ch}","_")'
        return f'INDIRECT("{self.prefix}"&{expr})'


def _list_names(profile: Profile) -> _ListNames:
    names = profile.level1_names()
    if all(_valid_defined_name(n) for n in names) and not ({LEVEL1_LIST_NAME, OPERATOR_LIST_NAME} & set(names)):
        return _ListNames({n: n for n in names}, (), "")
    bad = sorted({ch for n in names for ch in n if not (ch.isalnum() or ch in "_.")})
    table = {n: "L1_" + "".join("_" if ch in bad else ch for ch in n) for n in names}
    return _ListNames(table, tuple(bad), "L1_")


# ---------------------------------------------------------------------------
# The lists sheet and workbook-level parts.


def _write_lists_sheet(wb: Workbook, profile: Profile, year: int) -> None:
    """Very-hidden sheet: profile and year for readers, and the dropdown sources."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "veryHidden"
    rows = [(PROFILE_KEY, profile.name), (YEAR_KEY, year), ("label", profile.label), ("generator", f"xltool {__version__}")]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(r, 1, key)
        if isinstance(value, int):
            ws.cell(r, 2, value)
        else:
            _put_text(ws, f"B{r}", value)
    names = _list_names(profile)
    level1 = profile.level1_names()
    _put_text(ws, "D1", "一级指标")
    for i, name in enumerate(level1, start=2):
        _put_text(ws, f"D{i}", name)
    _put_text(ws, "E1", "计算符号")
    for i, op in enumerate(STANDARD_OPERATORS, start=2):
        _put_text(ws, f"E{i}", op)
    defined: dict[str, str] = {
        LEVEL1_LIST_NAME: f"{LISTS_SHEET}!$D$2:$D${len(level1) + 1}",
        OPERATOR_LIST_NAME: f"{LISTS_SHEET}!$E$2:$E${len(STANDARD_OPERATORS) + 1}",
    }
    for offset, l1 in enumerate(profile.level1):
        col = 7 + offset  # G, H, …
        letter = ws.cell(1, col).column_letter
        _put_text(ws, f"{letter}1", l1.name)
        for i, l2 in enumerate(l1.level2, start=2):
            _put_text(ws, f"{letter}{i}", l2.name)
        defined[names.level1[l1.name]] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(l1.level2) + 1}"
    for name, ref in defined.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.column_dimensions["B"].width = 40


def _workbook_settings(wb: Workbook) -> tuple[Profile, int]:
    """Profile and year recorded in a workbook this module made."""
    if LISTS_SHEET not in wb.sheetnames:
        raise XltoolError("该工作簿不是由 xltool 生成的模板（缺少隐藏的列表工作表），无法添加项目表")
    ws = wb[LISTS_SHEET]
    found: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row[0] is not None:
            found[clean_text(row[0])] = row[1]
    profile = get_profile(clean_text(found.get(PROFILE_KEY)) or None)
    try:
        year = int(found.get(YEAR_KEY) or default_year())
    except (TypeError, ValueError):
        year = default_year()
    return profile, year


# ---------------------------------------------------------------------------
# One project sheet.


def _label(ws: Worksheet, ref: str, text: str, *, fill: PatternFill = _LABEL_FILL, bold: bool = False) -> None:
    _put_text(ws, ref, text)
    cell = ws[ref]
    cell.font = Font(name=_BODY_FONT, size=11, bold=bold)
    cell.fill = fill
    cell.alignment = _CENTER
    cell.border = _BORDER
    cell.protection = _LOCKED


def _input(ws: Worksheet, ref: str, *, number_format: str = _TEXT_FORMAT, align: Alignment = _LEFT) -> None:
    cell = ws[ref]
    cell.font = Font(name=_BODY_FONT, size=11)
    cell.alignment = align
    cell.border = _BORDER
    cell.protection = _UNLOCKED
    cell.number_format = number_format


def _merge(ws: Worksheet, first: str, last: str) -> None:
    """Merge a range, keeping the border on every cell so printing shows the grid."""
    ws.merge_cells(f"{first}:{last}")
    for row in ws[f"{first}:{last}"]:
        for cell in row:
            cell.border = _BORDER


def _prompt_validation(key: str, sqref: str, **kwargs: Any) -> DataValidation:
    title, prompt = _PROMPTS[key]
    dv = DataValidation(
        sqref=sqref, showInputMessage=True, promptTitle=title, prompt=prompt, allow_blank=True, **kwargs
    )
    if "type" in kwargs:
        dv.showErrorMessage = True
    return dv


def _follow_year(dv: DataValidation, year: int) -> None:
    """Examples of dates in prompts name the template's own year (2027.01, not 2022.01)."""
    for attr in ("prompt", "error"):
        text = getattr(dv, attr)
        if text and "2022." in text:
            setattr(dv, attr, text.replace("2022.", f"{year}."))


def _with_error(dv: DataValidation, key: str, style: str = "stop") -> DataValidation:
    dv.errorTitle, dv.error = _ERRORS[key]
    dv.errorStyle = style
    dv.showErrorMessage = True
    return dv


def _fill_sheet(
    ws: Worksheet, profile: Profile, year: int, project: Project | None, names: _ListNames
) -> None:
    """Lay out one 附件3 sheet; ``project`` None gives the blank form with pre-laid rows."""
    lay = LAYOUT
    for letter, width in _WIDTHS.items():
        ws.column_dimensions[letter].width = width
    # Everything right of the form is unlocked too: Excel only deletes rows whose cells are all unlocked.
    ws.column_dimensions["F"] = ColumnDimension(ws, index="F", min=6, max=16384, width=9.0)
    ws.column_dimensions["F"].protection = _UNLOCKED
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100

    # Row 1: 附件3; row 2: title.
    _put_text(ws, lay.attachment_cell, profile.attachment)
    ws[lay.attachment_cell].font = Font(name=_TITLE_FONT, size=12)
    ws[lay.attachment_cell].alignment = Alignment(horizontal="left", vertical="center")
    ws[lay.attachment_cell].protection = _LOCKED
    _put_text(ws, lay.title_cell, profile.title_for(year))
    ws.merge_cells(f"A2:{lay.last_column}2")
    ws[lay.title_cell].font = Font(name=_TITLE_FONT, size=18, bold=True)
    ws[lay.title_cell].alignment = _CENTER
    ws[lay.title_cell].protection = _LOCKED
    ws.row_dimensions[1].height = 20
    ws.row_dimensions[2].height = 36

    values = _project_values(project) if project is not None else {}
    validations: list[DataValidation] = []

    # Rows 3–7: label | value (B:C) | label | amount.
    for row, left, left_label, right, right_key in _HEADER_ROWS:
        _label(ws, f"A{row}", left_label)
        ref = lay.cells[left]
        _input(ws, ref)
        _merge(ws, ref, f"C{row}")
        _put_text(ws, ref, values.get(left, ""))
        right_label = right_key if right == "total" else f"{profile.funding_labels[right_key]}（万元）"
        if right == "funding.province":
            right_label = f"其中：{right_label}"
        _label(ws, f"D{row}", right_label)
        amount_ref = lay.cells[right]
        _input(ws, amount_ref, number_format=_AMOUNT_FORMAT, align=Alignment(horizontal="right", vertical="center"))
        amount = values.get(right)
        ws[amount_ref].value = amount if isinstance(amount, (int, float)) else None
        ws.row_dimensions[row].height = 30
        if left in _MONTH_FIELDS:
            month = _prompt_validation(left, ref, type="custom", formula1=_month_formula(ref))
            validations.append(_with_error(month, "month"))
        else:
            validations.append(_prompt_validation(left, ref))
        validations.append(
            _with_error(
                _prompt_validation(right, amount_ref, type="decimal", operator="greaterThanOrEqual", formula1="0"),
                "amount",
            )
        )

    # Rows 8–10: long texts over B:E.
    text_width = sum(_WIDTHS[c] for c in "BCDE")
    for row, name, label in _TEXT_ROWS:
        _label(ws, f"A{row}", label)
        ref = lay.cells[name]
        _input(ws, ref, align=_TOP_LEFT)
        _merge(ws, ref, f"{lay.last_column}{row}")
        text = values.get(name, "")
        _put_text(ws, ref, text)
        ws.row_dimensions[row].height = min(409, _height(str(text), text_width, minimum=72 if name == "overview" else 54))
        validations.append(_prompt_validation(name, ref))

    # Indicator table.
    head = lay.indicator_header_row
    for _, letter, title in _INDICATOR_COLUMNS:
        _label(ws, f"{letter}{head}", title, fill=_HEAD_FILL, bold=True)
    ws.row_dimensions[head].height = 24
    rows = _indicator_rows(profile, project)
    first = lay.first_indicator_row
    last = first + len(rows) - 1
    for offset, row_values in enumerate(rows):
        r = first + offset
        for (_, letter, _), value in zip(_INDICATOR_COLUMNS, row_values):
            ref = f"{letter}{r}"
            _input(ws, ref, align=_CENTER if letter in "ABD" else _LEFT)
            _put_text(ws, ref, value)
        ws.row_dimensions[r].height = max(
            _height(text, _WIDTHS[letter], minimum=22)
            for letter, text in zip("ABCDE", row_values)
        )

    col = lay.columns

    def column(field_name: str) -> str:
        return f"{col[field_name]}{first}:{col[field_name]}{last}"

    validations += [
        _with_error(_prompt_validation("level1", column("level1"), type="list", formula1=LEVEL1_LIST_NAME),
                    "level1", "warning"),
        _with_error(_prompt_validation("level2", column("level2"), type="list", formula1=names.level2_formula(first)),
                    "level2", "warning"),
        _prompt_validation("indicator", column("name")),
        _with_error(_prompt_validation("operator", column("operator"), type="list", formula1=OPERATOR_LIST_NAME),
                    "operator"),
        _prompt_validation("target", column("target")),
    ]
    for dv in validations:
        _follow_year(dv, year)
        ws.add_data_validation(dv)

    _conditional_formats(ws, first, last)
    _protect_and_print(ws, last)


def _month_formula(ref: str) -> str:
    """Custom rule: exactly ``YYYY.MM`` with a month 01–12 (text cells, so no 2022.1)."""
    return (
        f'AND(LEN({ref})=7,MID({ref},5,1)=".",ISNUMBER(--LEFT({ref},4)),'
        f"ISNUMBER(--RIGHT({ref},2)),--RIGHT({ref},2)>=1,--RIGHT({ref},2)<=12)"
    )


def _conditional_formats(ws: Worksheet, first: int, last: int) -> None:
    """Live checks that need no Python: funding split, 定性 with a number, missing target."""
    cells = LAYOUT.cells
    total = _abs(cells["total"])
    parts = [_abs(cells[f]) for f in _AMOUNT_FIELDS[1:]]
    funding_range = f"{parts[0]}:{parts[-1]}"
    funding_rule = (
        f"AND(COUNT({funding_range})>0,ABS(SUM({funding_range})-N({total}))>{_FUNDING_TOLERANCE})"
    )
    block = f"{cells['total']}:{cells['funding.other']}"
    ws.conditional_formatting.add(block, FormulaRule(formula=[funding_rule], fill=_RED_FILL, font=_RED_FONT))
    # End month before start month (both well-formed text, so string order is date order).
    start, end = _abs(cells["start"]), _abs(cells["end"])
    ws.conditional_formatting.add(
        f"{cells['start']}:{cells['end']}",
        FormulaRule(formula=[f"AND(LEN({start})=7,LEN({end})=7,{end}<{start})"], fill=_RED_FILL, font=_RED_FONT),
    )
    col = LAYOUT.columns
    d, c, e = f"${col['operator']}{first}", f"${col['name']}{first}", f"${col['target']}{first}"
    targets = f"{col['target']}{first}:{col['target']}{last}"
    digits = "0123456789０１２３４５６７８９"
    ws.conditional_formatting.add(
        targets,
        FormulaRule(
            formula=[f'AND(TRIM({d})="定性",LEN(TRIM({e}))>0,ISNUMBER(FIND(LEFT(TRIM({e}),1),"{digits}")))'],
            fill=_ORANGE_FILL,
        ),
    )
    ws.conditional_formatting.add(
        targets,
        FormulaRule(
            formula=[f'AND(LEN(TRIM({c}))>0,LEFT(TRIM({c}),1)<>"…",LEN(TRIM({e}))=0)'],
            fill=_YELLOW_FILL,
        ),
    )


def _abs(ref: str) -> str:
    """"E3" → "$E$3"."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match, ref
    return f"${match.group(1)}${match.group(2)}"


def _protect_and_print(ws: Worksheet, last_row: int) -> None:
    """Labels locked without a password; rows may be inserted/deleted and cells formatted."""
    p = ws.protection
    p.sheet = True
    p.formatCells = False
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.insertColumns = True
    p.deleteColumns = True
    p.selectLockedCells = False
    p.selectUnlockedCells = False
    p.sort = True
    p.autoFilter = True

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_title_rows = f"{LAYOUT.indicator_header_row}:{LAYOUT.indicator_header_row}"
    ws.print_area = f"A1:{LAYOUT.last_column}{max(last_row, LAYOUT.indicator_header_row)}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = _BODY_FONT
    ws.oddFooter.center.size = 9


def _project_values(project: Project) -> dict[str, Any]:
    funding = project.funding
    return {
        "name": project.name,
        "department": project.department,
        "implementer": project.implementer,
        "start": project.start,
        "end": project.end,
        "overview": project.overview,
        "long_term_goal": project.long_term_goal,
        "annual_goal": project.annual_goal,
        "total": project.total,
        "funding.province": funding.province,
        "funding.city": funding.city,
        "funding.district": funding.district,
        "funding.other": funding.other,
    }


def _indicator_text(ind: Indicator) -> tuple[str, str, str, str, str]:
    """A model row as the five cells of the form.

    The form has no unit column, so a unit read from another region's 度量单位
    column is appended to a bare number (``95`` + ``%`` → ``95%``).
    """
    target = ind.target
    _, number, unit = parse_target(target)
    if number is not None and not unit and ind.unit:
        target = f"{target}{ind.unit}"
    operator = ind.operator_raw or ind.operator
    return (ind.level1, ind.level2, ind.name, operator, target)


def _indicator_rows(profile: Profile, project: Project | None) -> list[tuple[str, str, str, str, str]]:
    """The indicator rows to write: pre-laid (blank form) or the project's, then spare rows."""
    if project is None:
        rows: list[tuple[str, str, str, str, str]] = []
        for l1 in profile.level1:
            output = "产出" in l1.name
            for l2 in l1.level2:
                rows.append((l1.name, l2.name, "", "", ""))
                if output:
                    rows.append((l1.name, l2.name, "", "", ""))
    else:
        rows = [_indicator_text(i) for i in project.indicators if any(_indicator_text(i))]
    return rows + [("", "", "", "", "")] * SPARE_ROWS


# ---------------------------------------------------------------------------
# Sheet names.


def _excel_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _truncate(text: str, limit: int) -> str:
    while _excel_len(text) > limit:
        text = text[:-1]
    return text


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name from a project name.

    Drops ``[]:*?/\\`` and control characters, trims apostrophes (Excel refuses them at
    either end), shortens to 31 characters and appends ``(2)``, ``(3)`` … when the name
    is already used (Excel compares names case-insensitively).
    """
    text = _safe_text(name)
    text = _FORBIDDEN_SHEET_CHARS.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" '\u3000")
    if not text or text.casefold() == "history":
        text = "项目" if not text else f"{text}项目"
    used = {t.casefold() for t in taken}
    base = _truncate(text, _MAX_SHEET_NAME).rstrip(" '")
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f"({n})"
        candidate = _truncate(base, _MAX_SHEET_NAME - len(suffix)).rstrip(" '") + suffix
        n += 1
    return candidate


def _reserved_titles() -> set[str]:
    return {LISTS_SHEET, INSTRUCTIONS_SHEET}


# ---------------------------------------------------------------------------
# The 填写说明 sheet.


def _instructions_sheet(wb: Workbook, profile: Profile, year: int) -> None:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 62
    ws.sheet_view.showGridLines = False
    row = 1

    def line(a: str = "", b: str = "", c: str = "", *, bold: bool = False, size: int = 11,
             merge: bool = False, fill: PatternFill | None = None) -> None:
        nonlocal row
        for letter, text in zip("ABC", (a, b, c)):
            _put_text(ws, f"{letter}{row}", text)
            cell = ws[f"{letter}{row}"]
            cell.font = Font(name=_TITLE_FONT if bold else _BODY_FONT, size=size, bold=bold)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if fill is not None:
                cell.fill = fill
            if not merge and (b or c):
                cell.border = _BORDER
        if merge:
            ws.merge_cells(f"A{row}:C{row}")
            ws.row_dimensions[row].height = _height(a, 100, minimum=20 if size <= 11 else 30, line=15)
        else:
            ws.row_dimensions[row].height = max(
                _height(b, 24, minimum=18, line=15), _height(c, 60, minimum=18, line=15)
            )
        row += 1

    line(f"填写说明：{profile.title_for(year)}", bold=True, size=16, merge=True)
    line(f"指标体系：{profile.label}（{profile.name}）", merge=True)
    line()
    line("一、怎样填写", bold=True, size=12, merge=True)
    steps = [
        "1. 每个项目填一张表（一个工作表）。需要更多项目表时，右键工作表标签→“移动或复制”→勾选“建立副本”，复制一张空白项目表再填写。",
        "2. 灰色单元格是栏目名称，已锁定，不要修改；白色单元格为填写区。选中单元格时会弹出输入提示。",
        "3. 金额单位为万元，只填数字（如 115.50），不要带“万元”；各资金来源之和应等于项目总金额，不一致时这些单元格会变红。",
        f"4. 计划开始、结束时间按“年.月”填写，如 {year}.01、{year}.12（月份两位）；结束早于开始时会变红。",
        "5. 指标表：一级指标、二级指标从下拉列表选择，每一行都要填写一级和二级；同一个二级指标下有多个三级指标时，插入整行后填写（工作表允许插入、删除行）。",
        "6. 计算符号从下拉列表选择。定量指标的目标值填“数字+单位”；定性指标的目标值填可评判的等级用语。计算符号为“定性”而目标值以数字开头时，目标值会变橙色；填了三级指标却没填目标值时会变黄色。",
        "7. 工作表保护未设密码：如需调整格式，可在“审阅→撤消工作表保护”后修改，改完请重新保护。",
    ]
    for text in steps:
        line(text, merge=True)
    line()
    line("二、栏目说明", bold=True, size=12, merge=True)
    line("栏目", "含义", "填写要求", bold=True, fill=_HEAD_FILL)
    fields = [
        ("【项目名称】", "预算项目的名称", "与预算申报系统一致；同一部门同一年度内不重复。"),
        ("【项目总金额】", "本项目年度预算总额（万元）", "不小于 0 的数字，一般保留两位小数。"),
        ("【资金来源】", "部省级、市级、区级财政和其他资金（万元）", "没有的来源留空；各来源之和等于项目总金额。"),
        ("【主管部门】", "项目的主管部门", "填写全称。"),
        ("【实施单位】", "具体实施项目的单位", "填写全称。"),
        ("【计划开始/结束时间】", "项目计划起止的年月", "格式 YYYY.MM；开始不晚于结束，一般在预算年度内。"),
        ("【项目概况】", "资金用途和测算依据", "写明数量、单价、月数等测算过程，金额与表头一致。"),
        ("【中长期绩效目标】", "项目实施期内的总体目标", "与年度目标不同，不与其他项目照抄。"),
        ("【年度绩效目标】", "本年度要达到的产出和效果", "必须填写，与指标相对应。"),
        ("【三级指标】", "具体的绩效指标", "每个产出类二级指标至少一个；不要留“……”“XX”等占位符。"),
        ("【年度目标值】", "本年度指标要达到的值", "定量：数字+单位（95%、8085.11平方米）；定性：等级用语。"),
    ]
    for a, b, c in fields:
        line(a, b, c)
    line()
    line("三、计算符号", bold=True, size=12, merge=True)
    line("符号", "含义", "常见用法", bold=True, fill=_HEAD_FILL)
    operators = [
        ("=", "等于", "数量确定的指标，如 档案库房租赁数 = 3。比率指标用“=95%”较少见，请确认。"),
        ("≥", "大于或等于", "数量、完成率、合格率、满意度，如 服务对象满意率 ≥ 90%。“≥100%”没有意义，应写“=100%”。"),
        ("≤", "小于或等于", "成本、单价、时长、事故次数，如 人均伙食成本 ≤ 750元/人/月。"),
        (">", "大于", "严格大于某个数。"),
        ("<", "小于", "严格小于某个数，如 投诉次数 < 3次。"),
        ("定性", "定性指标", "目标值填可评判的等级：达到预期目标/部分达到预期目标/未达到预期目标，或 好/较好/一般/较差/差。"),
    ]
    for a, b, c in operators:
        line(a, b, c)
    line()
    line("四、目标值示例", bold=True, size=12, merge=True)
    line("评价", "写法", "说明", bold=True, fill=_HEAD_FILL)
    examples = [
        ("好", "≥ 95%", "比率用百分号，方向正确。"),
        ("好", "= 8085.11平方米", "数字加单位，可核对。"),
        ("好", "≤ 750元/人/月", "成本指标写单位成本。"),
        ("好", "定性 达到预期目标", "定性指标用可评判的等级用语。"),
        ("差", "定性 及时", "不是可评判的等级；时效指标应写完成时间或完成率。"),
        ("差", "定性 预算数", "成本指标应写金额或单位成本，如 ≤ 115.5万元。"),
        ("差", "≥ 100%", "不可能超过 100%，应写 = 100%。"),
        ("差", "定性 5年", "带数字和单位的目标是定量指标，计算符号不应为“定性”。"),
        ("差", "……", "占位符未删除，应填写具体指标或删除该行。"),
    ]
    for a, b, c in examples:
        line(a, b, c)
    line()
    line(f"五、指标体系（{profile.label}）", bold=True, size=12, merge=True)
    line("一级指标", "二级指标", "", bold=True, fill=_HEAD_FILL)
    for l1 in profile.level1:
        line(l1.name, "、".join(l2.name for l2 in l1.level2))
    for r in range(1, row):
        for letter in "ABC":
            ws[f"{letter}{r}"].protection = _LOCKED
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:C{row - 1}"
    ws.sheet_properties.tabColor = "A6A6A6"


# ---------------------------------------------------------------------------
# Public API.


def _new_workbook(profile: Profile, year: int) -> tuple[Workbook, _ListNames]:
    wb = Workbook()
    wb.remove(wb.active)
    _write_lists_sheet(wb, profile, year)
    _instructions_sheet(wb, profile, year)
    title = profile.title_for(year)
    wb.properties.title = title
    wb.properties.subject = f"{profile.attachment} {title}"
    wb.properties.creator = "xltool"
    wb.properties.lastModifiedBy = "xltool"
    wb.properties.keywords = f"xltool; {profile.name}"
    wb.properties.description = f"由 xltool {__version__} 生成；指标体系：{profile.label}"
    return wb, _list_names(profile)


def _place_sheet(wb: Workbook, title: str) -> Worksheet:
    """A new sheet placed before 填写说明 and the lists sheet, so project sheets come first."""
    position = len([s for s in wb.sheetnames if s not in _reserved_titles()])
    return wb.create_sheet(title, position)


def _finish(wb: Workbook) -> None:
    first = next(i for i, ws in enumerate(wb.worksheets) if ws.title not in _reserved_titles())
    wb.active = first
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is wb.worksheets[first]


def new_project_sheet(workbook: Workbook, title: str | None = None) -> Worksheet:
    """Add a blank project sheet (pre-laid 二级 rows) to a workbook this module made."""
    profile, year = _workbook_settings(workbook)
    taken = set(workbook.sheetnames) | _reserved_titles()
    if title is None:
        n = sum(1 for s in workbook.sheetnames if s not in _reserved_titles()) + 1
        while any(f"项目{n}".casefold() == t.casefold() for t in taken):
            n += 1
        title = f"项目{n}"
    else:
        title = sheet_title(title, taken)
    ws = _place_sheet(workbook, title)
    _fill_sheet(ws, profile, year, None, _list_names(profile))
    return ws


def save_workbook(wb: Workbook, output: Path) -> Path:
    """Atomic save; an existing file is copied aside first and an open one refused."""
    from xltool.io.files import atomic_output, backup_file, check_not_locked

    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise XltoolError("输出文件须以 .xlsx 结尾", file=output, exit_code=EXIT_INPUT)
    check_not_locked(output)
    with atomic_output(output) as temp:
        wb.save(temp)
        if output.exists():
            backup_file(output)
    return output


def _resolve(profile: str | None, year: int | None) -> tuple[Profile, int]:
    chosen = get_profile(profile)
    if year is None:
        year = default_year()
    if not 1900 <= int(year) <= 9999:
        raise XltoolError(f"预算年度“{year}”不正确，应为四位年份", exit_code=EXIT_INPUT)
    return chosen, int(year)


def build_template(output: Path, *, profile: str | None = None, year: int | None = None, sheets: int = 1) -> Path:
    """Write a blank template with ``sheets`` project sheets; returns the path written."""
    chosen, year = _resolve(profile, year)
    if not 1 <= sheets <= 200:
        raise XltoolError("项目表张数应在 1～200 之间", exit_code=EXIT_INPUT)
    wb, _ = _new_workbook(chosen, year)
    for _ in range(sheets):
        new_project_sheet(wb)
    _finish(wb)
    return save_workbook(wb, Path(output))


def make_projects_workbook(projects: list[Project], *, profile: str | None = None, year: int | None = None) -> Workbook:
    """The workbook :func:`write_projects` saves, for callers that add more before saving."""
    if not projects:
        raise XltoolError("没有可写出的项目（项目列表为空）", exit_code=EXIT_INPUT)
    if profile is None:
        used = {p.profile for p in projects if p.profile in load_profiles()}
        profile = used.pop() if len(used) == 1 else DEFAULT_PROFILE
    if year is None:
        years = {p.year for p in projects if p.year}
        year_for_book = years.pop() if len(years) == 1 else None
    else:
        year_for_book = year
    chosen, default = _resolve(profile, year_for_book)
    wb, names = _new_workbook(chosen, default)
    taken = set(_reserved_titles())
    for project in projects:
        title = sheet_title(project.name or f"项目{len(taken) - len(_reserved_titles()) + 1}", taken)
        taken.add(title)
        ws = _place_sheet(wb, title)
        _fill_sheet(ws, chosen, year or project.year or default, project, names)
    _finish(wb)
    return wb


def write_projects(
    projects: list[Project], output: Path, *, profile: str | None = None, year: int | None = None
) -> Path:
    """One 附件3 sheet per project, in order; returns the path written.

    The year in each title is ``year``, else the project's own year, else next year.
    The profile is ``profile``, else the one all projects share, else the default.
    """
    wb = make_projects_workbook(projects, profile=profile, year=year)
    return save_workbook(wb, Path(output))
