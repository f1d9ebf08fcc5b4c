"""Redo the arithmetic a 项目概况 states: quantity × unit price × period, listed items, 共计.

Reviewers check that "8085.11平方米，4元/平方米/月" works out to the project's total. This
module reads such text into figures and into the products and sums the text implies, each
with its working written out. It knows nothing of projects, rules or findings (text in,
plain data out), so the rule module alone decides what a difference means.

The vocabulary (units and their synonyms, 共计/合计, 约 …) is data: ``data/arithmetic.toml``.
There is no eval, and every pattern is a literal alternation or a bounded character class
scanned once, so a 100 KB text is read in linear time; at most ``MAX_NUMBERS`` numbers and
``MAX_FIGURES`` figures are considered, and sums look back over at most ``MAX_RUN`` terms.
Whatever the reading had to assume (a period from the plan dates, a count from another
sentence, counts no price uses) makes it uncertain, and plausible other readings are kept
as ``alternatives`` so the rules never blame a text for a reading it does not clearly state.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

MAX_FIGURES = 400  # a 项目概况 holds a handful; more is not a calculation worth redoing
MAX_RUN = 12  # how many preceding figures a 共计 may add up
MAX_NUMBERS = 5000  # numbers looked at at all (dates and counts included)
_EPS = 1e-9

_CN_DIGITS: dict[str, int] = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二两三四五六七八九十"
_CN_RE = re.compile(f"[{_CN}]")
# Full-width comma kept apart from "," (which may be a thousands separator) through NFKC.
_FW_COMMA = "\x00"


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
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


_M2_RE = re.compile(r"(?<=[\d/·每])m2")


def pretty(text: str) -> str:
    """Undo what NFKC did to a unit for display: "8085.11m2" → "8085.11㎡"."""
    return _M2_RE.sub("㎡", text)


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
            money=pairs(data.get("money"), float),
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


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered) if ordered else r"(?!x)x"


@dataclass(frozen=True)
class _Patterns:
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


_ENUM_RE = re.compile(
    r"(?<![\d.A-Za-z第一二两三四五六七八九十])"
    r"(?:\((?P<paren>\d{1,2}|[一二三四五六七八九十]{1,3})\)"
    r"|(?P<digit>\d{1,2})\s?[、.)]"
    r"|(?P<cn>[一二三四五六七八九十]{1,3})\s?[、.)])"
    r"(?!\d)"
)
_SENTENCE_END = frozenset("。;!?")
_CLAUSE_END = frozenset("。;!?,、:" + _FW_COMMA)


@cache
def _patterns(lex: Lexicon) -> _Patterns:
    money = [w for w, _ in lex.money]
    units = [w for w, _ in lex.units]
    per = units + [w for w, _ in lex.per_units]
    window = lex.window
    return _Patterns(
        money=dict(lex.money),
        units=dict(lex.units),
        per_units={**dict(lex.units), **dict(lex.per_units)},
        per_words=dict(lex.per_words),
        periods=dict(lex.periods),
        number=re.compile(r"(?<![\d.A-Za-z])(\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(\.\d+)?"),
        cn_number=re.compile(r"(?<![第一二两三四五六七八九十〇零])(分)?([一二两三四五六七八九十]{1,3})(?=个月|年|期)"),
        unit=re.compile(rf"[ \t]?({_alternation(lex.approx_after)})?[ \t]?({_alternation(money + units)})"),
        per_suffix=re.compile(rf"[ \t]?(?:/|每|·)[ \t]?({_alternation(per)})"),
        per_prefix=re.compile(rf"每[ \t]?({_alternation(per)})|({_alternation(w for w, _ in lex.per_words)})"),
        approx_before=re.compile(rf"(?:{_alternation(lex.approx_before)})(?:为|需|需要|是|在)?[ \t]?$"),
        approx_after=re.compile(rf"[ \t]?(?:{_alternation(lex.approx_after)})"),
        total_before=re.compile(
            rf"(?:(?:{_alternation(lex.totals)})[^。;!?,、{_FW_COMMA}]{{0,{window}}}"
            rf"|(?:{_alternation(lex.totals_adjacent)})[ \t]?(?:{_alternation(lex.approx_before)})?[ \t]?|=[ \t]?)$"
        ),
        unit_thousands=re.compile(rf"[ \t]?(万|千)({_alternation(units)})"),
        year=re.compile(r"(?<!\d)((?:19|20)\d{2})[ \t]?年(?!\d)"),
        previous_year=re.compile(_alternation(lex.previous_year)),
        period=re.compile(_alternation(w for w, _ in lex.periods)),
        parts=re.compile(_alternation(lex.parts)),
        contract=re.compile(_alternation(lex.contract)),
        contract_total=re.compile(_alternation(lex.contract_total)),
    )


# ---------------------------------------------------------------------------
# What the text says
# ---------------------------------------------------------------------------


@dataclass(eq=False, slots=True)  # compared by identity: each figure is one place in the text
class Figure:
    """A number with its unit as the text writes it.

    ``kind`` is "amount" (money, in 万元), "rate" (money per unit, in 万元 per ``per``) or
    "quantity" (``value`` in ``unit``; time quantities in their own unit too).
    """

    kind: str
    value: float
    unit: str
    text: str
    start: int
    end: int
    per: tuple[str, ...] = ()
    approx: bool = False
    total: bool = False  # written as the result: after 共计/合计/=
    year: int | None = None  # the year the text states the figure for, if it says
    previous_year: bool = False  # 上年/去年 …
    sentence: int = 0
    item: int = -1  # index of the listed item (1、2、…) it belongs to; -1 outside a list


@dataclass(frozen=True)
class Factor:
    """One factor of a product: a written quantity, or a period the text did not state."""

    text: str
    value: float
    assumed: bool = False  # not written next to the price: taken from elsewhere
    note: str = ""  # how an assumed factor was arrived at ("月数按计划起止时间计")


@dataclass(frozen=True)
class Product:
    """quantity × unit price (× period) = value (万元)."""

    rate: Figure
    counts: tuple[Factor, ...]
    times: tuple[Factor, ...]
    value: float
    approx: bool
    certain: bool
    used: tuple[Figure, ...] = ()  # the written quantities it multiplies

    @property
    def working(self) -> str:
        terms = [f.text for f in self.counts] + [self.rate.text] + [f.text for f in self.times]
        return f"{' × '.join(terms)} = {fmt(self.value)}万元"

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(f.note for f in (*self.counts, *self.times) if f.note)


@dataclass(frozen=True)
class Term:
    """One addend of what the text implies: a written amount or a product."""

    text: str
    value: float
    approx: bool = False
    certain: bool = True
    product: bool = False
    notes: tuple[str, ...] = ()  # assumptions behind it, said once per message


@dataclass(frozen=True)
class Reading:
    """A figure the text implies for the whole project, and how it is made up."""

    terms: tuple[Term, ...]
    stated: Figure | None = None  # the 共计/合计 the terms were checked against
    partial: bool = False  # some listed items carry no figure: only a lower bound

    @property
    def value(self) -> float:
        return sum(t.value for t in self.terms)

    @property
    def firm(self) -> float:
        return sum(t.value for t in self.terms if not t.approx)

    @property
    def approx(self) -> float:
        return sum(t.value for t in self.terms if t.approx)

    @property
    def has_product(self) -> bool:
        return any(t.product for t in self.terms)

    @property
    def certain(self) -> bool:
        return not self.partial and all(t.certain and not t.approx for t in self.terms)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for t in self.terms for n in t.notes))

    @property
    def working(self) -> str:
        if len(self.terms) == 1:
            return as_whole(self.terms[0].text)
        if self.has_product:
            return f"{'；'.join(t.text for t in self.terms)}；合计{fmt(self.value)}万元"
        return f"{' + '.join(t.text for t in self.terms)} = {fmt(self.value)}万元"


@dataclass(frozen=True)
class Mismatch:
    """The text's own arithmetic is off: its terms do not add up to the result it writes."""

    kind: str  # "product" (… × … = stated), "sum" (items vs 共计), "parts" (其中 … exceed the whole)
    terms: tuple[Term, ...]
    stated: Figure

    @property
    def value(self) -> float:
        return sum(t.value for t in self.terms)

    @property
    def approx(self) -> bool:
        return self.stated.approx or any(t.approx for t in self.terms)

    @property
    def certain(self) -> bool:
        return all(t.certain for t in self.terms)


