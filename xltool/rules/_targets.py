"""What a 年度目标值 is, decided once: every rule reads this classification.

Rules that each guessed for themselves gave contradicting advice on one cell: a unit
alone ("公里") or a sentence read as 定性 ("fill in 定性") by one rule and as a
number by another; a period ("2021年全年") read as the number 2021 and told to add ≥.
Here a target is classified once per typed text (and settings) as

* ``number``    — a number, with or without a unit ("95%", "220", "8085.11平方米");
* ``unit_only`` — only a unit where the number belongs ("公里", "人次", "%");
* ``date``      — a date, a deadline or a period ("2025年年底前", "2021年1月-12月", "全年");
* ``grade``     — a graded, judgeable word or phrase ("较好", "达到预期目标", "优良");
* ``sentence``  — any other text ("按需提供", "显著提升了扶持力度").

The direction of an indicator (larger or smaller is better) is decided here too, from
the 指标方向 column where the form has one, else from the name's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from xltool.core.fields import strict_money_units
from xltool.core.model import Indicator, Project, parse_target
from . import RuleContext
from ._common import norm, per_profile, per_project, real, role_of, word_in, words

NUMBER, UNIT_ONLY, DATE, GRADE, SENTENCE, EMPTY = "number", "unit_only", "date", "grade", "sentence", "empty"

# A year followed by a date separator, a month, or a calendar word: the target is a date or a period.
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?=\s*(?:年|\.\d|-|/|—|~|～|至))")
_MONTH_RE = re.compile(r"(?<![\d.])(?:1[0-2]|0?[1-9])\s*月(?!\d*[元人次个])")
_TRAILING = "。．.，,;；!！"  # stripped with str.rstrip: a regex "[…]+$" rescans a long inner run of dots from each dot


@dataclass(frozen=True)
class Target:
    """A classified 年度目标值."""

    kind: str
    concrete: bool = False  # a date with a year or month in it (not only "全年")
    years: tuple[int, ...] = ()


def target_phrase(text: str) -> str:
    return norm(text).rstrip(_TRAILING)


def classify(ind: Indicator, ctx: RuleContext) -> Target:
    """The kind of the indicator's typed target, once per typed text and settings."""
    memo = ctx.shared["target_kind"]
    key = (ind.target, ind.value is not None)
    found = memo.get(key)
    if found is None:
        if len(memo) > 4096:
            memo.clear()
        found = memo[key] = _classify(ind.target, ind.value is not None, ctx)
    return found


def _classify(target: str, has_number: bool, ctx: RuleContext) -> Target:
    text = unicodedata.normalize("NFKC", target or "").strip()
    phrase = target_phrase(text)
    if not phrase:
        return Target(EMPTY)
    if has_number and _measured(text, ctx):
        return Target(NUMBER)  # "2000.5吨", "2021人": a quantity in a unit, not a year
    years = tuple(int(y) for y in _YEAR_RE.findall(phrase))
    month = bool(_MONTH_RE.search(phrase))
    calendar = word_in(ctx, "date_words", phrase)
    if years or (month and not has_number) or (month and calendar) or (calendar and not has_number):
        return Target(DATE, concrete=bool(years or month), years=years)
    if has_number:
        return Target(NUMBER)
    if phrase in _unit_words(ctx):
        return Target(UNIT_ONLY)
    if phrase in words(ctx, "qualitative_graded") or word_in(ctx, "qualitative_judgeable_markers", phrase):
        return Target(GRADE)
    # a grade word in a short phrase ("效果良好", "明显增强"); in a long or past-tense one it is a sentence
    if len(phrase) <= 8 and "了" not in phrase and word_in(ctx, "qualitative_grade_markers", phrase):
        return Target(GRADE)
    return Target(SENTENCE)


_TIME_UNITS = frozenset({"年", "月", "日", "天", "季度", "年度"})


def _measured(text: str, ctx: RuleContext) -> bool:
    """A number followed by a unit that is not a calendar word (吨, 人, 元, %)."""
    _op, _number, unit = parse_target(text)
    head = norm(unit)[:4]
    return bool(head) and not any(head.startswith(t) for t in _TIME_UNITS) and any(
        head.startswith(u) for u in _unit_words(ctx) if u not in _TIME_UNITS)


def _unit_words(ctx: RuleContext) -> frozenset[str]:
    """Every unit the settings know: counting units, money units and percent signs."""
    def build() -> frozenset[str]:
        units: set[str] = set(words(ctx, "count_units")) | set(words(ctx, "percent_units"))
        units |= {norm(u) for u in strict_money_units()}
        return frozenset(units)
    return per_profile(ctx, "unit_words", build)


def has_operator_column(project: Project, ctx: RuleContext) -> bool:
    """Does the form have a 计算符号 column? (Tables of other regions often have none.)

    A project built without cell positions is taken as our own template, which has one.
    """
    def compute() -> bool:
        rows = real(project, ctx)
        if not any(ind.cells for ind in rows):
            return True
        return any("operator" in ind.cells for ind in rows)
    return per_project(ctx, "operator_column", project, compute)


def stated_direction(ind: Indicator, ctx: RuleContext) -> str | None:
    """"up" or "down" from a 指标方向 column ("正向指标" / "反向指标"), else None."""
    for key, value in ind.extra.items():
        if "方向" in key:
            text = norm(value)
            if word_in(ctx, "direction_down_words", text):
                return "down"
            if word_in(ctx, "direction_up_words", text):
                return "up"
    return None


_COST_ROLES = ("cost", "social_cost", "ecological_cost")


def smaller_is_better(ind: Indicator, ctx: RuleContext) -> bool:
    """Costs, durations, incident counts — or a row marked 反向指标: the target is a ceiling."""
    stated = stated_direction(ind, ctx)
    if stated is not None:
        return stated == "down"
    if word_in(ctx, "larger_is_better_despite", ind.name):
        return False
    if role_of(ind, ctx) in _COST_ROLES:
        return True
    return word_in(ctx, "smaller_is_better", ind.name) is not None


def kinds(rows: Iterable[Indicator], ctx: RuleContext) -> list[str]:
    return [classify(ind, ctx).kind for ind in rows]


def wants_number(ind: Indicator, ctx: RuleContext) -> bool:
    """A row whose name or 二级 asks for a quantity (数量指标, …人数, …期限, …比例)."""
    if role_of(ind, ctx) == "quantity":
        return True
    key = norm(ind.name)
    return any(key.endswith(w) for w in words(ctx, "number_name_endings"))
