"""JX8xx hygiene: two things in one cell, stray spaces, mixed brackets, names that are not indicators."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.core.text import lazy_pattern
from . import RuleContext, rule
from ._common import indicator_where, is_placeholder, norm, quote, real

# "知晓率、普及率", "印刷册数、份数", "条数或个数", "人数/…数量": two measures joined.
_TWO_MEASURES_RE = re.compile(r"[率度数量性][、/或和与][^、/或和与]{0,12}[率度数量性]$")
# Each run is tried from its start only (the look-behind): unanchored, a 30,000-character run
# of Chinese without a slash was retried from every position (quadratic). Asked only of a name with
# a "/" in it, and compiled then (three CJK ranges: ~4 ms a fresh click need not pay).
_SLASH_RE = lazy_pattern(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{3,})/([\u4e00-\u9fff]{3,})")
# Unit alternatives: "册、份", "条或个", "人(件/套)".
# Inside a bracket no other opening bracket: each one scans only to the next bracket (linear),
# where "((((…" without a closing one used to be rescanned from every "(".
_UNIT_ALTERNATIVES_RE = re.compile(r"[、或和及，,;；]|[(\[【][^()\[\]【】]*[/、或][^()\[\]【】]*[)\]】]")
# Two quantities in one value: "1个平台，2人驻场".
_TWO_QUANTITIES_RE = re.compile(r"\d[^\d，,、;；和及]*[，,、;；和及]\s*\d")
_THOUSANDS_RE = lazy_pattern(r"(?<=\d),(?=\d{3}(?!\d))")  # asked only where a "," is typed
_ODD_SPACES = frozenset("\u3000\u00a0\u2002\u2003\u2009\u200b")  # a set test, not a pattern to compile
_PAIRS = {")": "(", "）": "（", "]": "[", "】": "【"}
_OPENERS = {"(", "（", "[", "【"}
_BRACKETS_RE = lazy_pattern(r"[()（）\[\]【】]")  # only these characters matter to the pairing
_BRACKETS = frozenset("()（）[]【】")

_HEADER_TEXT: dict[str, str] = {
    "name": "项目名称",
    "department": "主管部门",
    "implementer": "实施单位",
    "overview": "项目概况",
    "long_term_goal": "中长期绩效目标",
    "annual_goal": "年度绩效目标",
}


def brackets_mismatched(text: str) -> bool:
    """True for "78人(件/套）" (half-width opened, full-width closed) or an unclosed bracket."""
    if _BRACKETS.isdisjoint(text):
        return False  # no bracket: nothing to pair (and no pattern to compile)
    stack: list[str] = []
    for ch in _BRACKETS_RE.findall(text):  # a C-level scan, not a Python step per character
        if ch in _OPENERS:
            stack.append(ch)
        elif ch in _PAIRS:
            if not stack or stack.pop() != _PAIRS[ch]:
                return True
    return bool(stack)


@rule(
    "JX801",
    Severity.WARNING,
    "一个三级指标写了两个指标",
    why="一个三级指标只衡量一件事；两个指标挤在一格里，目标值无法对应。",
    bad="制服配发人数/制服换装数量；公众政策知晓率、普及率",
    good="拆成两行：制服配发人数 ≥ 78人；制服换装数量 ≥ 78套",
)
def two_indicators_in_one(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not ind.name:
            continue
        key = norm(ind.name)
        if _TWO_MEASURES_RE.search(key) or ("/" in key and _SLASH_RE.search(key)):
            yield ctx.finding(
                f"三级指标{quote(ind.name)}把两个指标写在一格里：请拆成两行，每行一个指标、一个目标值。",
                **indicator_where(ind, "name"),
            )


@rule(
    "JX802",
    Severity.WARNING,
    "一个目标值写了两个单位或两个数",
    why="目标值只能有一个数和一个单位，否则无法判断是否完成。",
    bad="100000册、份；78人(件/套）；100条或个；1个平台，2人驻场",
    good="印刷册数 ≥ 60000册；印刷份数 ≥ 40000份（分两行）",
)
def two_units_in_one(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not ind.target or is_placeholder(ind.target, ctx):
            continue
        unit = unicodedata.normalize("NFKC", ind.unit) if ind.value is not None else ""
        target = unicodedata.normalize("NFKC", ind.target)
        target = _THOUSANDS_RE.sub("", target) if "," in target else target
        if unit and _UNIT_ALTERNATIVES_RE.search(unit):
            problem = f"单位“{ind.unit}”包含几种单位"
        elif _TWO_QUANTITIES_RE.search(target):
            problem = "包含两个数值"
        else:
            continue
        yield ctx.finding(
            f"目标值{quote(ind.target)}{problem}：请只保留一个数值和一个单位，不同的量拆成几个三级指标。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX803",
    Severity.INFO,
    "文字中夹有全角空格或特殊空格",
    why="全角空格、不换行空格会让同样的文字比对不上，汇总、查重时出错。",
    bad="项目名称：大楼　物业费",
    good="项目名称：大楼物业费",
)
def odd_spaces(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field, label in _HEADER_TEXT.items():
        value = getattr(project, field) or ""
        if not _ODD_SPACES.isdisjoint(value):
            yield ctx.finding(
                f"“{label}”中夹有全角空格或特殊空格：请删除（{quote(value, 30)}）。",
                cell=project.cells.get(field, ""),
                field=field,
            )
    for ind in project.indicators:
        for column, text in (("name", ind.name), ("target", ind.target)):
            if text and not _ODD_SPACES.isdisjoint(text):
                yield ctx.finding(
                    f"{quote(text)}中夹有全角空格或特殊空格：请删除。",
                    **indicator_where(ind, column),
                )


@rule(
    "JX804",
    Severity.INFO,
    "括号全角半角混用或不成对",
    why="“(”与“）”混用或括号不成对，多为录入疏忽，影响文字比对。",
    bad="78人(件/套）",
    good="78套",
)
def mixed_brackets(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field, label in _HEADER_TEXT.items():
        value = getattr(project, field) or ""
        if value and brackets_mismatched(value):
            yield ctx.finding(
                f"“{label}”中括号全角半角混用或不成对：请统一为全角“（）”并成对使用。",
                cell=project.cells.get(field, ""),
                field=field,
            )
    for ind in project.indicators:
        for column, text in (("name", ind.name), ("target", ind.target)):
            if text and brackets_mismatched(text):
                yield ctx.finding(
                    f"{quote(text)}中括号全角半角混用或不成对：请统一为全角“（）”并成对使用。",
                    **indicator_where(ind, column),
                )


@rule(
    "JX805",
    Severity.INFO,
    "三级指标名称不像指标",
    why="三级指标名称要说清衡量什么（…数、…率、…时间）；“全年”“1-2层”说的是范围或对象，不是指标。",
    bad="三级指标：1-2层 = 8085.11平方米；全年 定性 12月",
    good="租用办公面积 = 8085.11平方米；项目完成时间 ≤ 2022.12",
)
def name_is_indicator(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if not ind.name or is_placeholder(ind.name, ctx):
            continue
        key = norm(ind.name)
        if len(key) <= 2 or key[0].isdigit():
            yield ctx.finding(
                f"三级指标{quote(ind.name)}没有说清衡量什么：请写成“…数量”“…率”“…时间”这样的指标名称。",
                **indicator_where(ind, "name"),
            )