@dataclass(frozen=True)
class Contract:
    """An amount written next to "N年" or "分N期": a contract over several years or phases."""

    amount: Figure
    count: int
    unit: str  # "年" or "期"
    text: str  # "3年" / "分两期" as written


@dataclass(frozen=True)
class Analysis:
    """Everything the arithmetic check needs from one text."""

    text: str  # the normalised text the positions refer to
    figures: tuple[Figure, ...]
    products: tuple[Product, ...]
    reading: Reading | None
    alternatives: tuple[float, ...]  # other plausible totals (万元) when the reading is ambiguous
    mismatches: tuple[Mismatch, ...]
    contracts: tuple[Contract, ...]

    @property
    def has_computation(self) -> bool:
        """True when the text implies a figure for the project, worked out or checked."""
        return self.reading is not None or bool(self.mismatches)

    def other_year(self, year: int) -> list[Figure]:
        """Amounts the text states for a year other than ``year``."""
        return [f for f in self.figures if f.kind == "amount" and (f.previous_year or (f.year and f.year != year))]


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFKC with the full-width comma kept distinct from ",", and line ends unified."""
    cleaned = text.replace(_FW_COMMA, "").replace("\r\n", "\n").replace("\r", "\n").replace("，", _FW_COMMA)
    return unicodedata.normalize("NFKC", cleaned)


def _is_cjk_or_alnum(ch: str) -> bool:
    return ch.isalnum() or "\u4e00" <= ch <= "\u9fff"


@dataclass(frozen=True)
class _Layout:
    """Where sentences, clauses and listed items start in the normalised text."""

    sentences: list[int]
    clauses: list[int]
    items: list[int]

    def sentence_of(self, pos: int) -> int:
        return bisect_right(self.sentences, pos) - 1

    def item_of(self, pos: int) -> int:
        return bisect_right(self.items, pos) - 1

    def clause(self, pos: int, length: int) -> tuple[int, int]:
        index = bisect_right(self.clauses, pos)
        return self.clauses[index - 1], self.clauses[index] if index < len(self.clauses) else length

    def sentence_span(self, sentence: int, length: int) -> tuple[int, int]:
        end = self.sentences[sentence + 1] if sentence + 1 < len(self.sentences) else length
        return self.sentences[sentence], end


_BREAK_RE = re.compile("[。;!?,、:.\n" + _FW_COMMA + "]")


def _layout(text: str) -> _Layout:
    sentences, clauses = [0], [0]
    length = len(text)
    for found in _BREAK_RE.finditer(text):
        i = found.start()
        ch = text[i]
        end_sentence = ch in _SENTENCE_END
        end_clause = ch in _CLAUSE_END
        if ch in ".:,":
            between_digits = 0 < i < length - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            end_sentence = ch == "." and not between_digits
            end_clause = not between_digits
        elif ch == "\n":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < length else ""
            # A hard wrap inside a sentence (Word's "…亚泰财富中\n心地下…") joins; other line ends end it.
            wrapped = _is_cjk_or_alnum(before) and _is_cjk_or_alnum(after) and not _ENUM_RE.match(text, i + 1)
            end_sentence = end_clause = not wrapped
        if end_sentence:
            sentences.append(i + 1)
        if end_clause or end_sentence:
            clauses.append(i + 1)
    return _Layout(sentences, clauses, _items(text))


def _items(text: str) -> list[int]:
    """Start positions of listed items ("1、" "2." "(一)"): numbered runs of the first style that has one."""
    runs: dict[str, list[list[tuple[int, int]]]] = {}
    first_run_at: dict[str, int] = {}
    for count, match in enumerate(_ENUM_RE.finditer(text)):
        if count > MAX_FIGURES:
            break
        raw = match.group("paren") or match.group("digit") or match.group("cn") or ""
        number = int(raw) if raw.isdigit() else cn_number(raw)
        if number is None:
            continue
        style = ("paren-" if match.group("paren") else "") + ("digit" if raw.isdigit() else "cn")
        style_runs = runs.setdefault(style, [])
        if number == 1:
            style_runs.append([(number, match.start())])
        elif style_runs and style_runs[-1][-1][0] == number - 1:
            style_runs[-1].append((number, match.start()))
            if len(style_runs[-1]) == 2 and style not in first_run_at:
                first_run_at[style] = style_runs[-1][0][1]
    if not first_run_at:
        return []
    style = min(first_run_at, key=lambda s: first_run_at[s])
    return sorted(pos for run in runs[style] if len(run) >= 2 for _, pos in run)


_MONTH_SPAN_RE = re.compile(r"(?<![\d.])(\d{1,2})[ \t]?月?[ \t]?(?:-|—|–|~|至|到)[ \t]?(\d{1,2})[ \t]?月(?!\d)")


def _scan(text: str, lex: Lexicon, pats: _Patterns, layout: _Layout, year: int | None) -> list[Figure]:
    """Every amount, unit price and quantity, in text order."""
    money, units, per_units, per_words = pats.money, pats.units, pats.per_units, pats.per_words
    years = [(m.start(), int(m.group(1))) for m in pats.year.finditer(text)] if "年" in text else []
    previous = [m.start() for m in pats.previous_year.finditer(text)] if lex.previous_year else []
    window = lex.window
    length = len(text)
    found: list[tuple[int, int, dict[str, Any]]] = []

    def tail(start: int, size: int) -> str:
        return text[max(layout.clause(start, length)[0], start - size): start]

    for count, match in enumerate(pats.number.finditer(text)):
        if len(found) >= MAX_FIGURES or count >= MAX_NUMBERS:
            break
        start, end = match.span()
        unit_match = pats.unit.match(text, end)
        if not unit_match:
            scaled = pats.unit_thousands.match(text, end)  # "10万份"
            if scaled and len(found) < MAX_FIGURES:
                number = float(match.group(0).replace(",", "")) * (10000 if scaled.group(1) == "万" else 1000)
                found.append((start, scaled.end(), {"kind": "quantity", "value": number,
                                                    "unit": units[scaled.group(2)], "text": text[start:scaled.end()]}))
            continue
        digits = match.group(1).replace(",", "")
        value = float(digits + (match.group(2) or ""))
        written = unit_match.group(2)
        pos = unit_match.end()
        if written not in money and units[written] == "年" and (len(digits) == 4 or value >= 100):
            continue  # "2022年" is a date, not a duration
        approx = bool(unit_match.group(1)) or bool(pats.approx_before.search(tail(start, 6)))
        if written not in money:
            unit = units[written]
            shown_quantity = f"约{text[start:pos]}" if approx and not unit_match.group(1) else text[start:pos]
            found.append((start, pos, {"kind": "quantity", "value": value, "unit": unit,
                                       "text": pretty(shown_quantity), "approx": approx}))
            continue
        per: list[str] = []
        shown: list[str] = []
        while len(per) < 3:
            suffix = pats.per_suffix.match(text, pos)
            if not suffix or per_units[suffix.group(1)] in per:
                break
            per.append(per_units[suffix.group(1)])
            shown.append(suffix.group(1))
            pos = suffix.end()
        unknown = _PER_MARK_RE.match(text, pos)
        if unknown:  # "800元/亩": per a unit the vocabulary does not know, so nothing to multiply
            per.append(_UNKNOWN)
            shown.append(text[unknown.end(): unknown.end() + 2].rstrip("。;,:、" + _FW_COMMA))
        before = tail(start, window)
        if _unknown_per(before, pats):
            per.insert(0, _UNKNOWN)
            shown.insert(0, "…")
        prefixed = 0
        label = ""
        for prefix in pats.per_prefix.finditer(before):
            canonical = per_units.get(prefix.group(1) or "") or per_words.get(prefix.group(2) or "")
            if canonical == _ANY_COUNT:
                label = prefix.group(2)  # "单价5万元": per whatever is counted next to it
            if canonical and canonical not in per:
                per.insert(prefixed, canonical)
                shown.insert(prefixed, prefix.group(1) or canonical)
                prefixed += 1
        after = pats.approx_after.match(text, pos)
        if after:
            pos, approx = after.end(), True
        amount = value * money[written]
        if per:
            units_shown = "/".join(s for s in shown if s != _ANY_COUNT)
            price = f"{label}{match.group(0)}{written}" + (f"/{units_shown}" if units_shown else "")
            found.append((start, pos, {"kind": "rate", "value": amount, "unit": "万元", "per": tuple(per),
                                       "text": pretty(f"约{price}" if approx else price), "approx": approx}))
        else:
            lead = text[max(layout.sentences[layout.sentence_of(start)], start - window - 4): start]
            marked = bool(pats.total_before.search(lead))  # "合计：80万元" crosses the colon
            shown_amount = text[start:pos] if not approx or after else f"约{text[start:pos]}"
            found.append((start, pos, {"kind": "amount", "value": amount, "unit": "万元",
                                       "text": shown_amount, "approx": approx, "total": marked}))
    periods = pats.periods
    for match in pats.period.finditer(text) if periods else ():
        if len(found) >= 2 * MAX_FIGURES:
            break
        found.append((match.start(), match.end(), {"kind": "quantity", "value": periods[match.group(0)],
                                                    "unit": "月", "text": match.group(0)}))
    for match in _MONTH_SPAN_RE.finditer(text) if "月" in text else ():  # "1-12月", "3月至8月"
        first, last = int(match.group(1)), int(match.group(2))
        if len(found) >= 2 * MAX_FIGURES:
            break
        if 1 <= first <= last <= 12:
            count = last - first + 1
            found.append((match.start(), match.end(), {"kind": "quantity", "value": float(count), "unit": "月",
                                                        "text": f"{count}个月（{match.group(0)}）"}))
    for match in pats.cn_number.finditer(text) if _CN_RE.search(text) else ():
        if len(found) >= 2 * MAX_FIGURES:
            break
        number = cn_number(match.group(2))
        unit = "月" if text.startswith("个月", match.end()) else text[match.end(): match.end() + 1]
        if number is None or (unit == "期" and not match.group(1)):
            continue  # "分两期" counts phases; "二期" names one
        stop = match.end() + (2 if unit == "月" else 1)
        found.append((match.start(), stop, {"kind": "quantity", "value": float(number), "unit": unit,
                                            "text": text[match.start(): stop]}))
    found.sort(key=lambda f: f[0])

    figures: list[Figure] = []
    for start, end, data in found:
        stated_year: int | None = None
        was_previous = False
        if data["kind"] == "amount":
            stated_year, was_previous = _year_of(text, start, layout, years, previous, year)
        figures.append(Figure(start=start, end=end, sentence=layout.sentence_of(start), item=layout.item_of(start),
                              year=stated_year, previous_year=was_previous, **data))
    return figures


def _year_of(
    text: str, start: int, layout: _Layout, years: list[tuple[int, int]], previous: list[int], budget: int | None
) -> tuple[int | None, bool]:
    """The year the text states an amount for: a year in its clause, else its sentence's lead ("2021年，…")."""
    c_start, c_end = layout.clause(start, len(text))
    lo = bisect_left(years, (c_start, 0))
    hi = bisect_left(years, (c_end, 0))
    in_clause = years[lo:hi]
    if in_clause:
        if budget is not None and any(y == budget for _, y in in_clause):
            return budget, False
        before = [y for p, y in in_clause if p < start]
        return (before[-1] if before else in_clause[0][1]), False
    if bisect_left(previous, c_end) > bisect_left(previous, c_start):
        return None, True
    s_start = layout.sentences[layout.sentence_of(start)]
    lead = _LEAD_YEAR_RE.match(text, s_start)
    return (int(lead.group(1)), False) if lead else (None, False)


