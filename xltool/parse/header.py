"""The header block of a 绩效目标表: label → value pairing and the conversion of values.

A value sits to the right of its label, below it (a row of titles over a row of texts),
or inside the label's own cell after a colon ("年度资金总额:16"); each cell is used once.
Amounts are read in 万元 whatever the table wrote ("250万", "10000万元", "3,309,840.00"
under "单位：元"), and a conversion is said in a notice.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from xltool.core.fields import keys_of_kind
from xltool.core.grid import Grid
from xltool.core.model import Project, format_cell_text, parse_target
from xltool.core.text import clean_text
from xltool.parse.labels import THRESHOLD, inner_pairs, looks_like_label, match, split_label

AMOUNT_FIELDS = keys_of_kind("amount")  # fields.toml's kind = "amount"
DATE_FIELDS = ("start", "end")

_AMOUNT_RE = re.compile(r"^\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(万元|万|元|亿元|亿)?\s*(?:[(（].*)?$", re.S)
_FACTOR = {"": 1.0, "万元": 1.0, "万": 1.0, "元": 1e-4, "亿元": 1e4, "亿": 1e4}


def parse_amount(value: Any, unit: str = "") -> tuple[float | None, str]:
    """A 万元 amount from a number or text ("250万", "854万(其中…)"); (None, text) if none.

    ``unit`` is the table's unit (label or sheet) for a bare number: "元" divides by 10 000.
    """
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None, format_cell_text(value)
        return _scaled(float(value), unit), format_cell_text(value)
    text = clean_text(value)
    if not text:
        return None, ""
    found = _AMOUNT_RE.match(unicodedata.normalize("NFKC", text))
    if found:
        number = float(found.group(1).replace(",", ""))
        return _scaled(number, found.group(2) or unit), text
    op, number, rest = parse_target(text)
    if number is not None and not op and rest in ("", "万元", "万"):
        return number, text
    return None, text


def _scaled(number: float, unit: str) -> float:
    factor = _FACTOR.get(unit, 1.0)
    return round(number * factor, 6) if factor != 1.0 else number


_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?(?:\s*[.\-/]?\s*\d{1,2}\s*日?)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_month(value: Any) -> str:
    """Normalise a 计划开始/结束时间 cell to ``YYYY.MM`` where it is unambiguous.

    A number 2022.1 is what Excel makes of a typed "2022.10", so numbers get two
    decimals; text that is not a recognisable month is returned cleaned, unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value.year:04d}.{value.month:02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or not 0 <= value < 10000:
            return format_cell_text(value)
        text = f"{float(value):.2f}"
        year, _, month = text.partition(".")
        return f"{year}.{month}" if 1 <= int(month) <= 12 else text
    text = unicodedata.normalize("NFKC", clean_text(value))
    for pattern in _MONTH_PATTERNS:
        found = pattern.match(text)
        if found and 1 <= int(found.group(2)) <= 12:
            return f"{int(found.group(1)):04d}.{int(found.group(2)):02d}"
    return clean_text(value)


def header_field(value: Any) -> tuple[str | None, str]:
    """The model field a header label stands for, and the unit it names."""
    found = match(value, "header")
    if found is None or found.score < THRESHOLD:
        return None, ""
    return found.key, found.unit


def claimed_without_value(project: Project, fieldname: str) -> bool:
    """True when a label met earlier had no value beside it: a later label with a value wins.

    Other regions put a caption label over the real one (项目资金（万元） | 资金总额 | 300);
    the caption claims ``total`` first, empty. Only empty claims yield, so the first
    filled label still wins everywhere else.
    """
    if fieldname not in project.cells:
        return False
    if fieldname == "period":
        return "period" not in project.raw and "项目起止时间" not in project.extra
    if fieldname in AMOUNT_FIELDS:
        return getattr(project, "total") is None if fieldname == "total" else fieldname not in project.raw
    if fieldname in DATE_FIELDS:
        return fieldname not in project.raw
    return getattr(project, fieldname, "") == ""


_WHOLE_YEAR_RE = re.compile(r"\s*(\d{4})\s*(?:年度|年|全年)?\s*")
_SHEET_UNIT_RE = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|元|亿元)")


def sheet_unit(grid: Grid, start: int, end: int) -> str:
    """The money unit a table states above or beside its header ("单位：元"), or ""."""
    for r in range(max(0, start), end):
        for v in grid.rows[r]:
            if isinstance(v, str) and "单位" in v:
                found = _SHEET_UNIT_RE.search(unicodedata.normalize("NFKC", v))
                if found:
                    return found.group(1)
    return ""


