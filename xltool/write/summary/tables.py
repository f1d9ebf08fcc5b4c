"""The list sheets: 项目汇总 (with its 合计), 指标明细, 问题清单, 文件清单."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from xltool.core.fields import funding_keys

from . import (
    FILE_HEADERS, FINDING_HEADERS, INDICATOR_HEADERS, SHEET_FILES, SHEET_FINDINGS,
    SHEET_INDICATORS, SHEET_PROJECTS, STATUS_FAILED, STATUS_SKIPPED, FileRow, FindingRow, ProjectRow,
)
from .columns import PROJECT_HEADERS, SUMMARY_COLUMNS, VISIBLE_TITLE, printed_columns, summary_index
from .layout import Formats, Sheet, col_letter
from .rows import Formula

CHART_PROJECTS = 40  # up to this many projects get a bar each; more are grouped by department
YES, NO = "是", "否"
_SOURCES = funding_keys()
_FORMATS = {"amount": lambda f: f.amount, "int": lambda f: f.integer, "flag": lambda f: f.center,
            "center": lambda f: f.center}


@dataclass
class Funding:
    projects: int = 0
    amounts: list[float] = field(default_factory=lambda: [0.0] * 5)  # total + four sources

    def add(self, amounts: Iterable[float | None], projects: int = 1) -> None:
        self.projects += projects
        for i, v in enumerate(amounts):
            if v is not None:
                self.amounts[i] += v


@dataclass
class Totals:
    """What 项目汇总 accumulates for 资金汇总 and the charts (counted projects only)."""

    groups: dict[tuple[str, str], Funding] = field(default_factory=dict)
    departments: dict[str, float] = field(default_factory=dict)
    projects: list[tuple[str, str, float]] = field(default_factory=list)  # (name, unit, total), first ones
    counted: int = 0
    grand: Funding = field(default_factory=Funding)  # filled by 资金汇总, drawn by the charts


def projects_sheet(wb: Any, fmt: Formats) -> Sheet:
    widths = tuple(c.width for c in SUMMARY_COLUMNS) + (6,)
    wrap = (i for i, c in enumerate(SUMMARY_COLUMNS) if c.kind == "wrap")
    return Sheet(wb, SHEET_PROJECTS, (*PROJECT_HEADERS, VISIBLE_TITLE), fmt, widths, wrap=wrap)


def indicators_sheet(wb: Any, fmt: Formats) -> Sheet:
    # The longest sheet: only the texts that run long wrap, so most rows keep the default height
    # (sizing every row would cost a third of the merge's writing time).
    # One A4 landscape width at ≥ 9 pt up to 单元格 (about 131 characters; 来源文件 after it, on screen
    # only: 文件清单 prints the files); the long texts wrap.
    widths = (20, 9, 13, 26, 5, 12, 7, 6, 10, 14, 7, 40)  # 二级指标 (six characters), 定量/定性 on one line
    sheet = Sheet(wb, SHEET_INDICATORS, INDICATOR_HEADERS, fmt, widths, wrap=(0, 1, 2, 3, 5, 9))
    sheet.header()
    sheet.ws.freeze_panes(1, 1)
    return sheet


def findings_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_FINDINGS, FINDING_HEADERS, fmt, (20, 14, 6, 16, 9, 9, 54), wrap=(0, 1, 3, 6))


def files_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_FILES, FILE_HEADERS, fmt, (44, 8, 64, 7), wrap=(0, 2))


def write_projects(sheet: Sheet, rows: Iterable[ProjectRow]) -> Totals:
    """One row per project; duplicates are listed but every total counts them out.

    The 合计 adds the rows that are both counted (计入合计 = 是) and visible: each row's
    hidden 筛选可见 cell is ``SUBTOTAL(103, 序号)`` (0 once a filter or the user hides
    the row), and each total is ``SUMIFS(column, 计入合计, "是", 筛选可见, 1)``. So the
    total stays the sum of what the reader sees and counts under any filter, in Excel
    and LibreOffice alike (a SUBTOTAL minus a SUMIFS of duplicates went negative).
    """
    fmt = sheet.fmt
    sheet.header()
    sheet.ws.freeze_panes(1, 2)
    base = {c: _FORMATS[col.kind](fmt) for c, col in enumerate(SUMMARY_COLUMNS) if col.kind in _FORMATS}
    marks = [(c, col.key, fmt.error if col.highlight == "error" else fmt.warning)
             for c, col in enumerate(SUMMARY_COLUMNS) if col.highlight]
    summed = [(c, col.key) for c, col in enumerate(SUMMARY_COLUMNS) if col.total]
    sums = dict.fromkeys((key for _, key in summed), 0.0)
    seq_letter = col_letter(summary_index("seq"))
    totals = Totals()
    n = duplicates = 0
    for row in rows:
        n += 1
        r = sheet.row + 1  # 1-based row of this project
        values = row._asdict()
        values["seq"] = n
        if row.total is None:
            values["total"] = row.total_text
        values["counted"] = YES if row.counted else NO
        formats = base
        if any(values[key] for _, key, _ in marks):
            formats = {**base, **{c: f for c, key, f in marks if values[key]}}
        visible = Formula(f"SUBTOTAL(103,{seq_letter}{r})", 1)
        sheet.values([*(values[col.key] for col in SUMMARY_COLUMNS), visible], formats)
        if not row.counted:
            duplicates += 1
            continue
        for key in sums:
            v = values[key]
            if v is not None and v.__class__ is not str:
                sums[key] += v
        money = (row.total, *(getattr(row, k) for k in _SOURCES))
        totals.counted += 1
        totals.groups.setdefault((row.department, row.implementer), Funding()).add(money)
        totals.departments[row.department] = totals.departments.get(row.department, 0.0) + (row.total or 0.0)
        if len(totals.projects) <= CHART_PROJECTS and row.total is not None:
            totals.projects.append((row.name, row.implementer, row.total))
    ws, r = sheet.ws, sheet.row
    ws.set_row(r, 20)
    label = f"{totals.counted} 个项目" + (f"（另有 {duplicates} 行重复，不计入）" if duplicates else "")
    last = n + 1
    flag = _span(summary_index("counted"), last)
    seen = _span(len(SUMMARY_COLUMNS), last)
    total_cells: dict[int, Any] = {0: ("合计", fmt.total_label), 1: (label, fmt.total_label)}
    for c, key in summed:
        amount = SUMMARY_COLUMNS[c].kind == "amount"
        value = round(sums[key], 2) if amount else int(sums[key])
        formula = Formula(f'=SUMIFS({_span(c, last)},{flag},"{YES}",{seen},1)', value)
        total_cells[c] = (formula, fmt.total_amount if amount else fmt.total_int)
    sheet.write_cells(r, [(c, *total_cells.get(c, (None, fmt.total_label))) for c in range(len(SUMMARY_COLUMNS))],
                      fast=False)
    sheet.row += 1
    sheet.finish(filter_rows=n, repeat_cols="A:B")
    visible_col = len(SUMMARY_COLUMNS)
    ws.set_column(visible_col, visible_col, 6, None, {"hidden": True})
    ws.print_area(0, 0, sheet.row - 1, printed_columns() - 1)
    return totals


def _span(c: int, last: int) -> str:
    """Rows 2…``last`` of column ``c`` (absolute, so the total can be copied)."""
    letter = col_letter(c)
    return f"${letter}$2:${letter}${last}"


def write_findings(sheet: Sheet, rows: Iterable[FindingRow]) -> None:
    fmt = sheet.fmt
    sheet.header()
    n = 0
    for row in rows:
        severity_fmt = fmt.error if row.severity == "错误" else fmt.warning if row.severity == "警告" else None
        sheet.values(row, {5: severity_fmt} if severity_fmt else None)
        n += 1
    sheet.finish(filter_rows=n)


def write_files(sheet: Sheet, rows: Iterable[FileRow]) -> None:
    fmt = sheet.fmt
    sheet.header()
    n = 0
    for row in rows:
        status_fmt = fmt.error if row.status == STATUS_FAILED else fmt.warning if row.status == STATUS_SKIPPED else None
        sheet.values(row, {1: status_fmt} if status_fmt else None)
        n += 1
    sheet.finish(filter_rows=n)