_LEAD_YEAR_RE = re.compile(r"[ \t\n]*((?:19|20)\d{2})[ \t]?年度?[" + _FW_COMMA + ",:]")


# ---------------------------------------------------------------------------
# Products and sums
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """When two amounts (万元) count as the same: rounding, and how rough a "约" figure is."""

    absolute: float = 0.005  # 万元: two decimals
    relative: float = 0.003  # of the amount compared with: rounded unit prices
    approx: float = 0.1  # how far an approximate figure may be off, relative to itself

    def allowance(self, target: float) -> float:
        return max(self.absolute, self.relative * abs(target))


def agrees(firm: float, approx: float, target: float, tol: Tolerance) -> bool:
    """Whether terms (firm part + approximate part) agree with ``target`` (万元).

    Approximate terms ("约2万元") may each be off by ``tol.approx``; and when the firm part
    alone matches, the approximate ones are read as contingent (法律顾问费8万元，诉讼费年预估约2万元).
    """
    allowance = tol.allowance(target)
    if approx <= _EPS:
        return abs(firm - target) <= allowance + _EPS
    low = firm + approx * (1 - tol.approx) - allowance
    high = firm + approx * (1 + tol.approx) + allowance
    return low - _EPS <= target <= high + _EPS or (firm > _EPS and abs(firm - target) <= allowance + _EPS)