def set_field(project: Project, fieldname: str, value: Any, ref: str, unit: str, default_unit: str = "") -> None:
    """Store one header value, converted (amount, month, period) and with its cell."""
    project.cells[fieldname] = ref
    if fieldname in AMOUNT_FIELDS:
        used_unit = unit or default_unit
        number, text = parse_amount(value, used_unit)
        if text:
            project.raw[fieldname] = text
        if number is not None and used_unit in ("元", "亿元") and not re.search(r"万|亿", text):
            project.notes.append(f"“{text}”按{used_unit}换算为 {number:g} 万元")
        if fieldname == "total":
            project.total = number
        else:
            setattr(project.funding, fieldname.split(".", 1)[1], number)
    elif fieldname in DATE_FIELDS:
        text = parse_month(value)
        if value is not None and clean_text(value):
            project.raw[fieldname] = format_cell_text(value) if not isinstance(value, (dt.date, dt.datetime)) else text
        setattr(project, fieldname, text)
    elif fieldname == "period":
        text = clean_text(value)
        nfkc = unicodedata.normalize("NFKC", text)
        parts = re.split(r"\s*(?:-|—|－|~|～|至|到)\s*", nfkc, maxsplit=1)
        whole_year = _WHOLE_YEAR_RE.fullmatch(nfkc)
        if whole_year:  # "2021年度": the budget year, January to December
            parts = [f"{whole_year.group(1)}年1月", f"{whole_year.group(1)}年12月"]
        elif len(parts) == 2 and not re.search(r"\d{4}", parts[1]) and (year := re.match(r"\s*(\d{4})", parts[0])):
            parts[1] = f"{year.group(1)}年{parts[1]}"  # "2021年1月-12月": the end borrows the year
        if len(parts) == 2:
            project.start, project.end = parse_month(parts[0]), parse_month(parts[1])
            project.cells["start"] = project.cells["end"] = ref
            project.raw["period"] = text
        elif text:
            project.extra["项目起止时间"] = text
            project.notes.append(f"无法识别项目起止时间“{text}”")
    else:
        setattr(project, fieldname, format_cell_text(value))


def _offer(project: Project, fieldname: str, value: Any, ref: str, unit: str, default_unit: str,
           label_text: Any = "", others: list[str] | None = None, source: str = "") -> None:
    """Set a field unless an earlier label already gave it a value; a second value is kept aside.

    ``others``: the sources that filled the 其他 bucket so far, ``source`` this value's label
    (see :func:`_adds_another_source`).
    """
    if fieldname not in project.cells or (value is not None and claimed_without_value(project, fieldname)):
        set_field(project, fieldname, value, ref, unit, default_unit)
        if fieldname == _OTHER and others is not None:
            others[:] = [_source_name(source)]
    elif fieldname == _OTHER and others and _adds_another_source(project, value, unit or default_unit, source, others):
        return
    elif value is not None and clean_text(value) and label_text and project.cells.get(fieldname) != ref:
        key = clean_text(label_text).rstrip(":：")
        if key not in project.extra:
            project.extra[key] = format_cell_text(value)
            project.notes.append(f"“{key}”与已读取的栏目重复，内容已保留在附加信息中")


_OTHER = "funding.other"


def _source_name(label: str) -> str:
    """A source's name as compared: "二、自有资金（万元）:" → "自有资金" (split_label drops the numbering)."""
    return split_label(label)[0] if label else ""


def _adds_another_source(project: Project, value: Any, unit: str, source: str, others: list[str]) -> bool:
    """"二、自有资金:0 三、其他:3683": the catch-all 其他 bucket adds up sources of other
    names (the same source twice is a repetition, kept aside as before)."""
    name = _source_name(source)
    number, _ = parse_amount(value, unit)
    if not name or not others[0] or name in others or number is None or project.funding.other is None:
        return False
    project.funding.other = round(project.funding.other + number, 6)
    others.append(name)
    project.notes.append(f"“{name}”与“{others[0]}”都计入其他资金来源，已相加")
    return True


def _is_value(v: Any) -> bool:
    return v is not None and clean_text(v) != "" and not looks_like_label(v)


