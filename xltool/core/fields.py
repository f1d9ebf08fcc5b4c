"""The one field table (``data/fields.toml``): every field's labels, title, prompt and place.

Regions word the same field differently (主管部门 / 项目主管部门 / 主管预算部门). Keeping
every wording, the title xltool prints, the template's prompt and the summary's column
title in one data file means a new region is a one-line change, and the reader, the
template, the rules' messages and the summary can never disagree about a field's name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Section = Literal["header", "columns"]


@dataclass(frozen=True)
class Field:
    """One row of the field table."""

    key: str  # the model's field path ("funding.city") or indicator column ("target")
    section: Section
    title: str  # printed label, without unit
    unit: str = ""
    kind: str = "text"  # text | amount | month | period
    labels: tuple[str, ...] = ()
    summary: str = ""  # column title in the summary workbook ("" = not a summary column)
    prompt: str = ""  # the template's input prompt; "{example}" is filled in
    example: str = ""
    row: int | None = None  # template row (header fields)
    side: str = ""  # template side: left | right
    column: str = ""  # template column (indicator-table fields)
    required: bool = False

    @property
    def display(self) -> str:
        """The label as printed: "项目总金额（万元）"."""
        return f"{self.title}（{self.unit}）" if self.unit else self.title

    def prompt_text(self, year: int | str) -> str:
        """The input prompt with its example filled in (examples follow the year): the template's
        prompt and the advice of a finding about the field say the same thing."""
        return self.prompt.replace("{example}", self.example).replace("{year}", str(year))


@cache
def _data() -> dict:
    return tomllib.loads((resources.files("xltool") / "data" / "fields.toml").read_text(encoding="utf-8"))


@cache
def _table() -> dict[Section, dict[str, Field]]:
    data = _data()
    table: dict[Section, dict[str, Field]] = {}
    for section in ("header", "columns"):
        entries = data.get(section, {})
        table[section] = {  # type: ignore[index]
            key: Field(key=key, section=section, **{**spec, "labels": tuple(spec.get("labels", ()))})
            for key, spec in entries.items()
        }
    return table


def fields(section: Section = "header") -> tuple[Field, ...]:
    """Every field of a section, in the table's order."""
    return tuple(_table()[section].values())


def field(key: str, section: Section = "header") -> Field:
    """One field by key; a ``KeyError`` names a field the table does not know."""
    return _table()[section][key]


def label(key: str, section: Section = "header", funding_labels: dict[str, str] | None = None) -> str:
    """The printed label of a field; a profile's own wording of the funding sources wins."""
    entry = field(key, section)
    if funding_labels and key.startswith("funding."):
        wording = funding_labels.get(key.split(".", 1)[1])
        if wording:
            return f"{wording}（{entry.unit}）" if entry.unit else wording
    return entry.display


# Wordings a user's layout file adds for one run (parse/layouts.py sets and clears them).
_EXTRA_LABELS: dict[str, dict[str, tuple[str, ...]]] = {"header": {}, "columns": {}}


def set_extra_labels(extra: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Add (or, with empty dicts, remove) a layout file's wordings; the caller clears the caches."""
    _EXTRA_LABELS["header"] = dict(extra.get("header", {}))
    _EXTRA_LABELS["columns"] = dict(extra.get("columns", {}))


def synonyms(section: Section) -> dict[str, tuple[str, ...]]:
    """{key: labels} for the reader's label matching (a layout file's wordings first)."""
    extra = _EXTRA_LABELS.get(section, {})
    return {key: extra.get(key, ()) + f.labels for key, f in _table()[section].items()}


def required_keys(section: Section = "header") -> tuple[str, ...]:
    """The fields every table must have (``required = true``), in the table's order."""
    return tuple(f.key for f in fields(section) if f.required)


def keys_of_kind(kind: str, section: Section = "header") -> tuple[str, ...]:
    """The fields of one kind (``kind = "amount"`` …), in the table's order."""
    return tuple(f.key for f in fields(section) if f.kind == kind)


def funding_keys() -> tuple[str, ...]:
    """The funding sources' keys ("province" …), in the table's order."""
    return tuple(f.key.split(".", 1)[1] for f in fields("header") if f.key.startswith("funding."))


def words(kind: str) -> tuple[str, ...]:
    """A word list of the table's [words] section ("footer" …); empty when absent."""
    return tuple(_data().get("words", {}).get(kind, ()))


def money_units() -> dict[str, float]:
    """Every money unit the reader recognises and its factor to 万元 ([money_units])."""
    return {str(k): float(v) for k, v in _data().get("money_units", {}).items()}


def money_numerals() -> frozenset[str]:
    """The bare numerals among the money units ("万", "亿"): money only where the place says so."""
    return frozenset(_data().get("money_numerals", {}).get("units", ()))


def strict_money_units() -> dict[str, float]:
    """The money units that are money wherever they stand ("元", "万元" …), with their factor to 万元."""
    numerals = money_numerals()
    return {k: v for k, v in money_units().items() if k not in numerals}


def amount_setting(name: str, default: float) -> float:
    """A threshold of the field table's [amounts] section (implausible_above …)."""
    return float(_data().get("amounts", {}).get(name, default))