def _nearest(candidates: list[Figure], pos: int) -> Figure | None:
    """The closest candidate before ``pos``, else the closest after it."""
    before = [c for c in candidates if c.start < pos]
    if before:
        return before[-1]
    after = [c for c in candidates if c.start >= pos]
    return after[0] if after else None


def _unit_word(unit: str) -> str:
    return "个月" if unit == "月" else unit


_ANY_COUNT = "*"  # a per-word without its unit ("单价"): per whatever is counted next to it
_UNKNOWN = "?"  # per a unit the vocabulary does not know ("每亩"): the price is left alone
_PER_MARK_RE = re.compile(r"[ \t]?(?:/|每)[ \t]?(?=[^\d\s。;,:、" + _FW_COMMA + "])")


def _unknown_per(before: str, pats: _Patterns) -> bool:
    """A "每…" before a price whose unit is not in the vocabulary ("每亩每年800元")."""
    known = {m.start() for m in pats.per_prefix.finditer(before) if m.group(1)}
    return any(i not in known for i, ch in enumerate(before) if ch == "每" and i + 1 < len(before))


def _product(
    rate: Figure, quantities: list[Figure], lex: Lexicon, months: float | None, *, outside: bool = False
) -> Product | None:
    """rate × the quantities its units ask for; None when a count is nowhere to be found.

    A quantity is looked for in the price's sentence, then its listed item, then (one
    value only) the whole text; a missing period comes from the plan dates. Anything
    not written next to the price makes the product uncertain.
    """
    in_months = dict(lex.time_in_months)

    def is_local(q: Figure) -> bool:
        return not outside and q.sentence == rate.sentence

    def in_item(q: Figure) -> bool:
        return not outside and rate.item >= 0 and q.item == rate.item

    local = [q for q in quantities if is_local(q)]
    counts: list[Factor] = []
    times: list[Factor] = []
    used: list[Figure] = []
    value, approx, certain = rate.value, rate.approx, not outside
    if _UNKNOWN in rate.per:
        return None
    for unit in rate.per:
        timed = unit in in_months
        if unit == _ANY_COUNT:
            wanted = [q for q in local if q.unit not in in_months]
        else:
            wanted = [q for q in quantities if (q.unit in in_months if timed else q.unit == unit)]
        # A period in the price's own unit ("会期1天" for a price per day) before a converted one ("全年").
        exact = [w for w in wanted if w.unit == unit] if timed else wanted
        q = (
            _nearest([w for w in exact if is_local(w)], rate.start)
            or _nearest([w for w in exact if in_item(w)], rate.start)
            or _nearest([w for w in wanted if is_local(w)], rate.start)
            or _nearest([w for w in wanted if in_item(w)], rate.start)
        )
        if q is None and wanted:
            sizes = {w.value * (in_months[w.unit] if timed else 1.0) for w in wanted}
            if len(sizes) == 1:
                q, certain = wanted[0], False
        if q is None and not timed and unit in lex.generic_count:
            generic = [w for w in local if w.unit == "个" and w.start < rate.start]
            if generic:
                q, certain = generic[-1], False
        if q is None and not timed:
            return None
        if q is None:
            period = months if months else 12.0
            count = period / in_months[unit]
            word = {"月": "月数", "天": "天数", "年": "年数", "周": "周数"}.get(unit, f"{unit}数")
            note = f"{word}按计划起止时间计" if months else f"{word}按全年计"
            times.append(Factor(f"{fmt(count)}{_unit_word(unit)}", count, assumed=True, note=note))
            certain = False
        elif timed:
            count = q.value * in_months[q.unit] / in_months[unit]
            written_out = q.unit == unit and any(ch.isdigit() for ch in q.text)
            shown = q.text if written_out else f"{q.text}（{fmt(count)}{_unit_word(unit)}）"
            times.append(Factor(shown, count, assumed=not is_local(q)))
            used.append(q)
            approx = approx or q.approx
        else:
            count = q.value
            counts.append(Factor(q.text, count, assumed=not is_local(q)))
            used.append(q)
            approx = approx or q.approx
        value *= count
    return Product(rate, tuple(counts), tuple(times), value, approx, certain and not approx, tuple(used))


