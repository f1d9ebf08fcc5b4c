"""Last year's tables → projects → filled template workbooks (``xltool import``).

Staff keep last year's 绩效目标表 as Word documents, as text copied out of them, or as
another region's workbook. Re-typing them into the template is where errors creep in,
so this module only turns each source into :class:`~xltool.grid.Grid` objects and hands
them to the one parser (:func:`xltool.reader.parse_grid`). What it then changes is
layout, never content: an operator written inside the value (``≥90%``) moves to the
计算符号 column, a separate 单位 column is joined to its value, and everything that did
not map is kept in ``extra``/``notes`` and reported, because the validator, not the
importer, is the one that judges defects.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import EXIT_INPUT, XltoolError
from .grid import Grid, split_ref
from .model import (
    STANDARD_OPERATORS,
    Indicator,
    Project,
    clean_text,
    format_cell_text,
    normalize_label,
    normalize_operator,
    parse_target,
)
from .reader import LISTS_SHEET, column_field, header_field, parse_grid

# Text sources larger than this are not a few dozen tables; refuse before decoding.
MAX_TEXT_BYTES = 20 * 1024 * 1024

# Grid.meta key: 0-based rows that were free paragraphs (not table rows) in the source.
FREE_ROWS = "free_rows"

_TITLE_MAX = 80


def is_table_start(line: Any) -> bool:
    """A "附件3" line or a form title: where a new table begins in a text or Word source."""
    text = normalize_label(line)
    if not text or len(text) > _TITLE_MAX:
        return False
    if re.fullmatch(r"附件\d*[:：]?", text):
        return True
    return "绩效目标" in text and bool(re.search(r"表(?:[(（][^()（）]*[)）])?$", text))


# ---------------------------------------------------------------------------
# Sources → grids
# ---------------------------------------------------------------------------


def decode_text(data: bytes, *, file: str | Path = "") -> str:
    """Text of a file saved by Notepad, WPS or a mail client: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in data[:65536]:
            raise XltoolError("不是文本文件（含二进制内容），无法导入；请导入 .txt、.docx 或工作簿文件", file=file)
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise XltoolError("无法识别文本编码：请将文件另存为 UTF-8 或 GBK/GB18030 编码的文本后再导入", file=file)


@dataclass
class _TextTable:
    rows: list[list[str | None]] = field(default_factory=list)
    free_rows: set[int] = field(default_factory=set)
    has_cells: bool = False


def text_to_grids(text: str, *, name: str = "") -> list[Grid]:
    """One grid per table of a text export.

    The layout is what Word gives when a table is copied as text: each cell is a line
    led by a tab, a blank line ends a table row, a line without a tab continues the cell
    above (a line break inside the cell), and "附件3" or the title line starts a table.
    An empty cell (a merged 一级/二级 cell in Word) is a tab-only line and stays empty.
    """
    tables: list[_TextTable] = [_TextTable()]
    row: list[str] | None = None  # the open table row, if any
    last_was_cell = False  # a non-tab line right after a cell line continues that cell
    after_start = False  # "附件3" then the title: one table, not two
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.lstrip("\ufeff")
        if line.startswith("\t"):
            if row is None:
                row = []
                tables[-1].rows.append(row)  # type: ignore[arg-type]
                tables[-1].has_cells = True
            row.append(line[1:])
            last_was_cell, after_start = True, False
            continue
        if not line.strip(" \t\u3000\u00a0"):
            row, last_was_cell = None, False
            continue
        if last_was_cell and row and not re.fullmatch(r"附件\s*\d+\s*[:：]?", line.strip()):
            row[-1] = f"{row[-1]}\n{line}"  # a line break inside the cell, even if it reads like a title
            continue
        if is_table_start(line):
            if not after_start and tables[-1].has_cells:
                tables.append(_TextTable())
            tables[-1].rows.append([line])
            row, last_was_cell, after_start = None, False, True
            continue
        # A paragraph outside any table row: kept for the title/notes, never read as an indicator.
        tables[-1].free_rows.add(len(tables[-1].rows))
        tables[-1].rows.append([line])
        row, last_was_cell, after_start = None, False, False
    grids: list[Grid] = []
    for index, table in enumerate(t for t in tables if t.rows):
        rows = [[_cell_value(v) for v in r] for r in table.rows]
        grids.append(Grid(rows=rows, name=f"{name}#{index + 1}" if name else f"#{index + 1}",
                          meta={FREE_ROWS: table.free_rows}))
    return grids


