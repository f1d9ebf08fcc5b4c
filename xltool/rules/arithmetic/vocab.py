"""The vocabulary (``data/arithmetic.toml``) and the patterns built from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Iterable, Mapping

from xltool.core.fields import strict_money_units
from xltool.core.text import lazy_pattern, normalize_label

import tomllib

MAX_FIGURES = 400  # a 项目概况 holds a handful; more is not a calculation worth redoing
MAX_RUN = 12  # how many preceding figures a 共计 may add up
MAX_NUMBERS = 5000  # numbers looked at at all (dates and counts included)
EPS = 1e-9

_CN_DIGITS: dict[str, int] = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二两三四五六七八九十"
CN_RE = re.compile(f"[{_CN}]")
# Full-width comma kept apart from "," (which may be a thousands separator) through NFKC.
FW_COMMA = "\x00"


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 三十 → 30 (1–99); None for anything else."""
    if not text or len(text) > 3 or any(ch not in _CN for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _norm(text: Any) -> str:
    """Vocabulary words compared the way every rule compares words (core.text)."""
    return normalize_label(text)


_M2_RE = lazy_pattern(r"(?<=[\d/·每])m2")


def pretty(text: str) -> str:
    """Undo what NFKC did to a unit for display: "8085.11m2" → "8085.11㎡"."""
    return _M2_RE.sub("㎡", text) if "m2" in text else text


def fmt(value: float, places: int = 2) -> str:
    """38.808528 → "38.81", 600.0 → "600", 0.0073 → "0.0073" (small amounts keep 4 places)."""
    if 0 < abs(value) < 0.1:
        places = max(places, 4)
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key looked up once per text
class Lexicon:
    """The words of ``data/arithmetic.toml``, normalised, as tuples."""

    money: tuple[tuple[str, float], ...]
    units: tuple[tuple[str, str], ...]
    per_units: tuple[tuple[str, str], ...]
    per_words: tuple[tuple[str, str], ...]
    time_in_months: tuple[tuple[str, float], ...]
    periods: tuple[tuple[str, float], ...]
    totals: tuple[str, ...] = ()
    totals_adjacent: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    approx_before: tuple[str, ...] = ()
    approx_after: tuple[str, ...] = ()
    previous_year: tuple[str, ...] = ()
    contract: tuple[str, ...] = ()
    contract_total: tuple[str, ...] = ()
    generic_count: tuple[str, ...] = ()
    window: int = 8

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Lexicon":
        """Build from the parsed TOML; unknown keys are ignored, missing ones are empty."""

        def pairs(section: Any, convert: Any) -> tuple[tuple[Any, Any], ...]:
            items = section.items() if isinstance(section, Mapping) else ()
            return tuple((_norm(k), convert(v)) for k, v in items if _norm(k))

        words = data.get("words") or {}

        def wordlist(key: str) -> tuple[str, ...]:
            return tuple(n for n in (_norm(w) for w in words.get(key, []) or []) if n)

        return cls(
            money=pairs(data.get("money") or strict_money_units(), float),
            units=pairs(data.get("units"), _norm),
            per_units=pairs(data.get("per_units"), _norm),
            per_words=pairs(data.get("per_words"), _norm),
            time_in_months=pairs(data.get("time_in_months"), float),
            periods=pairs(words.get("periods"), float),
            totals=wordlist("totals"),
            totals_adjacent=wordlist("totals_adjacent"),
            parts=wordlist("parts"),
            approx_before=wordlist("approx_before"),
            approx_after=wordlist("approx_after"),
            previous_year=wordlist("previous_year"),
            contract=wordlist("contract"),
            contract_total=wordlist("contract_total"),
            generic_count=wordlist("generic_count"),
            window=max(1, min(int(words.get("window", 8) or 8), 40)),
        )


@cache
def default_lexicon() -> Lexicon:
    """The shipped vocabulary (``xltool/data/arithmetic.toml``)."""
    path = resources.files("xltool") / "data" / "arithmetic.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return Lexicon.from_mapping(data)


def alternation_of(words: Iterable[str]) -> str:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered) if ordered else r"(?!x)x"