def _joined(texts: list[str], value: float) -> str:
    """One working for several products: "a = x万元；b = y万元；小计z万元" (合计 when it is the whole)."""
    return texts[0] if len(texts) == 1 else f"{'；'.join(texts)}；小计{fmt(value)}万元"


def as_whole(text: str) -> str:
    """A sentence's working shown on its own: its 小计 is the 合计."""
    return text.replace("；小计", "；合计")


def _product_term(products: list[Product]) -> Term:
    value = sum(p.value for p in products)
    return Term(_joined([p.working for p in products], value), value,
                approx=any(p.approx for p in products), certain=all(p.certain for p in products), product=True,
                notes=tuple(dict.fromkeys(n for p in products for n in p.notes)))


def _combined(terms: list[Term]) -> Term:
    if len(terms) == 1:
        return terms[0]
    value = sum(t.value for t in terms)
    return Term(_joined([t.text for t in terms], value), value, approx=any(t.approx for t in terms),
                certain=all(t.certain for t in terms), product=True,
                notes=tuple(dict.fromkeys(n for t in terms for n in t.notes)))


def _amount_term(figure: Figure) -> Term:
    return Term(figure.text, figure.value, approx=figure.approx, certain=not figure.approx)


def _terms_agree(terms: Iterable[Term], target: Figure, tol: Tolerance) -> bool:
    listed = list(terms)
    firm = sum(t.value for t in listed if not t.approx)
    rough = sum(t.value for t in listed if t.approx)
    if target.approx:
        tol = Tolerance(tol.absolute + tol.approx * target.value, tol.relative, tol.approx)
    return agrees(firm, rough, target.value, tol)


def _suffix_run(terms: list[Term], target: Figure, tol: Tolerance) -> list[Term] | None:
    """The shortest run of two or more terms, ending with the last, that adds up to ``target``."""
    recent = terms[-MAX_RUN:]
    for count in range(2, len(recent) + 1):
        if _terms_agree(recent[-count:], target, tol):
            return recent[-count:]
    return None


# ---------------------------------------------------------------------------
# Written-out formulas: "8085.11㎡×4元/㎡/月×12月=38.81万元"
# ---------------------------------------------------------------------------

_GAP_UNIT = r"(?P<unit>[^=×*xX✕。;!?,:、\n" + _FW_COMMA + r"]{0,12}?)"
_TIMES_GAP_RE = re.compile(_GAP_UNIT + r"[ \t]*(?:×|✕|\*|x|X|乘以)[ \t]*\(?")
_EQUALS_GAP_RE = re.compile(_GAP_UNIT + r"[ \t]*\)?[ \t]*(?:=|等于)[ \t]*约?")


_TIMES_RE = re.compile("[×✕*xX]|乘以")
_DIGIT_RE = re.compile("[0-9一二两三四五六七八九十]")


