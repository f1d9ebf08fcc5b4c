"""JX2xx operators and direction: the 计算符号 column read the way a reviewer reads it."""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import STANDARD_OPERATORS, Indicator, Project
from xltool.core.text import clean_text
from . import RuleContext, rule
from .forms import rows_with_extra
from ._targets import (
    DATE, GRADE, NUMBER, SENTENCE, classify, has_operator_column, smaller_is_better, stated_direction, wants_number,
)

_NOT_GRADED_ROLES = ("cost", "social_cost", "ecological_cost", "timeliness")
from ._common import (
    fmt_number,
    indicator_where,
    is_percent_unit,
    is_quantitative,
    is_rate_name,
    norm,
    quote,
    real,
    role_of,
    word_in,
)

def _operator_where(ind: Indicator) -> dict[str, str]:
    return indicator_where(ind, "operator" if "operator" in ind.cells else "target")


@rule(
    "JX201",
    Severity.WARNING,
    "计算符号写法不规范",
    why="计算符号只用 =、≥、≤、>、<、定性；“>=”“≧”等写法在汇总和系统导入时不被识别。",
    bad="计算符号：>=",
    good="计算符号：≥",
)
def nonstandard_operator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        raw = clean_text(ind.operator_raw)
        if raw and ind.operator in STANDARD_OPERATORS and raw != ind.operator:
            yield ctx.finding(
                f"计算符号“{raw}”不是标准写法：请改为“{ind.operator}”。",
                **_operator_where(ind),
            )


@rule(
    "JX202",
    Severity.WARNING,
    "缺少计算符号",
    why="没有计算符号，就看不出目标值是下限、上限还是定性描述。",
    bad="三级指标“培训人次”，计算符号空，目标值 100人次",
    good="培训人次 ≥ 100人次",
)
def missing_operator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not has_operator_column(project, ctx):
        return  # a form without the column: asking each row to fill one is no advice at all
    for ind in real(project, ctx):
        if not ind.target or ind.operator_raw:
            continue
        kind = classify(ind, ctx).kind
        if kind == NUMBER:
            choice = "“≤”或“<”" if smaller_is_better(ind, ctx) else "“≥”或“=”"
            hint = f"定量指标请填写{choice}"
        elif kind == DATE:
            hint = "期限请填写“≤”（不晚于）"
        elif kind in (GRADE, SENTENCE) and not (wants_number(ind, ctx) or role_of(ind, ctx) in _NOT_GRADED_ROLES):
            hint = "定性指标请填写“定性”"
        else:
            continue  # a unit alone, or text where a number, an amount or a time belongs: JX308/JX401/JX906 ask first
        yield ctx.finding(
            f"三级指标{quote(ind.name, empty='（未填三级指标）')}（目标值{quote(ind.target)}）没有计算符号：{hint}。",
            **_operator_where(ind),
        )


@rule(
    "JX203",
    Severity.ERROR,
    "无法识别的计算符号",
    why="计算符号只能是 =、≥、≤、>、<、定性 之一，其他写法无法考核。",
    bad="计算符号：约",
    good="计算符号：≤",
)
def unknown_operator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in project.indicators:
        raw = clean_text(ind.operator_raw)
        if raw and ind.operator not in STANDARD_OPERATORS:
            yield ctx.finding(
                f"计算符号{quote(raw)}无法识别：请改为 =、≥、≤、>、< 或“定性”之一。",
                **_operator_where(ind),
            )


