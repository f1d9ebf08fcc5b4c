"""Helpers shared by the rule modules: text normalisation, roles, units, where-info.

Kept apart so every rule module reads the same way and word lists come from
``data/rules.toml`` through :class:`~xltool.rules.RuleContext` only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Callable, Iterable

from xltool.core.fields import money_numerals, money_units, strict_money_units
from xltool.core.model import QUALITATIVE, Indicator, Project
from xltool.core.text import lazy_pattern
from xltool.core.text import normalize_label as norm  # the form rules compare: NFKC, no spaces
from . import RuleContext

_TRAILING_BRACKET_RE = lazy_pattern(r"[(\[【][^()\[\]【】]*[)\]】]$")  # asked only of a name ending in a bracket


_SHARED_TEXTS = 4096  # entries a shared memo keyed by typed text (units, 二级 names) may hold
_UNSEEN: Any = object()


def remember(ctx: RuleContext, name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per typed text in the shared memo ``name``; typed texts are few,
    but a flood of odd ones empties the memo rather than growing memory."""
    cache = ctx.shared[name]
    found = cache.get(key, _UNSEEN)
    if found is _UNSEEN:
        if len(cache) > _SHARED_TEXTS:
            cache.clear()
        found = cache[key] = compute()
    return found


def per_profile(ctx: RuleContext, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per profile's settings: a table derived from them alone."""
    memo = ctx.shared["per_profile"]
    found = memo.get(name, _UNSEEN)
    if found is _UNSEEN:
        found = memo[name] = compute()
    return found


def words(ctx: RuleContext, key: str) -> list[str]:
    """A word list from the settings, normalised like the text it is compared with."""
    cache = ctx.shared["words"]
    found = cache.get(key)
    if found is None:
        found = cache[key] = [n for n in (norm(w) for w in ctx.get(key, []) or []) if n]
    return found


def first_contained(text: str, candidates: Iterable[str]) -> str | None:
    """The first candidate that occurs in ``text`` (both normalised), else None."""
    key = norm(text)
    for word in candidates:
        if word and word in key:
            return word
    return None


def word_in(ctx: RuleContext, key: str, text: str) -> str | None:
    """:func:`first_contained` of the settings' word list ``key``, once per typed text."""
    return remember(ctx, "word_in", (key, text), lambda: first_contained(text, words(ctx, key)))


def quote(text: Any, limit: int = 40, empty: str = "（空）") -> str:
    """“text” for a message, shortened so a long 项目概况 does not flood the report.

    An empty value shows ``empty`` (e.g. "（未填二级指标）") instead of a bare “”.
    """
    value = str(text if text is not None else "").replace("\n", " ").strip()
    if not value:
        return empty
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"“{value}”"


def fmt_number(value: float) -> str:
    """38.4 → "38.4", 600.0 → "600", 0.0750 → "0.075" (no float noise)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# ---------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------

_DOTS_RE = re.compile(r"^[.。…·‥\-—_~～]+$")


def is_placeholder(text: Any, ctx: RuleContext) -> bool:
    """A cell that holds only template filler (……, XX, 待定): once per typed text and settings."""
    found = ctx.shared["placeholder"].get(text)
    if found is None:
        found = remember(ctx, "placeholder", text, lambda: _placeholder(text, ctx))
    return found


def _placeholder(text: Any, ctx: RuleContext) -> bool:
    key = norm(text)
    if not key:
        return False
    if bool(_DOTS_RE.match(key)) or key.lower() in ("xx", "xxx"):
        return True
    return key in per_profile(ctx, "placeholder_whole", lambda: frozenset(words(ctx, "placeholder_whole")))


_XX_RE = re.compile(r"(?<![A-Za-z])(?:[Xx]{2,}|×{2,}|＊{2,}|\*{2,}|○{2,}|□{2,})(?![A-Za-z])")


def embedded_placeholder(text: Any) -> str | None:
    """An ``XX``-style slot left inside real text ("完成XX个"), else None."""
    return _embedded_placeholder(str(text or ""))


@lru_cache(maxsize=16384)
def _embedded_placeholder(text: str) -> str | None:
    match = _XX_RE.search(unicodedata.normalize("NFKC", text))
    return match.group(0) if match else None


def real(project: Project, ctx: RuleContext) -> tuple[Indicator, ...]:
    """The rows that hold an actual 三级 indicator, worked out once per project for every rule.

    Forty rules walk the indicators; judging each row once per project instead of
    once per rule is most of the rules' cost in a merge of thousands of tables.
    """
    return per_project(ctx, "real", project, lambda: tuple(ind for ind in project.indicators if is_real(ind, ctx)))


def per_project(ctx: RuleContext, name: str, project: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per project for all the rules that ask (memo ``name`` of the context)."""
    cache = ctx.memo[name]
    entry = cache.get(id(project))
    if entry is not None and entry[0] is project:  # the stored reference keeps the id unique
        return entry[1]
    value = compute()
    cache[id(project)] = (project, value)
    return value


def is_real(ind: Indicator, ctx: RuleContext) -> bool:
    """A row that holds an actual 三级 indicator (not a pre-laid empty or …… row)."""
    if ind.is_blank:
        return False
    name_blank = not ind.name or is_placeholder(ind.name, ctx)
    target_blank = not ind.target or is_placeholder(ind.target, ctx)
    return not (name_blank and target_blank)


_ROLE_GUESS: tuple[tuple[str, str], ...] = (
    ("满意", "satisfaction"),
    ("数量", "quantity"),
    ("质量", "quality"),
    ("时效", "timeliness"),
    ("社会成本", "social_cost"),
    ("生态环境成本", "ecological_cost"),
    ("成本", "cost"),
    ("经济效益", "economic"),
    ("社会效益", "social"),
    ("生态效益", "ecological"),
    ("可持续", "sustainability"),
)


def role_of(ind: Indicator, ctx: RuleContext) -> str | None:
    """The 二级's role in the profile; for names the profile lacks, a guess by its words."""
    level2 = ind.level2
    found = ctx.shared["roles"].get(level2, _UNSEEN)  # the common case without a call
    if found is _UNSEEN:
        found = remember(ctx, "roles", level2, lambda: _resolve_role(level2, ctx))
    return found


def roles_present(project: Project, ctx: RuleContext) -> frozenset[str | None]:
    """The roles of the project's real indicators, once per project."""
    return per_project(ctx, "roles_present", project,
                       lambda: frozenset(role_of(ind, ctx) for ind in real(project, ctx)))


def profile_role(level2: str, ctx: RuleContext) -> str | None:
    """The 二级's role in the profile itself (no guessing), memoised per profile."""
    return remember(ctx, "profile_roles", level2, lambda: ctx.profile.role_of(level2) if level2 else None)


def names_with_role(ctx: RuleContext, role: str) -> list[str]:
    """The profile's 二级 names of a role, in form order (memoised per profile)."""
    return remember(ctx, "names_with_role", role, lambda: ctx.profile.names_with_role(role))


def _resolve_role(level2: str, ctx: RuleContext) -> str | None:
    role = profile_role(level2, ctx)
    if role:
        return role
    key = norm(level2)
    for word, guessed in _ROLE_GUESS:
        if word in key:
            return guessed
    return None


def indicator_where(ind: Indicator, column: str = "target") -> dict[str, str]:
    """Finding location for an indicator: the given column's cell, 二级 and 三级 names."""
    if column == "target":
        cell = ind.cell or ind.cells.get("target", "")
    else:
        cell = ind.cells.get(column) or ind.cell
    return {"cell": cell, "field": "indicator", "level2": ind.level2, "indicator": ind.name}


def level2_where(project: Project, level2: str) -> dict[str, str]:
    """Location of a 二级 row (its first row's 三级 cell), or the table when absent."""
    key = norm(level2)
    for ind in project.indicators:
        if norm(ind.level2) == key:
            return {"cell": ind.cells.get("name") or ind.cell, "field": "indicator", "level2": ind.level2}
    return {"cell": "", "field": "indicator", "level2": level2}


def core_name(name: str) -> str:
    """A 三级 name without a trailing bracketed note ("满意度（%）" → "满意度")."""
    key = norm(name)
    while key.endswith((")", "]", "】")):  # norm left no space after it
        stripped = _TRAILING_BRACKET_RE.sub("", key)
        if stripped == key:
            return key
        key = stripped
    return key


def is_percent_unit(unit: str, ctx: RuleContext) -> bool:
    key = norm(unit)
    return any(key.startswith(u) for u in words(ctx, "percent_units"))


def is_rate_name(name: str, ctx: RuleContext) -> bool:
    """A name that measures a share (…率, percentage-like …度)."""
    key = core_name(name)
    if key.endswith("率"):
        return not any(key.endswith(w) for w in words(ctx, "rate_not_percent"))
    if key.endswith("度") and len(key) >= 3:
        return not any(key.endswith(w) for w in words(ctx, "degree_not_percent"))
    return False


def is_quantitative(ind: Indicator) -> bool:
    return ind.operator in ("=", "≥", "≤", ">", "<")


def is_qualitative(ind: Indicator) -> bool:
    return ind.operator == QUALITATIVE or (not ind.operator and ind.qualitative)


# ---------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------


def money_unit(unit: str, ctx: RuleContext) -> tuple[str, float, bool] | None:
    """(money unit, factor to 万元, is a unit cost) for "元", "万元", "元/人/月" …; else None."""
    return remember(ctx, "money_unit", unit, lambda: _money_unit(unit, ctx))


def _money_units(ctx: RuleContext) -> dict[str, float]:
    """The settings' money units, normalised, longest first."""
    table = {norm(k): float(v) for k, v in strict_money_units().items()}
    return dict(sorted(table.items(), key=lambda item: len(item[0]), reverse=True))


def _money_unit(unit: str, ctx: RuleContext) -> tuple[str, float, bool] | None:
    key = norm(unit)
    units = per_profile(ctx, "money_units", lambda: _money_units(ctx))
    head, sep, _rest = key.partition("/")
    if not head and not sep:
        return None
    for name, factor in units.items():
        if head == name:
            return name, factor, bool(sep)
    # "元每人" / "元人" and similar are unit costs too.
    for name, factor in units.items():
        if head.startswith(name + "每"):
            return name, factor, True
    return None


def cost_money_unit(unit: str, ctx: RuleContext) -> tuple[str, float, bool] | None:
    """:func:`money_unit` for a cost indicator, whose unit is money by its row: a bare "万" ("≤ 250万")
    counts too (fields.toml's ``money_numerals``), which on other rows may count people or visits."""
    found = money_unit(unit, ctx)
    if found is not None:
        return found
    loose = {norm(k): v for k, v in money_units().items() if k in money_numerals()}
    factor = loose.get(norm(unit))
    return (norm(unit), factor, False) if factor is not None else None


def amount_in_wan(ind: Indicator, ctx: RuleContext) -> float | None:
    """A cost indicator's amount in 万元 (unit costs too), or None when it is not money."""
    if ind.value is None:
        return None
    found = cost_money_unit(ind.unit, ctx)
    if found is None:
        return None
    return ind.value * found[1]


def close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9