def _cell_value(value: str | None) -> str | None:
    """Cells keep their text exactly; only all-blank cells become empty (None)."""
    if value is None or clean_text(value) == "":
        return None
    return value


def docx_to_grids(path: str | Path) -> list[Grid]:
    """One grid per project table of a Word document.

    Paragraphs before a table become one-cell rows above it (the title and year live
    there). python-docx returns a merged cell once per grid column and per row it spans;
    every repeat becomes an empty cell, as in the text export. A table holding no
    项目名称 label continues the previous one (a form split across a page break).
    """
    import docx  # python-docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        blocks = list(document.iter_inner_content())
    except XltoolError:
        raise
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged parts
        raise XltoolError("Word 文档已损坏或格式不受支持，无法读取；请在 Word 中打开后另存为 .docx 再导入",
                          file=path) from exc
    tables: list[_TextTable] = []
    pending: list[str] = []
    for block in blocks:
        if not isinstance(block, Table):
            text = block.text
            if clean_text(text):
                pending.append(text)
            continue
        rows = _docx_table_rows(block)
        starts_project = any(header_field(v)[0] == "name" for r in rows for v in r if v is not None)
        if starts_project or not tables:
            tables.append(_TextTable())
        table = tables[-1]
        for paragraph in pending:
            table.free_rows.add(len(table.rows))
            table.rows.append([paragraph])
        pending = []
        table.rows.extend(rows)
    if tables and pending:  # remarks under the last table (填报人 …)
        for paragraph in pending:
            tables[-1].free_rows.add(len(tables[-1].rows))
            tables[-1].rows.append([paragraph])
    name = Path(path).name
    return [
        Grid(rows=[[_cell_value(v) for v in r] for r in t.rows], name=f"{name}#{i + 1}", meta={FREE_ROWS: t.free_rows})
        for i, t in enumerate(tables)
    ]


def _docx_table_rows(table: Any) -> list[list[str | None]]:
    """Rows of cell texts with merged-cell repeats turned into empty cells."""
    rows: list[list[str | None]] = []
    above: list[Any] = []  # the cell elements of the previous row, by grid column
    for row in table.rows:
        cells = row.cells  # recomputed on every access
        elements: list[Any] = [None] * row.grid_cols_before
        elements.extend(cell._tc for cell in cells)  # one <w:tc> per merged cell, repeated
        texts: list[str | None] = [None] * row.grid_cols_before
        for col, cell in enumerate(cells, start=row.grid_cols_before):
            tc = elements[col]
            repeat_left = col > 0 and elements[col - 1] is tc
            repeat_above = col < len(above) and above[col] is tc
            texts.append(None if repeat_left or repeat_above else cell.text)
        rows.append(texts)
        above = elements
    return rows


# ---------------------------------------------------------------------------
# Grids → projects, layout normalised
# ---------------------------------------------------------------------------


@dataclass
class SourceResult:
    """What one source file yielded."""

    file: str
    kind: str  # "text" | "docx" | "workbook"
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Chinese, source-level (tables skipped …)
    skipped_tables: int = 0


_OPERATOR_PREFIX_RE = re.compile(
    r"^[\s\u3000]*(?P<op>>=|<=|=>|=<|==|＞＝|＜＝|[<>=≥≤≧≦＞＜＝⩾⩽]|大于等于|小于等于|不低于|不少于|不高于|不超过|不多于|大于|高于|小于|低于)"
    r"[\s\u3000]*(?=\S)"
)


def split_operator(target: str) -> tuple[str, str]:
    """("≥", "90%") from "≥90%"; ("", target) when no known operator leads the value.

    Words (不低于 …) count only when a number follows, so "高于预期" stays a phrase.
    """
    match = _OPERATOR_PREFIX_RE.match(target)
    if not match:
        return "", target
    op = match.group("op")
    rest = target[match.end():]
    if normalize_operator(op) not in STANDARD_OPERATORS:
        return "", target
    if not op.isascii() and not re.fullmatch(r"[≥≤≧≦＞＜＝⩾⩽]|＞＝|＜＝", op) and parse_target(rest)[1] is None:
        return "", target
    return op, rest


