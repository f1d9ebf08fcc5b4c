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

from xltool.core.fields import keys_of_kind, label, words
from xltool.core.grid import Grid
from xltool.core.model import Project, format_cell_text
from xltool.core.text import SPACE_RUN_RE, clean_text, lazy_pattern, normalize_label
from xltool.parse.amounts import implausible, is_money_unit, parse_amount, unit_chars, unit_re
from xltool.parse.labels import THRESHOLD, inner_pairs, looks_like_label, match, split_label
from xltool.parse.mapping import record

AMOUNT_FIELDS = keys_of_kind("amount")  # fields.toml's kind = "amount"
DATE_FIELDS = ("start", "end")

_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?(?:\s*[.\-/]?\s*\d{1,2}\s*日?)?$"),
    lazy_pattern(r"^(\d{4})(\d{2})$"),
)


_MAX_MONTH = 40  # "2022 年 10 月 31 日" and its spaces; longer text is no month


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
    text = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", clean_text(value)))
    if len(text) > _MAX_MONTH:
        return clean_text(value)
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


_WHOLE_YEAR_RE = lazy_pattern(r"\s*(\d{4})\s*(?:年度|年|全年)?\s*")
_MAX_UNIT_LINE = 200  # "填报单位：… 单位：万元" fits; a longer cell is text, not a unit line


