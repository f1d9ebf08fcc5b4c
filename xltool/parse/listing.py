"""List layouts: one row per indicator, 项目名称 / 预算数 repeated as columns.

Budget systems export a department's projects as one long table. Each distinct project
name starts a project; rows with the name left blank (a merged cell) or repeated continue
it, so two projects are never merged into one and one is never split. Rows before the
first named row (a department's subtotal line) belong to no project and are kept as text.
"""

from __future__ import annotations

from typing import Any, Callable

from xltool.core.fields import words
from xltool.core.grid import Grid
from xltool.core.model import Project
from xltool.core.text import clean_text, normalize_label
from xltool.parse.header import set_field, sheet_unit
from xltool.parse.indicators import classify_columns, parse_indicators
from xltool.parse.labels import THRESHOLD, match
from xltool.parse.mapping import record, where

RowTexts = Callable[[Grid, int], list[tuple[int, Any]]]


def parse_list(grid: Grid, title_row: int, row_texts: RowTexts, *, file: str) -> list[Project]:
    """The projects of a list table whose column titles are in ``title_row``."""
    texts = row_texts(grid, title_row)
    columns = classify_columns(texts)
    header_cols: dict[int, str] = {}
    for c, v in texts:
        found = match(v, "header")
        if c not in columns and found is not None and found.score >= THRESHOLD and found.key not in header_cols.values():
            header_cols[c] = found.key
    name_col = next(c for c, k in header_cols.items() if k == "name")
    _record_project_titles(grid, title_row, texts, header_cols, min(columns, default=0))
    unit = sheet_unit(grid, 0, title_row)
    starts: list[tuple[int, str]] = []
    stray: list[str] = []
    totals = {normalize_label(w) for w in words("total")}
    width = len(grid.rows[title_row])
    ragged = bool(grid.meta.get("ragged_rows"))
    for r in range(title_row + 1, grid.height):
        # a web copy drops the merged project cells of the rows that continue a project
        name = "" if ragged and len(grid.rows[r]) < width else clean_text(grid.get(r, name_col))
        if normalize_label(name) in totals:
            name = ""  # a subtotal row: kept as text, no project
        if name and (not starts or normalize_label(name) != normalize_label(starts[-1][1])):
            starts.append((r, name))
        elif not starts and row_texts(grid, r):
            stray.append(" | ".join(clean_text(v) for _, v in row_texts(grid, r)))
    projects: list[Project] = []
    seen: dict[str, Project] = {}
    for k, (r, name) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else grid.height
        key = normalize_label(name)
        project = seen.get(key)
        if project is None:
            project = seen[key] = Project(sheet=grid.name, file=file)
            projects.append(project)
            for c, fieldname in header_cols.items():
                value = grid.get(r, c)
                if value is not None and clean_text(value):
                    set_field(project, fieldname, value, grid.ref(r, c), "", unit)
            first_indicator_col = min(columns, default=0)
            for c, v in texts:  # project columns sit left of the indicator columns
                if c < first_indicator_col and c not in header_cols and clean_text(grid.get(r, c)):
                    project.extra[clean_text(v)] = clean_text(grid.get(r, c))
        before = len(project.indicators)
        parse_indicators(grid, title_row, columns, end, project, row_texts, lambda v: False)
        # parse_indicators starts under the titles; keep only this stretch's rows
        project.indicators[before:] = [i for i in project.indicators[before:] if r <= i.row - grid.top < end]
    if projects and stray:
        projects[0].extra["其他说明"] = "\n".join(stray)
        projects[0].notes.append(f"有 {len(stray)} 行不属于任何项目（如部门合计行），已保留在附加信息“其他说明”中")
    return projects


def _record_project_titles(grid: Grid, title_row: int, texts: list[tuple[int, Any]], header_cols: dict[int, str],
                           first_indicator_col: int) -> None:
    """A list's project columns for the layout file (parse/mapping.py): the ones read as header
    fields, and the unknown ones left of the indicator columns as header labels to map (金额,
    实施单位 …), recorded before the indicator titles so they are not offered as indicator columns."""
    for c, v in texts:
        if c in header_cols:
            record(grid, title_row, c, v, "header", header_cols[c])
        elif c < first_indicator_col and isinstance(v, str):
            record(grid, title_row, c, v, "header", None)


# --- outline (tree) layouts: 单位 → 项目 → 一级 → 二级 → 三级 in one indented column ----------


