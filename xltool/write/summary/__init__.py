"""The department summary workbook (xlsxwriter, constant-memory, row by row).

``merge`` hands over rows through a :class:`SummarySource` (and 指标明细 rows while it
is still reading); this package only lays them out: ``tables`` (the list sheets),
``funding`` (资金汇总 and the chart sheet), ``department`` (the 部门整体支出绩效目标表
form), ``layout`` (formats, wrapped rows and print set-up). Everything is streamed:
xlsxwriter's ``constant_memory`` mode flushes each sheet row to its own temporary
file, so 10,000 tables cost the same memory as 100.

Text is never turned into a formula, number or link: the workbook is opened with
``strings_to_formulas/numbers/urls=False`` and every cell is written with its typed
method. The only formulas are the 合计 cells, written with their computed values so
readers without a calc engine agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, NamedTuple, Protocol

from xltool.core.fields import field, funding_keys
from xltool.core.names import SUMMARY_FILES_SHEET, SUMMARY_PROJECTS_SHEET
from .columns import PROJECT_HEADERS, ProjectRow  # noqa: F401 - re-exported: the one declaration
from .zipping import close_quickly

SHEET_PROJECTS = SUMMARY_PROJECTS_SHEET
SHEET_INDICATORS = "指标明细"
SHEET_FUNDING = "资金汇总"
SHEET_CHARTS = "资金图表"
SHEET_DEPARTMENT = "部门整体绩效目标"
SHEET_FINDINGS = "问题清单"
SHEET_FILES = SUMMARY_FILES_SHEET
SHEETS = (SHEET_PROJECTS, SHEET_INDICATORS, SHEET_FUNDING, SHEET_CHARTS, SHEET_DEPARTMENT, SHEET_FINDINGS, SHEET_FILES)

STATUS_MERGED = "已汇总"
STATUS_SKIPPED = "已跳过"
STATUS_FAILED = "失败"

WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

def _titles(*keys: str) -> tuple[str, ...]:
    """Summary column titles of header fields, from the field table (one wording everywhere)."""
    return tuple(field(k).summary for k in keys)


_AMOUNT_KEYS = ("total", *(f"funding.{k}" for k in funding_keys()))
INDICATOR_HEADERS = (
    field("name").summary, *(field(k, "columns").summary for k in ("level1", "level2", "name", "operator", "target")),
    "数值", "单位", "定量/定性", "来源工作表", "单元格", "来源文件",  # 来源文件 last: off the printed page
)
FUNDING_HEADERS = (
    *_titles("department", "implementer"), "项目数", *_titles(*_AMOUNT_KEYS), "来源合计（万元）", "差额（万元）",
)
FINDING_HEADERS = ("文件", "工作表", "单元格", "项目名称", "规则代码", "严重程度", "问题说明")
FILE_HEADERS = ("文件", "状态", "原因", "项目数")
FUNDING_SOURCES = tuple(field(f"funding.{k}").summary.split("（")[0] for k in funding_keys())
DEPARTMENT_COLUMNS = 7


def summary_columns(sheet: str) -> int:
    """Columns of a summary sheet (the benchmark's floor writes as many cells)."""
    headers = {
        SHEET_PROJECTS: PROJECT_HEADERS, SHEET_INDICATORS: INDICATOR_HEADERS, SHEET_FUNDING: FUNDING_HEADERS,
        SHEET_FINDINGS: FINDING_HEADERS, SHEET_FILES: FILE_HEADERS,
    }
    return len(headers[sheet]) if sheet in headers else {SHEET_CHARTS: 3}.get(sheet, DEPARTMENT_COLUMNS)


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
    sheet: str
    cell: str
    file: str


class TaskRow(NamedTuple):
    """A 年度主要任务 line of the 部门整体 form: one project."""

    name: str
    content: str
    amount: float | None
    annual_goal: str
    province: float | None = None
    city: float | None = None
    district: float | None = None
    other: float | None = None
    start: str = ""


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
    """What the writer reads once 指标明细 is written; each method is called once and may stream."""

    def projects(self) -> Iterable[ProjectRow]: ...

    def departments(self) -> Iterable[str]: ...

    def department_tasks(self, department: str) -> Iterable[TaskRow]: ...

    def department_indicators(self, department: str) -> Iterable[DepartmentIndicatorRow]: ...

    def findings(self) -> Iterable[FindingRow]: ...

    def files(self) -> Iterable[FileRow]: ...


class SummaryWriter:
    """The summary workbook, open while the inputs are read.

    Sheets are created up front (their order is fixed); 指标明细 takes rows as they
    arrive (:meth:`add_indicators`), the other sheets are written by :meth:`finish`.
    """

    def __init__(self, path: str | Path, tmpdir: str | Path | None = None) -> None:
        """``tmpdir``: where xlsxwriter keeps its constant-memory row files (the run's own folder,
        so an interrupted merge leaves none behind)."""
        import xlsxwriter

        from . import department, funding, tables
        from .layout import Formats

        options = {**WORKBOOK_OPTIONS, **({"tmpdir": str(tmpdir)} if tmpdir is not None else {})}
        self.wb = xlsxwriter.Workbook(str(path), options)
        self.fmt = Formats.create(self.wb)
        self.closed = False
        self.sheets: dict[str, Any] = {}
        self.sheets[SHEET_PROJECTS] = tables.projects_sheet(self.wb, self.fmt)
        self.sheets[SHEET_INDICATORS] = tables.indicators_sheet(self.wb, self.fmt)
        self.sheets[SHEET_FUNDING] = funding.funding_sheet(self.wb, self.fmt)
        self.sheets[SHEET_CHARTS] = funding.charts_sheet(self.wb, self.fmt)
        self.sheets[SHEET_DEPARTMENT] = department.department_sheet(self.wb, self.fmt)
        self.sheets[SHEET_FINDINGS] = tables.findings_sheet(self.wb, self.fmt)
        self.sheets[SHEET_FILES] = tables.files_sheet(self.wb, self.fmt)
        self.indicator_rows = 0
        self.department_written = False

    def add_indicators(self, rows: Iterable[tuple[Any, ...]]) -> None:
        sheet = self.sheets[SHEET_INDICATORS]
        for row in rows:
            sheet.values(row)
            self.indicator_rows += 1

    def write_department(self, source: SummarySource) -> None:
        """The 部门整体 forms; callable before :meth:`finish` (they need no findings), else written there."""
        from . import department

        department.write_department(self.sheets[SHEET_DEPARTMENT], source)
        self.department_written = True

    def finish(self, source: SummarySource) -> dict[str, int]:
        """Write every other sheet and close; returns the rows written per sheet."""
        from . import funding, tables

        sheets = self.sheets
        sheets[SHEET_INDICATORS].finish(filter_rows=self.indicator_rows, repeat_cols="A:A")
        sheets[SHEET_INDICATORS].ws.print_area(0, 0, max(self.indicator_rows, 1), len(INDICATOR_HEADERS) - 2)
        totals = tables.write_projects(sheets[SHEET_PROJECTS], source.projects())
        funding.write_funding(sheets[SHEET_FUNDING], totals)
        funding.write_charts(self.wb, sheets[SHEET_CHARTS], totals)
        if not self.department_written:
            self.write_department(source)
        tables.write_findings(sheets[SHEET_FINDINGS], source.findings())
        tables.write_files(sheets[SHEET_FILES], source.files())
        rows = {name: sheet.row for name, sheet in sheets.items()}
        self.wb.set_properties({"title": "项目绩效目标汇总表", "comments": "由 xltool merge 生成"})
        self.closed = True
        close_quickly(self.wb)
        return rows

    def abandon(self) -> None:
        """Release the temporary files after a failure (the caller deletes the output)."""
        if not self.closed:
            self.closed = True
            try:
                self.wb.close()
            except Exception:  # noqa: BLE001 - the run already failed; its error is the one to report
                pass
