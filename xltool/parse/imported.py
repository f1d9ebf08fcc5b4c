"""Tables not born from our template: layout normalisation and bookkeeping of what did not map.

The one parser (:func:`xltool.parse.reader.parse_grid`) reads the fields; this module moves an
operator written inside the value to its own column, joins a separate unit column, and keeps
everything that did not map in ``extra``/``notes``, because the validator, not the importer,
judges defects.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

from xltool.core.grid import FREE_ROWS, Grid, split_ref
from xltool.core.model import (
    OPERATOR_PREFIX_RE, OPERATOR_SPELLINGS, STANDARD_OPERATORS, Indicator, Project, format_cell_text, normalize_operator,
    parse_target,
)
from xltool.core.text import clean_text, normalize_label
from xltool.parse.header import ADDED_REFS
from xltool.parse.indicators import TITLE_ROWS, level_names, tidy_unit
from xltool.parse.labels import inner_pairs, is_footer
from xltool.parse.layouts import applied_layout, kept_layout
from xltool.parse.turns import one_at_a_time
from xltool.parse.mapping import attach_mappings, forget, mapping_of, record, where as _where
from xltool.parse.reader import column_field, header_field, parse_grid, parse_without_name, read_bands
from xltool.parse.titles import year_line, year_stated


_TITLE_MAX = 80


def is_table_start(line: Any) -> bool:
    """A "附件3" line or a form title: where a new table begins in a text or Word source."""
    text = normalize_label(line)
    if not text or len(text) > _TITLE_MAX:
        return False
    if re.fullmatch(r"附件\d*[:：]?", text):
        return True
    return "绩效目标" in text and bool(re.search(r"表(?:[(（][^()（）]*[)）])?$", text))




def split_operator(target: str) -> tuple[str, str]:
    """("≥", "90%") from "≥90%"; ("", target) when no known operator leads the value.

    Words (不低于 …) count only when a number follows, so "高于预期" stays a phrase.
    """
    match = OPERATOR_PREFIX_RE.match(target)
    if not match:
        return "", target
    op = match.group("op")
    rest = target[match.end():]
    if normalize_operator(op) not in STANDARD_OPERATORS:
        return "", target
    if not op.isascii() and not re.fullmatch(r"[≥≤≧≦＞＜＝⩾⩽]|＞＝|＜＝", op) and parse_target(rest)[1] is None:
        return "", target
    return op, rest


# A name that ends in a comparison and a short value, and holds no other comparison: "群众满意度不低于90%".
# Only short names are tried: such a name is a few words, and a hostile long cell (a run of spaces) would
# cost the pattern quadratic time.
_MAX_NAME_WITH_TARGET = 60
_NAME_WITH_TARGET_RE = re.compile(
    r"(?P<name>[^≥≤≧≦<>=＜＞＝]{2,}?)\s*(?P<op>" + "|".join(map(re.escape, OPERATOR_SPELLINGS)) + r")\s*"
    r"(?P<target>\d[^≥≤≧≦<>=＜＞＝,，;；]{0,12})")


def _bare_number(text: str) -> bool:
    """A 计量单位 cell that is itself a number ("44,561": a date serial the sheet copied into both
    cells) is no unit: glued on it would make "44,56144,561"; it is kept beside the row instead."""
    _, number, rest = parse_target(text)
    return number is not None and not rest


def normalise_indicator(indicator: Indicator) -> Indicator:
    """The template's layout for one row: operator in its own column, unit inside the value.

    The operator moves out of the value only when the 计算符号 column is empty or holds
    the same sign; two different signs are left as typed, for the validator to report.
    """
    operator, target = indicator.operator_raw, indicator.target
    name, extra = indicator.name, dict(indicator.extra)
    if (not clean_text(target) and not clean_text(operator) and len(name) <= _MAX_NAME_WITH_TARGET
            and (tail := _NAME_WITH_TARGET_RE.fullmatch(name))):
        # "养护里程≥300公里" under a 三级指标及指标值 title: the value written into the name
        name, operator, target = tail.group("name").rstrip(), tail.group("op"), tail.group("target")
        extra.setdefault("三级指标原文", indicator.name)
    embedded, rest = split_operator(target)
    # from_typed already took an embedded sign as the operator, in its standard form
    if embedded and (not clean_text(operator) or normalize_operator(operator) == normalize_operator(embedded)):
        operator, target = embedded, rest
    _, number, own_unit = parse_target(target)
    if indicator.unit and not own_unit:
        if number is not None and not _bare_number(indicator.unit):
            target = f"{target}{indicator.unit}"
        else:
            extra.setdefault("度量单位", indicator.unit)
    if (name, operator, target, extra) == (indicator.name, indicator.operator_raw, indicator.target, indicator.extra):
        return indicator
    return Indicator.from_typed(
        level1=indicator.level1,
        level2=indicator.level2,
        name=name,
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
    """Where a project's table starts: its 项目名称 row, else (a table naming no project) its first placed cell."""
    if "name" in project.cells:
        return split_ref(project.cells["name"])[0] - grid.top
    rows = [split_ref(ref)[0] for ref in project.cells.values() if ref] + [i.row for i in project.indicators if i.row]
    return min(rows) - grid.top if rows else 0


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
    used = set(project.cells.values()) | grid.meta.get(ADDED_REFS, set())
    start = _name_row(grid, project)
    first = min((i.row - grid.top for i in project.indicators), default=end)
    free = grid.meta.get(FREE_ROWS, set())
    lone: list[str] = []
    long_term: list[str] = []
    in_tables = False
    titles = grid.meta.get(TITLE_ROWS, set())
    for r in range(start, min(first, end)):
        if r in free:
            continue  # paragraphs are kept with the other free text
        if r in titles and r - 1 in titles:
            continue  # the second title row of the indicator table (sub-titles), read as titles
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
            (col, label), rest = texts[0], texts[1:]
            if rest and len(clean_text(label)) <= 40:
                key = _unique_key(project.extra, clean_text(label).rstrip(":："))
                project.extra[key] = format_cell_text(rest[0][1])
                record(grid, r, col, key, "header", None)
                where = _where(grid, r, col)
                project.notes.append(f"未识别的栏目“{key}”（{where}），内容已保留在附加信息中")
                texts = rest[1:]
            else:
                lone.append(clean_text(label))
                _name_inline_label(grid, r, col, label, project)
                texts = rest
    if long_term:
        project.extra["中长期绩效指标"] = "\n".join(long_term)
        project.notes.append(
            f"已按年度绩效指标导入；中长期绩效指标 {len(long_term)} 行未导入指标表，已保留在附加信息“中长期绩效指标”中"
        )
    return lone