@dataclass(frozen=True)
class Patterns:
    money: dict[str, float]
    units: dict[str, str]
    per_units: dict[str, str]  # units and the words only prices use ("车", "日")
    per_words: dict[str, str]
    periods: dict[str, float]
    number: re.Pattern[str]
    cn_number: re.Pattern[str]
    unit: re.Pattern[str]
    per_suffix: re.Pattern[str]
    per_prefix: re.Pattern[str]
    approx_before: re.Pattern[str]
    approx_after: re.Pattern[str]
    total_before: re.Pattern[str]
    unit_thousands: re.Pattern[str]
    year: re.Pattern[str]
    previous_year: re.Pattern[str]
    period: re.Pattern[str]
    parts: re.Pattern[str]
    contract: re.Pattern[str]
    contract_total: re.Pattern[str]


ENUM_RE = re.compile(
    r"(?<![\d.A-Za-z第一二两三四五六七八九十])"
    r"(?:\((?P<paren>\d{1,2}|[一二三四五六七八九十]{1,3})\)"
    r"|(?P<digit>\d{1,2})\s?[、.)]"
    r"|(?P<cn>[一二三四五六七八九十]{1,3})\s?[、.)])"
    r"(?!\d)"
)
SENTENCE_END = frozenset("。;!?")
CLAUSE_END = frozenset("。;!?,、:" + FW_COMMA)


@cache
def patterns_of(lex: Lexicon) -> Patterns:
    """The vocabulary's patterns, each compiled on its first use: a table's texts ask only some of them
    (a lone project rarely writes a contract, a previous year or a unit in 千), ~0.5 ms each to compile."""
    money = [w for w, _ in lex.money]
    units = [w for w, _ in lex.units]
    per = units + [w for w, _ in lex.per_units]
    window = lex.window
    return Patterns(
        money=dict(lex.money),
        units=dict(lex.units),
        per_units={**dict(lex.units), **dict(lex.per_units)},
        per_words=dict(lex.per_words),
        periods=dict(lex.periods),
        number=lazy_pattern(r"(?<![\d.A-Za-z])(\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(\.\d+)?"),
        cn_number=lazy_pattern(r"(?<![第一二两三四五六七八九十〇零])(分)?([一二两三四五六七八九十]{1,3})(?=个月|年|期)"),
        unit=lazy_pattern(rf"[ \t]?({alternation_of(lex.approx_after)})?[ \t]?({alternation_of(money + units)})"),
        per_suffix=lazy_pattern(rf"[ \t]?(?:/|每|·)[ \t]?({alternation_of(per)})"),
        per_prefix=lazy_pattern(rf"每[ \t]?({alternation_of(per)})|({alternation_of(w for w, _ in lex.per_words)})"),
        approx_before=lazy_pattern(rf"(?:{alternation_of(lex.approx_before)})(?:为|需|需要|是|在)?[ \t]?$"),
        approx_after=lazy_pattern(rf"[ \t]?(?:{alternation_of(lex.approx_after)})"),
        total_before=lazy_pattern(
            rf"(?:(?:{alternation_of(lex.totals)})[^。;!?,、{FW_COMMA}]{{0,{window}}}"
            rf"|(?:{alternation_of(lex.totals_adjacent)})[ \t]?(?:{alternation_of(lex.approx_before)})?[ \t]?|=[ \t]?)$"
        ),
        unit_thousands=lazy_pattern(rf"[ \t]?(万|千)({alternation_of(units)})"),
        year=lazy_pattern(r"(?<!\d)((?:19|20)\d{2})[ \t]?年(?!\d)"),
        previous_year=lazy_pattern(alternation_of(lex.previous_year)),
        period=lazy_pattern(alternation_of(w for w, _ in lex.periods)),
        parts=lazy_pattern(alternation_of(lex.parts)),
        contract=lazy_pattern(alternation_of(lex.contract)),
        contract_total=lazy_pattern(alternation_of(lex.contract_total)),
    )


# ---------------------------------------------------------------------------


ANY_COUNT = "*"  # a per-word without its unit ("单价"): per whatever is counted next to it


UNKNOWN = "?"  # per a unit the vocabulary does not know ("每亩"): the price is left alone


PER_MARK_RE = re.compile(r"[ \t]?(?:/|每)[ \t]?(?=[^\d\s。;,:、" + FW_COMMA + "])")


def unknown_per(before: str, pats: Patterns) -> bool:
    """A "每…" before a price whose unit is not in the vocabulary ("每亩每年800元")."""
    known = {m.start() for m in pats.per_prefix.finditer(before) if m.group(1)}
    return any(i not in known for i, ch in enumerate(before) if ch == "每" and i + 1 < len(before))


def as_whole(text: str) -> str:
    """A sentence's working shown on its own: its 小计 is the 合计."""
    return text.replace("；小计", "；合计")
