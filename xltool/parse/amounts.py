"""Amounts as tables write them, read in 万元: "250万", "3,309,840.00" under "单位：元",
"（千元）" labels, capital numerals ("壹佰伍拾万元整").

Every unit and its factor come from the field table's [money_units] (data/fields.toml), so a
unit the reader recognises always has a factor. The patterns are anchored and whitespace
runs are collapsed before matching: a 32 767-character cell costs one linear pass.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache
from typing import Any

from xltool.core.fields import amount_setting, money_units
from xltool.core.model import format_cell_text, parse_target
from xltool.core.text import SPACE_RUN_RE, clean_text, lazy_pattern


@cache
def _units() -> dict[str, float]:
    return money_units()


@cache
def _unit_alternation() -> str:
    """The units, longest first, as a regex alternation ("百万元|亿元|千元|…")."""
    return "|".join(re.escape(u) for u in sorted(_units(), key=len, reverse=True))


@cache
def _amount_re() -> re.Pattern[str]:
    # one optional space between the parts: the text is space-collapsed (and NFKC: ￥ → ¥) first;
    # a currency sign before, "整" after the unit, as amounts are written out ("¥500万", "200万元整")
    return re.compile(
        r"(?:(?:¥|人民币) ?)?([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?) ?(" + _unit_alternation()
        + r")?(?:(?<=[元万亿])整)?(?: ?[(（].*)?", re.S
    )


LABEL_UNITS = ("%", "人", "个")  # units a label's bracket may state besides money (data: [money_units])


@cache
def unit_re(bracket: bool = False) -> re.Pattern[str]:
    """A unit statement: "单位：千元", "金额单位: 元" (searched in short cells only); with ``bracket``
    the whole text inside a label's brackets ("万元", "单位：%"), 单位 optional and the label's other
    units allowed. One pattern for both: a unit the field table adds is read in either place."""
    if not bracket:
        return re.compile(r"(?:金额)?单位 ?[:：] ?(" + _unit_alternation() + ")")
    units = "|".join(re.escape(u) for u in sorted([*_units(), *LABEL_UNITS], key=len, reverse=True))
    return re.compile(r"^(?:(?:金额)?单位 ?[:：]? ?)?(" + units + ")$")


@cache
def unit_chars() -> frozenset[str]:
    """The last characters of the money units ("元", "万", "亿"): a cell without one states no unit."""
    return frozenset(u[-1] for u in _units())


def factor(unit: str) -> float:
    """The factor from ``unit`` to 万元; 1 for "" (the template's own unit)."""
    return _units().get(unit, 1.0)


def is_money_unit(text: str) -> bool:
    return text in _units()


def scaled(number: float, unit: str) -> float:
    f = factor(unit)
    return round(number * f, 6) if f != 1.0 else number


def parse_amount(value: Any, unit: str = "") -> tuple[float | None, str]:
    """A 万元 amount from a number or text ("250万", "854万(其中…)", "壹佰伍拾万元"); (None, text) if none.

    ``unit`` is the table's unit (label or sheet) for a bare number: "元" divides by 10 000.
    A number too large to hold ("1" and 400 zeros, in a cell or in text) is no amount: the cell
    is reported as not a number, never summed as infinity.
    """
    number, text = _parse_amount(value, unit)
    if number is not None and not math.isfinite(number):
        return None, text
    return number, text


def _parse_amount(value: Any, unit: str) -> tuple[float | None, str]:
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, (int, float)):
        try:
            return scaled(float(value), unit), format_cell_text(value)
        except OverflowError:  # an integer beyond any float
            return None, format_cell_text(value)
    text = clean_text(value)
    if not text:
        return None, ""
    compact = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", text))
    found = _amount_re().fullmatch(compact)
    if found:
        number = float(found.group(1).replace(",", ""))
        return scaled(number, found.group(2) or unit), text
    capital = parse_capital(compact)
    if capital is not None:
        return capital, text
    op, number, rest = parse_target(text)
    if number is not None and not op and rest in ("", "万元", "万"):
        return number, text
    return None, text


# --- capital numerals (大写金额) ------------------------------------------------------

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_DIGITS.update({c: i for i, c in enumerate("〇一二三四五六七八九")})
_DIGITS.update({"两": 2, "貮": 2, "贰": 2, "叁": 3, "参": 3, "陸": 6})
_SMALL = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_FORMAL = frozenset("壹贰叁肆伍陆柒捌玖拾佰仟")  # the capital digits no caption contains
_CAPITAL_MAX = 40  # "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角捌分整" is 25 characters


def _numeral(text: str) -> int | None:
    """An integer written in Chinese numerals ("壹佰伍拾万" → 1 500 000), or None."""
    total = section = digit = 0
    pending = seen = False  # pending: a digit waits for its 拾/佰/仟
    for ch in text:
        if ch in _DIGITS:
            digit, pending = _DIGITS[ch], True
        elif ch in _SMALL:
            section += (digit if pending else 1) * _SMALL[ch]
            digit, pending = 0, False
        elif ch in _LARGE:
            section += digit
            total = (total + section) * _LARGE[ch] if _LARGE[ch] > 10_000 else total + section * _LARGE[ch]
            section = digit = 0
            pending = False
        else:
            return None
        seen = True
    return total + section + digit if seen else None


_CENTS_RE = lazy_pattern(r"(.+?元)(?:零?(.)角)?(?:(.)分)?")


def parse_capital(text: str) -> float | None:
    """An amount in capital numerals, in 万元: "壹佰伍拾万元整" → 150.0; None if it is not one."""
    text = text.replace(" ", "")
    if not text or len(text) > _CAPITAL_MAX or not any(ch in _DIGITS or ch in _SMALL for ch in text):
        return None
    for prefix in ("人民币", "(大写)", "大写:", "大写", "¥"):
        text = text.removeprefix(prefix)
    text = text.removesuffix("整").removesuffix("正")
    cents = 0.0
    found = _CENTS_RE.fullmatch(text)
    if found and (found.group(2) or found.group(3)):
        jiao, fen = found.group(2) or "零", found.group(3) or "零"
        if jiao not in _DIGITS or fen not in _DIGITS:
            return None
        text, cents = found.group(1), _DIGITS[jiao] / 10 + _DIGITS[fen] / 100
    # 万 and 亿 inside a capital amount are numerals ("壹亿贰仟万元" is 120 000 000 元)
    number = _numeral(text.removesuffix("元"))
    if number is None or (not text.endswith("元") and text[-1:] not in _LARGE):
        return None
    return round((number + cents) * factor("元"), 6)


def looks_like_amount(text: str) -> bool:
    """Text written as an amount (a digit or a capital numeral), not a caption that stood in its place."""
    return any(ch.isdigit() or ch in _FORMAL for ch in text)


def implausible(amount: float | None) -> bool:
    """An amount beyond any district budget (the field table's [amounts] implausible_above)."""
    return amount is not None and abs(amount) > amount_setting("implausible_above", 1_000_000)