def normalise_indicator(indicator: Indicator) -> Indicator:
    """The template's layout for one row: operator in its own column, unit inside the value.

    The operator moves out of the value only when the 计算符号 column is empty or holds
    the same sign; two different signs are left as typed, for the validator to report.
    """
    operator, target = indicator.operator_raw, indicator.target
    embedded, rest = split_operator(target)
    # from_typed already took an embedded sign as the operator, in its standard form
    if embedded and (not clean_text(operator) or normalize_operator(operator) == normalize_operator(embedded)):
        operator, target = embedded, rest
    extra = dict(indicator.extra)
    _, number, own_unit = parse_target(target)
    if indicator.unit and not own_unit:
        if number is not None:
            target = f"{target}{indicator.unit}"
        else:
            extra.setdefault("度量单位", indicator.unit)
    if (operator, target, extra) == (indicator.operator_raw, indicator.target, indicator.extra):
        return indicator
    return Indicator.from_typed(
        level1=indicator.level1,
        level2=indicator.level2,
        name=indicator.name,
        operator=operator,
        target=target,
        cell=indicator.cell,
        row=indicator.row,
        cells=dict(indicator.cells),
        extra=extra,
    )


def _free_text(grid: Grid, r: int) -> str:
    return "\n".join(clean_text(v) for v in grid.rows[r] if v is not None and clean_text(v))


def _unique_key(mapping: dict[str, str], key: str) -> str:
    key = key or "未命名栏目"
    candidate, n = key, 2
    while candidate in mapping:
        candidate, n = f"{key}{n}", n + 1
    return candidate


def _name_row(grid: Grid, project: Project) -> int:
    return split_ref(project.cells["name"])[0] - grid.top if "name" in project.cells else 0


def _is_column_titles(texts: list[tuple[int, Any]]) -> bool:
    return sum(column_field(v) is not None for _, v in texts) >= 2


def keep_unmapped_header(grid: Grid, project: Project, end: int) -> list[str]:
    """Keep what the parser passed over between 项目名称 and the indicators, and say so.

    Unknown header label/value pairs (项目属性, 项目负责人 …) go in as
    ``extra[label] = value`` and a long-term indicator table stacked above the annual
    one under 中长期绩效指标 (one line per row); lone texts are returned for 其他说明.
    The stretch ends at the first indicator (or ``end``, the next project's first row,
    when there is none).
    """
    used = set(project.cells.values())
    start = _name_row(grid, project)
    first = min((i.row - grid.top for i in project.indicators), default=end)
    free = grid.meta.get(FREE_ROWS, set())
    lone: list[str] = []
    long_term: list[str] = []
    in_tables = False
    for r in range(start, min(first, end)):
        if r in free:
            continue  # paragraphs are kept with the other free text
        cells = [(c, v) for c, v in enumerate(grid.rows[r]) if v is not None and clean_text(v)]
        if _is_column_titles(cells):
            in_tables = True
            continue
        if len(cells) == 1 and _is_caption(cells[0][1]):
            continue
        if in_tables:
            line = " | ".join(clean_text(v) for _, v in cells)
            if line:
                long_term.append(line)
            continue
        texts = [(c, v) for c, v in cells if grid.ref(r, c) not in used and header_field(v)[0] is None]
        while texts:
            (_, label), rest = texts[0], texts[1:]
            if rest and len(clean_text(label)) <= 40:
                key = _unique_key(project.extra, clean_text(label).rstrip(":："))
                project.extra[key] = format_cell_text(rest[0][1])
                project.notes.append(f"未识别的栏目“{key}”，内容已保留在附加信息中")
                texts = rest[1:]
            else:
                lone.append(clean_text(label))
                texts = rest
    if long_term:
        project.extra["中长期绩效指标"] = "\n".join(long_term)
        project.notes.append(
            f"已按年度绩效指标导入；中长期绩效指标 {len(long_term)} 行未导入指标表，已保留在附加信息“中长期绩效指标”中"
        )
    return lone


