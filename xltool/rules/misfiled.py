"""JX506–JX509: indicators filed where they do not belong — inputs, tasks, effects, other templates.

Reviewers send back a 效益 row that only restates a task ("打造…赛事"), a 质量 row that
measures an effect ("生活得到改善"), money or staff counted as an output ("持续提供人力物力
保障"), and rows left from another project type's template. Each reading is a word list in
data/rules.toml; what is uncertain is worded as a question.
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._rowfacts import picked, project_key, row_check
from ._common import (
    core_name, first_contained, indicator_where, is_percent_unit, money_unit, norm, per_profile, quote, remember,
    role_of, word_in, words,
)

_EFFECT_ROLES = ("economic", "social", "ecological", "sustainability")
_OUTPUT_ROLES = ("quantity", "quality", "timeliness")


def bare_name(name: str) -> str:
    """The name without a leading "指标1:" numbering, normalised."""
    key = norm(name)
    head, sep, rest = key.partition(":")
    if sep and len(head) <= 4 and any(ch.isdigit() for ch in head):
        return rest
    return key


def is_task_as_effect(ind: Indicator, ctx: RuleContext) -> bool:
    """A 效益 row that opens with a task verb and names no effect ("打造…系列品牌赛事")."""
    if role_of(ind, ctx) not in _EFFECT_ROLES:
        return False
    key = bare_name(ind.name)
    return any(key.startswith(v) for v in words(ctx, "task_verbs")) and not first_contained(key, words(ctx, "effect_words"))


def is_effect_as_quality(ind: Indicator, ctx: RuleContext) -> bool:
    """A 质量 row that measures an effect ("生活得到改善", "知晓率显著提升", "空气质量")."""
    return role_of(ind, ctx) == "quality" and word_in(ctx, "effect_words", bare_name(ind.name)) is not None


def is_input(ind: Indicator, ctx: RuleContext) -> bool:
    """Money or staff put in, on an output or effect row (or a row with no levels, which is not 成本)."""
    role = role_of(ind, ctx)
    if role not in _OUTPUT_ROLES + _EFFECT_ROLES and not (role is None and not ind.level2.strip()):
        return False
    if word_in(ctx, "input_words", ind.name) is not None:
        return True
    amount = money_unit(ind.unit, ctx)
    return amount is not None and not amount[2] \
        and any(core_name(ind.name).endswith(w) for w in words(ctx, "input_amount_endings"))


@row_check("JX506")
def _input_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return is_input(ind, ctx)


@row_check("JX507")
def _task_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return is_task_as_effect(ind, ctx) and not is_input(ind, ctx)


@row_check("JX508")
def _effect_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return is_effect_as_quality(ind, ctx) and not is_input(ind, ctx)


@row_check("JX508%")
def _percent_quantity_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return role_of(ind, ctx) == "quantity" and ind.value is not None and is_percent_unit(ind.unit, ctx) \
        and not _effect_row(ind, ctx, about)


@rule(
    "JX506",
    Severity.WARNING,
    "把投入当作产出或效果",
    why="财力、人力、物力等投入不能作为绩效目标；产出和效果要写投入换来了什么。",
    bad="可持续影响指标：持续提供人力物力保障 定性 持续保障",
    good="可持续影响指标：小区物业服务持续覆盖率 ≥ 95%",
)
def input_as_output(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX506"):
        yield ctx.finding(
            f"{quote(ind.name)}写的是投入（人力、物力、资金），不是产出或效果：请改为投入换来的结果，"
            f"如服务覆盖率、解决问题数量{'（资金额可写在成本指标下）' if not ind.level2.strip() else ''}。",
            **indicator_where(ind, "name"),
        )


@rule(
    "JX507",
    Severity.WARNING,
    "效益指标写的是任务",
    why="效益指标衡量项目带来的变化；“打造…赛事”“清算…物业费”是要做的工作，属于产出。",
    bad="可持续影响指标：打造金安国际网球公开赛等系列品牌赛事 定性 影响可持续",
    good="产出数量指标：举办赛事场次 ≥ 1场；可持续影响指标：赛事品牌持续举办年限 ≥ 3年",
)
def task_as_effect(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX507"):
        yield ctx.finding(
            f"{quote(ind.name)}写在{quote(ind.level2)}下，但说的是要做的工作，不是带来的效益："
            f"工作量请移到产出数量指标，这里改写它带来的变化（如受益人数、收入增加额）。",
            **indicator_where(ind, "name"),
        )


@rule(
    "JX508",
    Severity.WARNING,
    "质量或数量指标写的是效果",
    why="质量指标衡量产出的质量（合格率、达标率），“生活得到改善”“知晓率提升”是效果，应写在效益指标下；"
    "数量指标写绝对数，以%计的多半是比例或效果。",
    bad="质量指标：教学条件改善、办学水平提高 =100%；数量指标：学校改造覆盖率 100%",
    good="质量指标：校舍维修验收合格率 ≥ 95%；数量指标：改造学校数 ≥ 3所",
)
def effect_as_output(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX508"):
        yield ctx.finding(
            f"{quote(ind.name)}衡量的是效果，不是产出质量：请移到社会效益（或生态效益）指标，"
            f"质量指标改写如“验收合格率 ≥ 95%”。",
            **indicator_where(ind, "name"),
        )
    for ind in picked(project, ctx, "JX508%"):
        yield ctx.finding(
            f"数量指标{quote(ind.name)}以%计：是比例还是数量？数量指标一般写完成的绝对数（如“3所”“220门”），"
            f"比例可移到质量指标。",
            severity=Severity.INFO,
            **indicator_where(ind, "target"),
        )


@project_key("family")
def project_family(project: Project, ctx: RuleContext) -> str | None:
    """The project's family by its name, from ``project_families`` (once per project name)."""
    def compute() -> str | None:
        families = per_profile(ctx, "family_project_words", lambda: {
            name: [norm(w) for w in spec.get("project", [])]
            for name, spec in (ctx.get("project_families", {}) or {}).items()
        })
        key = norm(project.name)
        return next((family for family, found in families.items() if any(w in key for w in found)), None)
    return remember(ctx, "project_family", project.name, compute)