@rule(
    "JX204",
    Severity.WARNING,
    "计算符号方向可能反了",
    why="数量、比率一般用 ≥ 或 =；成本、时长、事故或投诉次数一般用 ≤ 或 <。",
    bad="车位数 ≤ 135个；系统故障响应时间 ≥ 1小时",
    good="车位数 = 135个；系统故障响应时间 ≤ 1小时",
)
def operator_direction(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_quantitative(ind) or ind.value is None:
            continue
        smaller = smaller_is_better(ind, ctx)
        if ind.operator in ("≥", ">") and smaller:
            yield ctx.finding(
                f"{quote(ind.name)}越小越好（成本、时长或事故类），却用了“{ind.operator}”：请改为“≤”或“<”，"
                f"即“≤{fmt_number(ind.value)}{ind.unit}”表示不超过该值。",
                **_operator_where(ind),
            )
        elif ind.operator in ("≤", "<") and not smaller:
            if role_of(ind, ctx) in _NOT_GRADED_ROLES[:3]:
                continue  # a ceiling on a cost row ("成本控制率 ≤ 100%") is the cost convention
            if role_of(ind, ctx) == "quantity":
                kind = "数量指标"
            elif is_rate_name(ind.name, ctx) and is_percent_unit(ind.unit, ctx):
                kind = "比率指标"
            else:
                continue
            yield ctx.finding(
                f"{quote(ind.name, empty='（未填三级指标）')}"
                f"是{kind}，一般越多越好，却用了“{ind.operator}”（{quote(ind.target)}成了上限）："
                f"请改为“≥”或“=”；确为上限的，请在指标名称中写明（如“…不超过”）。",
                **_operator_where(ind),
            )


@rule(
    "JX205",
    Severity.WARNING,
    "比率目标超过或“≥”100%",
    why="比率最多100%，“≥100%”等于“=100%”，“>100%”或“120%”不可能达到（增长率除外）。",
    bad="档案查询执行率 ≥ 100%",
    good="档案查询执行率 = 100%（或 ≥ 95%）",
)
def over_hundred(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_quantitative(ind) or ind.value is None:
            continue
        if not is_percent_unit(ind.unit, ctx) or norm(ind.unit).startswith("‰"):
            continue
        if word_in(ctx, "over_hundred_ok", ind.name):
            continue
        if ind.value > 100 and smaller_is_better(ind, ctx) and ind.operator in ("≤", "<"):
            continue  # a ceiling above 100% is harmless; the direction is JX204's
        if ind.value > 100:
            yield ctx.finding(
                f"{quote(ind.name)}的目标值{quote(ind.target)}超过100%，比率不可能达到：请改为不超过100%的值。",
                **indicator_where(ind, "target"),
            )
        elif ind.value == 100 and ind.operator in ("≥", ">") and not smaller_is_better(ind, ctx):
            better = "“=100%”" if ind.operator == "≥" else "“=100%”或“≥95%”之类可达到的值"
            yield ctx.finding(
                f"{quote(ind.name)}“{ind.operator}100%”没有意义（比率最多100%）：请改为{better}。",
                **_operator_where(ind),
            )


@rule(
    "JX206",
    Severity.WARNING,
    "比率用“=”且低于100%",
    why="“=95%”要求恰好等于95%，多了少了都算没完成；比率目标应写下限（≥）或上限（≤）。",
    bad="水电费全额缴费及时率 = 95%",
    good="水电费全额缴费及时率 ≥ 95%",
)
def equals_on_rate(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if ind.operator != "=" or ind.value is None:
            continue
        if is_percent_unit(ind.unit, ctx) and ind.value < 100:
            better = "≤" if smaller_is_better(ind, ctx) else "≥"
            yield ctx.finding(
                f"{quote(ind.name)}“={fmt_number(ind.value)}{ind.unit}”要求恰好等于该值，很可能不是本意："
                f"请改为“{better}{fmt_number(ind.value)}{ind.unit}”。",
                **_operator_where(ind),
            )


@rule(
    "JX207",
    Severity.INFO,
    "满意度目标低于90%",
    why="审核习惯上满意度目标不低于90%（习惯做法，非硬性规定）。",
    bad="服务对象满意度 ≥ 80%",
    good="服务对象满意度 ≥ 90%",
)
def satisfaction_level(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    minimum = float(ctx.get("satisfaction_min_percent", 90))
    for ind in real(project, ctx):
        if role_of(ind, ctx) != "satisfaction" or "满意" not in norm(ind.name):
            continue
        if ind.value is None or not is_percent_unit(ind.unit, ctx) or ind.operator in ("≤", "<"):
            continue
        if ind.value < minimum:
            yield ctx.finding(
                f"{quote(ind.name)}目标{quote(ind.target)}低于习惯上的{fmt_number(minimum)}%："
                f"如无特殊原因，建议定为“≥{fmt_number(minimum)}%”。",
                **indicator_where(ind, "target"),
            )


@rule(
    "JX208",
    Severity.WARNING,
    "指标方向与计算符号不一致",
    why="正向指标（越大越好）用 ≥ 或 >，反向指标（越小越好）用 ≤ 或 <；两栏不一致时，考核按哪一栏都说不通。",
    bad="指标方向：反向指标；计算符号 ≥；目标值 5%",
    good="指标方向：反向指标；计算符号 ≤；目标值 5%",
)
def direction_matches_operator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in rows_with_extra(project, ctx):  # no 指标方向 column, no rows
        stated = stated_direction(ind, ctx)
        if stated == "up" and ind.operator in ("≤", "<"):
            fix = "请把计算符号改为“≥”，或把指标方向改为反向"
        elif stated == "down" and ind.operator in ("≥", ">"):
            fix = "请把计算符号改为“≤”，或把指标方向改为正向"
        else:
            continue
        label = "正向" if stated == "up" else "反向"
        yield ctx.finding(
            f"{quote(ind.name)}标为{label}指标，计算符号却是“{ind.operator}”：{fix}。",
            **indicator_where(ind, "operator" if "operator" in ind.cells else "target"),
        )