@dataclass(frozen=True)
class _Chain:
    factors: tuple[tuple[str, float, float | None], ...]  # (as written, number, factor to 万元 if money)
    result: Figure
    start: int

    def value(self, lex: Lexicon) -> tuple[float, bool]:
        """The product in 万元, and whether the units settled it (a money factor was written)."""
        raw = 1.0
        money = [m for _, _, m in self.factors if m is not None]
        for _, number, _ in self.factors:
            raw *= number
        if len(money) == 1:
            return raw * money[0], True
        # Bare numbers: the product is in the result's unit, or (prices in 元) in 元.
        written = self.result.text.lstrip("约")
        unit = next((w for w, _ in sorted(lex.money, key=lambda m: -len(m[0])) if written.endswith(w)), "万元")
        per_unit = dict(lex.money).get(unit, 1.0)
        yuan = dict(lex.money).get("元", 0.0001)
        candidates = [raw * per_unit, raw * yuan]
        target = self.result.value or _EPS
        return min(candidates, key=lambda c: abs(c - target) / max(abs(target), _EPS)), False


def _chains(text: str, lex: Lexicon, pats: _Patterns, figures: list[Figure]) -> list[_Chain]:
    """Every "a × b × c = amount" written out in the text (two or more factors)."""
    money = dict(lex.money)
    money_re = re.compile(_alternation(money))
    results = {f.start: f for f in figures if f.kind == "amount"}
    numbers = []
    for count, match in enumerate(pats.number.finditer(text)):
        if count >= MAX_NUMBERS:
            break
        numbers.append(match)
    chains: list[_Chain] = []
    current: list[tuple[str, float, float | None]] = []
    start = 0
    for index, match in enumerate(numbers):
        nxt = numbers[index + 1] if index + 1 < len(numbers) else None
        gap = text[match.end(): nxt.start()] if nxt else text[match.end(): match.end() + 16]
        number = float(match.group(0).replace(",", ""))
        times = _TIMES_GAP_RE.fullmatch(gap) if nxt and len(gap) <= 20 else None
        equals = _EQUALS_GAP_RE.fullmatch(gap) if nxt and len(gap) <= 20 else None
        unit = (times or equals).group("unit").strip() if (times or equals) else ""
        head = money_re.match(unit)
        factor = (pretty(f"{match.group(0)}{unit}"), number, money[head.group(0)] if head else None)
        if times:
            if not current:
                start = match.start()
            current.append(factor)
            continue
        if current and equals and nxt is not None and nxt.start() in results:
            current.append(factor)
            chains.append(_Chain(tuple(current), results[nxt.start()], start))
        current = []
        if len(chains) >= MAX_FIGURES:
            break
    return chains


# ---------------------------------------------------------------------------
# The whole text
# ---------------------------------------------------------------------------


def analyse(
    text: str,
    lex: Lexicon | None = None,
    *,
    year: int | None = None,
    months: float | None = None,
    extra_rates: tuple[str, ...] = (),
    tolerance: Tolerance | None = None,
) -> Analysis:
    """Read ``text`` (a 项目概况) and work out what it implies.

    ``year`` is the budget year (to tell amounts of other years), ``months`` the plan
    period (for a monthly or daily price with no period written next to it),
    ``extra_rates`` unit prices written elsewhere (the cost indicators' targets) and
    ``tolerance`` when written results count as agreeing.
    """
    return _analyse(text or "", lex or default_lexicon(), year, months, tuple(extra_rates), tolerance or Tolerance())


