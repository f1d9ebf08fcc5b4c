"""JX5xx classification: an indicator under the 二级 it belongs to."""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from .forms import is_not_applicable
from .readings import shifted_levels, under_foreign_level1
from ._common import (
    indicator_where, names_with_role, norm, per_profile, profile_role, quote, real, role_of, word_in,
)

_PROCESS_HINTS: dict[str, str] = {
    "quality": "如“验收合格率 ≥ 95%”",
    "timeliness": "如“项目按期完成率 ≥ 95%”或“完成时间 ≤ {year}.12”",
    "quantity": "如“完成项目数 ≥ 10个”",
}


def _money_process(ind: Indicator, ctx: RuleContext) -> bool:
    """A name pairing a money word with a handling word ("补贴发放合规率", "预算资金当年下达率")."""
    if role_of(ind, ctx) in ("cost", "social_cost", "ecological_cost"):
        return False
    return bool(word_in(ctx, "process_money_words", ind.name) and word_in(ctx, "process_action_words", ind.name))


@rule(
    "JX501",
    Severity.WARNING,
    "过程性指标当作产出或效果",
    why="经费支出合规性、时效性、资金到位率、预算执行率反映资金管理过程，不是项目的产出或效果。",
    bad="产出质量指标：经费支出合规性 定性 严格执行相关财经法规、制度",
    good="产出质量指标：印刷物合格率 ≥ 95%",
)
def process_indicator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not (word_in(ctx, "process_indicators", ind.name) or _money_process(ind, ctx)):
            continue
        if under_foreign_level1(ind, ctx, project):
            continue  # another indicator system's 过程管理 group holds process indicators by design
        hint = _PROCESS_HINTS.get(role_of(ind, ctx) or "", "").format(year=project.year or 2022)
        yield ctx.finding(
            f"{quote(ind.name)}是过程性指标（反映资金管理，不是本项目的产出或效果）：请换成衡量本项目"
            f"{ind.level2 or '产出'}的指标{('，' + hint) if hint else ''}。",
            **indicator_where(ind, "name"),
        )


@rule(
    "JX502",
    Severity.WARNING,
    "满意度写在满意度指标以外",
    why="满意度应填在满意度指标下；写在社会效益等处既重复又使效益指标失真。",
    bad="社会效益指标：加强窗口监督管理，促进服务效能带来的社会满意度 ≥ 90%",
    good="社会效益指标：窗口办件差错率 ≤ 1%；满意度指标：服务对象满意度 ≥ 95%",
)
def satisfaction_elsewhere(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    target = names_with_role(ctx, "satisfaction")
    if not target:
        return
    for ind in real(project, ctx):
        if "满意" not in norm(ind.name):
            continue
        if role_of(ind, ctx) == "satisfaction":
            continue
        if not ind.level2.strip():
            continue  # a row with no 二级 is JX109's (fill in the levels): one diagnosis per cell
        yield ctx.finding(
            f"{quote(ind.name)}衡量的是满意度，却写在{quote(ind.level2)}"
            f"下：请移到“{target[0]}”"
            f"{f'，并在“{ind.level2}”下改填衡量该类效果的指标' if ind.level2 else ''}。",
            **indicator_where(ind, "name"),
        )


@rule(
    "JX503",
    Severity.WARNING,
    "满意度指标下混有非满意度指标",
    why="满意度指标下只放满意度；其他指标放到相应的效益指标下。",
    bad="满意度指标：服务对象满意度 ≥ 90%；对保障机关正常运转的持续影响程度 定性 较高",
    good="满意度指标：服务对象满意度 ≥ 90%（持续影响移到可持续影响指标）",
)
def non_satisfaction_under_satisfaction(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    rows = [i for i in real(project, ctx) if role_of(i, ctx) == "satisfaction"]
    if not any("满意" in norm(i.name) for i in rows):
        return  # JX102 reports the missing satisfaction indicator
    for ind in rows:
        if "满意" in norm(ind.name):
            continue
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}不是满意度，却写在“{ind.level2}”下：请移到相应的效益指标下。",
            **indicator_where(ind, "name"),
        )


@rule(
    "JX504",
    Severity.WARNING,
    "生态效益指标与生态无关",
    why="生态效益指标衡量对环境、资源、能耗的影响；使用年限、节约时间、办理时限压缩不是生态效益。",
    bad="生态效益指标：系统正常使用年限 定性 5年；服务事项办理时限压缩度 ≥ 10%",
    good="生态效益指标：纸质材料减少率 ≥ 30%（无生态效益的项目此行留空）",
)
def ecological_is_ecological(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if role_of(ind, ctx) != "ecological" or is_not_applicable(ind, ctx):
            continue  # a "不适用" row is JX111's
        if word_in(ctx, "ecological_words", ind.name) and not word_in(ctx, "not_ecological_phrases", ind.name):
            continue
        about = word_in(ctx, "not_ecological_words", ind.name)
        reason = f"（“{about}”属于时效、可持续影响或社会效益）" if about else ""
        yield ctx.finding(
            f"{quote(ind.name, empty='（未填三级指标）')}"
            f"与生态环境无关{reason}：请移到合适的二级指标下；项目没有生态效益的，此行留空即可。",
            **indicator_where(ind, "name"),
        )


def _level1_keys(ctx: RuleContext) -> frozenset[str]:
    """The profile's 一级 names as rules compare them (memoised per profile)."""
    return per_profile(ctx, "level1_keys", lambda: frozenset(norm(n) for n in ctx.profile.level1_names()))


@rule(
    "JX505",
    Severity.WARNING,
    "一级或二级指标名称不在指标体系中",
    why="一级、二级指标名称须与所用指标体系一致，否则汇总时无法归类。",
    bad="二级指标：服务效益指标",
    good="二级指标：社会效益指标",
)
def level_names_known(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if shifted_levels(project, ctx):
        return  # another indicator system, read as such (readings.shifted_levels)
    level1_names = _level1_keys(ctx)
    seen: set[tuple[str, str]] = set()
    placed: set[str] | None = None  # 一级 names over a 二级 we can place, worked out when first needed
    for ind in project.indicators:
        if ind.is_blank and not ind.level2:
            continue
        if ind.level1 and norm(ind.level1) not in level1_names and ("1", ind.level1) not in seen:
            seen.add(("1", ind.level1))
            if placed is None:
                placed = {i.level1 for i in project.indicators if i.level2 and role_of(i, ctx)}
            # another region's 一级 wording over 二级 we can place
            plain = ind.level1 in placed or word_in(ctx, "level1_words", ind.level1)
            if not plain:
                choices = "、".join(ctx.profile.level1_names())
                yield ctx.finding(
                    f"一级指标{quote(ind.level1)}不在“{ctx.profile.label}”指标体系中：应为{choices}之一。",
                    cell=ind.cells.get("level1") or ind.cell,
                    field="indicator",
                    level2=ind.level2,
                )
        if ind.level2 and profile_role(ind.level2, ctx) is None and ("2", ind.level2) not in seen:
            seen.add(("2", ind.level2))
            if role_of(ind, ctx) is not None:
                continue  # another region's wording of a 二级 whose role is plain
            choices = "、".join(ctx.profile.level2_names())
            yield ctx.finding(
                f"二级指标{quote(ind.level2)}不在“{ctx.profile.label}”指标体系中：应为{choices}之一。",
                cell=ind.cells.get("level2") or ind.cell,
                field="indicator",
                level2=ind.level2,
            )