def _is_caption(value: Any) -> bool:
    """"长期绩效指标" / "年度绩效指标（2023年）": a caption over an indicator table."""
    text = re.sub(r"[(（].*[)）]$", "", normalize_label(value))
    return len(text) <= 12 and text.endswith(("绩效指标", "绩效目标"))


def _keep_lone(project: Project, lone: list[str]) -> None:
    lone = [t for t in lone if t]
    if not lone:
        return
    key = "其他说明"
    project.extra[key] = "\n".join([project.extra[key], *lone]) if key in project.extra else "\n".join(lone)
    project.notes.append(f"有 {len(lone)} 段文字不属于任何栏目，已保留在附加信息“其他说明”中")


def keep_free_rows(grid: Grid, projects: list[Project]) -> list[list[str]]:
    """Paragraphs around a table (填报单位 above, a remark below) are kept, never read as indicators.

    Each paragraph belongs to the project whose 项目名称 row comes last before it (the
    first project for paragraphs above every table); form titles are not kept. Returns
    each project's paragraphs, for 其他说明.
    """
    free = grid.meta.get(FREE_ROWS, set())
    if not free or not projects:
        return [[] for _ in projects]
    starts = [_name_row(grid, p) for p in projects]
    lone: dict[int, list[str]] = {}
    for r in sorted(free):
        if any(is_table_start(v) or _is_caption(v) for v in grid.rows[r] if v is not None):
            continue
        owner = max((k for k, s in enumerate(starts) if s <= r), default=0)
        lone.setdefault(owner, []).append(_free_text(grid, r))
    for project in projects:
        project.indicators = [i for i in project.indicators if (i.row - grid.top) not in free]
    return [lone.get(k, []) for k in range(len(projects))]


@cache
def _level_names() -> tuple[frozenset[str], frozenset[str]]:
    from .framework import load_profiles

    profiles = load_profiles().values()
    return (
        frozenset(normalize_label(n) for p in profiles for n in p.level1_names()),
        frozenset(normalize_label(n) for p in profiles for n in p.level2_names()),
    )


def _looks_like_level(text: str, known: frozenset[str]) -> bool:
    key = normalize_label(text)
    return "指标" in key or key in known


def keep_stray_lines(grid: Grid, project: Project) -> list[str]:
    """Rows under the indicator table (填报人：…, 审核意见 …) are no indicators.

    The parser reads every row below the column titles. The table ends at the first row
    (after the first) whose typed 一级 cell is neither an 一级 name nor "…指标" while its
    二级 is not one either; that row and the rest are returned as text, for 其他说明.
    """
    known1, known2 = _level_names()
    for index, indicator in enumerate(project.indicators):
        ref = indicator.cells.get("level1")
        if index == 0:
            continue  # right under the column titles: an indicator, however its levels are worded
        typed = clean_text(grid.get(*_grid_pos(grid, ref))) if ref else ""
        if typed and not _looks_like_level(typed, known1) and not _looks_like_level(indicator.level2, known2):
            stray = project.indicators[index:]
            project.indicators = project.indicators[:index]
            return [" | ".join(clean_text(v) for v in grid.rows[i.row - grid.top] if clean_text(v)) for i in stray]
    return []


def _grid_pos(grid: Grid, ref: str) -> tuple[int, int]:
    row, col = split_ref(ref)
    return row - grid.top, col - grid.left


_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")


def find_title(grid: Grid, project: Project) -> None:
    """Title and year from a title row the parser did not take ("…申报表（2023年度）")."""
    if project.title:
        return
    for r in range(_name_row(grid, project) - 1, max(-1, _name_row(grid, project) - 7), -1):
        for v in grid.rows[r]:
            if v is not None and is_table_start(v) and "绩效目标" in str(v):
                project.title = clean_text(v)
                match = _YEAR_RE.search(project.title)
                project.year = int(match.group(1)) if match else project.year
                return


