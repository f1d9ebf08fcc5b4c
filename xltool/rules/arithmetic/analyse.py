"""The whole text: every reading the figures allow, and what disagrees with the total."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from functools import lru_cache

from xltool.rules.arithmetic.compute import (
    DIGIT_RE,
    Tolerance,
    amount_term,
    chain_terms,
    combined,
    has_times,
    product_of,
    product_term,
    suffix_run,
    terms_agree,
)
from xltool.rules.arithmetic.figures import (
    Analysis,
    Contract,
    Figure,
    Mismatch,
    Product,
    Reading,
    Term,
)
from xltool.rules.arithmetic.scan import Layout, layout_of, scan_text, normalise
from xltool.rules.arithmetic.vocab import (
    EPS,
    MAX_RUN,
    Lexicon,
    Patterns,
    patterns_of,
    default_lexicon,
    fmt,
)

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
    if not DIGIT_RE.search(text):
        return Analysis(text, (), (), None, (), (), ())  # no figure to work with
    pats = patterns_of(lex)
    layout = layout_of(text)
    figures = scan_text(text, lex, pats, layout, year)
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
    chains = chain_terms(text, lex, pats, figures) if amounts and has_times(text) else []
    in_chain: list[tuple[int, int]] = []
    for chain in chains:
        value, settled = chain.value(lex)
        result = chain.result
        consumed.update(a for a in amounts if chain.start <= a.start <= result.start)
        in_chain.append((chain.start, result.end))
        working = f"{' × '.join(f[0] for f in chain.factors)} = {fmt(value)}万元"
        computed = Term(working, value, certain=settled)
        if not terms_agree([computed], result, tol):
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
        product = product_of(rate, quantities, lex, months)
        if product is None:
            unresolved.add(rate.sentence)
        else:
            products.append(product)
            by_sentence.setdefault(rate.sentence, []).append(product)
    if not rates and quantities and not chains:
        # A unit price written only as a cost indicator ("750元/人/月"), the head count in the text.
        for source in extra_rates:
            source_text = normalise(source)
            source_layout = layout_of(source_text)
            for rate in (f for f in scan_text(source_text, lex, pats, source_layout, year) if f.kind == "rate"):
                product = product_of(rate, quantities, lex, months, outside=True)
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
        per_sentence.setdefault(sentence, []).append(product_term(group))

    # What each such sentence contributes: its written result (共计/合计), else what it works out to.
    # A 共计 that its own sentence does not add up to may total several sentences: it waits for
    # the whole text to be read before it is called a mismatch.
    sentence_terms: dict[int, Term] = {}
    waiting: list[tuple[list[Term], Figure]] = []
    for sentence, terms in per_sentence.items():
        term = combined(terms)
        written = [a for a in amounts if a.sentence == sentence and a.total and a not in consumed]
        if sentence in own_results:
            written.append(own_results[sentence])
        if sentence == _OUTSIDE or not written:
            sentence_terms[sentence] = term
            continue
        options = other_readings.get(sentence, [])
        agreeing = [
            w for w in written
            if terms_agree(terms, w, tol) or any(abs(o - w.value) <= tol.allowance(w.value) for o in options)
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
    layout: Layout, figures: list[Figure], amounts: list[Figure], sentence_terms: dict[int, Term],
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
            terms.append(amount_term(marked[-1]))
        elif len(plain) == 1:
            terms.append(amount_term(plain[0]))
        else:
            partial = True  # no amount, or several and which one is the item's is unclear
            continue
        valued += 1
    if valued < 2:
        return None
    before_list = [a for a in amounts if a.item < 0 and a.total and a not in consumed]
    stated = overall or (before_list[-1] if before_list else None)
    reading = Reading(tuple(terms), stated=stated, partial=partial)
    if stated is not None and not partial and not terms_agree(terms, stated, tol):
        mismatches.append(Mismatch("sum", tuple(terms), stated))
    return reading


def _total_reading(
    amounts: list[Figure], sentence_terms: dict[int, Term], consumed: set[Figure], tol: Tolerance
) -> Reading | None:
    """A 共计 the amounts (or products) written before it add up to: "45.6万元 … 148万元，共计193.6万元"."""
    best: Reading | None = None
    for total in (a for a in amounts if a.total and a not in consumed):
        before: list[tuple[tuple[int, int], Term]] = [
            ((a.sentence, a.start), amount_term(a))
            for a in amounts
            if a.start < total.start and a.sentence not in sentence_terms and a not in consumed and not a.total
        ]
        before += [((s, 0), term) for s, term in sentence_terms.items() if 0 <= s <= total.sentence]
        run = suffix_run([term for _, term in sorted(before, key=lambda b: b[0])], total, tol)
        if run is not None:
            best = Reading(tuple(run), stated=total)
    return best


def _parts_mismatches(
    text: str, amounts: list[Figure], pats: Patterns, layout: Layout, tol: Tolerance
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
            if sum(p.value for p in parts) > base.value + tol.allowance(base.value) + EPS:
                found.append(Mismatch("parts", tuple(amount_term(p) for p in parts), base))
    return found


def _contracts(text: str, figures: list[Figure], pats: Patterns, layout: Layout) -> tuple[Contract, ...]:
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
