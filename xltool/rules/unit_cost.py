"""JX406–JX408: unit costs — present, written per something, and agreeing with the funds.

A cost that only restates the total says nothing a reviewer can check; a unit cost
(元/平方米, 元/人) times the quantity it prices should come back to the funds
(88号: 与预算确定的资金量相匹配). Whether a cost is a unit cost is read from its unit
("/" after the money unit) and, for names like "补助标准", from data/rules.toml.
"""

from __future__ import annotations

import re
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._common import cost_money_unit, fmt_number, indicator_where, money_unit, norm, quote, real, role_of, word_in
from ._rowfacts import picked, row_check
from ._targets import NUMBER, classify

_UNIT_PRICE_RE = lazy_pattern(  # asked only of an overview that writes 元
    r"每[^，,。；;]{0,10}?\d+(?:\.\d+)?\s*(?:万)?元|\d+(?:\.\d+)?\s*(?:万)?元\s*/")


@row_check("cost-number")
def _cost_number(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return role_of(ind, ctx) == "cost" and ind.value is not None


def _cost_rows(project: Project, ctx: RuleContext) -> tuple[Indicator, ...]:
    return picked(project, ctx, "cost-number")


def is_unit_cost_name(ind: Indicator, ctx: RuleContext) -> bool:
    return word_in(ctx, "unit_cost_name_words", ind.name) is not None


def _loose_amount(ind: Indicator, ctx: RuleContext) -> float | None:
    """A total-like amount in 万元 ("38.4万元", "384000元", also "250万"); None for unit costs."""
    found = cost_money_unit(ind.unit, ctx)
    if found is None or found[2] or ind.value is None:
        return None
    return ind.value * found[1]


@rule(
    "JX406",
    Severity.INFO,
    "成本只写了总额，没有单位成本",
    why="成本指标除总成本外，应有单位成本（单位造价、人均成本等），才能核对数量×单价与资金是否相符；"
    "只写一个与项目总额相同的数，等于没有成本目标。",
    bad="成本指标：项目总成本 ≤ 1000万元（项目总额1000万元），没有单位成本",
    good="成本指标：项目总成本 ≤ 1000万元；每场赛事成本 ≤ 200万元/场",
)
def unit_cost_present(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    rows = _cost_rows(project, ctx)
    if project.total is None or not rows or any((money_unit(i.unit, ctx) or ("", 0, False))[2] for i in rows):
        return  # no amount to compare, or a unit cost is there
    for ind in rows:
        amount = _loose_amount(ind, ctx)
        if amount is not None and abs(amount - project.total) <= max(0.01 * project.total, 0.005):
            if "元" in (overview := project.overview or "") and _UNIT_PRICE_RE.search(overview):
                return  # the 概况 gives the unit price
            yield ctx.finding(
                f"成本指标{quote(ind.name)}只重复了项目总额{fmt_number(project.total)}万元，没有单位成本："
                f"能否补充单位成本（如“元/平方米”“元/人”“万元/场”），便于核对数量×单价？",
                **indicator_where(ind, "target"),
            )
            return


@rule(
    "JX407",
    Severity.WARNING,
    "单位成本没有写“每什么”",
    why="“补贴标准”“人均费用”这类单位成本，单位要写成“元/平方米”“元/人”；只写“元”看不出是按什么计的，"
    "也无法与数量核对。",
    bad="补贴标准 ≤ 71.86元",
    good="补贴标准 ≤ 71.86元/平方米",
)
def unit_cost_per_what(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _cost_rows(project, ctx):
        found = money_unit(ind.unit, ctx)
        if found is None or found[2] or not is_unit_cost_name(ind, ctx):
            continue
        yield ctx.finding(
            f"{quote(ind.name)}是单位成本，目标值{quote(ind.target)}却只写了“{ind.unit}”：请写明按什么计，"
            f"如“{fmt_number(ind.value)}{ind.unit}/平方米”“{fmt_number(ind.value)}{ind.unit}/人”。",
            **indicator_where(ind, "target"),
        )


def _denominator(unit: str, ctx: RuleContext) -> str | None:
    """What a unit cost is per ("元/平方米" → "平方米", "元/生/年" → "人"); None when per month/day."""
    parts = [p for p in norm(unit).split("/")[1:] if p]
    if not parts or any(p in ("月", "日", "天", "次月", "周") for p in parts[1:]):
        return None  # per month or per day needs a number of months we do not have
    synonyms = {norm(k): norm(v) for k, v in (ctx.get("unit_synonyms", {}) or {}).items()}
    return synonyms.get(parts[0], parts[0])


_LEADING_UNIT_RE = re.compile(r"^[^\d(（\[【/、,，;；]+")


def _leading_unit(unit: str) -> str:
    """"人(件/套）" → "人": the unit before a bracketed note or an alternative."""
    match = _LEADING_UNIT_RE.match(norm(unit))
    return match.group(0) if match else ""


def _quantity_for(unit: str, project: Project, ctx: RuleContext) -> Indicator | None:
    """The indicator that counts what a unit cost prices: a 数量 row first, else the largest."""
    synonyms = {norm(k): norm(v) for k, v in (ctx.get("unit_synonyms", {}) or {}).items()}
    rows = [
        i for i in real(project, ctx)
        if role_of(i, ctx) != "cost" and i.value is not None and classify(i, ctx).kind == NUMBER
        and synonyms.get(_leading_unit(i.unit), _leading_unit(i.unit)) == unit
    ]
    quantity = [i for i in rows if role_of(i, ctx) == "quantity"]
    pool = quantity or rows
    return max(pool, key=lambda i: i.value or 0) if pool else None


@rule(
    "JX408",
    Severity.WARNING,
    "数量×单位成本与资金不符",
    why="成本要与计划的任务量和资金量相匹配（财预〔2015〕88号“相应匹配”）：按指标算出的数量×单位成本"
    "与项目总额相差较大，说明数量、单位成本或总额有一处写错，或漏了其他成本。",
    bad="入股合作社个数 = 10个；补助合作社平均标准 = 23万元/个；项目总额214.06万元（10×23＝230万元）",
    good="入股合作社个数 = 10个；补助合作社平均标准 ≤ 21.4万元/个；项目总额214.06万元",
)
def quantity_times_unit_cost(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not project.total:
        return
    costs = [i for i in _cost_rows(project, ctx) if (money_unit(i.unit, ctx) or ("", 0, False))[2]]
    if not costs:
        return
    parts: list[str] = []
    amount = 0.0
    for ind in costs:
        per = _denominator(ind.unit, ctx)
        if per is None:
            return
        quantity = _quantity_for(per, project, ctx)
        if quantity is None:
            yield ctx.finding(
                f"单位成本{quote(ind.name)}（{quote(ind.target)}）按“{per}”计，指标中却没有以“{per}”计的数量："
                f"请补充数量指标，以便核对数量×单位成本与资金是否相符。",
                severity=Severity.INFO,
                **indicator_where(ind, "target"),
            )
            return
        found = money_unit(ind.unit, ctx)
        assert found is not None
        amount += quantity.value * ind.value * found[1]
        parts.append(f"{fmt_number(quantity.value)}{quantity.unit}×{fmt_number(ind.value)}{ind.unit}")
    tolerance = float(ctx.get("unit_cost_tolerance", 0.05))
    gap = (amount - project.total) / project.total
    only_unit_costs = len(costs) == len(_cost_rows(project, ctx))
    if gap > tolerance or (gap < -tolerance and only_unit_costs):
        yield ctx.finding(
            f"按指标测算：{'＋'.join(parts)}＝{fmt_number(round(amount, 2))}万元，与项目总额{fmt_number(project.total)}万元"
            f"相差{abs(gap):.0%}：数量、单位成本或总额是否有误（或还有其他成本、其他资金来源）？",
            **indicator_where(costs[0], "target"),
        )
