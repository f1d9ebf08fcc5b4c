"""Plain data the reading produces: figures, factors, products, readings, mismatches."""

from __future__ import annotations

from dataclasses import dataclass

from xltool.rules.arithmetic.vocab import as_whole, fmt

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
