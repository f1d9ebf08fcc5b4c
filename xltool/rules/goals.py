"""JX705, JX706: the annual goal says what this year achieves, in figures the indicators carry.

Reviewers return goals that hold no figure ("打造品牌赛事，提升城市知名度"), goals that
report last year ("改善了城市生态环境"), and goals whose figures (people served, sites,
lengths) have no indicator to be checked by (88号: 指标与目标相对应).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._common import remember, quote, real
from .readings import spread_totals

# What is not a figure of the goal: years, dates, document numbers, list markers.
# A digit run is entered at its start only ((?<!\d)): a run of 30,000 digits is scanned once, not once per digit.
_NOT_FIGURES_RE = re.compile(
    r"(?:19|20)\d{2}\s*(?:年|[.\-/]\d{1,2})?|\d{1,2}\s*月(?:\d{1,2}\s*日)?|[〔\[(（【]\s*\d{4}\s*[〕\])）】]\s*\d*\s*号?"
    r"|(?<!\d)\d+\s*号|(?:目标|任务|第)\s*\d+|^\s*\d+\s*[、.．:：)）]|[;；。，,\n]\s*\d+\s*[、.．:：)）]"
)
_DIGIT_RE = re.compile(r"\d")
# "改善了", "完成了", "已完成": a report of what was done, not a goal. Asked only of a goal with 了 or 已
# in it, and compiled then (a CJK range: ~2 ms a fresh click need not pay).
_PAST_RE = lazy_pattern(r"(?<![为除])(?:[\u4e00-\u9fff]了(?![解结])|已经?(?:完成|实现|建成|达到|发放))")
# One optional 万 between two space runs, not two adjacent \s*: spaces are split between them in one way only.
_FIGURE_RE = lazy_pattern(  # only some goals are asked for their figures
    r"(?<!\d)(\d+(?:\.\d+)?)\s*(?:(万)\s*)?(人次|人|户|个|所|场|次|项|批次|批|门|村|座|辆|台|套|册|份|公里|米|平方米|亩|吨|元)")


def _figures_text(goal: str) -> str:
    return _NOT_FIGURES_RE.sub(" ", unicodedata.normalize("NFKC", goal))


def goal_has_figure(goal: str) -> bool:
    """A figure of the goal itself (not a year, a date, a document number or a list marker)."""
    return bool(_DIGIT_RE.search(_figures_text(goal)))


def _goal_problems(goal: str) -> tuple[str, ...]:
    problems: list[str] = []
    if not _DIGIT_RE.search(_figures_text(goal)):
        problems.append("没有一个可考核的数量（人数、个数、比率、完成时间）")
    past = _PAST_RE.search(goal) if "了" in goal or "已" in goal else None
    if past:
        problems.append(f"“{past.group(0)}”是已完成的说法，像上年工作的总结")
    return tuple(problems)


def _goal_figures(goal: str) -> tuple[tuple[str, float], ...]:
    """(figure as written, value in base units) of every figure with a unit in the goal."""
    found = []
    for match in _FIGURE_RE.finditer(unicodedata.normalize("NFKC", goal)):
        money = match.group(3) == "元"
        value = float(match.group(1)) * (10000 if match.group(2) and not money else 1)
        found.append((match.group(0), value))  # "6万元" stays 6 against indicators in 万元
    return tuple(found)


@rule(
    "JX705",
    Severity.WARNING,
    "年度绩效目标没有数量或写成了总结",
    why="年度目标写本年度要完成什么、达到什么程度（数量、质量、时间），不是口号，也不是上年工作的总结"
    "（“改善了”“已完成”）；没有一个数字的目标年底无法考核。",
    bad="年度绩效目标：打造品牌赛事，提升城市知名度和美誉度；完成绿化养护工作，改善了城市生态环境",
    good="年度绩效目标：2025年举办国际网球公开赛1场，参赛选手不少于200人，现场观众不少于1万人次",
)
def goal_is_measurable(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    goal = (project.annual_goal or "").strip()
    if len(goal) < 6:
        return  # empty goals are JX103's
    problems = remember(ctx, "goal_problems", goal, lambda: _goal_problems(goal))
    if problems:
        yield ctx.finding(
            f"年度绩效目标{'；'.join(problems)}：请写明本年度要完成的数量、质量、时间和要达到的效果"
            f"（如“完成…不少于100个，合格率不低于95%”）。",
            cell=project.cells.get("annual_goal", ""),
            field="annual_goal",
        )


def _base(value: float, unit: str) -> float:
    """A figure in base units: "6万人" and "60000人" compare equal; 万元 stays 万元."""
    return value * 10000 if unit.startswith("万") and unit != "万元" else value


@rule(
    "JX706",
    Severity.INFO,
    "年度目标中的数量没有对应指标",
    why="目标中写了的数量（服务人数、个数、长度），指标表里应有对应的指标，年底才能考核（88号：指标与目标相对应）。",
    bad="年度目标：培训280人次、开设课程220门；指标表中没有课程数指标",
    good="数量指标：开设课程数量 ≥ 220门",
)
def goal_figures_have_indicators(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    goal = project.annual_goal or ""
    figures = remember(ctx, "goal_figures", goal, lambda: _goal_figures(goal)) if _DIGIT_RE.search(goal) else ()
    if not figures:
        return
    have = {round(_base(i.value, i.unit), 6) for i in real(project, ctx) if i.value is not None}
    have |= {round(_base(total, unit), 6) for total, unit in spread_totals(project, ctx)}
    if not have:
        return
    missing = [written for written, value in figures if round(value, 6) not in have]
    if missing:
        shown = "、".join(f"“{m}”" for m in missing[:3])
        yield ctx.finding(
            f"年度目标中的{shown}在指标表中找不到对应的指标：是否漏填了相应的数量指标？"
            f"（{quote(goal, 30)}）",
            cell=project.cells.get("annual_goal", ""),
            field="annual_goal",
        )
