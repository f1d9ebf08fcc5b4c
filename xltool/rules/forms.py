"""JX109–JX111: what other regions' forms add or leave out, checked where present.

Rows without their 一级/二级 labels, weights (权重) that do not add up to 100, and rows
left for 二级 a project does not have ("本项目不适用").
"""

from __future__ import annotations

import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._rowfacts import picked, row_check
from ._common import fmt_number, indicator_where, names_with_role, norm, per_project, quote, real, word_in

_NUMBER_RE = lazy_pattern(r"^\d+(?:\.\d+)?$")


def rows_without_levels(project: Project, ctx: RuleContext) -> tuple[Indicator, ...]:
    """Real rows with no 二级 label: completeness cannot be judged by 二级 (picked once per typed row)."""
    return picked(project, ctx, "no-level2")


@row_check("no-level2")
def _no_level2(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return not ind.level2.strip()


@rule(
    "JX109",
    Severity.WARNING,
    "指标行缺少一级或二级指标",
    why="每个三级指标都要写明所属的一级、二级指标，否则无法判断产出、效益、满意度是否齐全，汇总时也无法归类。",
    bad="三级指标“发放人数 ≥ 80人”，一级、二级指标栏空",
    good="产出指标 | 数量指标 | 发放人数 ≥ 80人",
)
def levels_present(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    rows = rows_without_levels(project, ctx)
    if not rows:
        return
    names = "、".join(quote(i.name, 16) for i in rows[:3]) + ("等" if len(rows) > 3 else "")
    satisfied = [i for i in rows if "满意" in norm(i.name)]
    target = names_with_role(ctx, "satisfaction")
    where = (f"其中{'、'.join(quote(i.name, 16) for i in satisfied)}填在“{target[0]}”下，"
             if satisfied and target else "")  # said here once, not as a second finding on the row (JX502)
    yield ctx.finding(
        f"{len(rows)}个三级指标（{names}）没有填写一级、二级指标：请逐行补上（如“产出指标 | 数量指标”），"
        f"{where}补齐后才能判断各类指标是否齐全。",
        **indicator_where(rows[0], "name"),
    )


def rows_with_extra(project: Project, ctx: RuleContext) -> tuple[Indicator, ...]:
    """Real rows carrying columns the template lacks (权重, 指标方向 …), once per project."""
    return per_project(ctx, "rows_with_extra", project, lambda: tuple(i for i in real(project, ctx) if i.extra))


def _weight(ind: Indicator) -> float | None:
    for key, value in ind.extra.items():
        if "权重" in key:
            text = unicodedata.normalize("NFKC", value).strip().rstrip("%")
            return float(text) if _NUMBER_RE.match(text) else None
    return None


@rule(
    "JX110",
    Severity.WARNING,
    "指标权重合计不是100",
    why="设置权重的表，各三级指标权重之和应为100（自评时按权重计分）。",
    bad="8个指标权重：10、20、10、10、10、10、10、10（合计90）",
    good="权重合计100",
)
def weights_add_up(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    rows = rows_with_extra(project, ctx)
    if not rows:
        return
    weights = [w for w in (_weight(i) for i in rows) if w is not None]
    rows = real(project, ctx)
    if len(weights) < max(2, len(rows) // 2):
        return  # no weight column, or only a few rows carry one
    total = sum(weights)
    if abs(total - 100) > 0.5:
        yield ctx.finding(
            f"各指标权重合计为{fmt_number(total)}，不是100：请调整权重。",
            cell="", field="indicator",
        )


def is_not_applicable(ind: Indicator, ctx: RuleContext) -> bool:
    """A row filled only to say the 二级 does not apply ("本项目不适用此指标", "是否…  否")."""
    name, target = norm(ind.name), norm(ind.target)
    if word_in(ctx, "not_applicable_words", name) or word_in(ctx, "not_applicable_words", target):
        return True
    return name.startswith("是否") and target in ("否", "无")


@row_check("JX111")
def _not_applicable_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return is_not_applicable(ind, ctx)


@rule(
    "JX111",
    Severity.WARNING,
    "不适用的指标行应留空",
    why="项目没有某类效益时，该二级指标下留空即可；填“本项目不适用”“是否产生经济价值 否”会被当成指标统计和考核。",
    bad="生态效益指标：本项目不适用此指标 定性 无",
    good="生态效益指标一行留空",
)
def not_applicable_rows(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX111"):
        yield ctx.finding(
            f"{quote(ind.name)}（{quote(ind.target)}）说的是本项目没有这类指标：请把这一行的三级指标和目标值清空。",
            **indicator_where(ind, "name"),
        )