def projects_from_grid(grid: Grid, *, file: str, profile: str | None = None) -> list[Project]:
    """parse_grid, then the importer's layout normalisation and bookkeeping of what did not map."""
    projects = parse_grid(grid, file=file, profile=profile)
    paragraphs = keep_free_rows(grid, projects)
    ends = [_name_row(grid, p) for p in projects[1:]] + [grid.height]
    for project, end, lone in zip(projects, ends, paragraphs):
        find_title(grid, project)
        stray = keep_stray_lines(grid, project)
        header_lone = keep_unmapped_header(grid, project, end)
        _keep_lone(project, lone + header_lone + stray)
        project.indicators = [normalise_indicator(i) for i in project.indicators]
        if not project.indicators:
            project.notes.append("未找到指标表（一级指标、二级指标、三级指标等栏目）")
    return projects


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _stat_regular(path: Path) -> os.stat_result:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise XltoolError("文件不存在，请检查路径是否正确", file=path) from None
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path) from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise XltoolError("这是一个文件夹，请指定要导入的文件", file=path)
    if not stat.S_ISREG(st.st_mode):
        raise XltoolError("不是普通文件，无法导入", file=path)
    if st.st_size == 0:
        raise XltoolError("文件为空（0 字节），没有可导入的内容", file=path)
    return st


def _read_head(path: Path, size: int = 8) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path) from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None


def _refuse_foreign_text(data: bytes, path: Path) -> None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if head.startswith(b"%pdf"):
        raise XltoolError("这是 PDF 文件，无法直接导入；请从原 Word 文档导入，或把表格复制为文本后再导入", file=path)
    if head.startswith(b"{\\rtf"):
        raise XltoolError("这是 RTF 文档，请在 Word 中打开后另存为 .docx 再导入", file=path)
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head:
        raise XltoolError("这是网页（HTML/MHT）文件，请在 Word 中打开后另存为 .docx 再导入", file=path)


def load_source(path: str | Path, *, profile: str | None = None) -> SourceResult:
    """Every project table in one source file (text, .docx or workbook), layout normalised.

    Raises :class:`XltoolError` (exit code 2) naming the file when it cannot be read
    or holds no project table at all.
    """
    from .safety import check_input_file
    from .template import INSTRUCTIONS_SHEET

    path = Path(path)
    st = _stat_regular(path)
    head = _read_head(path)
    if head.startswith(_OLE_MAGIC) and _is_word97(path):
        raise XltoolError("这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入", file=path)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        kind = check_input_file(path)
        if kind == "docx":
            result = SourceResult(file=str(path), kind="docx")
            grids = docx_to_grids(path)
        else:
            result = SourceResult(file=str(path), kind="workbook")
            grids = _workbook_grids(path)
    else:
        if st.st_size > MAX_TEXT_BYTES:
            raise XltoolError(f"文本文件过大（超过 {MAX_TEXT_BYTES // (1024 * 1024)} MB），不像是绩效目标表", file=path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
        _refuse_foreign_text(data, path)
        result = SourceResult(file=str(path), kind="text")
        grids = text_to_grids(decode_text(data, file=path), name=path.name)
    for grid in grids:
        found = projects_from_grid(grid, file=str(path), profile=profile)
        if found:
            result.projects.extend(found)
        elif result.kind != "workbook" and _has_table(grid):
            result.skipped_tables += 1
            result.warnings.append(f"第 {grid.name.rsplit('#', 1)[-1]} 张表中没有“项目名称”栏目，未导入")
        elif result.kind == "workbook" and _has_table(grid) and grid.name != INSTRUCTIONS_SHEET:
            # other sheets of a workbook (lists, notes) are normal: said, not counted as skipped
            result.warnings.append(f"工作表“{grid.name}”中没有项目绩效目标表，已跳过")
    if not result.projects:
        what = {"docx": "文档中的表格", "workbook": "工作簿中的工作表", "text": "文本中"}[result.kind]
        raise XltoolError(
            f"未找到项目绩效目标表：{what}没有“项目名称”栏目和指标表（一级指标、二级指标、三级指标），没有可导入的内容",
            file=path,
        )
    return result


def _has_table(grid: Grid) -> bool:
    return any(sum(1 for v in row if v is not None) >= 2 for row in grid.rows)


def _is_word97(path: Path) -> bool:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("WordDocument"))
    except Exception:  # not a readable OLE file: the safety gate reports it
        return False