@lru_cache(maxsize=4096)
def _analyse(
    raw: str, lex: Lexicon, year: int | None, months: float | None, extra_rates: tuple[str, ...], tol: Tolerance
) -> Analysis:
    text = normalise(raw)
    if not _DIGIT_RE.search(text):
        return Analysis(text, (), (), None, (), (), ())  # no figure to work with
    pats = _patterns(lex)
    layout = _layout(text)
    figures = _scan(text, lex, pats, layout, year)
    contracts = _contracts(text, figures, pats, layout)
    amounts = [f for f in figures if f.kind == "amount"]
    rates = [f for f in figures if f.kind == "rate"]
    if not amounts and not rates and not extra_rates:
        return Analysis(text, tuple(figures), (), None, (), (), contracts)
    quantities = [f for f in figures if f.kind == "quantity"]
    mismatches: list[Mismatch] = []
    per_sentence: dict[int, list[Term]] = {}
    consumed: set[Figure] = set()

    # Formulas written out: their result is what the sentence contributes.
    chains = _chains(text, lex, pats, figures) if amounts and _TIMES_RE.search(text) else []
    in_chain: list[tuple[int, int]] = []
    for chain in chains:
        value, settled = chain.value(lex)
        result = chain.result
        consumed.update(a for a in amounts if chain.start <= a.start <= result.start)
        in_chain.append((chain.start, result.end))
        working = f"{' × '.join(f[0] for f in chain.factors)} = {fmt(value)}万元"
        computed = Term(working, value, certain=settled)
        if not _terms_agree([computed], result, tol):
            mismatches.append(Mismatch("product", (computed,), result))
        per_sentence.setdefault(result.sentence, []).append(
            Term(f"{working}（概况写“{result.text}”）", result.value, approx=result.approx, product=True)
        )

    # Prices next to quantities, grouped by the sentence that writes the price.
    products: list[Product] = []
    by_sentence: dict[int, list[Product]] = {}
    unresolved: set[int] = set()
    for rate in rates:
        if any(lo <= rate.start < hi for lo, hi in in_chain):
            continue  # part of a written-out formula
        product = _product(rate, quantities, lex, months)
        if product is None:
            unresolved.add(rate.sentence)
        else:
            products.append(product)
            by_sentence.setdefault(rate.sentence, []).append(product)
    if not rates and quantities and not chains:
        # A unit price written only as a cost indicator ("750元/人/月"), the head count in the text.
        for source in extra_rates:
            source_text = normalise(source)
            source_layout = _layout(source_text)
            for rate in (f for f in _scan(source_text, lex, pats, source_layout, year) if f.kind == "rate"):
                product = _product(rate, quantities, lex, months, outside=True)
                if product is not None and product.counts:
                    products.append(product)
                    by_sentence.setdefault(_OUTSIDE, []).append(product)
                    break

    # Counts the sentence writes but no price uses ("保安10人，保洁6人，每人每月3000元", "培训4期，
    # 每期50人，人均500元") make the reading uncertain, and what they would give is kept as an
    # alternative, so the text is not blamed for a reading it does not clearly state.
    in_months = dict(lex.time_in_months)
    other_readings: dict[int, list[float]] = {}
    for sentence, group in list(by_sentence.items()):
        if sentence == _OUTSIDE:
            continue
        used = {id(q) for p in group for q in p.used}
        spare = [q for q in quantities if q.sentence == sentence and q.unit not in in_months and id(q) not in used]
        if not spare:
            continue
        by_sentence[sentence] = group = [replace(p, certain=False) for p in group]
        options = other_readings.setdefault(sentence, [])
        for product in group:
            others = sum(p.value for p in group if p is not product)
            for unit in {q.unit for q in spare}:
                same = [q for q in spare if q.unit == unit]
                mine = [q for q in product.used if q.unit == unit]
                if mine and mine[0].value:
                    summed = product.value / mine[0].value * (mine[0].value + sum(q.value for q in same))
                    options.append(others + summed)
                elif not mine:
                    options.extend(others + product.value * q.value for q in same)

    # "每人次住宿费450元、伙食补助100元": small amounts in 元 after a price in its sentence may be
    # further prices per the same unit; that reading is kept as an alternative, not the reading.
    yuan = dict(lex.money).get("元")
    for sentence, group in list(by_sentence.items()):
        if sentence == _OUTSIDE or yuan is None:
            continue
        first = min(p.rate.start for p in group)
        loose = [a for a in amounts if a.sentence == sentence and not a.total and a.start > first
                 and a.text.lstrip("约").endswith("元") and not a.text.lstrip("约").endswith("万元")]
        if not loose:
            continue
        by_sentence[sentence] = group = [replace(p, certain=False) for p in group]
        base = group[-1]
        factor = base.value / base.rate.value if base.rate.value else 0.0
        whole = sum(p.value for p in group)
        other_readings.setdefault(sentence, []).append(whole + sum(a.value for a in loose) * factor)

    own_results: dict[int, Figure] = {}
    for sentence, group in by_sentence.items():
        counted = [p for p in group if p.counts]
        per_time = [p for p in group if not p.counts]
        if counted and per_time and sentence != _OUTSIDE:
            # "…每平方米每天1.5元，年租金65.7万元": a price per year alone next to quantity × price
            # products is their written result, not one more addend.
            group = counted
            own_results[sentence] = _as_result(per_time)
        per_sentence.setdefault(sentence, []).append(_product_term(group))

    # What each such sentence contributes: its written result (共计/合计), else what it works out to.
    # A 共计 that its own sentence does not add up to may total several sentences: it waits for
    # the whole text to be read before it is called a mismatch.
    sentence_terms: dict[int, Term] = {}
    waiting: list[tuple[list[Term], Figure]] = []
    for sentence, terms in per_sentence.items():
        term = _combined(terms)
        written = [a for a in amounts if a.sentence == sentence and a.total and a not in consumed]
        if sentence in own_results:
            written.append(own_results[sentence])
        if sentence == _OUTSIDE or not written:
            sentence_terms[sentence] = term
            continue
        options = other_readings.get(sentence, [])
        agreeing = [
            w for w in written
            if _terms_agree(terms, w, tol) or any(abs(o - w.value) <= tol.allowance(w.value) for o in options)
        ]
        stated = agreeing[-1] if agreeing else own_results.get(sentence)
        if stated is None:
            if sentence not in unresolved:
                waiting.append((terms, written[-1]))
            sentence_terms[sentence] = term
            continue
        consumed.add(stated)
        if not agreeing and sentence not in unresolved:
            mismatches.append(Mismatch("product" if len(terms) == 1 else "sum", tuple(terms), stated))
        sentence_terms[sentence] = Term(f"{term.text}（概况写“{stated.text}”）", stated.value, approx=stated.approx,
                                        certain=term.certain, product=True, notes=term.notes)

    reading: Reading | None = None
    alternatives: list[float] = []
    if len(layout.items) >= 2:
        reading = _items_reading(layout, figures, amounts, sentence_terms, consumed, tol, mismatches)
    if reading is None:
        reading = _total_reading(amounts, sentence_terms, consumed, tol)
    if reading is None and sentence_terms:
        order = sorted(sentence_terms, key=lambda s: (s == _OUTSIDE, s))
        reading = Reading(tuple(sentence_terms[s] for s in order), partial=bool(unresolved - set(sentence_terms)))
        loose = [a for a in amounts if a not in consumed and a.year in (None, year) and not a.previous_year]
        if loose:
            alternatives.extend([reading.value + sum(a.value for a in loose), *(a.value for a in loose)])
    if reading is not None:
        for sentence, options in other_readings.items():
            term = sentence_terms.get(sentence)
            if term is not None and any(t is term for t in reading.terms):
                alternatives.extend(reading.value - term.value + option for option in options)
    for terms, total in waiting:
        if reading is not None and reading.stated is total:
            continue
        # A closing 共计 more likely totals every worked-out sentence before it than its own alone.
        running = [term for s, term in sorted(sentence_terms.items()) if 0 <= s <= total.sentence]
        if len(running) > 1 and abs(sum(r.value for r in running) - total.value) < abs(
            sum(r.value for r in terms) - total.value
        ):
            terms = running
        mismatches.append(Mismatch("product" if len(terms) == 1 else "sum", tuple(terms), total))
        alternatives.append(total.value)
    mismatches.extend(_parts_mismatches(text, amounts, pats, layout, tol))
    return Analysis(text, tuple(figures), tuple(products), reading, tuple(alternatives), tuple(mismatches),
                    contracts)


