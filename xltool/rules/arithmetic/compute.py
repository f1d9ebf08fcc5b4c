"""Products and sums the text implies, and the written-out formulas (a × b = c)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from xltool.core.text import lazy_pattern
from xltool.rules.arithmetic.figures import Factor, Figure, Product, Term
from xltool.rules.arithmetic.vocab import (
    ANY_COUNT,
    EPS,
    FW_COMMA,
    UNKNOWN,
    MAX_FIGURES,
    MAX_NUMBERS,
    MAX_RUN,
    Lexicon,
    alternation_of,
    Patterns,
    fmt,
    pretty,
)

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
    if approx <= EPS:
        return abs(firm - target) <= allowance + EPS
    low = firm + approx * (1 - tol.approx) - allowance
    high = firm + approx * (1 + tol.approx) + allowance
    return low - EPS <= target <= high + EPS or (firm > EPS and abs(firm - target) <= allowance + EPS)


def _nearest(candidates: list[Figure], pos: int) -> Figure | None:
    """The closest candidate before ``pos``, else the closest after it."""
    before = [c for c in candidates if c.start < pos]
    if before:
        return before[-1]
    after = [c for c in candidates if c.start >= pos]
    return after[0] if after else None


def _unit_word(unit: str) -> str:
    return "个月" if unit == "月" else unit


def product_of(
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
    if UNKNOWN in rate.per:
        return None
    for unit in rate.per:
        timed = unit in in_months
        if unit == ANY_COUNT:
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


def product_term(products: list[Product]) -> Term:
    value = sum(p.value for p in products)
    return Term(_joined([p.working for p in products], value), value,
                approx=any(p.approx for p in products), certain=all(p.certain for p in products), product=True,
                notes=tuple(dict.fromkeys(n for p in products for n in p.notes)))


def combined(terms: list[Term]) -> Term:
    if len(terms) == 1:
        return terms[0]
    value = sum(t.value for t in terms)
    return Term(_joined([t.text for t in terms], value), value, approx=any(t.approx for t in terms),
                certain=all(t.certain for t in terms), product=True,
                notes=tuple(dict.fromkeys(n for t in terms for n in t.notes)))


def amount_term(figure: Figure) -> Term:
    return Term(figure.text, figure.value, approx=figure.approx, certain=not figure.approx)


def terms_agree(terms: Iterable[Term], target: Figure, tol: Tolerance) -> bool:
    listed = list(terms)
    firm = sum(t.value for t in listed if not t.approx)
    rough = sum(t.value for t in listed if t.approx)
    if target.approx:
        tol = Tolerance(tol.absolute + tol.approx * target.value, tol.relative, tol.approx)
    return agrees(firm, rough, target.value, tol)


def suffix_run(terms: list[Term], target: Figure, tol: Tolerance) -> list[Term] | None:
    """The shortest run of two or more terms, ending with the last, that adds up to ``target``."""
    recent = terms[-MAX_RUN:]
    for count in range(2, len(recent) + 1):
        if terms_agree(recent[-count:], target, tol):
            return recent[-count:]
    return None


# ---------------------------------------------------------------------------
# Written-out formulas: "8085.11㎡×4元/㎡/月×12月=38.81万元"
# ---------------------------------------------------------------------------

_GAP_UNIT = r"(?P<unit>[^=×*xX✕。;!?,:、\n" + FW_COMMA + r"]{0,12}?)"
_TIMES_GAP_RE = lazy_pattern(_GAP_UNIT + r"[ \t]*(?:×|✕|\*|x|X|乘以)[ \t]*\(?")
_EQUALS_GAP_RE = lazy_pattern(_GAP_UNIT + r"[ \t]*\)?[ \t]*(?:=|等于)[ \t]*约?")


_TIMES_SIGNS = ("×", "✕", "*", "x", "X", "乘以")


def has_times(text: str) -> bool:
    """A multiplication sign or 乘以 anywhere in ``text``: substring tests, no pattern to compile."""
    return any(sign in text for sign in _TIMES_SIGNS)


DIGIT_RE = re.compile("[0-9一二两三四五六七八九十]")


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
        target = self.result.value or EPS
        return min(candidates, key=lambda c: abs(c - target) / max(abs(target), EPS)), False


def chain_terms(text: str, lex: Lexicon, pats: Patterns, figures: list[Figure]) -> list[_Chain]:
    """Every "a × b × c = amount" written out in the text (two or more factors)."""
    money = dict(lex.money)
    money_re = re.compile(alternation_of(money))
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
