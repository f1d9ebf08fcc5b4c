"""JX510: a 满意度 indicator says whose satisfaction is surveyed (review-checklist A6).

A question, never an error; the groups that name nobody in particular are in data/review.toml.
A name that only restates its 二级 heading ("服务对象满意度" under "服务对象满意度指标") adds no
group to the heading, whatever words it uses.
"""

from __future__ import annotations

import re
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import core_name, indicator_where, norm, quote, real, role_of
from .readings import review_words


def _satisfaction_group(name: str, ctx: RuleContext) -> str:
    """The surveyed group a satisfaction name states ("参训学员满意度" → "参训学员")."""
    key = norm(name)
    for ending in review_words(ctx, "satisfaction_endings"):
        if ending in key:
            key = key[: key.index(ending)]
            break
    key = re.sub(r"^[对的]+|[对的]+$", "", key)
    return key


def restates_heading(name: str, level2: str) -> bool:
    """True when the 三级 name is its 二级 heading without "指标" (and without a bracketed note)."""
    heading = core_name(level2).removesuffix("指标")
    return bool(heading) and core_name(name) == heading


@rule(
    "JX510",
    Severity.INFO,
    "满意度指标没有写明调查对象",
    why="满意度要衡量具体服务对象的满意程度（101号模板：服务对象满意度指标），名称写明调查的是谁"
    "（参训学员、就诊群众、办事企业），年底才知道向谁调查。",
    bad="满意度指标：服务对象满意度 ≥ 90%",
    good="满意度指标：参训学员满意度 ≥ 90%",
)
def satisfaction_names_group(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    generic = set(review_words(ctx, "satisfaction_generic_groups"))
    for ind in real(project, ctx):
        if "满意" not in ind.name or role_of(ind, ctx) not in ("satisfaction", None):
            continue
        group = _satisfaction_group(ind.name, ctx)
        if group and group not in generic and not restates_heading(ind.name, ind.level2):
            continue
        yield ctx.finding(
            f"满意度指标{quote(ind.name)}没有写明调查的是哪类人：是办事群众、参训学员、受助家庭还是其他服务对象？"
            f"可在名称中写明（如“参训学员满意度”）。",
            **indicator_where(ind, "name"),
        )
