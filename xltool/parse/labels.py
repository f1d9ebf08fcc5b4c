"""Scored label matching: which field a cell's text names, and how sure we are.

Regions word the same field differently and decorate it (spaces between characters,
line breaks, "其中：", "(万元)", "(长期)", a prefix such as 项目主管部门 ⊃ 主管部门). The
field table (data/fields.toml) lists the wordings; this module normalises a cell and
scores every label it contains, so the best label wins and a new wording is data, not code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

from xltool.core.fields import Section, field, synonyms, words
from xltool.parse.amounts import unit_re
from xltool.core.text import SPACE_RUN_RE, lazy_pattern

# Exact match scores 1; a label inside a longer cell scores the share of the cell it
# covers, plus a bonus when it starts or ends the cell. Below this it is no label.
THRESHOLD = 0.5
_EDGE_BONUS = 0.15
_MAX_LABEL = 40  # longer cells are values
_MAX_CONTAINING = 20  # containment is tried on cells up to this many characters

_LEADING_RE = re.compile(r"^(?:其中[:：]?|[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])+")
_TRAILING_BRACKET_RE = re.compile(r"[(（\[【]([^()（）\[\]【】]*)[)）\]】]$")


@dataclass(frozen=True)
class Match:
    """A cell read as a label: the field, the score, a unit and a qualifier in brackets."""

    key: str
    score: float
    unit: str = ""
    qualifier: str = ""  # "长期" in "指标值(长期)"


@lru_cache(maxsize=32768)
def split_label(text: str) -> tuple[str, str, str]:
    """(core, unit, qualifier): "其中：市级财政（万元）" → ("市级财政", "万元", "")."""
    core = SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", text))
    core = _LEADING_RE.sub("", core).rstrip(":：")
    unit = qualifier = ""
    for _ in range(2):
        match = _TRAILING_BRACKET_RE.search(core)
        if not match or match.start() == 0:
            break
        inside = match.group(1)
        unit_match = unit_re(bracket=True).match(inside)
        if unit_match:
            unit = unit or unit_match.group(1)
        else:
            qualifier = qualifier or inside
        core = core[: match.start()].rstrip(":：")
    return core, unit, qualifier




@cache
def _labels(section: Section) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, labels in synonyms(section).items():
        for label in labels:
            table.setdefault(split_label(label)[0], key)
            table.setdefault(SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", label)), key)
    return table


@cache
def _longest(section: Section) -> int:
    return max(len(k) for k in _labels(section))


@lru_cache(maxsize=65536)
def _match_text(text: str, section: Section) -> Match | None:
    if len(text) > _MAX_LABEL * 2:
        return None
    core, unit, qualifier = split_label(text)
    if not core or len(core) > _MAX_LABEL:
        return None
    table = _labels(section)
    whole = SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", text)).rstrip(":：")
    key = table.get(core) or table.get(whole)
    if key:
        return Match(key, 1.0, unit, qualifier)
    if len(core) > _MAX_CONTAINING or core.endswith("表") or ":" in core or any(ch.isdigit() for ch in core):
        return None  # "项目名称：乡村道路" is a label and its value in one cell: see inner_pairs
    best: Match | None = None
    n = len(core)
    shortest = 4 if section == "header" else 3  # short labels ("区财政") match only whole: values contain them
    for size in range(min(n - 1, _longest(section)), shortest - 1, -1):
        for start in range(n - size + 1):
            found = table.get(core[start:start + size])
            if found:
                edge = start == 0 or start + size == n
                score = size / n + (_EDGE_BONUS if edge else 0.0)
                if best is None or score > best.score:
                    best = Match(found, score, unit, qualifier)
        if best is not None:
            return best  # the longest label inside wins
    return None


def match(value: Any, section: Section = "header") -> Match | None:
    """The field a cell names, scored (≥ THRESHOLD: a label), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _match_text(value, section)


def is_label(value: Any, section: Section = "header") -> bool:
    """A cell that reads as one of the section's labels with confidence."""
    found = match(value, section)
    return found is not None and found.score >= THRESHOLD


def looks_like_label(value: Any) -> bool:
    """A short, digit-free cell holding some label: a column title, never a value."""
    found = match(value, "header")
    if found is None:
        return False
    core = split_label(value)[0]
    return found.score >= THRESHOLD or (len(core) <= 12 and not any(ch.isdigit() for ch in core))


# A label before a colon: 2–20 label characters, spaces, the colon. Found with finditer;
# the value is the text up to the next label or a "二、" numbering. No lookahead per
# character: a value of 30 000 spaces or commas costs one pass, not one pass per character.
_LABEL_CHAR = r"[^\s:：,，;；、\d]"
# "项 目 名 称：" (one space between every character, as Word forms spread a label) or a plain run
_LABEL_COLON_RE = re.compile(rf"((?:{_LABEL_CHAR} ){{1,19}}{_LABEL_CHAR}|{_LABEL_CHAR}{{2,20}})\s*[:：]")
_NUMBERING_RE = lazy_pattern(r"[一二三四五六七八九十]、")
_SEPARATORS = " \t\u3000,，;；"
_WHEREOF_RE = re.compile(r"^\s*其中\s*[:：]")
_MAX_TAIL_LINE = 60  # "上级资金16": a label (≤ 20) and an amount; longer lines are text


class Pair(NamedTuple):
    """A "label: value" written inside one cell."""

    key: str  # the field
    text: str  # the value as written
    unit: str  # the unit the label states ("万元"), or ""
    label: str  # the label as written ("自有资金")


