"""JX112, JX113: what other regions' forms carry beside the target — explanations and scoring
rules that say how a row is assessed, and no template instructions left in names (issue 26).

Every finding is a question (info/warning), never an error: the reading can be wrong on a
given table. Word lists are in data/review.toml (a profile may override a key in rules.toml).
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._common import indicator_where, norm, quote, real
from .readings import any_mentions, review_setting, review_word_in, review_words


def _level_cell(ind: Indicator, level: str) -> str:
    return ind.cells.get(level) or ind.cells.get("name") or ind.cell


@rule(
    "JX113",
    Severity.WARNING,
    "指标名称残留填报说明",
    why="模板里的填报说明（“(必填)”“(必填硬性指标)”“请填写…”）是给填表人看的，公开的表中应删去（审核表：无缺项、错项）。",
    bad="二级指标：成本指标(必填硬性指标)",
    good="二级指标：成本指标",
)
def instruction_residue(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not any_mentions(ctx, "instruction_residue", project):
        return
    seen: set[str] = set()
    for ind in project.indicators:
        for level, text in (("level1", ind.level1), ("level2", ind.level2), ("name", ind.name)):
            found = review_word_in(ctx, "instruction_residue", text) if text else None
            if not found or text in seen:
                continue
            seen.add(text)
            where = indicator_where(ind, "name") if level == "name" else {
                "cell": _level_cell(ind, level), "field": "indicator", "level2": ind.level2}
            yield ctx.finding(
                f"{quote(text)}中的“{found}”像是模板的填报说明：公开和报送的表中是否应删去？", **where)


def _explanation_columns(ind: Indicator, ctx: RuleContext) -> list[tuple[str, str]]:
    return [(k, v) for k, v in ind.extra.items() if review_word_in(ctx, "explanation_columns", k) and norm(v)]


def _boilerplate(text: str, ctx: RuleContext) -> bool:
    """"反映…情况" with no method, or a phrase every table carries ("按相关规定")."""
    key = norm(text)
    if key in review_words(ctx, "explanation_generic"):
        return True
    opens = any(key.startswith(w) for w in review_words(ctx, "explanation_openers"))
    return opens and len(key) <= int(review_setting(ctx, "explanation_short", 30)) \
        and not review_word_in(ctx, "explanation_method_words", key)


@rule(
    "JX112",
    Severity.INFO,
    "指标解释或评分标准是套话",
    why="指标解释要写定量指标的计算方法或统计口径、定性指标的衡量内容和方法；评(扣)分标准要具体"
    "（指标库填报要素说明）。每行相同的文字或“反映…情况”说不清怎么考核。",
    bad="指标解释：反映项目开展情况（每行相同）",
    good="指标解释：已完工修复工程数÷计划修复工程数×100%，数据来源于验收报告",
)
def explanation_not_boilerplate(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    columns: dict[str, list[tuple[Indicator, str]]] = {}
    for ind in real(project, ctx):
        for key, value in _explanation_columns(ind, ctx):
            columns.setdefault(key, []).append((ind, value))
    for key, rows in columns.items():
        texts = [norm(v) for _i, v in rows]
        repeated = len(rows) >= 3 and max(texts.count(t) for t in texts) * 2 > len(rows)
        generic = [i for i, v in rows if _boilerplate(v, ctx)]
        if not repeated and len(generic) * 2 <= len(rows):
            continue
        first = rows[0][0] if repeated else generic[0]
        sample = next(v for i, v in rows if i is first)
        how = "各行文字相同" if repeated else f"{len(generic)}行只写了{quote(sample, 20)}这类说明"
        yield ctx.finding(
            f"“{key}”栏{how}，没有写计算方法或统计口径：能否逐项写明怎么算、数据从哪里来"
            f"（如“完成数÷计划数×100%，数据来源于验收报告”）？",
            **indicator_where(first, "name"),
        )