def _indent(value: Any) -> int | None:
    if not isinstance(value, str) or not clean_text(value):
        return None
    return len(value) - len(value.lstrip(" \u3000\u00a0\t"))


def find_tree(grid: Grid, row_texts: RowTexts) -> int | None:
    """The title row of an outline table: a 指标值 column and ≥ 4 indent depths in the first column."""
    for r in range(min(grid.height, 30)):
        texts = row_texts(grid, r)
        if len(texts) < 2 or texts[0][0] != 0 or "target" not in classify_columns(texts).values():
            continue
        depths = {_indent(grid.get(r2, 0)) for r2 in range(r + 1, min(grid.height, r + 80))}
        if len(depths - {None}) >= 4:
            return r
    return None


def parse_tree(grid: Grid, title_row: int, row_texts: RowTexts, *, file: str) -> list[Project]:
    """Projects of an outline table: the deepest rows are indicators, the three above them
    二级, 一级 and the project; anything shallower (the unit) is the 主管部门."""
    texts = row_texts(grid, title_row)
    columns = classify_columns(texts)
    target_col = next(c for c, k in columns.items() if k == "target")
    header_cols: dict[int, str] = {}  # project-row columns the field table (or a layout) names: 金额, 实施单位 …
    for c, v in texts:
        found = match(v, "header") if c not in (0, target_col) else None
        if found is not None and found.score >= THRESHOLD and found.key != "name" and found.key not in header_cols.values():
            header_cols[c] = found.key
    unknown = _record_tree_titles(grid, title_row, texts, target_col, header_cols)
    unit = sheet_unit(grid, 0, title_row)
    depths = sorted({d for r in range(title_row + 1, grid.height) if (d := _indent(grid.get(r, 0))) is not None})
    indicator, level2_d, level1_d, project_d = depths[-1], depths[-2], depths[-3], depths[-4]
    projects: list[Project] = []
    department = level1 = level2 = ""
    from xltool.core.model import Indicator  # noqa: PLC0415

    for r in range(title_row + 1, grid.height):
        depth = _indent(grid.get(r, 0))
        if depth is None:
            continue
        text = clean_text(grid.get(r, 0))
        if depth < project_d:
            department = text
        elif depth == project_d:
            project = Project(sheet=grid.name, file=file, name=text, department=department)
            project.cells["name"] = grid.ref(r, 0)
            for c, key in header_cols.items():
                if clean_text(grid.get(r, c)):
                    set_field(project, key, grid.get(r, c), grid.ref(r, c), "", unit)
            project.extra.update(_kept(grid, r, unknown))
            if unknown:
                named = "、".join(f"“{t}”（{where(grid, title_row, c)}）" for c, t in unknown.items())
                project.notes.append(f"未识别的栏目：{named}，各行内容已按栏目名保留在附加信息中；可在版式文件中写明它们是哪一栏")
            projects.append(project)
            level1 = level2 = ""
        elif depth == level1_d:
            level1, level2 = text, ""
        elif depth == level2_d:
            level2 = text
        elif projects:
            projects[-1].indicators.append(Indicator.from_typed(
                level1=level1, level2=level2, name=text, target=grid.get(r, target_col),
                cell=grid.ref(r, target_col), row=grid.sheet_row(r),
                cells={"name": grid.ref(r, 0), "target": grid.ref(r, target_col)}, extra=_kept(grid, r, unknown),
            ))
    return projects


def _record_tree_titles(grid: Grid, title_row: int, texts: list[tuple[int, Any]], target_col: int,
                        header_cols: dict[int, str]) -> dict[int, str]:
    """An outline's titles for the layout file: the target and project columns as read, every other
    title (right of the outline column) as not understood; returns those {column: title}."""
    unknown: dict[int, str] = {}
    for c, v in texts:
        if c == target_col:
            record(grid, title_row, c, v, "columns", "target")
        elif c in header_cols:
            record(grid, title_row, c, v, "header", header_cols[c])
        elif c != 0 and clean_text(v):
            record(grid, title_row, c, v, "header", None)
            unknown[c] = clean_text(v)
    return unknown


def _kept(grid: Grid, r: int, unknown: dict[int, str]) -> dict[str, str]:
    """A row's cells under titles not understood, by title: kept, never dropped."""
    return {title: clean_text(grid.get(r, c)) for c, title in unknown.items() if clean_text(grid.get(r, c))}