def sheet_unit(grid: Grid, start: int, end: int) -> str:
    """The money unit a table states above or beside its header ("单位：元"), or ""."""
    for r in range(max(0, start), end):
        for v in grid.rows[r]:
            if isinstance(v, str) and "单位" in v and len(v) <= _MAX_UNIT_LINE:
                found = unit_re().search(SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", v)))
                if found:
                    return found.group(1)
    return ""


def _whole_year_month(value: Any, fieldname: str) -> str:
    """"2019" (or "2019年") opening a 项目期 is 2019.01, closing it 2019.12: a period in whole years.
    (A lone 计划开始时间 "2019" stays as typed, for the validator to ask for the month.)"""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return ""
    text = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", clean_text(format_cell_text(value))))
    found = _WHOLE_YEAR_RE.fullmatch(text) if len(text) <= 12 else None
    if not found or not 1900 <= int(found.group(1)) <= 2199:
        return ""
    return f"{found.group(1)}.{'01' if fieldname == 'start' else '12'}"


def row_unit(texts: list[tuple[int, Any]]) -> str:
    """The money unit a row states in one of its cells ("资金情况（万元）", "万元", "单位：元"), or ""."""
    for _, v in texts:
        if not isinstance(v, str) or len(v) > 40 or not any(ch in v for ch in unit_chars()):
            continue
        stated = split_label(v)[1]
        if is_money_unit(stated):
            return stated
        bare = SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", v)).strip("()（）")
        if is_money_unit(bare):
            return bare
        found = unit_re().fullmatch(bare.replace("：", ":"))
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
        if number is not None and used_unit not in ("", "万元", "万") and not re.search(r"[万亿元]", text):
            project.notes.append(f"“{text}”按{used_unit}换算为 {number:g} 万元")
        if implausible(number):
            project.notes.append(f"“{text}”换算为 {number:g} 万元，超出任何区县预算的规模，请核对金额和单位")
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
        nfkc = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", text))
        parts = re.split(r"\s*(?:-|—|－|~|～|至|到)\s*", nfkc, maxsplit=1)
        whole_year = _WHOLE_YEAR_RE.fullmatch(nfkc)
        if whole_year:  # "2021年度": the budget year, January to December
            parts = [f"{whole_year.group(1)}年1月", f"{whole_year.group(1)}年12月"]
        elif len(parts) == 2 and not re.search(r"\d{4}", parts[1]) and (year := re.match(r"\s*(\d{4})", parts[0])):
            parts[1] = f"{year.group(1)}年{parts[1]}"  # "2021年1月-12月": the end borrows the year
        if len(parts) == 2:
            project.start = _whole_year_month(parts[0], "start") or parse_month(parts[0])
            project.end = _whole_year_month(parts[1], "end") or parse_month(parts[1])
            project.cells["start"] = project.cells["end"] = ref
            project.raw["period"] = text
        elif text:
            project.extra["项目起止时间"] = text
            project.notes.append(f"无法识别项目起止时间“{text}”")
    else:
        setattr(project, fieldname, format_cell_text(value))


def _offer(project: Project, fieldname: str, value: Any, ref: str, unit: str, default_unit: str,
           label_text: Any = "", others: dict[str, tuple[list[str], str]] | None = None, source: str = "",
           in_grid: bool = False) -> None:
    """Set a field unless an earlier label already gave it a value; a second value is kept aside.

    ``others``: per funding bucket, the sources that filled it so far and the row of the first
    one's value; ``source`` this value's label (see :func:`_adds_another_source`); ``in_grid``: the
    value stands under its label in a row of titles (a funding grid), not beside it.
    """
    if fieldname not in project.cells or (value is not None and claimed_without_value(project, fieldname)):
        set_field(project, fieldname, value, ref, unit, default_unit)
        if fieldname.startswith("funding.") and others is not None:
            others[fieldname] = ([_source_name(source)], _row_of(ref))
    elif (fieldname.startswith("funding.") and others and fieldname in others
          and (in_grid or fieldname == _OTHER or _row_of(ref) != others[fieldname][1])
          and _adds_another_source(project, fieldname, value, unit or default_unit, source, ref, others[fieldname])):
        others.setdefault(_ADDED, ([], ""))[0].append(ref)  # read: not "unrecognised" later
        return
    elif value is not None and clean_text(value) and label_text and project.cells.get(fieldname) != ref:
        key = clean_text(label_text).rstrip(":：")
        if key not in project.extra:
            project.extra[key] = format_cell_text(value)
            project.notes.append(f"“{key}”与已读取的栏目重复，内容已保留在附加信息中")


_OTHER = "funding.other"
_ADDED = "+added"  # key of ``others`` listing the cells of sources added into a bucket
ADDED_REFS = "_added_refs"  # Grid.meta key: those cells, for the importer's bookkeeping


def _row_of(ref: str) -> str:
    return ref.lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _source_name(label: str) -> str:
    """A source's name as compared: "二、自有资金（万元）:" → "自有资金" (split_label drops the numbering)."""
    return split_label(label)[0] if label else ""


def _adds_another_source(project: Project, fieldname: str, value: Any, unit: str, source: str, ref: str,
                         bucket: tuple[list[str], str]) -> bool:
    """Two sources of other names in one bucket add up: "二、自有资金:0 三、其他:3683" into 其他,
    中央 | 省级 titles side by side over their values (a funding grid) into 部省级, and 中央补助, 省级补助
    on lines of their own (a list of sources) into 部省级. The same source twice is a repetition; a
    "其中" part, or a part on a line after its bucket's whole ("上级资金", [words] funding_aggregate),
    is a breakdown: kept aside."""
    names, row = bucket
    name = _source_name(source)
    number, _ = parse_amount(value, unit)
    key = fieldname.split(".", 1)[1]
    current = getattr(project.funding, key)
    if not name or not names[0] or name in names or number is None or current is None:
        return False
    if fieldname != _OTHER and ("其中" in source or (_row_of(ref) != row and _aggregates(names[0], name))):
        return False
    setattr(project.funding, key, round(current + number, 6))
    names.append(name)
    where = "其他资金来源" if fieldname == _OTHER else f"“{label(fieldname)}”"
    project.notes.append(f"“{name}”与“{names[0]}”都计入{where}，已相加")
    return True


def _aggregates(*names: str) -> bool:
    """Whether one of these source names is a bucket's whole rather than one part of it."""
    wholes = words("funding_aggregate")
    return any(w in normalize_label(n) for n in names for w in wholes)


def _is_value(v: Any) -> bool:
    return v is not None and clean_text(v) != "" and not looks_like_label(v)


def parse_header(grid: Grid, start: int, end: int, project: Project, row_texts: Any, unit: str = "") -> set[tuple[int, int]]:
    """Pair labels with values between ``start`` and ``end``; returns the cells used."""
    used: set[tuple[int, int]] = set()
    others: dict[str, tuple[list[str], str]] = {}  # per funding bucket: the labels that filled it
    higher: list[tuple[Any, str, str]] = []  # 市级主管部门 values, kept for the end
    sheet_unit_ = unit
    for r in range(start, end):
        texts = row_texts(grid, r)
        unit = row_unit(texts) or sheet_unit_  # a cell of the row stating its unit beats the line above
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
                    record(grid, r, c, pair.label, "header", pair.key)
                if pairs:
                    used.add((r, c))
                continue
            used.add((r, c))
            record(grid, r, c, v, "header", found.key)
            if found.key in AMOUNT_FIELDS and _is_long_amount(split_label(v)[0]):
                _keep_long_amount(project, grid, r, c, texts, idx, used)  # 中期资金总额: not this year's
                continue
            value_pos: tuple[int, int] | None = None
            label_right = False  # the cell to the right is a (weaker) label read as a value
            if idx + 1 < len(texts):
                c2, v2 = texts[idx + 1]
                if (r, c2) not in used and _is_value(v2):
                    value_pos = (r, c2)
                elif (r, c2) not in used and _value_after_all(texts, idx + 1, labels):
                    value_pos, label_right = (r, c2), True
            if (value_pos is None or label_right) and title_row is None:
                title_row = all(looks_like_label(v) or _is_caption(v) for _, v in texts)
            if label_right and title_row and _below(grid, r, c, end, texts[0][0]) is not None:
                value_pos = None  # a row of titles over a row of values: the label's value is below it
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
            if found.key == "department" and _higher_level(v):  # 市级主管部门 beside 县级主管部门
                higher.append((value, grid.ref(*value_pos), clean_text(v)))
                continue
            _offer(project, found.key, value, grid.ref(*value_pos), found.unit, unit, v, others, clean_text(v),
                   in_grid=value_pos[0] != r)
    for value, ref, label_text in higher:
        if "department" not in project.cells:
            set_field(project, "department", value, ref, "")  # the only one: it is the table's
        else:
            project.extra.setdefault(label_text.rstrip(":："), format_cell_text(value))
            others.setdefault(_ADDED, ([], ""))[0].append(ref)
    grid.meta.setdefault(ADDED_REFS, set()).update(others.get(_ADDED, ([], ""))[0])
    return used


def _higher_level(label_text: Any) -> bool:
    """A 主管部门 label of a higher government level ("市级主管部门"): the table's own
    (县级/区级) department wins over it; data: fields.toml [words] higher_level."""
    core = split_label(clean_text(label_text))[0]
    return any(core.startswith(w) for w in words("higher_level"))


_LONG_AMOUNT_WORDS = ("中期", "长期", "实施期")  # 中长期 holds 长期


def _is_long_amount(label: str) -> bool:
    """An amount label of more than this year ("中期资金总额"): words, not a pattern to compile."""
    return any(word in label for word in _LONG_AMOUNT_WORDS)


def _keep_long_amount(project: Project, grid: Grid, r: int, c: int, texts: list[tuple[int, Any]], idx: int,
                      used: set[tuple[int, int]]) -> None:
    """A medium-term amount (中期资金总额) is kept aside: the table's total is the year's."""
    key = clean_text(texts[idx][1]).rstrip(":：")
    if idx + 1 < len(texts) and _is_value(texts[idx + 1][1]):
        c2, v2 = texts[idx + 1]
        used.add((r, c2))
        project.extra.setdefault(key, format_cell_text(v2))


def _value_after_all(texts: list[tuple[int, Any]], idx: int, labels: dict[int, Any]) -> bool:
    """A cell that merely contains a label ("市财政局" ⊃ …) is a value when nothing follows it.

    Unless the row is a row of titles with values under them (中期目标 | 年度目标 |
    年度总体目标完成情况 over the goals): the caller then reads the value below.
    """
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
    for r2 in range(r + 1, min(end, r + 4)):
        row = grid.rows[r2]
        if not any(v is not None and clean_text(v) for v in row):
            continue
        if any(looks_like_label(v) for col, v in enumerate(row) if v is not None and col >= first):
            if grid.get(r2, c) is None or not clean_text(grid.get(r2, c)):
                continue  # sub-titles beside a title merged down (中央 | 省级 under 财政资金): look further
            return None
        shift = len(grid.rows[r]) - len(row)
        if grid.meta.get("ragged_rows") and shift > 0 and len(row) > 1:
            c -= shift  # a web copy dropped the merged caption on the left of the values' row
        v = grid.get(r2, c) if c >= 0 else None
        return (r2, c) if v is not None and clean_text(v) else None
    return None
