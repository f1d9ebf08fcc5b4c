"""Grid → projects, by labels rather than coordinates; plus the workbook adapters.

``parse_grid`` is the one parser: it finds each 项目名称 label, reads the header
grid by the labels beside their values, then the indicator table by its column
titles. Rows may be inserted or deleted, cells merged, labels full-width or padded;
numbers may be stored as text. The workbook adapters at the bottom only turn files
into :class:`~xltool.grid.Grid` objects (python-calamine fast path, openpyxl for
what needs styles).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from .errors import XltoolError
from .framework import get_profile, guess_profile, load_profiles
from .grid import Grid
from .model import Indicator, Project, clean_text, format_cell_text, normalize_label, parse_target
from .report import MARKS_SHEET, RESULTS_SHEET

# Name of the very-hidden sheet that holds dropdown lists and the workbook's profile.
LISTS_SHEET = "xltool_lists"
PROFILE_KEY = "profile"
INSTRUCTIONS_SHEET = "填写说明"
# Sheets xltool itself adds (instructions, validation results, stored marks): never
# project sheets, and not "skipped" either.
SERVICE_SHEETS = frozenset({LISTS_SHEET, INSTRUCTIONS_SHEET, RESULTS_SHEET, MARKS_SHEET})

_AMOUNT_FIELDS = ("total", "funding.province", "funding.city", "funding.district", "funding.other")
_DATE_FIELDS = ("start", "end")


@cache
def label_table() -> dict[str, dict[str, str]]:
    """{"header"|"columns": {normalised synonym: field}} from ``data/labels.toml``."""
    data = tomllib.loads((resources.files("xltool") / "data" / "labels.toml").read_text(encoding="utf-8"))
    table: dict[str, dict[str, str]] = {}
    for section, fields in data.items():
        table[section] = {normalize_label(s): name for name, synonyms in fields.items() for s in synonyms}
    return table


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
            project.notes.append(f"未找到“{_FIELD_LABELS[fieldname]}”栏目")


_FIELD_LABELS = {
    "name": "项目名称",
    "total": "项目总金额（万元）",
    "department": "主管部门",
    "implementer": "实施单位",
    "funding.province": "部省级财政（万元）",
    "funding.city": "市级财政（万元）",
    "funding.district": "区级财政（万元）",
    "funding.other": "其他（万元）",
    "start": "计划开始时间",
    "end": "计划结束时间",
    "overview": "项目概况",
    "long_term_goal": "中长期绩效目标",
    "annual_goal": "年度绩效目标",
}


def field_label(fieldname: str) -> str:
    """The form's Chinese label of a model field (for messages)."""
    return _FIELD_LABELS.get(fieldname, fieldname)


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


def grids_from_calamine(path: Path) -> list[Grid]:
    """All sheets through python-calamine (fast, no styles), behind the safety gate.

    xlsx cell extents are checked before calamine sees the file. For .xls and .ods no
    such cheap check exists, and calamine aborts the whole process on a far-away cell;
    those are read in a forked child so a crash becomes a message, not a dead program.
    """
    from .safety import check_input_file, open_checked_calamine

    path = Path(path)
    kind = check_input_file(path)
    if kind in ("xls", "ods") and _CHILD_CONTEXT is not None:
        return _grids_in_child(path, kind)
    return _grids_from_workbook(open_checked_calamine(path, kind), path)


def _grids_from_workbook(workbook: Any, path: Path) -> list[Grid]:
    from .safety import MAX_COLS, MAX_ROWS

    grids: list[Grid] = []
    try:
        metas = {m.name: m for m in workbook.sheets_metadata}
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
            truncated = len(rows) > MAX_ROWS
            rows = [[None if v == "" else v for v in row[:MAX_COLS]] for row in rows[:MAX_ROWS]]
            visible = str(getattr(metas.get(name), "visible", "visible")).lower()
            grid = Grid(rows=rows, name=name, hidden="visible" not in visible or "hidden" in visible)
            if truncated:
                grid.meta["truncated_rows"] = MAX_ROWS
            grids.append(grid)
    except XltoolError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged parts
        raise XltoolError(f"工作簿内容损坏，无法读取（{type(exc).__name__}）", file=path) from exc
    return grids


def _fork_context() -> Any:
    import multiprocessing

    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows: no fork; read in-process
        return None


_CHILD_CONTEXT = _fork_context()
_CHILD_TIMEOUT = 120.0
_CHILD_MEMORY = 2 << 30


def _child_read(path: str, kind: str, conn: Any) -> None:
    """In the forked child: silence stderr (calamine's panic text is English), cap memory, read."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY, _CHILD_MEMORY))
    except (OSError, ValueError, ImportError):
        pass
    from .safety import open_checked_calamine

    try:
        grids = _grids_from_workbook(open_checked_calamine(Path(path), kind), Path(path))  # type: ignore[arg-type]
        conn.send(("ok", grids))
    except XltoolError as exc:
        conn.send(("error", exc.message))
    except MemoryError:
        conn.send(("error", "文件结构异常，读取所需内存过大"))
    finally:
        conn.close()


def _grids_in_child(path: Path, kind: str) -> list[Grid]:
    ctx = _CHILD_CONTEXT
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_read, args=(str(path), kind, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(_CHILD_TIMEOUT):
            status, payload = receiver.recv()
        else:
            status, payload = "error", f"读取超时（超过 {int(_CHILD_TIMEOUT)} 秒），文件可能结构异常"
    except EOFError:  # the child died without a word: calamine aborted
        status, payload = "error", "文件结构异常（可能有内容误填在很远的单元格中），读取时程序中止"
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    if status != "ok":
        raise XltoolError(payload, file=path)
    return payload


def grids_from_openpyxl(workbook: Any) -> list[Grid]:
    """All sheets of an already opened openpyxl workbook (values, not formulas)."""
    from .safety import MAX_COLS, MAX_ROWS

    grids: list[Grid] = []
    for ws in workbook.worksheets:
        rows = [
            list(row)
            for row in ws.iter_rows(
                min_row=1, max_row=min(ws.max_row or 1, MAX_ROWS), max_col=min(ws.max_column or 1, MAX_COLS),
                values_only=True,
            )
        ]
        grids.append(Grid(rows=rows, name=ws.title, hidden=ws.sheet_state != "visible"))
    return grids


def read_workbook(path: str | Path, *, profile: str | None = None) -> WorkbookRead:
    """Read every project sheet of a workbook file (xlsx/xlsm/xls/ods).

    Raises :class:`XltoolError` (exit code 2) when the file cannot be read or holds
    no project sheet at all.
    """
    path = Path(path)
    grids = grids_from_calamine(path)  # the safety gate inside refuses non-workbooks (.docx too)
    result = projects_from_grids(grids, file=str(path), profile=profile)
    if not result.projects:
        raise XltoolError(
            "未找到项目绩效目标表：没有任何工作表含“项目名称”和指标表（一级指标/三级指标）栏目", file=path
        )
    return result
