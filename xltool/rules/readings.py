"""Readings of a table that several rules share, decided once (issue 26, round 2).

Each reading answers a question that, guessed rule by rule, gave wrong advice on other
regions' tables:

* :func:`shifted_levels` — the table follows another indicator system whose 二级 column
  holds our 一级 names (发改 投资计划绩效目标表: 实施效果指标 → 产出指标/效益指标/满意度指标,
  过程管理指标 → 资金管理指标 …). Its level names are not filling mistakes, its process
  indicators sit where that system puts them, and which of our 二级 are "missing" is
  only a question about quantities.
* :func:`name_unit` — a unit written in brackets at the end of the name ("开展修复工程(个)",
  "…控制率(%)"): the target "1" then has its unit.
* :func:`spread_totals` — a row with one target column per town or county: the goal's figure
  is their sum.

Word lists live in ``data/review.toml`` (a profile may override a key in ``rules.toml``).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from xltool.core.model import Indicator, Project, parse_target
from . import RuleContext
from ._common import norm, per_profile, per_project, real, remember, words

_NAME_UNIT_RE = re.compile(r"[(（]([^()（）]{1,8})[)）]$")


@cache
def _review_data() -> dict[str, Any]:
    path = resources.files("xltool") / "data" / "review.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def review_setting(ctx: RuleContext, key: str, default: Any = None) -> Any:
    """A setting of the review rules: the profile's ``rules.toml`` value, else ``review.toml``'s."""
    found = ctx.get(key)
    return found if found is not None else _review_data().get(key, default)


def review_words(ctx: RuleContext, key: str) -> list[str]:
    """A word list of ``review.toml`` (normalised like the text it is compared with)."""
    return per_profile(ctx, f"review:{key}", lambda: [n for n in (norm(w) for w in review_setting(ctx, key, [])) if n])


def review_word_in(ctx: RuleContext, key: str, text: str) -> str | None:
    """The first word of the list ``key`` found in the text (normalised), memoised per typed text:
    rules ask it of every name and goal of thousands of tables."""
    def compute() -> str | None:
        match = _review_pattern(ctx, key).search(norm(text))
        return match.group(0) if match else None
    return remember(ctx, f"review_in:{key}", text, compute)


def table_text(project: Project, ctx: RuleContext) -> str:
    """Every level, name and target of the table and its goal, normalised, once per project."""
    def compute() -> str:
        texts = [t for i in project.indicators for t in (i.level1, i.level2, i.name, i.target)]
        # each text normalised on its own: norm() caches per typed text (NFKC of Chinese text is slow, and
        # names and targets repeat across tables); joined by a character norm() keeps, so no word spans two
        return "\x00".join(norm(t) for t in [*texts, project.annual_goal or ""] if t)
    return per_project(ctx, "review:table_text", project, compute)


def any_mentions(ctx: RuleContext, key: str, project: Project) -> bool:
    """Does the table hold a word of the list ``key`` anywhere? One search over the table: the rules
    that look at every row ask this first and go row by row only when it is so."""
    return _review_pattern(ctx, key).search(table_text(project, ctx)) is not None


def _review_pattern(ctx: RuleContext, key: str) -> re.Pattern[str]:
    """One alternation of the list's words, longest first ("(必填" before "必填)")."""
    def build() -> re.Pattern[str]:
        listed = sorted(set(review_words(ctx, key)), key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in listed) or r"(?!x)x")
    return per_profile(ctx, f"review_re:{key}", build)


def known_units(ctx: RuleContext) -> frozenset[str]:
    """Counting units, percent signs and money units the settings know."""
    def build() -> frozenset[str]:
        units = set(words(ctx, "count_units")) | set(words(ctx, "percent_units"))
        units |= {norm(u) for u in (ctx.get("money_units", {}) or {})}
        units |= set(review_words(ctx, "extra_units"))
        return frozenset(units)
    return per_profile(ctx, "review:known_units", build)


def name_unit(ind: Indicator, ctx: RuleContext) -> str:
    """The unit in brackets at the end of the name ("(个)", "（%）", "(万元)"), or ""."""
    match = _NAME_UNIT_RE.search(norm(ind.name))
    if not match:
        return ""
    inner = match.group(1)
    return inner if inner in known_units(ctx) else ""


def _level_keys(ctx: RuleContext) -> tuple[frozenset[str], frozenset[str]]:
    def build() -> tuple[frozenset[str], frozenset[str]]:
        level1 = frozenset(norm(n) for n in ctx.profile.level1_names())
        level2 = frozenset(norm(n) for n in ctx.profile.level2_names())
        return level1, level2
    return per_profile(ctx, "review:level_keys", build)


def _is_our_level1(text: str, ctx: RuleContext) -> bool:
    """产出指标 / 效益指标 / 满意度指标 … as our 一级 reads them (any region's wording)."""
    key = norm(text)
    level1, level2 = _level_keys(ctx)
    if key in level2:
        return False
    return key in level1 or (key.endswith("指标") and key[:-2] in set(words(ctx, "level1_words")))


def shifted_levels(project: Project, ctx: RuleContext) -> bool:
    """Another indicator system: no 一级 of the table is ours, and its 二级 column holds our 一级 names."""
    def compute() -> bool:
        rows = [i for i in project.indicators if i.level1 or i.level2]
        if not rows:
            return False
        if any(_is_our_level1(i.level1, ctx) for i in rows if i.level1):
            return False
        return any(_is_our_level1(i.level2, ctx) for i in rows if i.level2)
    return per_project(ctx, "review:shifted_levels", project, compute)


def under_foreign_level1(ind: Indicator, ctx: RuleContext, project: Project) -> bool:
    """A row of a shifted table outside its 产出/效益/满意度 group (过程管理指标 …)."""
    return shifted_levels(project, ctx) and not _is_our_level1(ind.level2, ctx)


def shifted_effects(project: Project, ctx: RuleContext) -> bool:
    """A shifted table with an effect group (its 二级 "效益指标"/"效果指标" holds rows)."""
    if not shifted_levels(project, ctx):
        return False
    return any(review_word_in(ctx, "effect_level1_words", i.level2) for i in real(project, ctx) if i.level2)


def counted_output(project: Project, ctx: RuleContext) -> bool:
    """A shifted table's 产出/效益 group has a count (a number in a unit that is not a percent)."""
    percent = set(words(ctx, "percent_units"))
    return any(
        i.value is not None and norm(i.unit) not in percent and not under_foreign_level1(i, ctx, project)
        for i in real(project, ctx)
    )


def spread_totals(project: Project, ctx: RuleContext) -> frozenset[tuple[float, str]]:
    """(sum, unit) of rows whose target is spread over several columns (one per town, county …)."""
    def compute() -> frozenset[tuple[float, str]]:
        skip = review_words(ctx, "not_spread_columns")
        sums: set[tuple[float, str]] = set()
        for ind in real(project, ctx):
            if ind.value is None or len(ind.extra) < 2:
                continue
            values = []
            for key, text in ind.extra.items():
                if any(w in norm(key) for w in skip):
                    continue
                _op, number, unit = parse_target(unicodedata.normalize("NFKC", text or ""))
                if number is not None and norm(unit) == norm(ind.unit):
                    values.append(number)
            if len(values) >= 2 and ind.value in values:
                sums.add((round(sum(values), 6), ind.unit))
        return frozenset(sums)
    return per_project(ctx, "review:spread_totals", project, compute)