def _label_values(text: str) -> list[tuple[str, str]]:
    """(label, value) for every "label: value" of one line, in order; linear in the line."""
    heads = list(_LABEL_COLON_RE.finditer(text))
    out = []
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        value = text[head.end():end]
        for colon in (":", "："):  # a colon no label stands before ("12:30") ends the value
            value = value.split(colon, 1)[0]
        numbering = _NUMBERING_RE.search(value) if "、" in value else None
        if numbering:
            value = value[:numbering.start()]
        out.append((head.group(1), value.lstrip().rstrip(_SEPARATORS)))
    return out


def _labelled(text: str) -> list[Pair]:
    """Every recognised "label: value" in one line."""
    found_pairs = []
    for label, rest in _label_values(text):
        found = match(label)
        if found and found.score >= THRESHOLD and rest.strip(" ;；,，)"):
            found_pairs.append(Pair(found.key, rest.strip().rstrip(";；,，)").strip(), found.unit, label.strip()))
    return found_pairs


# a line ending in a number, perhaps with its unit ("上级资金16", "自有资金 3 万元"): the
# optional unit group fails whole before the last run is tried, so each space run is
# scanned a bounded number of times, not once per space.
_AMOUNT_END_RE = re.compile(r"\d(?:[^\S\n]*(?:万元|万|元))?[^\S\n]*$", re.M)


def _ends_with_amount(value: str) -> bool:
    return _AMOUNT_END_RE.search(value) is not None


def inner_pairs(value: Any) -> list[Pair]:
    """Label/value pairs written inside one cell: "年度资金总额:16" → [("total", "16", unit)].

    Also "上级资金16" (label then a number) and several pairs in one multi-line cell
    ("资金总额: 250 一、预算资金:250 二、自有资金:0"). Only recognised labels count.
    """
    if not isinstance(value, str) or not (":" in value or "：" in value or _ends_with_amount(value)):
        return []
    pairs: list[Pair] = []
    for line in unicodedata.normalize("NFKC", value).split("\n"):
        if ":" not in line and not _ends_with_amount(line):
            continue  # neither "label: value" nor "label 16": nothing to find, cheaply
        line = _WHEREOF_RE.sub("", line, count=1)
        head, parts = _split_whereof(line)
        found_pairs = _labelled(head)
        if parts is not None:
            if not found_pairs:  # "项目资金120万元，其中：…": the whole's label (exactly) and amount, no colon
                found_pairs = _tail_pair(head, kinds=("amount",), exact=True)
            # "(其中:上级:6923;本级:0)", "其中：财政资金100万元，自筹资金20万元": each part, colon or not
            components = [p for seg in _PARTS_SPLIT_RE.split(parts) for p in
                          (_labelled(seg) or _tail_pair(seg, kinds=("amount",))) if field(p.key).kind == "amount"]
            if not found_pairs or not all(field(p.key).kind == "amount" for p in found_pairs):
                found_pairs = _labelled(line)  # "其中" inside a text value ("年度目标:…,其中县道30公里"): the line whole
            elif components and all(p.key.startswith("funding.") for p in found_pairs + components):
                found_pairs = components  # "财政拨款:6923(其中:上级:6923;本级:0)": the parts, not their sum too
            else:
                found_pairs += components  # "资金总额:120万元(其中财政资金100万元,其他资金20万元)"
        pairs.extend(found_pairs)
        if not found_pairs and len(line) <= _MAX_TAIL_LINE:
            # "上级资金16": an amount or a date written after its label; a text field's value is
            # never a bare number (a goal reading "项目名0" is not a 项目名称 label)
            pairs.extend(_tail_pair(line, kinds=("amount", "month", "period")))
    return pairs


_TAIL_RE = re.compile(r"\s*([^\d:：]{2,20}?)\s*([\d,]+(?:\.\d+)?\s*(?:百万元|[万千亿]?元|万|亿)?)\s*")
_PARTS_SPLIT_RE = re.compile(r"[;；、]|,(?!\d{3})")  # "，" is "," after NFKC; "1,200" is one number


def _split_whereof(line: str) -> tuple[str, str | None]:
    """"资金总额:120万元(其中…)" / "项目资金120万元,其中:…" → (the whole, its parts); parts None without 其中."""
    at = line.find("其中")
    if at <= 0:
        return line, None
    return line[:at].rstrip(" ,;；(（"), line[at + 2:].strip(" :：)）")


def _tail_pair(text: str, *, kinds: tuple[str, ...], exact: bool = False) -> list[Pair]:
    """"上级资金16", "财政资金100万元": a label, then its value with nothing between. ``exact``: the label
    is one of the field table's wordings as a whole (a sentence's "本项目总投资500万元" is not)."""
    tail = _TAIL_RE.fullmatch(text) if len(text) <= _MAX_TAIL_LINE else None
    found = match(tail.group(1)) if tail else None
    if tail is None or found is None or found.score < (1.0 if exact else THRESHOLD) or field(found.key).kind not in kinds:
        return []
    return [Pair(found.key, tail.group(2), found.unit, tail.group(1).strip())]


@cache
def _footer_words() -> tuple[str, ...]:
    return tuple(SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", w)) for w in words("footer"))


def is_footer(value: Any) -> bool:
    """A cell that belongs under the table (审核意见, 填报人, 联系电话 …), per the field table."""
    if not isinstance(value, str):
        return False
    text = SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", value))
    if not text:
        return False
    head = text[:24]
    return any(w in head for w in _footer_words())

