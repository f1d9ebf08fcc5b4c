"""The 绩效目标表 as data: pydantic models that know nothing of spreadsheets.

Every value keeps the cell it came from (``cells``) so findings can point at it, and
whatever the user typed is kept beside its normalised form (``operator_raw``,
``target``, ``raw``) because reviewers judge what was typed, not what we made of it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from xltool.core.names import UNNAMED_PROJECT
from xltool.core.text import SPACE_RUN_RE, clean_text, lazy_pattern, normalize_label  # noqa: F401  (re-exported: the model speaks this text)

# Standard 计算符号 and the spellings real files hold for them.
QUALITATIVE = "定性"
STANDARD_OPERATORS: tuple[str, ...] = ("=", "≥", "≤", ">", "<", QUALITATIVE)
_OPERATOR_FORMS: dict[str, str] = {
    "=": "=", "＝": "=", "==": "=", "═": "=", "等于": "=",  # ═: a box-drawing "=" some published tables use
    "≥": "≥", ">=": "≥", "≧": "≥", "＞＝": "≥", "=>": "≥", "⩾": "≥", "大于等于": "≥", "大于或等于": "≥", "不低于": "≥",
    "不少于": "≥", "不小于": "≥", "等于或大于": "≥", "等于或高于": "≥",
    "≤": "≤", "<=": "≤", "≦": "≤", "＜＝": "≤", "=<": "≤", "⩽": "≤", "小于等于": "≤", "小于或等于": "≤", "不高于": "≤",
    "不超过": "≤", "不多于": "≤", "不大于": "≤", "等于或小于": "≤", "等于或低于": "≤",
    ">": ">", "＞": ">", "大于": ">", "高于": ">",
    "<": "<", "＜": "<", "小于": "<", "低于": "<",
    "定性": QUALITATIVE,
}
OPERATOR_SPELLINGS: tuple[str, ...] = tuple(
    sorted((k for k, v in _OPERATOR_FORMS.items() if v != QUALITATIVE), key=lambda k: (-len(k), k))
)
"""Every spelling of a comparison 计算符号, longest first (so ">=" wins over ">")."""
OPERATOR_PREFIX_RE = lazy_pattern(  # import splits typed values with it; reading and validating never do
    r"^[\s\u3000]*(?P<op>" + "|".join(map(re.escape, OPERATOR_SPELLINGS)) + r")[\s\u3000]*(?=\S)"
)
"""A comparison leading a typed value ("≥90%", "不低于 95%"), for splitting it off."""


def normalize_operator(raw: Any) -> str:
    """Map any typed 计算符号 to its standard form; unknown text is returned cleaned."""
    return _normalize_operator(clean_text(raw))


@lru_cache(maxsize=4096)  # a run has few distinct spellings; every indicator row asks
def _normalize_operator(text: str) -> str:
    compact = SPACE_RUN_RE.sub("", text)
    if compact in _OPERATOR_FORMS:
        return _OPERATOR_FORMS[compact]
    nfkc = unicodedata.normalize("NFKC", compact)
    return _OPERATOR_FORMS.get(nfkc, text)


_NUMBER_RE = re.compile(
    r"^(?P<op>(?:>=|<=|=>|=<|==|[<>=≥≤≧≦＞＜＝⩾⩽═]))?\s*"
    r"(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>.*)$",
    re.S,
)


@lru_cache(maxsize=8192)  # tables repeat their targets ("100%", "≥95%"): parse each once
def parse_target(target: str) -> tuple[str, float | None, str]:
    """Split a typed 年度目标值 into (embedded operator, number, unit).

    ``"≥90%"`` → ``("≥", 90.0, "%")``; ``"8085.11平方米"`` → ``("", 8085.11, "平方米")``;
    text without a leading number → ``("", None, "")``.
    """
    text = clean_text(target)
    nfkc = unicodedata.normalize("NFKC", text)
    match = _NUMBER_RE.match(nfkc)
    if not match:
        return "", None, ""
    op = normalize_operator(match.group("op")) if match.group("op") else ""
    number = float(match.group("num").replace(",", ""))
    unit = clean_text(match.group("unit"))
    # NFKC turns "％" into "%" already; keep the unit as the user wrote it otherwise.
    return op, number, unit


def _new_list() -> list[Any]:
    """A new empty list, as ``default_factory``: pydantic inspects a factory's signature when it
    builds the model, and ``list``'s (a builtin's text signature) costs a first click ~3 ms
    compiling the tokenizer's patterns; this function's costs nothing."""
    return []


class Indicator(BaseModel):
    """One row of the indicator table (三级指标 and its target)."""

    model_config = ConfigDict(extra="forbid")

    level1: str = ""
    level2: str = ""
    name: str = ""
    operator: str = ""  # standard form (≥ ≤ = > < 定性), "" if none, else as typed
    operator_raw: str = ""  # exactly as typed
    target: str = ""  # 年度目标值 as typed
    value: float | None = None
    unit: str = ""
    qualitative: bool = False
    cell: str = ""  # the 年度目标值 cell, e.g. "E14"
    row: int = 0  # 1-based sheet row
    cells: dict[str, str] = Field(default_factory=dict)  # field → cell ("name" → "C14")
    extra: dict[str, str] = Field(default_factory=dict)  # columns that did not map (指标解释 …)

    @classmethod
    def from_typed(
        cls,
        *,
        level1: str = "",
        level2: str = "",
        name: str = "",
        operator: str = "",
        target: Any = "",
        unit: str = "",
        **kwargs: Any,
    ) -> "Indicator":
        """Build a row from what was typed, deriving operator, number, unit and 定性.

        When the operator column is empty the operator may sit inside the value
        (``≥90%``); a separate unit column (``unit``) is appended when the value has none.
        """
        target_text = format_cell_text(target)
        op_raw = clean_text(operator)
        embedded, number, parsed_unit = parse_target(target_text)
        if not op_raw and embedded:
            op_raw = embedded
        op = normalize_operator(op_raw) if op_raw else ""
        unit_text = parsed_unit or clean_text(unit)
        qualitative = op == QUALITATIVE or (not op and number is None and bool(target_text))
        return cls(
            level1=clean_text(level1),
            level2=clean_text(level2),
            name=clean_text(name),
            operator=op,
            operator_raw=op_raw,
            target=target_text,
            value=number,
            unit=unit_text,
            qualitative=qualitative,
            **kwargs,
        )

    @property
    def is_blank(self) -> bool:
        """A pre-laid row with no 三级 indicator typed (only levels, or 'placeholder' dots)."""
        return not (self.name or self.operator_raw or self.target)

    @property
    def is_placeholder(self) -> bool:
        """Blank, or a '……' row left from the template: no indicator to count or list.

        The one definition read, validate and merge all count by.
        """
        return not self.operator_raw and not self.target and not self.name.strip("…．.。·、 -—xX")


class Funding(BaseModel):
    """其中：部省级 / 市级 / 区级 / 其他 (万元)."""

    model_config = ConfigDict(extra="forbid")

    province: float | None = None
    city: float | None = None
    district: float | None = None
    other: float | None = None

    def total(self) -> float:
        return sum(v for v in (self.province, self.city, self.district, self.other) if v is not None)

    def is_empty(self) -> bool:
        return all(v is None for v in (self.province, self.city, self.district, self.other))


class Project(BaseModel):
    """One 项目绩效目标表."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    total: float | None = None
    funding: Funding = Field(default_factory=Funding)
    department: str = ""
    implementer: str = ""
    start: str = ""  # "YYYY.MM" as normalised from the cell
    end: str = ""
    overview: str = ""
    long_term_goal: str = ""
    annual_goal: str = ""
    indicators: list[Indicator] = Field(default_factory=_new_list)
    sheet: str = ""
    file: str = ""
    title: str = ""
    year: int | None = None
    profile: str = ""
    cells: dict[str, str] = Field(default_factory=dict)  # field path → cell ("funding.city" → "E5")
    raw: dict[str, str] = Field(default_factory=dict)  # typed text of numeric/date fields
    extra: dict[str, str] = Field(default_factory=dict)  # header labels that did not map
    notes: list[str] = Field(default_factory=_new_list)  # what the reader/importer did not understand
    # Fields the source layout had ("overview", "start", "funding" …), recorded on import so
    # fields a foreign layout never had are listed once to fill in, not reported one by one.
    # None: unknown, or our own template (every field present).
    layout_fields: list[str] | None = None
    # How an imported table's titles and labels were mapped (parse/mapping.TableMapping): not
    # part of the data, never serialised; import writes a layout file from it.
    _mapping: Any = PrivateAttr(default=None)

    @property
    def label(self) -> str:
        """The name as messages show it: a project without one is said to be so, in one wording."""
        return self.name or UNNAMED_PROJECT

    @property
    def real_indicators(self) -> list[Indicator]:
        """The indicators to count and list (template placeholder rows left out)."""
        return [i for i in self.indicators if not i.is_placeholder]

    @property
    def is_blank(self) -> bool:
        """A blank project sheet: an untouched template sheet, or one whose inputs are all empty.

        Not a project (read, validate and merge pass it over as 空白项目表); a sheet with any
        input, even without a name, is a project with defects and is reported.
        """
        texts = (self.name, self.department, self.implementer, self.start, self.end, self.overview,
                 self.long_term_goal, self.annual_goal, *self.raw.values())
        return (
            self.total is None and self.funding.is_empty() and not any(t.strip() for t in texts)
            and all(i.is_placeholder for i in self.indicators)
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The public JSON shape of ``xltool read --json``."""
        return {
            "name": self.name,
            "total": self.total,
            "funding": self.funding.model_dump(),
            "department": self.department,
            "implementer": self.implementer,
            "start": self.start,
            "end": self.end,
            "overview": self.overview,
            "long_term_goal": self.long_term_goal,
            "annual_goal": self.annual_goal,
            "indicators": [
                {
                    "level1": i.level1,
                    "level2": i.level2,
                    "name": i.name,
                    "operator": i.operator,
                    "operator_raw": i.operator_raw,
                    "target": i.target,
                    "value": i.value,
                    "unit": i.unit,
                    "qualitative": i.qualitative,
                    "cell": i.cell,
                    **({"extra": i.extra} if i.extra else {}),
                }
                for i in self.indicators
            ],
            "sheet": self.sheet,
            "file": self.file,
            "year": self.year,
            "profile": self.profile,
            "cells": self.cells,
            **({"extra": self.extra} if self.extra else {}),
            **({"notes": self.notes} if self.notes else {}),
        }


def format_cell_text(value: Any) -> str:
    """Text of a cell as a person sees it: 95.0 → "95", 0.95 stays "0.95", None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10)).rstrip("0").rstrip(".") if "e" not in repr(value) else str(value)
    return clean_text(value)


def check_year(year: Any) -> int:
    """A 预算年度 as an int, or the one Chinese refusal (template and import share it)."""
    from xltool.core.errors import EXIT_INPUT, XltoolError

    import datetime as dt

    try:
        value = int(year)
    except (TypeError, ValueError):
        raise XltoolError(f"预算年度“{year}”不正确，应为四位年份", exit_code=EXIT_INPUT) from None
    first, last = YEAR_FIRST, dt.date.today().year + YEARS_AHEAD
    if not first <= value <= last:  # 1900 or 3000 is a typo, not a budget year
        raise XltoolError(f"预算年度“{year}”不在 {first}–{last} 年之间，请检查是否输错", exit_code=EXIT_INPUT)
    return value


YEAR_FIRST = 2000  # the 绩效目标 forms date from the 2010s; older years are typos
YEARS_AHEAD = 10  # budgets are drawn up for the next year or a few years ahead
