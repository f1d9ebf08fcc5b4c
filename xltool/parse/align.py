"""A row copied from a web page or PDF lost its merged cells and is shorter than the title row:
its cells are aligned to the columns by content (a level name to 一级/二级, a number to the
target), the leftmost merged columns being the ones that vanish. One monotone mapping, the best
by a small score table, found by dynamic programming over (cells × columns).
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import Any

from xltool.core.frameworks import load_profiles
from xltool.core.model import STANDARD_OPERATORS, normalize_operator
from xltool.core.text import clean_text, lazy_pattern, normalize_label


@cache
def level_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every 一级 and 二级 name of the known frameworks, normalised."""
    profiles = load_profiles().values()
    return (
        frozenset(normalize_label(n) for p in profiles for n in p.level1_names()),
        frozenset(normalize_label(n) for p in profiles for n in p.level2_names()),
    )


@cache
def _level_pairs() -> dict[str, tuple[str, str]]:
    """"产出指标数量指标" (normalised, separators removed) → ("产出指标", "数量指标"): every 一级 with each of
    its 二级, in every known framework."""
    pairs: dict[str, tuple[str, str]] = {}
    for profile in load_profiles().values():
        for l1 in profile.level1:
            for l2 in l1.level2:
                pairs.setdefault(normalize_label(l1.name) + normalize_label(l2.name), (l1.name, l2.name))
    return pairs


_LEVEL_SEPARATORS = str.maketrans("", "", "-—–－/／、:：·|｜_()（）")


@lru_cache(maxsize=4096)
def split_levels(text: str) -> tuple[str, str] | None:
    """One cell holding both levels ("产出指标-数量指标", "效益指标/社会效益指标", "产出指标：质量指标"),
    as a 指标类别 column writes them: (一级, 二级) as the framework names them, else None."""
    key = normalize_label(text).translate(_LEVEL_SEPARATORS)
    return _level_pairs().get(key) if len(key) <= 40 else None


_TARGET_RE = lazy_pattern(r"^(?:[<>=≥≤≧≦＞＜＝]|>=|<=)?\s*[-+]?\d")
_SKIP_COST = {"level1": 0.0, "level2": 0.0, "caption": 0.0, "remark": -0.2, "long": -0.2,
              "operator": -1.0, "unit": -1.0, "name": -3.0, "target": -3.0}


def column_kind(key: str | None) -> str:
    """A medium-term twin column ("long:level2", "long_term_target") keeps its twin's kind: a short
    row of two groups side by side (中期 | 年度) aligns its level names and values to either group."""
    if key is None:
        return "caption"
    if key == "long_term_target":
        return "long:target"
    if key.startswith("long"):
        base = key.partition(":")[2]
        return f"long:{base}" if base in _SKIP_COST else "long"
    return key if key in _SKIP_COST else "remark"


def _skip_cost(kind: str) -> float:
    return _SKIP_COST["long" if kind.startswith("long") else kind]


@lru_cache(maxsize=16384)
def _fit(text: str, kind: str, title: str) -> float:
    """How well a cell's text fits a column kind (higher is better)."""
    if not text:
        return 0.0
    if kind.startswith("long:"):
        return _fit(text, kind[5:], title)
    key = normalize_label(text)
    known1, known2 = level_names()
    levelish = len(key) <= 14 and (key.endswith(("指标", "值")) or "指标(" in key) and not key[:1].isdigit()
    target = bool(_TARGET_RE.match(unicodedata.normalize("NFKC", text))) and len(key) <= 20
    if kind == "level1":
        return 2.0 if key in known1 else (1.0 if levelish else -2.0)
    if kind == "level2":
        return 2.0 if key in known2 else (1.0 if levelish else -2.0)
    if kind == "caption":
        return 2.0 if key == title else -1.0
    if kind == "name":
        return -1.5 if (key in known1 or key in known2) else (-1.0 if target else 1.0)
    if kind == "target":
        return -2.0 if (key in known1 or key in known2) else (2.0 if target else 0.0)
    if kind == "operator":
        return 2.0 if normalize_operator(text) in STANDARD_OPERATORS else -2.0
    if kind == "unit":
        return 1.0 if len(key) <= 6 and not any(ch.isdigit() for ch in key) else -1.0
    return -0.1


def align_row(row: list[Any], kinds: list[str], titles: list[str]) -> list[int]:
    """Column index of each cell of a short row: the monotone mapping that fits best."""
    k, n = len(row), len(kinds)
    texts = [clean_text(v) if v is not None else "" for v in row]
    neg = float("-inf")
    best = [[neg] * (n + 1) for _ in range(k + 1)]
    back: list[list[bool]] = [[False] * (n + 1) for _ in range(k + 1)]  # True: cell i-1 → column j-1
    best[0][0] = 0.0
    for j in range(1, n + 1):
        best[0][j] = best[0][j - 1] + _skip_cost(kinds[j - 1])
    for i in range(1, k + 1):
        for j in range(i, n + 1):
            skip = best[i][j - 1] + _skip_cost(kinds[j - 1]) if j - 1 >= i else neg
            take = best[i - 1][j - 1] + _fit(texts[i - 1], kinds[j - 1], titles[j - 1]) + 0.001 * j
            best[i][j], back[i][j] = (take, True) if take >= skip else (skip, False)
    mapping = [0] * k
    i, j = k, n
    while i > 0:
        if back[i][j]:
            mapping[i - 1] = j - 1
            i -= 1
        j -= 1
    return mapping
