"""Grid → projects, by labels rather than coordinates; plus the workbook adapters.

``parse_grid`` is the one parser: it finds each 项目名称 label, reads the header
grid by the labels beside their values, then the indicator table by its column
titles. Rows may be inserted or deleted, cells merged, labels full-width or padded;
numbers may be stored as text. Turning files into :class:`~xltool.core.grid.Grid`
objects is ``xltool.io`` (``io.calamine``, ``io.docx``, ``io.text``); a live workbook's
sheets come from the ribbon or an add-in through ``xltool.api.validate_grid``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from xltool.core.fields import fields, label, required_keys, words
from xltool.core.frameworks import DEFAULT_PROFILE, get_profile, guess_profile, load_profiles, unmatched_levels
from xltool.core.grid import Grid, split_ref
from xltool.core.names import no_table_message
from xltool.core.model import Project
from xltool.core.names import LISTS_SHEET, PROFILE_KEY, SERVICE_SHEETS
from xltool.core.text import clean_text, lazy_pattern, normalize_label
from xltool.parse.header import (  # noqa: F401  (re-exported: the reader's public helpers)
    claimed_without_value, header_field, parse_amount, parse_header, parse_month, set_field, sheet_unit,
)
from xltool.parse.amounts import looks_like_amount
from xltool.parse.provenance import apply_provenance, provenance_from_lists
from xltool.parse.titles import (  # noqa: F401  (year_line, year_stated re-exported)
    is_form_title, is_title_line, name_from_title, year_line, year_stated,
)
from xltool.parse.indicators import annual_indicator_header, find_header_row, name_unplaced_titles, parse_indicators
from xltool.parse.labels import THRESHOLD, inner_pairs, is_footer, is_label, match
from xltool.parse.turns import one_at_a_time
from xltool.parse.bands import is_name_label as _is_name_label, read_bands, row_texts as _row_texts


def column_field(value: Any) -> str | None:
    """The indicator-table column a title names, or None."""
    found = match(value, "columns")
    return found.key if found is not None and found.score >= THRESHOLD else None


@lru_cache(maxsize=65536)
def _names_project(text: str) -> bool:
    """A 项目名称 label (any wording of the field table): where a project table starts."""
    return _is_name_label(text) or any(pair.key == "name" and _is_name_label(pair.label) for pair in inner_pairs(text))


def _starts_project(texts: list[tuple[int, Any]]) -> bool:
    """A row holding a 项目名称 label; a "项目名称：…" written inside a cell counts unless that
    cell is the value of another label to its left (a 年度绩效目标 reading "项目名称：…")."""
    for i, (_, v) in enumerate(texts):
        if isinstance(v, str) and _names_project(v):
            if _is_name_label(v):
                return True
            before = texts[i - 1][1] if i else None
            if not (isinstance(before, str) and header_field(before)[0] not in (None, "name")):
                return True
    return False


@dataclass
class _Block:
    name_row: int
    end_row: int  # exclusive


def parse_grid(grid: Grid, *, file: str = "", profile: str | None = None) -> list[Project]:
    """Every project table on one sheet, in order (side-by-side tables band by band)."""
    return read_bands(grid, lambda band: _parse_band(band, file=file, profile=profile))


def _parse_band(grid: Grid, *, file: str = "", profile: str | None = None) -> list[Project]:
    name_rows = [r for r in range(grid.height) if _starts_project(_row_texts(grid, r))]
    projects: list[Project] = []
    listed = next((r for r in name_rows if find_header_row(grid, r, r + 1, _row_texts)), None)
    if listed is not None:  # one row per indicator, 项目名称 a column: a list of projects
        from xltool.parse.listing import parse_list  # noqa: PLC0415

        name_rows = [r for r in name_rows if r < listed]
        projects_after = parse_list(grid, listed, _row_texts, file=file)
    else:
        projects_after = []
        if not name_rows:
            from xltool.parse.department import find_whole_department, parse_whole_department  # noqa: PLC0415

            whole = find_whole_department(grid, _row_texts)
            if whole is not None:
                project = parse_whole_department(grid, whole, _row_texts, file=file, is_title=is_form_title)
                _title_and_year(grid, project, 0, whole[0])
                if project.year is None:
                    _year_elsewhere(project)
                finish_project(project, profile)
                return [project]
            from xltool.parse.listing import find_tree, parse_tree  # noqa: PLC0415

            tree = find_tree(grid, _row_texts)
            projects_after = parse_tree(grid, tree, _row_texts, file=file) if tree is not None else []
    blocks = [
        _Block(r, name_rows[i + 1] if i + 1 < len(name_rows) else (listed if listed is not None else grid.height))
        for i, r in enumerate(name_rows)
    ]
    prev_end = 0
    for block in blocks:
        project = _parse_block(grid, block, prev_end, file=file, profile=profile)
        if project is not None:
            projects.append(project)
        prev_end = block.name_row + 1
    for project in projects_after:
        finish_project(project, profile)
    return projects + projects_after


def parse_without_name(grid: Grid, *, file: str = "", profile: str | None = None) -> list[Project]:
    """The projects of tables that have an indicator table but no 项目名称 row at all (a fund's 附件
    under a notice that names it; a title that is the only place the project is named).

    Import, read, validate and merge try this last (after a kept layout file), so that such a table is
    read rather than refused: one project per indicator table, a table running from below the last
    title line above its header block (a page's breadcrumb may stand above the title) to where the
    next table's title or header block begins. Its name comes from the title when the title names a
    project (``titles.name_in_title``), else it stays empty; a note says which. A table without any
    indicator read is no project."""
    headers: list[int] = []
    while (found := find_header_row(grid, headers[-1] + 1 if headers else 0, grid.height, _row_texts)) is not None:
        headers.append(found[0])
    bounds = [0] + [_next_table(grid, a, b) for a, b in zip(headers, headers[1:])] + [grid.height]
    projects: list[Project] = []
    for (top, end), header in zip(zip(bounds, bounds[1:]), headers):
        start = 1 + max((r for r in range(top, header) if is_title_line(_row_texts(grid, r))), default=top - 1)
        project = _parse_block(grid, _Block(start, end), top, file=file, profile=profile)
        if project is not None and project.indicators:
            name_from_title(grid, project, top, start)
            projects.append(project)
    return projects


def _next_table(grid: Grid, header: int, next_header: int) -> int:
    """Where the table whose indicator titles are on ``next_header`` begins, after the one on ``header``:
    its first title line ("附件2", "…项目绩效目标表"), else the first of the rows right above its titles that
    each begin with a header label (its header block), else its titles. Walked up from the titles, so an
    indicator of the table above that merely names a field ("项目资金到位率") never starts a table."""
    title = next((r for r in range(header + 1, next_header) if is_title_line(_row_texts(grid, r))), None)
    if title is not None:
        return title
    start = next_header
    while start - 1 > header and (texts := _row_texts(grid, start - 1)) and header_field(texts[0][1])[0]:
        start -= 1
    return start


def finish_project(project: Project, profile: str | None) -> None:
    """Profile, layout and the notices every project gets, whatever its layout."""
    if profile and profile in load_profiles():
        project.profile = profile
    else:
        level1, level2 = [i.level1 for i in project.indicators], [i.level2 for i in project.indicators]
        guessed = guess_profile(level1, level2)
        project.profile = guessed.name
        unmatched = unmatched_levels(guessed, level1, level2)
        if project.indicators and (guessed.name != DEFAULT_PROFILE or unmatched):
            project.notes.append(f"指标体系按一级、二级指标名称识别为“{guessed.label}”"
                                 + (f"；其中没有的名称：{'、'.join(unmatched[:6])}" if unmatched else ""))
    raw_total = project.raw.get("total", "") if project.total is None else ""
    if looks_like_amount(raw_total):  # never silently the sources' sum: the money rule reports the text, the note says why
        project.notes.append(f"项目总金额“{project.raw['total']}”无法识别为金额，未读取；请改填以万元计的数字")
    elif ("total" not in project.cells or raw_total) and not project.funding.is_empty():
        # no total label, or a caption stood where its value should be; an empty total cell stays empty
        project.total = round(project.funding.total(), 6)
        project.notes.append(f"未找到项目总金额，按各资金来源合计为 {project.total:g} 万元")
    found = [f.key for f in fields("header") if f.key in project.cells]
    template = [f.key for f in fields("header") if f.row is not None]
    project.layout_fields = None if all(k in project.cells for k in template) else found


def _parse_block(grid: Grid, block: _Block, search_from: int, *, file: str, profile: str | None) -> Project | None:
    header = find_header_row(grid, block.name_row, block.end_row, _row_texts)
    header_end = header[0] if header else block.end_row
    header = annual_indicator_header(grid, header, block.end_row, _row_texts)  # stacked tables: keep the annual
    project = Project(sheet=grid.name, file=file)
    _title_and_year(grid, project, search_from, block.name_row)
    if _is_self_evaluation(grid, block, search_from, header):
        grid.meta["self_evaluation"] = True
        return None
    unit = sheet_unit(grid, search_from, header_end)
    parse_header(grid, block.name_row, header_end, project, _row_texts, unit)
    _units_above(grid, block, search_from, project)
    if header is None and not set(project.cells) - {"name"}:
        return None  # a 项目名称 label alone, no other field, no indicators: not a 绩效目标表
    _lone_goal_is_annual(grid, project)
    if project.year is None:
        project.year = _year_labelled(grid, block.name_row, header_end)
    if project.year is None:
        _year_elsewhere(project)
    for fieldname in required_keys():
        if fieldname not in project.cells:
            project.notes.append(f"未找到“{label(fieldname)}”栏目")
    if header:
        parse_indicators(grid, header[0], header[1], block.end_row, project, _row_texts, is_form_title)
    else:
        name_unplaced_titles(grid, block.name_row, block.end_row, _row_texts, project)
    finish_project(project, profile)
    return project


_LONG_GOAL_RE = lazy_pattern(r"中长期|长期|中期|实施期|滚动")


def _lone_goal_is_annual(grid: Grid, project: Project) -> None:
    """A one-year table's lone 总体目标 (no 年度目标 label at all) is the year's goal, not a
    medium-term one; a label that says 中长期/实施期 keeps its meaning."""
    ref = project.cells.get("long_term_goal")
    if "annual_goal" in project.cells or not ref or not project.long_term_goal:
        return
    if project.start[:4] and project.end[:4] and project.start[:4] != project.end[:4]:
        return  # a period over several years: its goal is the medium-term one
    row, col = split_ref(ref)
    r, c = row - grid.top, col - grid.left
    left = next((v for c2, v in reversed(_row_texts(grid, r)) if c2 < c), None)
    above = grid.get(r - 1, c) if r > 0 else None
    if any(isinstance(v, str) and _LONG_GOAL_RE.search(normalize_label(v)) for v in (left, above)):
        return
    project.annual_goal, project.long_term_goal = project.long_term_goal, ""
    project.cells["annual_goal"] = project.cells.pop("long_term_goal")
    project.notes.append("表中只有一个总体目标，按年度绩效目标读取")


def _year_labelled(grid: Grid, start: int, end: int) -> int | None:
    """"年度 | 2024", "预算年度 | 2024年" among the header labels ([words] year_label), or None."""
    labels = {normalize_label(w) for w in words("year_label")}
    for r in range(start, end):
        texts = [v for _, v in _row_texts(grid, r)]
        for a, b in zip(texts, texts[1:]):
            # the value is a year line of its own: "2024", "2024年度"; 2024 as a number cell reads "2024.0"
            if normalize_label(a).rstrip(":：") in labels and (year := year_line(clean_text(b).removesuffix(".0"))):
                return year
    return None


def _year_elsewhere(project: Project) -> None:
    """No year in the title block: the one the project's name states ("2018年…扶贫项目"), else the
    one both planned dates share, said in a note; else a note that no year was read (never the clock)."""
    named = year_stated(project.name)
    dated = {project.start[:4], project.end[:4]} if project.start[:4].isdigit() and project.end[:4].isdigit() else set()
    if named:
        project.year = named
        project.notes.append(f"表头未写明预算年度，按项目名称中的年份读取为 {named} 年")
    elif len(dated) == 1:
        project.year = int(dated.pop())
        project.notes.append(f"表头未写明预算年度，按计划起止时间读取为 {project.year} 年")
    else:
        project.notes.append("表头未写明预算年度（如“2022年度”），年度未读取，请核对")


def _title_and_year(grid: Grid, project: Project, search_from: int, name_row: int) -> None:
    """Title: the last title-like row above the name row (within this block's preamble); the
    year from it, else from a year line of the preamble ("(2022年度)", "年度：2022")."""
    for r in range(name_row - 1, max(search_from, name_row - 6) - 1, -1):
        for _, v in _row_texts(grid, r):
            text = clean_text(v)
            if is_form_title(v) and "绩效目标" in text:
                project.title = text
                project.year = year_stated(text)
                break
        if project.title:
            break
    for r in range(max(search_from, name_row - 6), name_row):
        if project.year is None:  # "(2022年度)" on its own line, "年度：2022" beside the unit line
            project.year = next((y for _, v in _row_texts(grid, r) if (y := year_line(v))), None)


def _units_above(grid: Grid, block: _Block, search_from: int, project: Project) -> None:
    """"预算单位:东莞市交通运输局" on a line above the 项目名称 row (广东's 批复表): the
    department or unit the table's own rows leave unnamed."""
    for r in range(max(search_from, block.name_row - 4), block.name_row):
        texts = _row_texts(grid, r)
        for i, (c, v) in enumerate(texts):
            found = match(v)
            if (found is not None and found.score >= 1.0 and found.key in ("department", "implementer")
                    and found.key not in project.cells and i + 1 < len(texts) and not is_label(texts[i + 1][1])):
                set_field(project, found.key, texts[i + 1][1], grid.ref(r, texts[i + 1][0]), "")  # "部门名称 | 某局"
            for pair in inner_pairs(v):
                if pair.key not in ("department", "implementer") or pair.key in project.cells:
                    continue
                found = match(pair.label)  # exactly a unit label: not the last table's "主管部门意见:同意"
                if found is not None and found.score >= 1.0 and not is_footer(v):
                    set_field(project, pair.key, pair.text, grid.ref(r, c), "")


def _is_self_evaluation(grid: Grid, block: _Block, search_from: int, header: Any) -> bool:
    """A 绩效自评表 (results and scores, not targets): by its title above the 项目名称 row, or
    by an indicator table with both an actual-value and a score column (a 目标表 may show
    last year's actual value, never a score)."""
    titles = words("self_evaluation_title")
    for r in range(max(search_from, block.name_row - 6), block.name_row):
        for _, v in _row_texts(grid, r):
            if isinstance(v, str) and len(v) <= 60 and any(w in normalize_label(v) for w in titles):
                return True
    if not header:
        return False
    top = header[0]
    cells = [normalize_label(v) for r in (top, top + 1) if r < grid.height for _, v in _row_texts(grid, r)]
    return any(w in c for c in cells for w in words("self_evaluation_actual")) and any(
        c.startswith(w) for c in cells for w in words("self_evaluation_score")
    )


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
    self_evaluations: list[str] = field(default_factory=list)  # skipped sheets that are 绩效自评表
    blank_sheets: list[str] = field(default_factory=list)  # skipped sheets that are blank project sheets
    blank_projects: list[Project] = field(default_factory=list)  # what they parsed to (their layout)
    unnamed_sheets: list[str] = field(default_factory=list)  # skipped sheets that look like a 绩效目标表 naming no project

    def no_project_message(self) -> str:
        """Why no project was read: a 自评表 sent by mistake is named as such, so are blank sheets."""
        if self.self_evaluations:
            sheets = "、".join(f"“{s}”" for s in self.self_evaluations)
            return f"工作表{sheets}是{SELF_EVALUATION}；请改交本年度的项目绩效目标表"
        if self.blank_sheets:
            sheets = "、".join(f"“{s}”" for s in self.blank_sheets)
            return f"{BLANK_SHEET}：工作表{sheets}尚未填写任何内容，不是项目"
        return NO_PROJECT_MESSAGE

    def skipped_note(self) -> str:
        """The sheets passed over, 自评表 and blank sheets marked, for a file that did yield projects ("" if none)."""
        if not self.skipped_sheets:
            return ""
        marks = {**{s: f"{s}（{BLANK_SHEET}）" for s in self.blank_sheets},
                 **{s: f"{s}（{UNNAMED_SHEET}）" for s in self.unnamed_sheets},
                 **{s: f"{s}（绩效自评表）" for s in self.self_evaluations}}
        return "、".join(marks.get(s, s) for s in self.skipped_sheets)


BLANK_SHEET = "空白项目表"
UNNAMED_SHEET = "像项目绩效目标表，但没有找到“项目名称”栏目，其中的金额未读取"
SELF_EVALUATION = "绩效自评表（填报上年的实际完成值和得分），不是项目绩效目标表"
NO_PROJECT_MESSAGE = no_table_message()


def profile_from_lists(grid: Grid) -> str | None:
    for row in grid.rows[:20]:
        if len(row) >= 2 and clean_text(row[0]) == PROFILE_KEY and clean_text(row[1]):
            return clean_text(row[1])
    return None


@one_at_a_time
def projects_from_grids(grids: Iterable[Grid], *, file: str, profile: str | None = None) -> WorkbookRead:
    """Parse every visible sheet; the lists sheet only supplies the profile."""
    result = WorkbookRead(file=file, profile=profile)
    pending: list[Grid] = []
    provenance: dict[str, dict[str, Any]] = {}
    for grid in grids:
        if grid.name == LISTS_SHEET:
            result.profile = result.profile or profile_from_lists(grid)
            provenance = provenance_from_lists(grid)
        elif grid.name not in SERVICE_SHEETS:
            pending.append(grid)
    if result.profile:
        get_profile(result.profile)  # unknown profile → clear error
    for grid in pending:
        found = parse_grid(grid, file=file, profile=result.profile)
        if grid.name in provenance:
            for project in found:
                apply_provenance(project, provenance[grid.name])
        if grid.meta.get("truncated_rows"):
            for project in found:
                project.notes.append(f"工作表超过 {grid.meta['truncated_rows']} 行，只读取了前 {grid.meta['truncated_rows']} 行")
        filled = [p for p in found if not p.is_blank]
        if filled:
            result.projects.extend(filled)
        elif found:  # only blank project sheets (a spare template sheet): not a project
            result.skipped_sheets.append(grid.name)
            result.blank_sheets.append(grid.name)
            result.blank_projects.extend(found)
        else:
            result.skipped_sheets.append(grid.name)
            if grid.meta.get("self_evaluation"):
                result.self_evaluations.append(grid.name)
    return result