def _workbook_grids(path: Path) -> list[Grid]:
    """Visible sheets of another region's workbook (or an earlier template), lists sheet left out."""
    from .reader import grids_from_calamine

    return [g for g in grids_from_calamine(path) if g.name != LISTS_SHEET and not g.hidden]


def load_sources(paths: Iterable[str | Path], *, profile: str | None = None) -> list[SourceResult]:
    """Every source, in order; the first unreadable one raises (nothing is written then)."""
    return [load_source(p, profile=profile) for p in paths]


def project_warnings(project: Project) -> Iterator[str]:
    """The notes of one imported project, ready to print."""
    label = project.name or "（未命名项目）"
    for note in project.notes:
        yield f"项目“{label}”：{note}"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_FORBIDDEN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, *, limit: int = 80) -> str:
    """A project name usable as a file name on Windows and Linux."""
    text = _FORBIDDEN_FILENAME.sub("_", clean_text(name).replace("\n", " "))
    text = text.strip(" .")[:limit].strip(" .")
    if text.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                                       *(f"LPT{i}" for i in range(1, 10))}:
        text = f"_{text}"
    return text or "未命名项目"


def split_paths(projects: list[Project], directory: Path) -> list[Path]:
    """One distinct ``<项目名称>.xlsx`` per project (``_2``, ``_3`` … on clashes, case-insensitive)."""
    seen: set[str] = set()
    paths: list[Path] = []
    for project in projects:
        stem = safe_filename(project.name)
        candidate, n = stem, 2
        while candidate.casefold() in seen:
            candidate, n = f"{stem}_{n}", n + 1
        seen.add(candidate.casefold())
        paths.append(directory / f"{candidate}.xlsx")
    return paths


def common_profile(projects: list[Project]) -> str | None:
    """The profile most projects were recognised as (ties: first seen)."""
    counts = Counter(p.profile for p in projects if p.profile)
    return counts.most_common(1)[0][0] if counts else None


def shared_year(projects: list[Project]) -> int | None:
    """The year every table's title names, else None: then each sheet keeps its own year."""
    years = {p.year for p in projects}
    return years.pop() if len(years) == 1 else None


def _import_comment(project: Project) -> str:
    """What the template has no cell for, as one note on the 项目名称 label."""
    lines = [f"{key}：{value}" for key, value in project.extra.items()]
    for indicator in project.indicators:
        for key, value in indicator.extra.items():
            lines.append(f"指标“{indicator.name or indicator.level2 or '（未填三级指标）'}”的{key}：{value}")
    if not lines:
        return ""
    return "导入时保留的、模板中没有对应栏目的内容：\n" + "\n".join(lines)


def _annotate(workbook: Any, projects: list[Project]) -> None:
    """Put each project's kept extras on its sheet (a note on the 项目名称 label cell).

    Notes are not cell values, so the reader, validator and merge see the ordinary template.
    """
    from openpyxl.comments import Comment

    from .template import INSTRUCTIONS_SHEET, sheet_layout

    label_cell = sheet_layout().labels["name"]
    sheets = [ws for ws in workbook.worksheets if ws.title not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]
    for ws, project in zip(sheets, projects):
        text = _import_comment(project)
        if text:
            comment = Comment(text[:30000], "xltool")
            comment.width, comment.height = 420, min(600, 40 + 16 * text.count("\n"))
            ws[label_cell].comment = comment


def write_workbook(projects: list[Project], output: Path, *, profile: str | None = None,
                   year: int | None = None) -> Path:
    """All projects in one template workbook, one sheet each, saved atomically (old file backed up)."""
    from .template import make_projects_workbook, save_workbook

    workbook = make_projects_workbook(projects, profile=profile or common_profile(projects),
                                      year=year or shared_year(projects))
    _annotate(workbook, projects)
    return save_workbook(workbook, Path(output))