def parse_header(grid: Grid, start: int, end: int, project: Project, row_texts: Any, unit: str = "") -> set[tuple[int, int]]:
    """Pair labels with values between ``start`` and ``end``; returns the cells used."""
    used: set[tuple[int, int]] = set()
    others: list[str] = []  # labels that filled the 其他 bucket
    for r in range(start, end):
        texts = row_texts(grid, r)
        labels = {c: match(v, "header") for c, v in texts}
        title_row: bool | None = None  # computed when a label has nothing to its right
        for idx, (c, v) in enumerate(texts):
            if (r, c) in used:
                continue
            found = labels[c]
            if found is None or found.score < THRESHOLD:
                pairs = inner_pairs(v)
                for pair in pairs:
                    _offer(project, pair.key, pair.text, grid.ref(r, c), pair.unit, unit, v, others, pair.label)
                if pairs:
                    used.add((r, c))
                continue
            used.add((r, c))
            if found.key in AMOUNT_FIELDS and _LONG_AMOUNT_RE.search(split_label(v)[0]):
                _keep_long_amount(project, grid, r, c, texts, idx, used)  # 中期资金总额: not this year's
                continue
            value_pos: tuple[int, int] | None = None
            if idx + 1 < len(texts):
                c2, v2 = texts[idx + 1]
                if (r, c2) not in used and (_is_value(v2) or _value_after_all(texts, idx + 1, labels)):
                    value_pos = (r, c2)
            if value_pos is None and title_row is None:
                title_row = all(looks_like_label(v) or _is_caption(v) for _, v in texts)
            if value_pos is None and title_row:
                below = _below(grid, r, c, end, texts[0][0])
                if below is not None and below not in used:
                    value_pos = below
            if value_pos is None:
                _offer(project, found.key, None, grid.ref(r, c + 1), found.unit, unit)
                continue
            used.add(value_pos)
            value = grid.get(*value_pos)
            pairs = inner_pairs(value) if found.key in AMOUNT_FIELDS else []
            if pairs and parse_amount(value)[0] is None:
                for pair in pairs:  # "项目资金 | 资金总额: 250 一、预算资金: 250 …"
                    _offer(project, pair.key, pair.text, grid.ref(*value_pos), pair.unit or found.unit, unit,
                           others=others, source=pair.label)
                continue
            _offer(project, found.key, value, grid.ref(*value_pos), found.unit, unit, v, others, clean_text(v))
    return used


_LONG_AMOUNT_RE = re.compile(r"中期|长期|实施期|中长期")


def _keep_long_amount(project: Project, grid: Grid, r: int, c: int, texts: list[tuple[int, Any]], idx: int,
                      used: set[tuple[int, int]]) -> None:
    """A medium-term amount (中期资金总额) is kept aside: the table's total is the year's."""
    key = clean_text(texts[idx][1]).rstrip(":：")
    if idx + 1 < len(texts) and _is_value(texts[idx + 1][1]):
        c2, v2 = texts[idx + 1]
        used.add((r, c2))
        project.extra.setdefault(key, format_cell_text(v2))


def _value_after_all(texts: list[tuple[int, Any]], idx: int, labels: dict[int, Any]) -> bool:
    """A cell that merely contains a label ("市财政局" ⊃ …) is a value when nothing follows it."""
    found = labels.get(texts[idx][0])
    return found is not None and THRESHOLD <= found.score < 1.0 and idx + 1 == len(texts)


def _is_caption(value: Any) -> bool:
    """A short title cell without digits over a funding grid ("资金来源")."""
    text = clean_text(value)
    return 0 < len(text) <= 8 and not any(ch.isdigit() for ch in text)


def _is_label(found: Any) -> bool:
    return found is not None and found.score >= THRESHOLD


def _below(grid: Grid, r: int, c: int, end: int, first: int = 0) -> tuple[int, int] | None:
    """The text under a title cell in the next non-blank row, when that row holds no label.

    A label left of the title row's first cell (``first``) captions the row below
    ("总体目标 | 中期… | 年度…" under "中期目标 | 年度目标", as 山西 writes it): not a rival.
    """
    for r2 in range(r + 1, min(end, r + 3)):
        row = grid.rows[r2]
        if not any(v is not None and clean_text(v) for v in row):
            continue
        if any(looks_like_label(v) for col, v in enumerate(row) if v is not None and col >= first):
            return None
        shift = len(grid.rows[r]) - len(row)
        if grid.meta.get("ragged_rows") and shift > 0 and len(row) > 1:
            c -= shift  # a web copy dropped the merged caption on the left of the values' row
        v = grid.get(r2, c) if c >= 0 else None
        return (r2, c) if v is not None and clean_text(v) else None
    return None
