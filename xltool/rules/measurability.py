"""JX3xx measurability: can a reviewer tell at year end whether the target was met?"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._common import (
    first_contained,
    fmt_number,
    indicator_where,
    is_percent_unit,
    is_placeholder,
    is_qualitative,
    is_quantitative,
    is_rate_name,
    norm,
    quote,
    real,
    role_of,
    word_in,
    words,
)

_TRAILING_PUNCT = "。．.，,;；!！"


def _phrase(text: str) -> str:
    """A 定性 target as compared with the word lists (no spaces, no final full stop).

    ``rstrip``, not an unanchored ``[…]+$``: that regex retries from every position of a
    long run of dots and costs quadratic time on one pasted cell.
    """
    return norm(text).rstrip(_TRAILING_PUNCT)


def _qualitative_rows(project: Project, ctx: RuleContext) -> Iterator[Indicator]:
    """Real 定性 rows with a non-numeric target, cost rows excluded (JX401 covers those)."""
    for ind in real(project, ctx):
        if not is_qualitative(ind) or not ind.target or ind.value is not None:
            continue
        if is_placeholder(ind.target, ctx) or role_of(ind, ctx) == "cost":
            continue
        yield ind


def _not_judgeable(ind: Indicator, ctx: RuleContext) -> bool:
    return _phrase(ind.target) in words(ctx, "qualitative_not_judgeable")


def _vague(ind: Indicator, ctx: RuleContext) -> str | None:
    phrase = _phrase(ind.target)
    vague = words(ctx, "qualitative_vague")
    if phrase in vague:
        return phrase
    if word_in(ctx, "qualitative_judgeable_markers", phrase):
        return None
    long_vague = [w for w in vague if len(w) >= 4]
    return first_contained(phrase, long_vague)


def _graded(ind: Indicator, ctx: RuleContext) -> bool:
    phrase = _phrase(ind.target)
    return phrase in words(ctx, "qualitative_graded") or bool(word_in(ctx, "qualitative_judgeable_markers", phrase))


_GRADES_HINT = "“达到预期目标/部分达到预期目标/未达到预期目标”或“好/较好/一般/较差/差”"


@rule(
    "JX301",
    Severity.ERROR,
    "定量指标的目标值不是数值",
    why="计算符号为 =、≥、≤、>、< 时，目标值必须是数值加单位，否则无法比较。",
    bad="档案查询率 ≥ 较高",
    good="档案查询率 ≥ 95%，或：计算符号“定性”，目标值“较高”",
)
def quantitative_needs_number(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_quantitative(ind) or not ind.target or ind.value is not None:
            continue
        if is_placeholder(ind.target, ctx):
            continue
        yield ctx.finding(
            f"计算符号为“{ind.operator}”，目标值{quote(ind.target)}却不是数值：请写成数值+单位（如“95%”“12个”），"
            f"确属定性描述的，把计算符号改为“定性”。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX302",
    Severity.WARNING,
    "定量目标值缺少单位",
    why="没有单位的数字（3 是 3 间、3 次还是 3%？）无法考核。",
    bad="档案库房租赁数 = 3",
    good="档案库房租赁数 = 3间",
)
def number_needs_unit(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_quantitative(ind) or ind.value is None or ind.unit:
            continue
        example = f"{fmt_number(ind.value)}%" if is_rate_name(ind.name, ctx) else f"{fmt_number(ind.value)}个/次/间"
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}没有单位：请补上计量单位，如“{example}”。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX303",
    Severity.WARNING,
    "比率指标的单位不是%",
    why="“…率”“…度”衡量的是比例，目标值应以%表示；用天、次计量说明指标名称或目标值写错了。",
    bad="电梯、消防、维保（护）及时率 ≤ 3天",
    good="维保及时率 ≥ 95%，或：维保响应时间 ≤ 3天",
)
def rate_in_percent(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_quantitative(ind) or ind.value is None or not ind.unit:
            continue
        if not is_rate_name(ind.name, ctx) or is_percent_unit(ind.unit, ctx):
            continue
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"是比率，目标值{quote(ind.target)}却以“{ind.unit}”计：请改为百分比（如“≥95%”），"
            f"或把指标名称改为与“{ind.unit}”相符的说法（如“…时间”“…次数”）。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX304",
    Severity.WARNING,
    "数值目标标成了定性",
    why="目标值是数值加单位（“5年”“1个平台”“12月”）就是定量指标，标“定性”会让考核无从比较。",
    bad="系统正常使用年限 定性 5年",
    good="系统正常使用年限 ≥ 5年",
)
def disguised_number(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not is_qualitative(ind) or ind.value is None:
            continue
        if role_of(ind, ctx) == "cost":
            continue  # JX401 reports cost rows
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}是数值，却标为“定性”：请把计算符号改为“≥”“≤”或“=”，"
            f"目标值只写一个数值加单位。",
            **indicator_where(ind, "operator" if "operator" in ind.cells else "target"),
        )


@rule(
    "JX305",
    Severity.WARNING,
    "定性目标无法判断是否达成",
    why="定性目标要能评判达到与否（如达到预期目标/部分达到/未达到，好/较好/一般/较差/差）；"
    "“及时”“按需提供”“正常使用”“合规”说的是做法，不是目标。",
    bad="经费支出时效性 定性 及时；提供法律事务次数 定性 按需提供",
    good="项目按期完成率 ≥ 95%；提供法律事务次数 ≥ 20次",
)
def qualitative_not_judgeable(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _qualitative_rows(project, ctx):
        if not _not_judgeable(ind, ctx):
            continue
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}无法评判是否达成：能量化的请改为定量目标"
            f"（如“≥95%”“≥20次”），否则写成分级表述，如{_GRADES_HINT}。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX306",
    Severity.WARNING,
    "定性目标含糊",
    why="“持续提高”“有所提升”没有衡量标准，年底无法判断是否完成。",
    bad="网上政务服务能力 定性 持续提高",
    good="网上可办事项比例 ≥ 90%，或：网上政务服务能力 定性 较高",
)
def qualitative_vague(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _qualitative_rows(project, ctx):
        if _not_judgeable(ind, ctx):
            continue
        phrase = _vague(ind, ctx)
        if phrase is None:
            continue
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}含糊（“{phrase}”没有衡量标准）：请改为可量化的目标，"
            f"或分级表述，如{_GRADES_HINT}。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX307",
    Severity.INFO,
    "定性目标不是分级表述",
    why="定性指标通常按等级评判（达到预期目标/部分达到/未达到，好/较好/一般/较差/差，高/较高/一般/较低/低）。",
    bad="改善停车秩序 定性 停车更有序",
    good="改善停车秩序 定性 较好",
)
def qualitative_graded(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in _qualitative_rows(project, ctx):
        if _not_judgeable(ind, ctx) or _vague(ind, ctx) is not None or _graded(ind, ctx):
            continue
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的定性目标值{quote(ind.target)}不是分级表述：建议写成{_GRADES_HINT}中的一档。",
            **indicator_where(ind, "target"),
        )
