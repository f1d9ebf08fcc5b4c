"""JX9xx dates: 计划开始/结束时间 as YYYY.MM, in order, inside the budget year."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.fields import field
from xltool.core.model import Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._common import quote
from .layout import in_layout

_MONTH_RE = re.compile(r"^(\d{4})\.(\d{2})$")
# What looks like a year and a month but the month is impossible ("2022.13", "2022年0月").
_BAD_MONTH_RE = lazy_pattern(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?$")
_LABELS = {key: field(key).title for key in ("start", "end")}


def year_month(value: str) -> tuple[int, int] | None:
    """(year, month) of a normalised ``YYYY.MM`` with a real month, else None."""
    match = _MONTH_RE.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 else None


def _typed(project: Project, field: str) -> str:
    return project.raw.get(field) or getattr(project, field)


@rule(
    "JX901",
    Severity.ERROR,
    "时间格式不对",
    why="计划开始、结束时间按“YYYY.MM”填写（如 2022.01），其他写法无法比较先后、判断年度。",
    bad="计划开始时间：明年初",
    good="计划开始时间：2022.01",
)
def date_format(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field, label in _LABELS.items():
        value = getattr(project, field)
        if not value or year_month(value) is not None or not in_layout(project, field):
            continue
        if _BAD_MONTH_RE.match(unicodedata.normalize("NFKC", value)):
            continue  # JX902 names the impossible month
        yield ctx.finding(
            f"“{label}”{quote(_typed(project, field))}不是“年.月”格式：请写成如“2022.01”。",
            cell=project.cells.get(field, ""),
            field=field,
        )


@rule(
    "JX902",
    Severity.ERROR,
    "月份不在1–12之间",
    why="月份只能是 01–12；“2022.13”“2022.00”多为录入错误。",
    bad="计划结束时间：2022.13",
    good="计划结束时间：2022.12",
)
def month_range(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field, label in _LABELS.items():
        value = getattr(project, field)
        if not value or year_month(value) is not None or not in_layout(project, field):
            continue
        match = _BAD_MONTH_RE.match(unicodedata.normalize("NFKC", value))
        if match and not 1 <= int(match.group(2)) <= 12:
            yield ctx.finding(
                f"“{label}”{quote(_typed(project, field))}的月份“{match.group(2)}”不存在：月份应为01–12，请改正。",
                cell=project.cells.get(field, ""),
                field=field,
            )


@rule(
    "JX903",
    Severity.ERROR,
    "开始时间晚于结束时间",
    why="计划开始时间不能晚于计划结束时间。",
    bad="计划开始时间 2022.12，计划结束时间 2022.01",
    good="计划开始时间 2022.01，计划结束时间 2022.12",
)
def start_before_end(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    start, end = year_month(project.start), year_month(project.end)
    if start and end and start > end and in_layout(project, "start") and in_layout(project, "end"):
        yield ctx.finding(
            f"计划开始时间{quote(project.start)}晚于计划结束时间{quote(project.end)}：请核对，两者可能填反了。",
            cell=project.cells.get("start", ""),
            field="start",
        )


@rule(
    "JX904",
    Severity.WARNING,
    "时间不在预算年度内",
    why="年度预算项目的计划起止时间一般在标题所写的预算年度内；跨年度项目请确认。",
    bad="2022年度表，计划结束时间 2023.06",
    good="2022年度表，计划开始时间 2022.01，结束时间 2022.12",
)
def within_budget_year(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not project.year:
        return
    for field, label in _LABELS.items():
        ym = year_month(getattr(project, field))
        if ym and ym[0] != project.year and in_layout(project, field):
            yield ctx.finding(
                f"“{label}”{quote(getattr(project, field))}不在{project.year}年度内（见表标题）："
                f"如非跨年度项目，请改为{project.year}年内的月份。",
                cell=project.cells.get(field, ""),
                field=field,
            )
