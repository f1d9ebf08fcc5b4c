"""The list sheets: 项目汇总 (with its 合计), 指标明细, 问题清单, 文件清单."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from . import (
    FILE_HEADERS, FINDING_HEADERS, INDICATOR_HEADERS, PROJECT_HEADERS, SHEET_FILES, SHEET_FINDINGS,
    SHEET_INDICATORS, SHEET_PROJECTS, STATUS_FAILED, STATUS_SKIPPED, FileRow, FindingRow, ProjectRow,
)
from .layout import Formats, Sheet, col_letter

CHART_PROJECTS = 40  # up to this many projects get a bar each; more are grouped by department
_AMOUNT_COLS = (4, 5, 6, 7, 8)
_COUNT_COLS = (12, 13, 14)
_COUNTED_COL = 18
YES, NO = "是", "否"


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
    widths = (6, 22, 12, 12, 11, 10, 10, 10, 9, 8, 8, 36, 7, 7, 7, 18, 9, 16, 9)  # short headers on one line
    return Sheet(wb, SHEET_PROJECTS, PROJECT_HEADERS, fmt, widths, wrap=(1, 2, 3, 11, 15, 16, 17))


def indicators_sheet(wb: Any, fmt: Formats) -> Sheet:
    # The longest sheet: only the texts that run long wrap, so most rows keep the default height
    # (sizing every row would cost a third of the merge's writing time).
    widths = (34, 10, 12, 24, 6, 14, 8, 8, 6, 30, 9, 7)
    sheet = Sheet(wb, SHEET_INDICATORS, INDICATOR_HEADERS, fmt, widths, wrap=(0, 3, 5))
    sheet.header()
    sheet.ws.freeze_panes(1, 1)
    return sheet


def findings_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_FINDINGS, FINDING_HEADERS, fmt, (22, 9, 7, 18, 7, 6, 62), wrap=(0, 1, 3, 6))


def files_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_FILES, FILE_HEADERS, fmt, (44, 8, 64, 7), wrap=(0, 2))


def write_projects(sheet: Sheet, rows: Iterable[ProjectRow]) -> Totals:
    """One row per project; duplicates are listed but every total counts them out."""
    fmt = sheet.fmt
    sheet.header()
    sheet.ws.freeze_panes(1, 2)
    amounts = {c: fmt.amount for c in _AMOUNT_COLS}
    sums = [0.0] * 5
    ints = [0, 0, 0]
    totals = Totals()
    n = duplicates = 0
    for row in rows:
        n += 1
        total: Any = row.total if row.total is not None else row.total_text
        formats = dict(amounts)
        if row.errors:
            formats[13] = fmt.error
        if row.warnings:
            formats[14] = fmt.warning
        if row.note:
            formats[17] = fmt.warning
        sheet.values(
            (n, row.name, row.department, row.implementer, total, row.province, row.city, row.district, row.other,
             row.start, row.end, row.annual_goal, row.indicators, row.errors, row.warnings, row.file, row.sheet,
             row.note, YES if row.counted else NO),
            formats,
        )
        if not row.counted:
            duplicates += 1
            continue
        money = (row.total, row.province, row.city, row.district, row.other)
        for i, v in enumerate(money):
            if v is not None:
                sums[i] += v
        ints[0] += row.indicators
        ints[1] += row.errors
        ints[2] += row.warnings
        totals.counted += 1
        totals.groups.setdefault((row.department, row.implementer), Funding()).add(money)
        totals.departments[row.department] = totals.departments.get(row.department, 0.0) + (row.total or 0.0)
        if len(totals.projects) <= CHART_PROJECTS and row.total is not None:
            totals.projects.append((row.name, row.implementer, row.total))
    # 合计: SUBTOTAL(109, …) follows the autofilter; rows marked 计入合计 = 否 are taken out again.
    ws, r = sheet.ws, sheet.row
    ws.set_row(r, 20)
    ws.write_string(r, 0, "合计", fmt.total_label)
    label = f"{totals.counted} 个项目" + (f"（另有 {duplicates} 行重复，不计入）" if duplicates else "")
    ws.write_string(r, 1, label, fmt.total_label)
    for c in (2, 3, 9, 10, 11, 15, 16, 17, 18):
        ws.write_blank(r, c, None, fmt.total_label)
    last = n + 1
    flag = f"{col_letter(_COUNTED_COL)}2:{col_letter(_COUNTED_COL)}{last}"

    def formula(c: int) -> str:
        rng = f"{col_letter(c)}2:{col_letter(c)}{last}"
        return f"=SUBTOTAL(109,{rng})" + (f'-SUMIFS({rng},{flag},"{NO}")' if duplicates else "")

    for i, c in enumerate(_AMOUNT_COLS):
        ws.write_formula(r, c, formula(c), fmt.total_amount, round(sums[i], 2))
    for i, c in enumerate(_COUNT_COLS):
        ws.write_formula(r, c, formula(c), fmt.total_int, ints[i])
    sheet.row += 1
    sheet.finish(filter_rows=n, repeat_cols="A:B")
    return totals


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

