"""JX4xx cost indicators: an amount or a unit cost, in the sheet's unit, within the total."""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._common import (
    amount_in_wan,
    cost_money_unit,
    close,
    core_name,
    fmt_number,
    indicator_where,
    is_placeholder,
    norm,
    per_project,
    quote,
    real,
    role_of,
    word_in,
    words,
)


def _cost_rows(project: Project, ctx: RuleContext) -> tuple[Indicator, ...]:
    """The cost indicators with a target, once per project for the five cost rules."""
    return per_project(ctx, "cost_rows", project, lambda: tuple(
        ind for ind in real(project, ctx)
        if ind.target and not is_placeholder(ind.target, ctx) and role_of(ind, ctx) == "cost"
    ))


def _suggest(project: Project) -> str:
    if project.total is not None:
        return f"“≤{fmt_number(project.total)}万元”"
    return "“≤600万元”"


@rule(
    "JX401",
    Severity.ERROR,
    "成本指标不是金额",
    why="成本指标要写金额或单位成本（元、万元、元/人/月），“预算数”“序时进度”“合理使用”或定性描述无法考核成本。",
    bad="项目总成本 定性 预算数",
    good="项目总成本 ≤ 38.4万元；人均服装费 ≤ 1500元/人",
)
def cost_is_amount(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _cost_rows(project, ctx):
        if ind.value is not None:
            continue
        yield ctx.finding(
            f"成本指标{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}不是金额：请把计算符号改为“≤”，"
            f"目标值写金额，如{_suggest(project)}（按人、按月测算的可写单位成本，如“750元/人/月”）。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX402",
    Severity.WARNING,
    "成本指标的单位不是货币",
    why="成本指标衡量花多少钱；百分比、个数不是成本（增长率、节约率属于效益或质量指标）。",
    bad="年度维护成本增长率 < 10%",
    good="年度维护成本 ≤ 20万元",
)
def cost_unit_is_money(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _cost_rows(project, ctx):
        if ind.value is None or cost_money_unit(ind.unit, ctx) is not None:
            continue
        unit = f"“{ind.unit}”" if ind.unit else "没有单位"
        yield ctx.finding(
            f"成本指标{quote(ind.name, empty='（未填三级指标）')}的目标值{quote(ind.target)}"
            f"{'以' + unit + '计' if ind.unit else unit}，不是金额："
            f"请改为金额或单位成本（元、万元、元/人/月），如{_suggest(project)}。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX403",
    Severity.INFO,
    "成本金额单位与表头不一致",
    why="表头金额以万元计，成本金额也用万元便于与总额核对（单位成本如元/人/月不在此列）。",
    bad="项目总成本 ≤ 384000元（表头 38.4万元）",
    good="项目总成本 ≤ 38.4万元",
)
def cost_unit_matches_sheet(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    sheet_unit = norm(ctx.get("sheet_money_unit", "万元"))
    for ind in _cost_rows(project, ctx):
        found = cost_money_unit(ind.unit, ctx)
        if ind.value is None or found is None or found[2] or found[0] == sheet_unit:
            continue
        if word_in(ctx, "unit_cost_name_words", ind.name):
            continue  # a unit cost in 元 lacks its "per what" (JX407): "数值没错" would be wrong advice
        converted = ind.value * found[1]
        yield ctx.finding(
            f"成本指标{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}即{fmt_number(converted)}万元，数值没错，"
            f"但与表头单位不一致：建议写成“{fmt_number(converted)}万元”。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX404",
    Severity.ERROR,
    "成本金额超过项目总金额",
    why="项目的任何成本都不会超过项目总金额；超过说明单位写错（元/万元）或数字写错。",
    bad="项目总成本 ≤ 600万元（项目总金额 60万元）",
    good="项目总成本 ≤ 60万元",
)
def cost_within_total(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if project.total is None:
        return
    tolerance = float(ctx.get("funding_tolerance", 0.005))
    for ind in _cost_rows(project, ctx):
        amount = amount_in_wan(ind, ctx)
        if amount is None or amount <= project.total + tolerance:
            continue
        yield ctx.finding(
            f"成本指标{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}（{fmt_number(amount)}万元）超过项目总金额"
            f"{fmt_number(project.total)}万元：请核对数字和单位（元/万元）。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX405",
    Severity.WARNING,
    "项目总成本与总金额不一致",
    why="名为“项目总成本”的指标就是本项目的全部花费，应与项目总金额一致。",
    bad="项目总成本 = 500万元（项目总金额 600万元）",
    good="项目总成本 ≤ 600万元",
)
def total_cost_matches(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if project.total is None:
        return
    tolerance = float(ctx.get("funding_tolerance", 0.005))
    names = set(words(ctx, "total_cost_names"))
    for ind in _cost_rows(project, ctx):
        found = cost_money_unit(ind.unit, ctx)
        if core_name(ind.name) not in names or found is None or found[2]:
            continue
        amount = amount_in_wan(ind, ctx)
        if amount is None or close(amount, project.total, tolerance) or amount > project.total:
            continue  # above the total is JX404's error
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"为{fmt_number(amount)}万元，与项目总金额{fmt_number(project.total)}万元不一致："
            f"请核对；如只是部分成本，请把指标名称写具体（如“设备采购成本”）。",
            **indicator_where(ind, "target"),
        )
