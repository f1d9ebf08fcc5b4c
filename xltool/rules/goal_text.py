"""JX707, JX708: the goal's text — not a copied policy paragraph, and an effect besides the work (F1).

Questions (info), never errors; the phrase lists are in data/review.toml.
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import norm, quote, remember
from .goals import goal_has_figure
from .readings import review_setting, review_word_in, review_words


def _phrases_in(text: str, phrases: list[str]) -> tuple[str, ...]:
    return tuple(w for w in phrases if w in text)


def _goal_where(project: Project) -> dict[str, str]:
    return {"cell": project.cells.get("annual_goal", ""), "field": "annual_goal"}


@rule(
    "JX707",
    Severity.INFO,
    "绩效目标像照抄的政策文件",
    why="绩效目标写本项目本年度要完成什么、达到什么效果；照抄政策文件的段落（“深入贯彻落实…决策部署”）"
    "说的是方针，不是本项目的目标（形式化、模糊化）。",
    bad="年度目标：深入贯彻落实党中央、国务院决策部署，全面推进乡村振兴战略，推动高质量发展",
    good="年度目标：完成3个村的道路硬化12公里，受益群众不少于5000人，验收合格率100%",
)
def goal_not_policy_text(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    goal = project.annual_goal or ""
    if len(goal) < int(review_setting(ctx, "policy_goal_min_length", 40)):
        return
    phrases = remember(ctx, "policy_phrases_in", goal,
                       lambda: _phrases_in(norm(goal), review_words(ctx, "policy_phrases")))
    if len(phrases) < int(review_setting(ctx, "policy_phrases_needed", 2)):
        return
    if goal_has_figure(goal):
        return  # a goal with its own figures is more than a copied paragraph
    shown = "、".join(f"“{p}”" for p in phrases[:3])
    yield ctx.finding(
        f"年度绩效目标里有{shown}等政策文件的说法，却没有本项目的数量：是否照抄了政策文件？"
        f"请写本项目本年度要完成的数量和要达到的效果。",
        **_goal_where(project),
    )


@rule(
    "JX708",
    Severity.INFO,
    "年度目标只写了任务，没有效果",
    why="年度目标要写做什么，也要写达到什么效果（88号：产出和效果）；只列工作量的目标无法说明钱花得值不值。",
    bad="年度目标：开展2个防洪水利设施水毁修复",
    good="年度目标：完成2处防洪水利设施水毁修复，恢复保护农田500亩，汛期不发生因设施损毁造成的险情",
)
def goal_has_effect(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    goal = project.annual_goal or ""
    if len(goal) < 6 or review_word_in(ctx, "goal_effect_words", goal):
        return
    if len(norm(goal)) < 6 or not remember(ctx, "goal_has_figure", goal, lambda: goal_has_figure(goal)):
        return  # empty goals are JX103's; goals without a figure JX705's
    yield ctx.finding(
        f"年度绩效目标{quote(goal, 30)}只写了要做的工作：要达到什么效果（受益多少人、改善什么、满意度多少）？",
        **_goal_where(project),
    )
