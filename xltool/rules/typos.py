"""JX809: cheap typos — a doubled function character ("的的"), full- and half-width digits in one figure.

Asked as a note, never an error; the doubled characters are in data/review.toml.
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._common import indicator_where, quote, real, remember
from .readings import any_mentions, review_word_in


# Every mixture holds a full-width digit or dot: the pattern is compiled and asked only where one is typed.
_MIXED_WIDTH_RE = lazy_pattern(r"[0-9][０-９]|[０-９][0-9]|[0-9][．][0-9]|[０-９][.][０-９]")
_FULL_WIDTH = frozenset("０１２３４５６７８９．")


def _mixed_width(text: str) -> bool:
    return not _FULL_WIDTH.isdisjoint(text) and _MIXED_WIDTH_RE.search(text) is not None


def _goal_where(project: Project) -> dict[str, str]:
    return {"cell": project.cells.get("annual_goal", ""), "field": "annual_goal"}


def _mixed_width_anywhere(project: Project) -> bool:
    """Full-width digits are rare: look for the mixture only where a full-width digit or dot is typed."""
    texts = [t for i in project.indicators for t in (i.name, i.target)] + [project.annual_goal or ""]
    return _mixed_width("\x00".join(t for t in texts if t))


def _typo(text: str, ctx: RuleContext) -> str | None:
    """What looks mistyped in a text, once per typed text (names repeat across thousands of tables)."""
    def compute() -> str | None:
        doubled = review_word_in(ctx, "typo_doubles", text)
        if doubled:
            return f"“{doubled}”是否多打了一个字"
        if _mixed_width(text):
            return "数字中全角、半角混用"
        return None
    return remember(ctx, "typo", text, compute)


@rule(
    "JX809",
    Severity.INFO,
    "疑似错别字或全半角混用",
    why="表中的错字（“的的”）、一个数字里全角半角混用（“9５%”）会让人看错，导入和汇总时数字也可能读不出来。",
    bad="三级指标：培训的的人数；目标值：9５%",
    good="三级指标：培训人数；目标值：95%",
)
def cheap_typos(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not (any_mentions(ctx, "typo_doubles", project) or _mixed_width_anywhere(project)):
        return  # one search over the table; row by row only when something is there
    for ind in real(project, ctx):
        for column, text in (("name", ind.name), ("target", ind.target)):
            problem = _typo(text, ctx) if text else None
            if problem:
                yield ctx.finding(f"{quote(text)}：{problem}？", **indicator_where(ind, column))
    goal = project.annual_goal or ""
    problem = _typo(goal, ctx) if goal else None
    if problem:
        yield ctx.finding(f"年度绩效目标：{problem}？", **_goal_where(project))