_OUTSIDE = -1  # the "sentence" of prices taken from the cost indicators


def _as_result(products: list[Product]) -> Figure:
    """Prices per period alone ("年租金65.7万元") read as the written result of their sentence."""
    first = products[0].rate
    return Figure(kind="amount", value=sum(p.value for p in products), unit="万元",
                  text="、".join(p.rate.text for p in products), start=first.start, end=products[-1].rate.end,
                  approx=any(p.approx for p in products), total=True, sentence=first.sentence, item=first.item)


def _items_reading(
    layout: _Layout, figures: list[Figure], amounts: list[Figure], sentence_terms: dict[int, Term],
    consumed: set[Figure], tol: Tolerance, mismatches: list[Mismatch],
) -> Reading | None:
    """The listed items' sum, checked against a 共计 written before the list or at its end."""
    terms: list[Term] = []
    partial = False
    valued = 0
    last = len(layout.items) - 1
    overall: Figure | None = None
    for index in range(len(layout.items)):
        own_sentences = sorted({f.sentence for f in figures if f.item == index and f.sentence in sentence_terms})
        own = [a for a in amounts if a.item == index and a not in consumed]
        marked = [a for a in own if a.total]
        plain = [a for a in own if not a.total]
        if index == last and marked and (plain or own_sentences):
            overall = marked.pop()  # "…2、…约2万元。以上共计10万元"
        if own_sentences:
            terms.extend(sentence_terms[s] for s in own_sentences)
        elif marked:
            terms.append(_amount_term(marked[-1]))
        elif len(plain) == 1:
            terms.append(_amount_term(plain[0]))
        else:
            partial = True  # no amount, or several and which one is the item's is unclear
            continue
        valued += 1
    if valued < 2:
        return None
    before_list = [a for a in amounts if a.item < 0 and a.total and a not in consumed]
    stated = overall or (before_list[-1] if before_list else None)
    reading = Reading(tuple(terms), stated=stated, partial=partial)
    if stated is not None and not partial and not _terms_agree(terms, stated, tol):
        mismatches.append(Mismatch("sum", tuple(terms), stated))
    return reading


def _total_reading(
    amounts: list[Figure], sentence_terms: dict[int, Term], consumed: set[Figure], tol: Tolerance
) -> Reading | None:
    """A 共计 the amounts (or products) written before it add up to: "45.6万元 … 148万元，共计193.6万元"."""
    best: Reading | None = None
    for total in (a for a in amounts if a.total and a not in consumed):
        before: list[tuple[tuple[int, int], Term]] = [
            ((a.sentence, a.start), _amount_term(a))
            for a in amounts
            if a.start < total.start and a.sentence not in sentence_terms and a not in consumed and not a.total
        ]
        before += [((s, 0), term) for s, term in sentence_terms.items() if 0 <= s <= total.sentence]
        run = _suffix_run([term for _, term in sorted(before, key=lambda b: b[0])], total, tol)
        if run is not None:
            best = Reading(tuple(run), stated=total)
    return best


def _parts_mismatches(
    text: str, amounts: list[Figure], pats: _Patterns, layout: _Layout, tol: Tolerance
) -> list[Mismatch]:
    """"293.6万元，其中一期145.6万元，二期148万元": the parts may not add up to more than the whole."""
    found: list[Mismatch] = []
    if len(amounts) < 3 or not pats.parts.pattern:
        return found
    for count, match in enumerate(pats.parts.finditer(text)):
        if len(found) >= 3 or count >= MAX_RUN:
            break
        sentence = layout.sentence_of(match.start())
        whole = [a for a in amounts if a.sentence == sentence and a.end <= match.start()]
        parts = [a for a in amounts if a.sentence == sentence and a.start >= match.end() and not a.total]
        if whole and len(parts) >= 2:
            base = whole[-1]
            if sum(p.value for p in parts) > base.value + tol.allowance(base.value) + _EPS:
                found.append(Mismatch("parts", tuple(_amount_term(p) for p in parts), base))
    return found


def _contracts(text: str, figures: list[Figure], pats: _Patterns, layout: _Layout) -> tuple[Contract, ...]:
    """The amount nearest each "N年" or "分N期" (N ≥ 2) in a sentence that names a contract."""
    found: list[Contract] = []
    spans = [f for f in figures if f.kind == "quantity" and f.unit in ("年", "期") and 2 <= f.value <= 10
             and float(f.value).is_integer()]
    if not spans:
        return ()
    words = [m.start() for m in pats.contract.finditer(text)] if pats.contract.pattern else []
    amounts: dict[int, list[Figure]] = {}
    for figure in figures:
        if figure.kind == "amount":
            amounts.setdefault(figure.sentence, []).append(figure)
    length = len(text)

    def whole_contract(amount: Figure) -> bool:
        low, high = layout.clause(amount.start, length)
        return bool(pats.contract_total.pattern) and pats.contract_total.search(text, low, high) is not None

    for span in spans:
        start, end = layout.sentence_span(span.sentence, length)
        split = span.text.startswith("分") or text[span.start - 1: span.start] == "分"  # "分三年实施"
        if not split and bisect_right(words, end - 1) == bisect_right(words, start - 1):
            continue  # neither "分N年/期" nor a contract word in the sentence
        near = [a for a in amounts.get(span.sentence, []) if whole_contract(a)]
        if near:
            amount = min(near, key=lambda f: (f.start - span.end) if f.start >= span.end else (span.start - f.end))
            found.append(Contract(amount, int(span.value), span.unit, span.text))
        if len(found) >= 20:
            break
    return tuple(found)
