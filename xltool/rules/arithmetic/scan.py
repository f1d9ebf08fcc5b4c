"""Reading a text into figures: numbers with units, per-unit prices, periods, years."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from xltool.rules.arithmetic.figures import Figure
from xltool.rules.arithmetic.vocab import (
    ANY_COUNT,
    CLAUSE_END,
    CN_RE,
    ENUM_RE,
    FW_COMMA,
    PER_MARK_RE,
    SENTENCE_END,
    UNKNOWN,
    MAX_FIGURES,
    MAX_NUMBERS,
    Lexicon,
    Patterns,
    unknown_per,
    cn_number,
    pretty,
)

# Reading
# ---------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFKC with the full-width comma kept distinct from ",", and line ends unified."""
    cleaned = text.replace(FW_COMMA, "").replace("\r\n", "\n").replace("\r", "\n").replace("，", FW_COMMA)
    return unicodedata.normalize("NFKC", cleaned)


def _is_cjk_or_alnum(ch: str) -> bool:
    return ch.isalnum() or "\u4e00" <= ch <= "\u9fff"


@dataclass(frozen=True)
class Layout:
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


_BREAK_RE = re.compile("[。;!?,、:.\n" + FW_COMMA + "]")


def layout_of(text: str) -> Layout:
    sentences, clauses = [0], [0]
    length = len(text)
    for found in _BREAK_RE.finditer(text):
        i = found.start()
        ch = text[i]
        end_sentence = ch in SENTENCE_END
        end_clause = ch in CLAUSE_END
        if ch in ".:,":
            between_digits = 0 < i < length - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            end_sentence = ch == "." and not between_digits
            end_clause = not between_digits
        elif ch == "\n":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < length else ""
            # A hard wrap inside a sentence (Word's "…亚泰财富中\n心地下…") joins; other line ends end it.
            wrapped = _is_cjk_or_alnum(before) and _is_cjk_or_alnum(after) and not ENUM_RE.match(text, i + 1)
            end_sentence = end_clause = not wrapped
        if end_sentence:
            sentences.append(i + 1)
        if end_clause or end_sentence:
            clauses.append(i + 1)
    return Layout(sentences, clauses, _items(text))


def _items(text: str) -> list[int]:
    """Start positions of listed items ("1、" "2." "(一)"): numbered runs of the first style that has one."""
    runs: dict[str, list[list[tuple[int, int]]]] = {}
    first_run_at: dict[str, int] = {}
    for count, match in enumerate(ENUM_RE.finditer(text)):
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


def scan_text(text: str, lex: Lexicon, pats: Patterns, layout: Layout, year: int | None) -> list[Figure]:
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
        unknown = PER_MARK_RE.match(text, pos)
        if unknown:  # "800元/亩": per a unit the vocabulary does not know, so nothing to multiply
            per.append(UNKNOWN)
            shown.append(text[unknown.end(): unknown.end() + 2].rstrip("。;,:、" + FW_COMMA))
        before = tail(start, window)
        if unknown_per(before, pats):
            per.insert(0, UNKNOWN)
            shown.insert(0, "…")
        prefixed = 0
        label = ""
        for prefix in pats.per_prefix.finditer(before):
            canonical = per_units.get(prefix.group(1) or "") or per_words.get(prefix.group(2) or "")
            if canonical == ANY_COUNT:
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
            units_shown = "/".join(s for s in shown if s != ANY_COUNT)
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
    for match in pats.cn_number.finditer(text) if CN_RE.search(text) else ():
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
    text: str, start: int, layout: Layout, years: list[tuple[int, int]], previous: list[int], budget: int | None
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


_LEAD_YEAR_RE = re.compile(r"[ \t\n]*((?:19|20)\d{2})[ \t]?年度?[" + FW_COMMA + ",:]")


# ---------------------------------------------------------------------------
