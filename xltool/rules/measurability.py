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
from ._targets import DATE, GRADE, NUMBER, SENTENCE, UNIT_ONLY, classify, wants_number
from ._rowfacts import picked, row_check
from .forms import is_not_applicable
from .readings import name_unit

_TRAILING_PUNCT = "。．.，,;；!！"


def _phrase(text: str) -> str:
    """A 定性 target as compared with the word lists (no spaces, no final full stop).

    ``rstrip``, not an unanchored ``[…]+$``: that regex retries from every position of a
    long run of dots and costs quadratic time on one pasted cell.
    """
    return norm(text).rstrip(_TRAILING_PUNCT)


def _qualitative_rows(project: Project, ctx: RuleContext, *, all_text: bool = False) -> tuple[Indicator, ...]:
    """See :func:`_qualitative_row`: the rows picked once per typed row."""
    return picked(project, ctx, "qualitative-all" if all_text else "qualitative")


@row_check("qualitative-all")
def _qualitative_any(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return _qualitative_row(ind, ctx, all_text=True)


@row_check("qualitative")
def _qualitative_graded_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return _qualitative_row(ind, ctx, all_text=False)


def _qualitative_row(ind: Indicator, ctx: RuleContext, *, all_text: bool) -> bool:
    """Real 定性 rows whose target is a grade word or a sentence.

    Cost rows are JX401's, 时效 rows JX906's (a time is asked for, not a grade), a unit
    alone is JX308's; with ``all_text`` False, rows whose name asks for a number
    (…数量, …期限, 数量指标) are left to JX308 too, so no cell is told both "write a
    number" and "write a grade".
    """
    if not is_qualitative(ind) or not ind.target or ind.value is not None:
        return False
    role = role_of(ind, ctx)
    if is_placeholder(ind.target, ctx) or role == "cost" or (role == "timeliness" and not all_text):
        return False
    if classify(ind, ctx).kind not in (GRADE, SENTENCE):
        return False
    return all_text or not wants_number(ind, ctx)


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
    if classify(ind, ctx).kind == GRADE:
        return True  # the one classification: "优良" is a grade for every rule, not for some
    phrase = _phrase(ind.target)
    return phrase in words(ctx, "qualitative_graded") or bool(word_in(ctx, "qualitative_judgeable_markers", phrase))


def _numeric_row(ind: Indicator, ctx: RuleContext) -> bool:
    """A row whose target is a number, with an operator or none (not one marked 定性: JX304's)."""
    if ind.value is None or classify(ind, ctx).kind != NUMBER:
        return False
    return is_quantitative(ind) or not ind.operator


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
    said = {id(i) for i in picked(project, ctx, "JX308")}  # a unit alone or a sentence: JX308 says it, once
    for ind in real(project, ctx):
        if not is_quantitative(ind) or not ind.target or ind.value is not None or id(ind) in said:
            continue
        if is_placeholder(ind.target, ctx) or classify(ind, ctx).kind in (DATE, UNIT_ONLY):
            continue
        role = role_of(ind, ctx)
        if role == "cost":
            continue  # JX401 asks for the amount
        if role == "timeliness":
            fix = f"请写完成时限（如“{project.year or 'YYYY'}年12月底前”）或按期完成率（如“95%”）"
        else:
            fix = "请写成数值+单位（如“95%”“12个”），确属定性描述的，把计算符号改为“定性”"
        yield ctx.finding(
            f"计算符号为“{ind.operator}”，目标值{quote(ind.target)}却不是数值：{fix}。",
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
        if ind.unit or not _numeric_row(ind, ctx) or name_unit(ind, ctx):
            continue  # "开展修复工程(个) 1": the unit is in the name
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
        if ind.value is None or not ind.unit:
            continue
        if not is_rate_name(ind.name, ctx) or is_percent_unit(ind.unit, ctx) or not _numeric_row(ind, ctx):
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
    for ind in _qualitative_rows(project, ctx, all_text=True):
        if not _not_judgeable(ind, ctx):
            continue
        if role_of(ind, ctx) == "timeliness":  # a 时效 row wants a time, never a grade (JX906 stays quiet)
            fix = f"请改为完成时限（如“{project.year or 'YYYY'}年12月底前”）或按期完成率（如“≥95%”）"
        else:
            fix = f"能量化的请改为定量目标（如“≥95%”“≥20次”），否则写成分级表述，如{_GRADES_HINT}"
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"的目标值{quote(ind.target)}无法评判是否达成：{fix}。",
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


@row_check("JX308")
def _number_missing_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    if not ind.target or role_of(ind, ctx) == "cost" or is_placeholder(ind.target, ctx):
        return False  # cost rows are JX401's
    kind = classify(ind, ctx).kind
    if kind == UNIT_ONLY:
        return True
    return kind == SENTENCE and wants_number(ind, ctx) and not _not_judgeable(ind, ctx) \
        and role_of(ind, ctx) != "timeliness"


@rule(
    "JX308",
    Severity.ERROR,
    "目标值只有单位或是一段文字",
    why="定量指标的目标值是数值加单位；只写单位（“公里”）无从考核，是错误；指标名称要的是数量"
    "（…数量、…期限、数量指标），目标值却是一段文字的，也要改成数值。",
    bad="村内道路硬化里程：公里；宣传教育（数量指标）：覆盖全区所有人员",
    good="村内道路硬化里程 ≥ 100公里；宣传教育覆盖人数 ≥ 5万人",
)
def number_missing(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX308"):
        kind = classify(ind, ctx).kind
        name = quote(ind.name, empty="（未填三级指标）")
        if kind == UNIT_ONLY:
            yield ctx.finding(
                f"{name}的目标值{quote(ind.target)}只有单位，没有数值：请写成数值加单位，如“100{ind.target}”。",
                **indicator_where(ind, "target"),
            )
        else:
            yield ctx.finding(
                f"{name}要的是数量，目标值{quote(ind.target)}却是一段文字：请写成数值加单位"
                f"（如“≥100人”“≥3年”“≥95%”），文字说明放到指标解释中。",
                severity=Severity.WARNING,
                **indicator_where(ind, "target"),
            )


@row_check("JX309-counted")
def _counted_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    """A row that counts in the share of 定性: not cost, not a "不适用" row (JX111's)."""
    return role_of(ind, ctx) != "cost" and not is_not_applicable(ind, ctx)


@row_check("JX309-qualitative")
def _counted_qualitative(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return _counted_row(ind, ctx, about) and classify(ind, ctx).kind in (GRADE, SENTENCE)


@rule(
    "JX309",
    Severity.INFO,
    "定性指标偏多",
    why="指标应尽量量化，不能量化的才用定性的分级表述；定性指标占多数时，年底难以考核。",
    bad="12个指标中7个是“明显增强”“良好”之类的定性描述",
    good="能量化的写成数值（人数、比率、时间），定性指标只留少数",
)
def qualitative_share(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    rows = picked(project, ctx, "JX309-counted")
    if len(rows) < int(ctx.get("qualitative_share_min_rows", 6)):
        return
    qualitative = picked(project, ctx, "JX309-qualitative")
    share = len(qualitative) / len(rows)
    if share > float(ctx.get("qualitative_share_max", 0.4)):
        yield ctx.finding(
            f"{len(rows)}个指标中{len(qualitative)}个是定性描述（{share:.0%}）：其中能量化的（人数、比率、完成时间）"
            f"是否可以写成数值？",
            cell="", field="indicator",
        )