def write_split(projects: list[Project], directory: Path, *, profile: str | None = None,
                year: int | None = None) -> list[Path]:
    """One template workbook per project in ``directory``; each keeps its own recognised profile."""
    return [
        write_workbook([project], path, profile=profile or project.profile or None, year=year)
        for project, path in zip(projects, split_paths(projects, directory))
    ]


def import_exit_code(results: list[SourceResult]) -> int:
    """1 when some table inside a source was passed over, else 0."""
    from .errors import EXIT_FINDINGS, EXIT_OK

    return EXIT_FINDINGS if any(r.skipped_tables for r in results) else EXIT_OK


@dataclass
class ImportRun:
    """What ``xltool import`` did: files written, messages for stdout/stderr, exit code."""

    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0


def run_import(sources: list[Path], *, output: Path | None = None, split_dir: Path | None = None,
               profile: str | None = None, year: int | None = None) -> ImportRun:
    """The ``xltool import`` command: read every source first, write only when all were read.

    Raises :class:`XltoolError` (exit code 2) for wrong arguments and for any source that
    cannot be read; nothing is written then.
    """
    from .fileio import check_output_dir, ensure_not_input
    from .framework import get_profile

    if (output is None) == (split_dir is None):
        raise XltoolError("请用 -o 指定输出工作簿，或用 --split 指定输出文件夹（二者选一）", exit_code=EXIT_INPUT)
    if profile is not None:
        get_profile(profile)
    if year is not None and not 1900 <= year <= 9999:
        raise XltoolError(f"预算年度“{year}”不正确，应为四位年份", exit_code=EXIT_INPUT)
    if output is not None:
        ensure_not_input(output, sources)
        check_output_dir(output)
        if output.suffix.lower() != ".xlsx":
            raise XltoolError("输出文件须以 .xlsx 结尾", file=output, exit_code=EXIT_INPUT)
    elif split_dir is not None and split_dir.exists() and not split_dir.is_dir():
        raise XltoolError("--split 需要一个文件夹，但该路径是文件", file=split_dir, exit_code=EXIT_INPUT)

    run = ImportRun()
    failures: list[XltoolError] = []
    results: list[SourceResult] = []
    for source in sources:
        try:
            results.append(load_source(source, profile=profile))
        except XltoolError as exc:
            failures.append(exc)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        details = "；\n".join(f.describe() for f in failures)
        raise XltoolError(f"{len(failures)} 个文件无法导入，未写出任何文件：\n{details}", exit_code=EXIT_INPUT)

    for result in results:
        run.warnings.extend(f"文件 {result.file}：{w}" for w in result.warnings)
        for project in result.projects:
            run.warnings.extend(f"文件 {result.file}：{w}" for w in project_warnings(project))
            run.projects.append(project)
    if output is not None:
        profiles = {p.profile for p in run.projects if p.profile}
        if profile is None and len(profiles) > 1:
            chosen = common_profile(run.projects)
            run.warnings.append(
                f"各项目的指标体系不同（{'、'.join(sorted(profiles))}），工作簿的下拉列表统一按“{chosen}”生成；"
                "如需各按其体系生成，请改用 --split"
            )
        run.written = [write_workbook(run.projects, output, profile=profile, year=year)]
    else:
        assert split_dir is not None
        try:
            split_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XltoolError(f"无法创建输出文件夹（{exc.strerror or exc}）", file=split_dir, exit_code=EXIT_INPUT) from None
        run.written = write_split(run.projects, split_dir, profile=profile, year=year)
    where = run.written[0] if output is not None else split_dir
    run.messages.append(
        f"已从 {len(results)} 个文件导入 {len(run.projects)} 个项目，写入 {where}"
        + (f"（{len(run.written)} 个工作簿）" if split_dir is not None else "")
    )
    run.exit_code = import_exit_code(results)
    return run


__all__ = [
    "FREE_ROWS",
    "ImportRun",
    "SourceResult",
    "common_profile",
    "decode_text",
    "docx_to_grids",
    "import_exit_code",
    "is_table_start",
    "load_source",
    "load_sources",
    "normalise_indicator",
    "project_warnings",
    "projects_from_grid",
    "run_import",
    "safe_filename",
    "shared_year",
    "split_operator",
    "split_paths",
    "text_to_grids",
    "write_split",
    "write_workbook",
]