_INLINE_LABEL_RE = re.compile(r"([^\d:：]{2,12})[:：]\s*\S")


def _name_inline_label(grid: Grid, r: int, c: int, text: Any, project: Project) -> None:
    """"年度经费额度：12万元" in one cell, its label unknown: named, and recorded for the layout
    file (mapped there, the label is read like any other written inside its cell)."""
    found = _INLINE_LABEL_RE.match(clean_text(text)) if isinstance(text, str) and len(text) <= 80 else None
    if found is not None:
        label = found.group(1).strip()
        record(grid, r, c, label, "header", None)
        project.notes.append(f"未识别的栏目“{label}”（{_where(grid, r, c)}），内容已保留在附加信息“其他说明”中")


def _is_caption(value: Any) -> bool:
    """"长期绩效指标" / "年度绩效指标（2023年）": a caption over an indicator table."""
    text = normalize_label(value)
    if len(text) > 40:  # a caption and its bracket are short; no regex run over a long text
        return False
    text = re.sub(r"[(（].*[)）]$", "", text)
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
    first project for paragraphs above every table); form titles, and paragraphs a field was read
    from ("项目名称：乡村道路养护" above a Word table), are not kept. Returns each project's
    paragraphs, for 其他说明.
    """
    free = grid.meta.get(FREE_ROWS, set())
    if not free or not projects:
        return [[] for _ in projects]
    starts = [_name_row(grid, p) for p in projects]
    read = {r for p in projects for ref in p.cells.values() if ref
            and (r := split_ref(ref)[0] - grid.top) in free and _fully_read(_free_text(grid, r))}
    lone: dict[int, list[str]] = {}
    for r in sorted(free - read):
        if any(is_table_start(v) or _is_caption(v) or year_line(v) for v in grid.rows[r] if v is not None):
            continue  # titles, captions and a year line ("(2023年度)", read as the year) are no paragraphs
        owner = max((k for k, s in enumerate(starts) if s <= r), default=0)
        lone.setdefault(owner, []).append(_free_text(grid, r))
    for project in projects:
        project.indicators = [i for i in project.indicators if (i.row - grid.top) not in free]
    return [lone.get(k, []) for k in range(len(projects))]


_READ_FILLER_RE = re.compile(r"[\s:：,，;；。.、()（）]|万元|元")


def _fully_read(text: str) -> bool:
    """A paragraph that is nothing but labels and the values read from them ("项目名称：乡村道路养护"); one
    with more ("资金总额：120万元（其中财政资金100万元…）") is kept in 其他说明 as well."""
    rest = unicodedata.normalize("NFKC", text)  # as inner_pairs reads it
    for pair in inner_pairs(text):
        rest = rest.replace(pair.label, "", 1).replace(pair.text, "", 1)
    return not _READ_FILLER_RE.sub("", rest)


def _looks_like_level(text: str, known: frozenset[str]) -> bool:
    key = normalize_label(text)
    return "指标" in key or key in known or (len(key) <= 8 and key.endswith("值"))


def keep_stray_lines(grid: Grid, project: Project) -> list[str]:
    """Rows under the indicator table (填报人：…, 审核意见 …) are no indicators.

    The parser reads every row below the column titles. The table ends at the first row
    that starts with a footer word of the field table (审核意见, 填报人 …), or (after the
    first) whose typed 一级 cell is neither an 一级 name nor "…指标" while its 二级 is not
    one either; that row and the rest are returned as text, for 其他说明.
    """
    known1, known2 = level_names()
    for index, indicator in enumerate(project.indicators):
        ref = indicator.cells.get("level1")
        first = next((v for v in grid.rows[indicator.row - grid.top] if v is not None and clean_text(v)), None)
        typed = clean_text(grid.get(*_grid_pos(grid, ref))) if ref and index else ""
        footer = is_footer(first)
        if footer or (typed and not _looks_like_level(typed, known1) and not _looks_like_level(indicator.level2, known2)):
            stray = project.indicators[index:]
            project.indicators = project.indicators[:index]
            return [" | ".join(clean_text(v) for v in grid.rows[i.row - grid.top] if clean_text(v)) for i in stray]
    return []


def _grid_pos(grid: Grid, ref: str) -> tuple[int, int]:
    row, col = split_ref(ref)
    return row - grid.top, col - grid.left


def find_title(grid: Grid, project: Project) -> None:
    """Title and year from a title row the parser did not take ("…申报表（2023年度）")."""
    if project.title:
        return
    for r in range(_name_row(grid, project) - 1, max(-1, _name_row(grid, project) - 7), -1):
        for v in grid.rows[r]:
            if v is not None and is_table_start(v) and "绩效目标" in str(v):
                project.title = clean_text(v)
                project.year = year_stated(project.title) or project.year
                return


@one_at_a_time
def projects_from_grid(grid: Grid, *, file: str, profile: str | None = None) -> list[Project]:
    """parse_grid, then the importer's layout normalisation and bookkeeping of what did not map;
    tables side by side are read band by band (each band's leftovers stay its own)."""
    return read_bands(grid, lambda band: _projects_from_band(band, file=file, profile=profile))


def _projects_from_band(grid: Grid, *, file: str, profile: str | None = None) -> list[Project]:
    """One band read; a table whose titles and labels a kept layout was written for is read again
    with that layout (parse/layouts.layout_library), and the notice names the layout."""
    projects = _read_band(grid, file=file, profile=profile)
    first = mapping_of(projects[0]) if projects else None
    saved = kept_layout(first.fingerprint) if first is not None else None
    if saved is None or first is None:
        return projects
    forget(grid)
    with applied_layout(saved.wordings):
        projects = _read_band(grid, file=file, profile=profile)
    for project in projects:
        mapping = mapping_of(project)
        if mapping is not None:
            mapping.fingerprint, mapping.applied = first.fingerprint, str(saved.path)
        project.notes.append(f"栏目与版式文件“{saved.path.name}”相同，已按该版式读取（{saved.path}）")
    return projects


def projects_without_name(grid: Grid, *, file: str, profile: str | None = None) -> list[Project]:
    """Tables with indicators but no 项目名称 row, a project each (reader.parse_without_name), with the
    importer's normalisation; [] when they hold no indicator."""
    return _read_band(grid, file=file, profile=profile, parse=parse_without_name)


def _read_band(grid: Grid, *, file: str, profile: str | None = None,
               parse: Callable[..., list[Project]] = parse_grid) -> list[Project]:
    projects = parse(grid, file=file, profile=profile)
    paragraphs = keep_free_rows(grid, projects)
    ends = [_name_row(grid, p) for p in projects[1:]] + [grid.height]
    for project, end, lone in zip(projects, ends, paragraphs):
        find_title(grid, project)
        stray = keep_stray_lines(grid, project)
        header_lone = keep_unmapped_header(grid, project, end)
        _keep_lone(project, lone + header_lone + stray)
        project.indicators = [tidy_unit(normalise_indicator(i)) for i in project.indicators]
        if not project.indicators:
            project.notes.append("未找到指标表（一级指标、二级指标、三级指标等栏目）")
    attach_mappings(grid, projects, file=file)
    return projects