@rule(
    "JX509",
    Severity.INFO,
    "指标像是其他类型项目的",
    why="指标要与本项目相关（按项目名称判断项目类型）；从其他项目的模板里带过来的指标（农田项目里的道路硬化、报酬发放项目里的环境卫生）"
    "审核时按“相关性”退回。",
    bad="高标准农田建设项目：脱贫村村内道路硬化里程 ≥ 100公里",
    good="高标准农田建设项目：新建高标准农田面积 ≥ 5000亩",
)
def other_project_type(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    own = project_family(project, ctx)
    for ind in picked(project, ctx, "JX509"):
        family, found = _foreign(ind, ctx, own) or ("", "")
        yield ctx.finding(
            f"{quote(ind.name)}（“{found}”）像是{family}类项目的指标，与本项目（{own}类）关系不明显："
            f"是否从其他项目的模板带过来的？与本项目无关的请删去。",
            **indicator_where(ind, "name"),
        )


def _family_words(ctx: RuleContext) -> dict[str, tuple[list[str], list[str]]]:
    """Each family's (own words, typical indicator words), normalised once per profile."""
    def build() -> dict[str, tuple[list[str], list[str]]]:
        families = ctx.get("project_families", {}) or {}
        return {
            name: ([norm(w) for w in spec.get("typical", []) + spec.get("project", [])],
                   [norm(w) for w in spec.get("typical", [])])
            for name, spec in families.items()
        }
    return per_profile(ctx, "family_words", build)


def _foreign(ind: Indicator, ctx: RuleContext, own: str | None) -> tuple[str, str] | None:
    """(other family, its word) when the row looks like another family's indicator, else None."""
    if own is None or role_of(ind, ctx) in ("cost", "satisfaction"):
        return None
    table = _family_words(ctx)
    key = norm(ind.name)
    if own not in table or first_contained(key, table[own][0]):
        return None
    for family, (_own_words, typical) in table.items():
        if family != own and (found := first_contained(key, typical)):
            return family, found
    return None


@row_check("JX509")
def _foreign_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return _foreign(ind, ctx, about.get("family")) is not None
