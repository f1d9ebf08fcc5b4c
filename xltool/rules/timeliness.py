"""JX906, JX905: a 时效 target is a deadline (or an on-time rate) inside the budget year.

A 时效 indicator says by when the work is done: a date or deadline ("2022年12月底前"),
a duration ("≤3天") or an on-time rate ("按期完成率 ≥95%"). "全年", "有效" or a task
sentence cannot be checked; a deadline after the budget year belongs to another year's
table. The target's kind comes from rules/_targets.py, read once for every rule.
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._common import indicator_where, is_percent_unit, norm, per_profile, quote, role_of, words
from ._rowfacts import picked, row_check
from ._targets import DATE, NUMBER, classify, target_phrase
from .dates import year_month


def budget_year(project: Project) -> int | None:
    """The budget year: the title's, else the year both planned dates share."""
    if project.year:
        return project.year
    start, end = year_month(project.start), year_month(project.end)
    years = {ym[0] for ym in (start, end) if ym}
    return years.pop() if len(years) == 1 else None


def _time_unit(unit: str, ctx: RuleContext) -> bool:
    """A duration's unit ("天", "个工作日", "小时/件"): the time family of ``unit_families`` (JX808's list)."""
    units = per_profile(ctx, "time_units", lambda: [
        n for n in (norm(u) for u in (ctx.get("unit_families", {}) or {}).get("time", [])) if n])
    key = norm(unit).removeprefix("个")  # "个工作日", "个月"
    return any(key.startswith(u) for u in units)


@row_check("JX906")
def _not_a_time(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    if role_of(ind, ctx) != "timeliness" or not ind.target:
        return False
    target = classify(ind, ctx)
    if target.kind == DATE and target.concrete:
        return False
    if target_phrase(ind.target) in words(ctx, "qualitative_not_judgeable"):
        return False  # "及时", "按合同支出": JX305 says the same with its own words
    # a rate, a duration, or a number JX302 asks a unit for
    return not (target.kind == NUMBER and (is_percent_unit(ind.unit, ctx) or _time_unit(ind.unit, ctx) or not ind.unit))


@rule(
    "JX906",
    Severity.WARNING,
    "时效目标不是时间",
    why="时效指标写完成时限（如“2022年12月底前”“≤3天”）或按期完成率（如“≥95%”）；“全年”“有效”无法判断是否按时。",
    bad="时效指标：教育均衡化发展 有效；时效指标：全年 全年",
    good="时效指标：项目完成时间 2022年12月底前；资金发放按期完成率 ≥ 95%",
)
def timeliness_is_time(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX906"):
        yield ctx.finding(
            f"时效指标{quote(ind.name, empty='（未填三级指标）')}的目标值{quote(ind.target)}不是时间："
            f"请写完成时限（如“{budget_year(project) or 'YYYY'}年12月底前”）或按期完成率（如“≥95%”）。",
            **indicator_where(ind, "target"),
        )


@row_check("dated-timeliness")
def _dated(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return role_of(ind, ctx) == "timeliness" and classify(ind, ctx).kind == DATE


@rule(
    "JX905",
    Severity.WARNING,
    "时效目标的日期不在预算年度内",
    why="年度绩效目标说的是本预算年度要完成的事；完成时限写到下一年或上一年，年底无法考核（跨年度项目请写本年度的阶段目标）。",
    bad="2023年度表，时效指标：服务周期 2023.07-2024.01",
    good="2023年度表，时效指标：本年度服务完成时间 2023年12月底前",
)
def deadline_in_budget_year(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    year = budget_year(project)
    if not year:
        return
    for ind in picked(project, ctx, "dated-timeliness"):
        target = classify(ind, ctx)
        outside = sorted({y for y in target.years if y != year}) if target.kind == DATE else []
        if outside:
            yield ctx.finding(
                f"时效指标{quote(ind.name, empty='（未填三级指标）')}的目标值{quote(ind.target)}写到了"
                f"{'、'.join(str(y) for y in outside)}年，不在{year}预算年度内：请写本年度内的完成时限；"
                f"跨年度项目写本年度要完成的阶段。",
                **indicator_where(ind, "target"),
            )
