"""The department summary workbook (xlsxwriter, constant-memory, row by row).

``merge`` hands over rows as plain tuples through a :class:`SummarySource`; this module
only lays them out. Everything is streamed: xlsxwriter's ``constant_memory`` mode
flushes each sheet row to its own temporary file, so 10,000 tables cost the same
memory as 100. Totals, the funding groups and the chart data are accumulated while
the project rows stream by, so the source is read once per sheet.

Text is never turned into a formula, number or link: the workbook is opened with
``strings_to_formulas/numbers/urls=False`` and every cell is written with its typed
method (``write_string`` / ``write_number``). The only formulas are the 合计 row's
SUBTOTALs, written with their computed values so readers without a calc engine agree.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Protocol

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.text import display_width

SHEET_PROJECTS = "项目汇总"
SHEET_INDICATORS = "指标明细"
SHEET_FUNDING = "资金汇总"
SHEET_DEPARTMENT = "部门整体绩效目标"
SHEET_FINDINGS = "问题清单"
SHEET_FILES = "文件清单"
SHEETS = (SHEET_PROJECTS, SHEET_INDICATORS, SHEET_FUNDING, SHEET_DEPARTMENT, SHEET_FINDINGS, SHEET_FILES)

STATUS_MERGED = "已汇总"
STATUS_SKIPPED = "已跳过"
STATUS_FAILED = "失败"

WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
EXCEL_MAX_ROWS = 1_048_576
TOP_PROJECTS = 30  # bars in the amount chart; more would be unreadable
_MAX_WIDTH = 60
_WIDTH_SAMPLE_ROWS = 2000  # column widths are judged on the first rows only
_AMOUNT_FORMAT = "#,##0.00"

PROJECT_HEADERS = (
    "序号", "项目名称", "主管部门", "实施单位", "总额（万元）", "部省级（万元）", "市级（万元）", "区级（万元）",
    "其他（万元）", "开始", "结束", "年度绩效目标", "指标数", "错误数", "警告数", "来源文件", "来源工作表", "备注",
)
INDICATOR_HEADERS = (
    "项目名称", "一级指标", "二级指标", "三级指标", "计算符号", "目标值", "数值", "单位", "定量/定性",
    "来源文件", "来源工作表", "单元格",
)
FUNDING_HEADERS = (
    "主管部门", "实施单位", "项目数", "总额（万元）", "部省级（万元）", "市级（万元）", "区级（万元）",
    "其他（万元）", "来源合计（万元）", "差额（万元）",
)
FINDING_HEADERS = ("文件", "工作表", "单元格", "项目名称", "规则代码", "严重程度", "问题说明")
FILE_HEADERS = ("文件", "状态", "原因", "项目数")
FUNDING_SOURCES = ("部省级", "市级", "区级", "其他")


def summary_columns(sheet: str) -> int:
    """Columns of a summary sheet (the benchmark's floor writes as many cells)."""
    headers = {
        SHEET_PROJECTS: PROJECT_HEADERS, SHEET_INDICATORS: INDICATOR_HEADERS, SHEET_FUNDING: FUNDING_HEADERS,
        SHEET_FINDINGS: FINDING_HEADERS, SHEET_FILES: FILE_HEADERS,
    }
    return len(headers[sheet]) if sheet in headers else 6  # 部门整体: the form's six columns


class ProjectRow(NamedTuple):
    name: str
    department: str
    implementer: str
    total: float | None
    total_text: str  # what was typed when it is not a number
    province: float | None
    city: float | None
    district: float | None
    other: float | None
    start: str
    end: str
    annual_goal: str
    indicators: int
    errors: int
    warnings: int
    file: str
    sheet: str
    note: str


class IndicatorRow(NamedTuple):
    project: str
    level1: str
    level2: str
    name: str
    operator: str
    target: str
    value: float | None
    unit: str
    kind: str  # 定量 / 定性
    file: str
    sheet: str
    cell: str


class TaskRow(NamedTuple):
    """A 年度主要任务 line of the 部门整体 form: one project."""

    name: str
    content: str
    amount: float | None
    annual_goal: str


class DepartmentIndicatorRow(NamedTuple):
    level1: str
    level2: str
    name: str
    value: str  # 指标值 as the form shows it, e.g. "≥90%"
    project: str


class FindingRow(NamedTuple):
    file: str
    sheet: str
    cell: str
    project: str
    code: str
    severity: str  # 错误 / 警告 / 提示
    message: str


class FileRow(NamedTuple):
    file: str
    status: str  # STATUS_*
    reason: str
    projects: int


class SummarySource(Protocol):
    """What the writer reads; each method is called once and may stream."""

    def projects(self) -> Iterable[ProjectRow]: ...

    def indicators(self) -> Iterable[IndicatorRow]: ...

    def departments(self) -> Iterable[str]: ...

    def department_tasks(self, department: str) -> Iterable[TaskRow]: ...

    def department_indicators(self, department: str) -> Iterable[DepartmentIndicatorRow]: ...

    def findings(self) -> Iterable[FindingRow]: ...

    def files(self) -> Iterable[FileRow]: ...


def text_width(text: str) -> int:
    """Display width of the first line in Excel's character units: CJK counts double."""
    return display_width(text.split("\n", 1)[0])


def _fit(text: str) -> str:
    """Excel silently cuts cells at 32,767 characters; say so instead."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    tail = "……（超出单元格长度上限，已截断）"
    return text[: EXCEL_CELL_LIMIT - len(tail)] + tail


def _check_row(ws: Any, row: int) -> None:
    """xlsxwriter silently drops rows past Excel's limit; losing data must be an error."""
    if row >= EXCEL_MAX_ROWS:
        raise XltoolError(
            f"汇总表的“{ws.name}”超过 Excel 单个工作表 {EXCEL_MAX_ROWS} 行的上限，请把输入分成几批分别汇总",
            exit_code=EXIT_INPUT,
        )


class _Sheet:
    """A worksheet written strictly row by row, remembering column widths."""

    def __init__(self, workbook: Any, name: str, headers: tuple[str, ...], fmt: "_Formats") -> None:
        self.ws = workbook.add_worksheet(name)
        self.fmt = fmt
        self.headers = headers
        self.row = 0
        self.widths = [max(6, text_width(h) + 2) for h in headers]

    def header(self) -> None:
        for c, title in enumerate(self.headers):
            self.ws.write_string(self.row, c, title, self.fmt.header)
        self.ws.freeze_panes(self.row + 1, 0)
        self.row += 1

    def cell(self, c: int, value: Any, fmt: Any = None) -> None:
        if value is None or value == "":
            if fmt is not None:
                self.ws.write_blank(self.row, c, None, fmt)
            return
        if isinstance(value, str):
            text = _fit(value)
            self.ws.write_string(self.row, c, text, fmt)
        else:
            self.ws.write_number(self.row, c, value, fmt)
        if self.row > _WIDTH_SAMPLE_ROWS:
            return
        width = (text_width(text) if isinstance(value, str) else len(f"{value:,.2f}")) + 2
        if c < len(self.widths):
            if width > self.widths[c]:
                self.widths[c] = min(width, _MAX_WIDTH)
        else:
            self.widths.append(min(width, _MAX_WIDTH))

    def values(self, values: Iterable[Any], formats: dict[int, Any] | None = None, default: Any = None) -> None:
        _check_row(self.ws, self.row)
        for c, value in enumerate(values):
            self.cell(c, value, (formats or {}).get(c, default))
        self.row += 1

    def finish(self, *, filter_rows: int | None = None, caps: dict[int, int] | None = None) -> None:
        """Widths, the autofilter over the header and ``filter_rows`` data rows, print set-up."""
        for c, width in enumerate(self.widths):
            self.ws.set_column(c, c, min(width, (caps or {}).get(c, _MAX_WIDTH)))
        if filter_rows is not None and self.headers:
            self.ws.autofilter(0, 0, max(filter_rows, 1), len(self.headers) - 1)
            self.ws.repeat_rows(0)
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4


@dataclass
class _Formats:
    header: Any
    amount: Any
    total_label: Any
    total_amount: Any
    total_int: Any
    error: Any
    warning: Any
    title: Any
    form_label: Any
    form_cell: Any
    form_amount: Any
    form_wrap: Any
    section: Any

    @classmethod
    def create(cls, wb: Any) -> "_Formats":
        border = {"border": 1, "valign": "vcenter"}
        return cls(
            header=wb.add_format(
                {**border, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
            ),
            amount=wb.add_format({"num_format": _AMOUNT_FORMAT}),
            total_label=wb.add_format({"bold": True, "top": 2, "bg_color": "#F2F2F2"}),
            total_amount=wb.add_format({"bold": True, "top": 2, "bg_color": "#F2F2F2", "num_format": _AMOUNT_FORMAT}),
            total_int=wb.add_format({"bold": True, "top": 2, "bg_color": "#F2F2F2", "num_format": "0"}),
            error=wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
            warning=wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
            title=wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
            form_label=wb.add_format(
                {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#F2F2F2"}
            ),
            form_cell=wb.add_format({**border, "text_wrap": True}),
            form_amount=wb.add_format({**border, "num_format": _AMOUNT_FORMAT}),
            form_wrap=wb.add_format({**border, "text_wrap": True, "valign": "top"}),
            section=wb.add_format({"bold": True, "font_size": 12}),
        )


@dataclass
class _Funding:
    projects: int = 0
    amounts: list[float] = field(default_factory=lambda: [0.0] * 5)  # total + four sources

    def add(self, row: ProjectRow) -> None:
        self.projects += 1
        for i, v in enumerate((row.total, row.province, row.city, row.district, row.other)):
            if v is not None:
                self.amounts[i] += v


def write_summary(path: str | Path, source: SummarySource) -> dict[str, int]:
    """Write the six sheets to ``path`` (a temporary file; the caller replaces atomically).

    Returns the rows written per sheet.
    """
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        fmt = _Formats.create(wb)
        sheets = {
            SHEET_PROJECTS: _Sheet(wb, SHEET_PROJECTS, PROJECT_HEADERS, fmt),
            SHEET_INDICATORS: _Sheet(wb, SHEET_INDICATORS, INDICATOR_HEADERS, fmt),
            SHEET_FUNDING: _Sheet(wb, SHEET_FUNDING, FUNDING_HEADERS, fmt),
            SHEET_DEPARTMENT: _Sheet(wb, SHEET_DEPARTMENT, (), fmt),
            SHEET_FINDINGS: _Sheet(wb, SHEET_FINDINGS, FINDING_HEADERS, fmt),
            SHEET_FILES: _Sheet(wb, SHEET_FILES, FILE_HEADERS, fmt),
        }
        groups, top = _write_projects(sheets[SHEET_PROJECTS], source.projects())
        _write_indicators(sheets[SHEET_INDICATORS], source.indicators())
        _write_funding(wb, sheets[SHEET_FUNDING], groups, top)
        _write_department(sheets[SHEET_DEPARTMENT], source)
        _write_findings(sheets[SHEET_FINDINGS], source.findings())
        _write_files(sheets[SHEET_FILES], source.files())
        rows = {name: sheet.row for name, sheet in sheets.items()}
        wb.set_properties({"title": "项目绩效目标汇总表", "comments": "由 xltool merge 生成"})
    finally:
        wb.close()
    return rows


def _write_projects(
    sheet: _Sheet, rows: Iterable[ProjectRow]
) -> tuple[dict[tuple[str, str], _Funding], list[tuple[float, str, str]]]:
    fmt = sheet.fmt
    sheet.header()
    sheet.ws.freeze_panes(1, 2)
    amount_cols = {4: fmt.amount, 5: fmt.amount, 6: fmt.amount, 7: fmt.amount, 8: fmt.amount}
    sums = [0.0] * 5
    ints = [0, 0, 0]
    groups: dict[tuple[str, str], _Funding] = {}
    top: list[tuple[float, int, str, str]] = []  # min-heap of the largest totals
    n = 0
    for row in rows:
        n += 1
        total: Any = row.total if row.total is not None else row.total_text
        formats = dict(amount_cols)
        if row.errors:
            formats[13] = fmt.error
        if row.warnings:
            formats[14] = fmt.warning
        if row.note:
            formats[17] = fmt.warning
        sheet.values(
            (n, row.name, row.department, row.implementer, total, row.province, row.city, row.district, row.other,
             row.start, row.end, row.annual_goal, row.indicators, row.errors, row.warnings, row.file, row.sheet,
             row.note),
            formats,
        )
        for i, v in enumerate((row.total, row.province, row.city, row.district, row.other)):
            if v is not None:
                sums[i] += v
        ints[0] += row.indicators
        ints[1] += row.errors
        ints[2] += row.warnings
        groups.setdefault((row.department, row.implementer), _Funding()).add(row)
        if row.total is not None:
            item = (row.total, -n, row.name, row.implementer)
            if len(top) < TOP_PROJECTS:
                heapq.heappush(top, item)
            elif item > top[0]:
                heapq.heapreplace(top, item)
    # 合计: SUBTOTAL(109, …) follows the autofilter (sums visible rows); its value is stored too.
    ws, r = sheet.ws, sheet.row
    ws.write_string(r, 0, "合计", fmt.total_label)
    ws.write_string(r, 1, f"{n} 个项目", fmt.total_label)
    for c in (2, 3, 9, 10, 11, 15, 16, 17):
        ws.write_blank(r, c, None, fmt.total_label)
    for i, c in enumerate((4, 5, 6, 7, 8)):
        ws.write_formula(r, c, f"=SUBTOTAL(109,{_col(c)}2:{_col(c)}{n + 1})", fmt.total_amount, round(sums[i], 2))
    for i, c in enumerate((12, 13, 14)):
        ws.write_formula(r, c, f"=SUBTOTAL(109,{_col(c)}2:{_col(c)}{n + 1})", fmt.total_int, ints[i])
    sheet.row += 1
    sheet.finish(filter_rows=n, caps={1: 40, 11: 50})
    ranked = [(t, name, impl) for t, _, name, impl in sorted(top, reverse=True)]
    return groups, ranked


def _col(c: int) -> str:
    from xltool.core.grid import column_letter

    return column_letter(c + 1)


def _write_indicators(sheet: _Sheet, rows: Iterable[IndicatorRow]) -> None:
    sheet.header()
    sheet.ws.freeze_panes(1, 1)
    n = 0
    for row in rows:
        sheet.values(row)
        n += 1
    sheet.finish(filter_rows=n, caps={0: 40, 3: 40, 5: 30})


def _write_funding(
    wb: Any, sheet: _Sheet, groups: dict[tuple[str, str], _Funding], top: list[tuple[float, str, str]]
) -> None:
    fmt = sheet.fmt
    sheet.header()
    amounts = {c: fmt.amount for c in range(3, 10)}
    total_formats = {c: fmt.total_amount for c in range(3, 10)}
    grand = _Funding()
    by_department: dict[str, list[tuple[str, _Funding]]] = {}
    for (department, implementer), funding in sorted(groups.items()):
        by_department.setdefault(department, []).append((implementer, funding))
    data_rows = 0
    for department, units in by_department.items():
        subtotal = _Funding()
        for implementer, funding in units:
            sheet.values(_funding_values(department, implementer, funding), amounts)
            data_rows += 1
            subtotal.projects += funding.projects
            subtotal.amounts = [a + b for a, b in zip(subtotal.amounts, funding.amounts)]
        if len(units) > 1:
            sheet.values(_funding_values(department, "小计", subtotal), total_formats, fmt.total_label)
            data_rows += 1
        grand.projects += subtotal.projects
        grand.amounts = [a + b for a, b in zip(grand.amounts, subtotal.amounts)]
    total_row = sheet.row
    sheet.values(_funding_values("合计", "", grand), {2: fmt.total_int, **total_formats}, fmt.total_label)
    sheet.finish(filter_rows=data_rows)

    # Chart data below the table, charts to its right.
    ws = sheet.ws
    sheet.row += 1
    share_first = sheet.row + 1
    ws.write_string(sheet.row, 0, "资金来源构成", fmt.section)
    sheet.row += 1
    sheet.values(("资金来源", "金额（万元）"), default=fmt.header)
    for label, value in zip(FUNDING_SOURCES, grand.amounts[1:]):
        sheet.values((label, round(value, 2)), {1: fmt.amount})
    share_last = sheet.row - 1
    sheet.row += 1
    top_title = sheet.row
    ws.write_string(top_title, 0, f"项目金额（前 {len(top)} 名）" if len(top) == TOP_PROJECTS else "项目金额", fmt.section)
    sheet.row += 1
    sheet.values(("项目名称", "实施单位", "总额（万元）"), default=fmt.header)
    top_first = sheet.row
    for total, name, implementer in top:
        sheet.values((name, implementer, total), {2: fmt.amount})
    top_last = sheet.row - 1

    doughnut = wb.add_chart({"type": "doughnut"})
    doughnut.add_series({
        "name": "资金来源构成",
        "categories": [SHEET_FUNDING, share_first + 1, 0, share_last, 0],
        "values": [SHEET_FUNDING, share_first + 1, 1, share_last, 1],
        "data_labels": {"percentage": True, "category": True, "separator": "\n"},
    })
    doughnut.set_title({"name": "资金来源构成（万元）"})
    ws.insert_chart(1, len(FUNDING_HEADERS) + 1, doughnut, {"x_scale": 1.1, "y_scale": 1.1})
    if top:
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({
            "name": "总额（万元）",
            "categories": [SHEET_FUNDING, top_first, 0, top_last, 0],
            "values": [SHEET_FUNDING, top_first, 2, top_last, 2],
            "data_labels": {"value": True, "num_format": _AMOUNT_FORMAT},
        })
        bar.set_title({"name": "项目金额（万元）"})
        bar.set_legend({"none": True})
        bar.set_y_axis({"reverse": True})  # largest on top
        bar.set_size({"width": 720, "height": max(260, 60 + 22 * len(top))})
        ws.insert_chart(max(total_row + 2, 20), len(FUNDING_HEADERS) + 1, bar)


def _funding_values(department: str, implementer: str, funding: _Funding) -> tuple[Any, ...]:
    total, *sources = (round(a, 2) for a in funding.amounts)
    source_sum = round(sum(sources), 2)
    return (department, implementer, funding.projects, total, *sources, source_sum, round(total - source_sum, 2))


def _write_department(sheet: _Sheet, source: SummarySource) -> None:
    """The 88号 部门（单位）整体支出绩效目标申报表 layout, one block per 主管部门."""
    fmt, ws = sheet.fmt, sheet.ws
    for c, width in enumerate((14, 30, 18, 34, 20, 30)):
        ws.set_column(c, c, width)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # the form prints one page wide, as many pages long as it takes
    last = 5
    for department in source.departments():
        r = sheet.row
        ws.set_row(r, 26)
        ws.merge_range(r, 0, r, last, "部门（单位）整体支出绩效目标申报表", fmt.title)
        r += 1
        ws.write_string(r, 0, "部门（单位）名称", fmt.form_label)
        ws.merge_range(r, 1, r, last, "", fmt.form_cell)
        ws.write_string(r, 1, department or "（未填写主管部门）", fmt.form_cell)
        r += 1
        for c, title in enumerate(("年度主要任务", "任务名称", "主要内容")):
            ws.write_string(r, c, title, fmt.form_label)
        ws.merge_range(r, 2, r, 4, "", fmt.form_label)
        ws.write_string(r, 2, "主要内容", fmt.form_label)
        ws.write_string(r, last, "预算金额（万元）", fmt.form_label)
        r += 1
        total = 0.0
        goals: list[str] = []
        goal_chars = 0
        for task in source.department_tasks(department):
            _check_row(ws, r)
            if task.content:
                ws.set_row(r, _wrapped_height(task.content, 70))
            ws.write_blank(r, 0, None, fmt.form_cell)
            ws.write_string(r, 1, _fit(task.name), fmt.form_cell)
            ws.merge_range(r, 2, r, 4, "", fmt.form_cell)
            if task.content:
                ws.write_string(r, 2, _fit(task.content), fmt.form_cell)
            if task.amount is not None:
                ws.write_number(r, last, task.amount, fmt.form_amount)
                total += task.amount
            else:
                ws.write_blank(r, last, None, fmt.form_amount)
            if task.annual_goal and goal_chars < EXCEL_CELL_LIMIT:
                goals.append(f"{len(goals) + 1}. {task.name}：{task.annual_goal}")
                goal_chars += len(goals[-1]) + 1
            r += 1
        ws.write_string(r, 0, "金额合计", fmt.form_label)
        ws.merge_range(r, 1, r, 4, "", fmt.form_cell)
        ws.write_number(r, last, round(total, 2), fmt.form_amount)
        r += 1
        goal_text = _fit("\n".join(goals))
        ws.set_row(r, max(30, _wrapped_height(goal_text, 128)))
        ws.write_string(r, 0, "年度总体目标", fmt.form_label)
        ws.merge_range(r, 1, r, last, "", fmt.form_wrap)
        ws.write_string(r, 1, goal_text, fmt.form_wrap)
        r += 1
        for c, title in enumerate(("年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "所属项目")):
            ws.write_string(r, c, title, fmt.form_label)
        r += 1
        for ind in source.department_indicators(department):
            _check_row(ws, r)
            ws.write_blank(r, 0, None, fmt.form_cell)
            for c, text in enumerate(ind, start=1):
                ws.write_string(r, c, _fit(text), fmt.form_cell) if text else ws.write_blank(r, c, None, fmt.form_cell)
            r += 1
        sheet.row = r + 1  # a blank row between departments


def _wrapped_height(text: str, width: int) -> float:
    """Row height (points) for wrapped text in ``width`` characters: Excel never
    sizes rows of merged cells by itself."""
    lines = sum(max(1, -(-text_width(line) // width)) for line in text.split("\n"))
    return min(409, 15 * lines + 3)


def _write_findings(sheet: _Sheet, rows: Iterable[FindingRow]) -> None:
    fmt = sheet.fmt
    sheet.header()
    n = 0
    for row in rows:
        severity_fmt = fmt.error if row.severity == "错误" else fmt.warning if row.severity == "警告" else None
        sheet.values(row, {5: severity_fmt} if severity_fmt else None)
        n += 1
    sheet.finish(filter_rows=n, caps={0: 40, 6: 80})


def _write_files(sheet: _Sheet, rows: Iterable[FileRow]) -> None:
    fmt = sheet.fmt
    sheet.header()
    n = 0
    for row in rows:
        status_fmt = fmt.error if row.status == STATUS_FAILED else fmt.warning if row.status == STATUS_SKIPPED else None
        sheet.values(row, {1: status_fmt} if status_fmt else None)
        n += 1
    sheet.finish(filter_rows=n, caps={0: 50, 2: 80})
