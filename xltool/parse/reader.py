"""Grid → projects, by labels rather than coordinates; plus the workbook adapters.

``parse_grid`` is the one parser: it finds each 项目名称 label, reads the header
grid by the labels beside their values, then the indicator table by its column
titles. Rows may be inserted or deleted, cells merged, labels full-width or padded;
numbers may be stored as text. The workbook adapters at the bottom only turn files
into :class:`~xltool.core.grid.Grid` objects (python-calamine fast path, openpyxl for
what needs styles).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, Iterable

from xltool.core.fields import label, synonyms
from xltool.core.frameworks import get_profile, guess_profile, load_profiles
from xltool.core.grid import Grid
from xltool.core.model import Indicator, Project, format_cell_text, parse_target
from xltool.core.names import LISTS_SHEET, PROFILE_KEY, SERVICE_SHEETS
from xltool.core.text import clean_text, normalize_label


_AMOUNT_FIELDS = ("total", "funding.province", "funding.city", "funding.district", "funding.other")
_DATE_FIELDS = ("start", "end")


@cache
def label_table() -> dict[str, dict[str, str]]:
    """{"header"|"columns": {normalised label: field key}} from the field table."""
    return {
        section: {normalize_label(s): key for key, labels in synonyms(section).items() for s in labels}
        for section in ("header", "columns")
    }


_UNIT_SUFFIX_RE = re.compile(r"[(（\[【](万元|元|亿元|千元)[)）\]】]$")


@lru_cache(maxsize=16384)
def _label_key(value: str) -> tuple[str, str]:
    """(normalised label without '其中:' and unit suffix, the unit in the label or '')."""
    text = normalize_label(value)
    text = re.sub(r"^其中[:：]?", "", text).rstrip(":：")
    unit = ""
    match = _UNIT_SUFFIX_RE.search(text)
    if match:
        unit = match.group(1)
        text = text[: match.start()]
    return text, unit


def header_field(value: Any) -> tuple[str | None, str]:
    """The model field a header label stands for, and the unit it names."""
    if not isinstance(value, str) or len(value) > 40:
        return None, ""
    key, unit = _label_key(value)
    return label_table()["header"].get(key), unit


def column_field(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 30:
        return None
    key, _ = _label_key(value)
    return label_table()["columns"].get(key)


def parse_amount(value: Any) -> tuple[float | None, str]:
    """A 万元 amount from a number or number-as-text; (None, text) if not a number."""
    if value is None or isinstance(value, bool):
        return None, ""
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None, format_cell_text(value)
        return float(value), format_cell_text(value)
    text = clean_text(value)
    if not text:
        return None, ""
    op, number, unit = parse_target(text)
    if number is not None and not op and unit in ("", "万元", "万"):
        return number, text
    return None, text


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
        match = pattern.match(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{int(match.group(1)):04d}.{int(match.group(2)):02d}"
    return clean_text(value)


_TITLE_RE = re.compile(r"(\d{4})\s*年")


def _is_title(value: Any) -> bool:
    if not isinstance(value, str) or ("表" not in value and "附件" not in value):
        return False
    text = normalize_label(value)
    return ("绩效目标" in text and text.endswith("表")) or bool(re.fullmatch(r"附件\d*", text))


@dataclass
class _Block:
    name_row: int
    end_row: int  # exclusive


def _row_texts(grid: Grid, r: int) -> list[tuple[int, Any]]:
    """The non-blank cells of a row; computed once per grid row (the parser asks often)."""
    cache: dict[int, list[tuple[int, Any]]] = grid.meta.setdefault("_row_texts", {})
    texts = cache.get(r)
    if texts is None:
        texts = cache[r] = [(c, v) for c, v in enumerate(grid.rows[r]) if v is not None and clean_text(v) != ""]
    return texts


def _find_header_row(grid: Grid, start: int, end: int) -> tuple[int, dict[int, str]] | None:
    """First row in [start, end) whose cells are indicator column titles."""
    for r in range(start, end):
        columns: dict[int, str] = {}
        for c, v in _row_texts(grid, r):
            f = column_field(v)
            if f and f not in columns.values():
                columns[c] = f
        fields = set(columns.values())
        if "name" in fields and len(fields) >= 2 and ({"level1", "level2"} & fields or "target" in fields):
            return r, columns
    return None


# --- other regions' forms: a long-term and an annual indicator table one above the other ---

_LONG_TERM_RE = re.compile(r"长期|中期")


def annual_indicator_header(
    grid: Grid, first: tuple[int, dict[int, str]] | None, end: int
) -> tuple[int, dict[int, str]] | None:
    """The annual indicator table's column-title row when a block holds several tables.

    Other regions' forms (e.g. 财预〔2015〕88号 申报表) list 长期绩效指标 and then
    年度绩效指标, each under its own column titles; the annual table is the one a
    budget year is judged by. A table counts as annual when the nearest text row above
    its titles (or a cell of the title row that is not a column) says 年度, not 长期/中期.
    With a single table, or no such marker, the first table is kept (unchanged behaviour).
    """
    if first is None:
        return None
    candidates = [first]
    while (found := _find_header_row(grid, candidates[-1][0] + 1, end)) is not None:
        candidates.append(found)
    if len(candidates) == 1:
        return first
    for row, columns in reversed(candidates):
        above = next((r for r in (row - 1, row - 2) if r >= 0 and _row_texts(grid, r)), None)
        marker_cells = [v for _, v in _row_texts(grid, above)] if above is not None else []
        marker_cells += [v for c, v in _row_texts(grid, row) if c not in columns]
        markers = [normalize_label(v) for v in marker_cells if isinstance(v, str)]
        if any("年度" in m and not _LONG_TERM_RE.search(m) for m in markers):
            return row, columns
    return first


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
    if fieldname in _AMOUNT_FIELDS or fieldname in _DATE_FIELDS:
        return fieldname not in project.raw
    return getattr(project, fieldname, "") == ""


def parse_grid(grid: Grid, *, file: str = "", profile: str | None = None) -> list[Project]:
    """Every project table on one sheet, in order."""
    name_rows = [
        r for r in range(grid.height) if any(header_field(v)[0] == "name" for _, v in _row_texts(grid, r))
    ]
    blocks = [
        _Block(r, name_rows[i + 1] if i + 1 < len(name_rows) else grid.height) for i, r in enumerate(name_rows)
    ]
    projects: list[Project] = []
    prev_end = 0
    for block in blocks:
        project = _parse_block(grid, block, prev_end, file=file, profile=profile)
        if project is not None:
            projects.append(project)
        prev_end = block.name_row + 1
    return projects


def _parse_block(grid: Grid, block: _Block, search_from: int, *, file: str, profile: str | None) -> Project | None:
    header = _find_header_row(grid, block.name_row, block.end_row)
    header_end = header[0] if header else block.end_row
    header = annual_indicator_header(grid, header, block.end_row)  # stacked long-term/annual tables: keep the annual
    project = Project(sheet=grid.name, file=file)
    # Title: the last title-like row above the name row (within this block's preamble).
    for r in range(block.name_row - 1, max(search_from, block.name_row - 6) - 1, -1):
        for _, v in _row_texts(grid, r):
            text = clean_text(v)
            if _is_title(v) and "绩效目标" in text:
                project.title = text
                match = _TITLE_RE.search(text)
                project.year = int(match.group(1)) if match else None
                break
        if project.title:
            break
    _parse_header(grid, block.name_row, header_end, project)
    if header:
        _parse_indicators(grid, header[0], header[1], block.end_row, project)
    if profile and profile in load_profiles():
        project.profile = profile
    else:
        project.profile = guess_profile(
            [i.level1 for i in project.indicators], [i.level2 for i in project.indicators]
        ).name
    return project


def _set_field(project: Project, fieldname: str, value: Any, ref: str, unit: str) -> None:
    project.cells[fieldname] = ref
    if fieldname in _AMOUNT_FIELDS:
        number, text = parse_amount(value)
        if text:
            project.raw[fieldname] = text
        if unit and unit != "万元":
            project.raw[f"{fieldname}.unit"] = unit
        if fieldname == "total":
            project.total = number
        else:
            setattr(project.funding, fieldname.split(".", 1)[1], number)
    elif fieldname in _DATE_FIELDS:
        text = parse_month(value)
        if value is not None and clean_text(value):
            project.raw[fieldname] = format_cell_text(value) if not isinstance(value, (dt.date, dt.datetime)) else text
        setattr(project, fieldname, text)
    elif fieldname == "period":
        text = clean_text(value)
        parts = re.split(r"\s*(?:-|—|－|~|～|至|到)\s*", unicodedata.normalize("NFKC", text), maxsplit=1)
        if len(parts) == 2:
            project.start, project.end = parse_month(parts[0]), parse_month(parts[1])
            project.cells["start"] = project.cells["end"] = ref
            project.raw["period"] = text
        elif text:
            project.extra["项目起止时间"] = text
            project.notes.append(f"无法识别项目起止时间“{text}”")
    else:
        setattr(project, fieldname, format_cell_text(value))


def _parse_header(grid: Grid, start: int, end: int, project: Project) -> None:
    for r in range(start, end):
        cells = grid.rows[r]
        c = 0
        while c < len(cells):
            value = cells[c]
            fieldname, unit = header_field(value) if value is not None else (None, "")
            if fieldname is None:
                c += 1
                continue
            # The value: first non-empty cell to the right, unless a label comes first.
            found_value: Any = None
            found_col = c + 1
            k = c + 1
            while k < len(cells):
                v = cells[k]
                if v is not None and clean_text(v) != "":
                    if header_field(v)[0] is None:
                        found_value, found_col = v, k
                    break
                k += 1
            if fieldname not in project.cells or (found_value is not None and claimed_without_value(project, fieldname)):
                _set_field(project, fieldname, found_value, grid.ref(r, found_col), unit)
            c = k if found_value is None else found_col + 1
        # Unlabelled text rows inside the header are kept, not dropped.
    for fieldname in ("name", "department", "implementer", "overview", "long_term_goal", "annual_goal"):
        if fieldname not in project.cells:
            project.notes.append(f"未找到“{label(fieldname)}”栏目")




def _parse_indicators(grid: Grid, header_row: int, columns: dict[int, str], end: int, project: Project) -> None:
    header_cells = dict(_row_texts(grid, header_row))
    extra_cols = {c: clean_text(v) for c, v in header_cells.items() if c not in columns}
    col_of = {f: c for c, f in columns.items()}
    level1 = level2 = ""
    for r in range(header_row + 1, end):
        texts = _row_texts(grid, r)
        if not texts:
            continue
        if any(_is_title(v) for _, v in texts):
            continue
        values = {f: grid.get(r, c) for f, c in col_of.items()}
        typed1 = clean_text(values.get("level1"))
        typed2 = clean_text(values.get("level2"))
        if typed1:
            if typed1 != level1:
                level2 = ""
            level1 = typed1
        if typed2:
            level2 = typed2
        extra = {
            extra_cols[c]: format_cell_text(v) for c, v in texts if c in extra_cols and extra_cols[c]
        }
        if "long_term_target" in values and values.get("long_term_target") is not None:
            extra["中长期指标值"] = format_cell_text(values["long_term_target"])
        cells = {f: grid.ref(r, c) for f, c in col_of.items() if f in ("level1", "level2", "name", "operator", "target")}
        target_col = col_of.get("target", col_of.get("name", 0))
        indicator = Indicator.from_typed(
            level1=level1,
            level2=level2,
            name=values.get("name"),
            operator=values.get("operator"),
            target=values.get("target"),
            unit=format_cell_text(values.get("unit")),
            cell=grid.ref(r, target_col),
            row=grid.sheet_row(r),
            cells=cells,
            extra=extra,
        )
        project.indicators.append(indicator)


# ---------------------------------------------------------------------------
# Workbook adapters: file → grids.
# ---------------------------------------------------------------------------


@dataclass
class WorkbookRead:
    """What one workbook yielded: its projects, profile and the sheets passed over."""

    file: str
    projects: list[Project] = field(default_factory=list)
    profile: str | None = None
    skipped_sheets: list[str] = field(default_factory=list)


def profile_from_lists(grid: Grid) -> str | None:
    for row in grid.rows[:20]:
        if len(row) >= 2 and clean_text(row[0]) == PROFILE_KEY and clean_text(row[1]):
            return clean_text(row[1])
    return None


def projects_from_grids(grids: Iterable[Grid], *, file: str, profile: str | None = None) -> WorkbookRead:
    """Parse every visible sheet; the lists sheet only supplies the profile."""
    result = WorkbookRead(file=file, profile=profile)
    pending: list[Grid] = []
    for grid in grids:
        if grid.name == LISTS_SHEET:
            result.profile = result.profile or profile_from_lists(grid)
        elif grid.name not in SERVICE_SHEETS:
            pending.append(grid)
    if result.profile:
        get_profile(result.profile)  # unknown profile → clear error
    for grid in pending:
        found = parse_grid(grid, file=file, profile=result.profile)
        if grid.meta.get("truncated_rows"):
            for project in found:
                project.notes.append(f"工作表超过 {grid.meta['truncated_rows']} 行，只读取了前 {grid.meta['truncated_rows']} 行")
        if found:
            result.projects.extend(found)
        else:
            result.skipped_sheets.append(grid.name)
    return result


