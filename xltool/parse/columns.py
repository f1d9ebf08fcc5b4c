"""Indicator columns told by what they hold where their titles do not say.

Forms nobody here has seen title their columns in their own words: an operator column
called 指标方向, one target column per town, levels under one spanning 评价内容 caption,
titles over two rows, no 三级 column at all. The titles are classified first
(:func:`xltool.parse.indicators.classify_columns`); this module then reads the body: a
column of ≤ ≥ = is the operator, columns of numbers with units right of the name are
targets, short level names left of the name are 一级/二级. Words that decide (合计/全县
columns, direction words) are data in fields.toml [words].
"""

from __future__ import annotations

import unicodedata
from typing import Any, Callable

from xltool.core.fields import words
from xltool.core.grid import Grid
from xltool.core.model import STANDARD_OPERATORS, Project, normalize_operator
from xltool.core.text import clean_text, lazy_pattern, normalize_label

RowTexts = Callable[[Grid, int], list[tuple[int, Any]]]

_SAMPLE = 40  # body rows looked at
_TARGETISH_RE = lazy_pattern(r"^(?:[<>=≥≤≧≦＞＜＝]|>=|<=)? ?[-+]?\d")


def merged_titles(grid: Grid, header_row: int, end: int, row_texts: RowTexts,
                  candidates: Callable[[str], tuple]) -> list[Any] | None:
    """Titles over two rows (指标名称 spanning 二级 | 三级 on the row below): one title per
    column, the lower row's where it has one. None when the row below is not all titles."""
    below = header_row + 1
    if below >= end:
        return None
    texts = row_texts(grid, below)
    top = grid.rows[header_row]
    if len(texts) < 2 or not all(isinstance(v, str) and len(v) <= 30 and (candidates(v) or _under_span(v, c, top))
                                 for c, v in texts):
        return None
    if sum(bool(candidates(v)) for _, v in texts) * 2 < len(texts):
        return None
    width = max(len(top), len(grid.rows[below]))
    lower = dict(texts)
    return [lower.get(c, top[c] if c < len(top) else None) for c in range(width)]


def _under_span(text: str, c: int, top: list[Any]) -> bool:
    """A short title in words of its own under the blank part of a spanning title (指标名称 over
    二级 | 考核内容): a title still, named later as one not understood."""
    return (0 < c < len(top) and top[c] is None and top[c - 1] is not None and len(text) <= 12
            and not any(ch.isdigit() for ch in text))


def _body(grid: Grid, first: int, end: int, width: int) -> list[list[Any]]:
    rows = grid.rows[first:min(end, first + _SAMPLE)]
    if grid.meta.get("ragged_rows"):
        rows = [r for r in rows if len(r) >= width]  # short rows lost merged cells: not under their titles
    return rows


def _values(rows: list[list[Any]], c: int) -> list[str]:
    return [t for row in rows if c < len(row) and (t := clean_text(row[c]))]


def _is_operator(text: str) -> bool:
    return normalize_operator(text) in STANDARD_OPERATORS or normalize_label(text) in _direction_words()


def _direction_words() -> frozenset[str]:
    return frozenset(normalize_label(w) for w in words("direction"))


def _targetish(text: str) -> bool:
    return bool(_TARGETISH_RE.match(unicodedata.normalize("NFKC", text))) and len(text) <= 30


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    return sum(map(test, values)) / len(values) if values else 0.0


def refine_by_content(grid: Grid, first: int, end: int, columns: dict[int, str], titles: list[Any],
                      project: Project, levelish: Callable[[str], bool]) -> tuple[dict[int, str], set[int]]:
    """Columns the titles left open, decided by the body rows from ``first``; says what it chose.

    Returns the columns and those whose value is also kept beside the indicator under its
    title (the chosen one of several value columns: every column stays visible)."""
    width = len(titles)
    rows = _body(grid, first, end, width)
    if not rows:
        return columns, set()
    cols = dict(columns)
    free = [c for c in range(width) if cols.get(c) in (None, "remark")]
    name = next((c for c, k in cols.items() if k == "name"), None)
    # no 三级 column: the 二级 column holding the indicators' own words is the name
    if name is None and "level2" in cols.values():
        level2 = next(c for c, k in cols.items() if k == "level2")
        values = _values(rows, level2)
        if values and _share(values, levelish) < 0.5:
            cols[level2] = "name"
            name = level2
    if name is None:
        return cols, set()
    # levels under one spanning caption (评价内容): level-like columns left of the name
    if not {"level1", "level2"} & set(cols.values()):
        left = [c for c in free if c < name and _share(_values(rows, c), levelish) >= 0.5]
        for c, key in zip(left, ("level1", "level2")):
            cols[c] = key
    if "operator" not in cols.values():
        for c in free:
            values = _values(rows, c)
            if c > name and cols.get(c) in (None, "remark") and len(values) >= 1 and _share(values, _is_operator) >= 0.8:
                cols[c] = "operator"
                break
    keep: set[int] = set()
    if "target" not in cols.values():
        keep = _choose_target(rows, cols, titles, name, project)
    return dict(sorted(cols.items())), keep


def _choose_target(rows: list[list[Any]], cols: dict[int, str], titles: list[Any], name: int,
                   project: Project) -> set[int]:
    """Several value columns (one per town …): the 合计/全县 column is the table's target, else
    the first; every column stays beside the indicator under its title, and a note says so."""
    candidates = [c for c in range(name + 1, len(titles)) if cols.get(c) is None
                  and (values := _values(rows, c)) and _share(values, _targetish) >= 0.6]
    if not candidates:
        return set()
    overall = {normalize_label(w) for w in words("overall_column")}
    chosen = next((c for c in candidates if normalize_label(titles[c]) in overall), candidates[0])
    cols[chosen] = "target"
    if len(candidates) > 1:
        names = "、".join(f"“{clean_text(titles[c]) or f'第{c + 1}列'}”" for c in candidates)
        why = "合计列" if normalize_label(titles[chosen]) in overall else "第一列"
        project.notes.append(
            f"指标值有 {len(candidates)} 列（{names}），按{why}“{clean_text(titles[chosen])}”读取为年度目标值；"
            "各列数值已按列名保留在指标的附加信息中")
        return set(candidates)  # all named in the note; the chosen one kept beside its target too
    return set()


def subtitles(grid: Grid, row: int, columns: dict[int, str], row_texts: RowTexts) -> dict[int, str]:
    """{column: title} of a row of sub-titles under a spanning title (区域目标值 over one column
    per county): short texts without digits, none under a name or level column. {} otherwise."""
    texts = row_texts(grid, row)
    if len(texts) < 2 or any(columns.get(c) in ("name", "level1", "level2") for c, _ in texts):
        return {}
    found = {}
    for c, v in texts:
        text = clean_text(v)
        if not isinstance(v, str) or len(text) > 12 or any(ch.isdigit() for ch in text) or _is_operator(text):
            return {}
        found[c] = text
    return found


def note_spanned_targets(columns: dict[int, str], sub: dict[int, str], project: Project) -> set[int]:
    """The target column under a spanning title with its siblings: say which one is read (the
    合计/全县 one if any, else the first), keep every one by its sub-title; returns those to keep."""
    target = next((c for c, k in columns.items() if k == "target"), None)
    if target is None or target not in sub:
        return set()
    siblings = [c for c in sorted(sub) if c >= target and columns.get(c) in (None, "target")]
    if len(siblings) < 2:
        return set()
    overall = {normalize_label(w) for w in words("overall_column")}
    chosen = next((c for c in siblings if normalize_label(sub[c]) in overall), target)
    if chosen != target:
        del columns[target]
        columns[chosen] = "target"
    why = "合计列" if chosen != target or normalize_label(sub[chosen]) in overall else "第一列"
    names = "、".join(f"“{sub[c]}”" for c in siblings)
    project.notes.append(f"指标值有 {len(siblings)} 列（{names}），按{why}“{sub[chosen]}”读取为年度目标值；"
                         "各列数值已按列名保留在指标的附加信息中")
    return set(siblings)


def refine_columns(grid: Grid, header_row: int, columns: dict[int, str], end: int,
                   levelish: Callable[[Any], bool]) -> dict[int, str]:
    """A 指标名称 column holding 数量指标/质量指标 … is the 二级 column; the description names the row.

    Some forms (浙江's project library) have no 三级 column: the row's own words are in the
    first explanation column to the right, so that column becomes the name. Judged on the
    full-width rows, whose cells sit under their titles.
    """
    if "level2" in columns.values() or "name" not in columns.values():
        return columns
    width = len(grid.rows[header_row])
    name_col = next(c for c, k in columns.items() if k == "name")
    values = [grid.get(r, name_col) for r in range(header_row + 1, min(end, header_row + 40))
              if len(grid.rows[r]) >= width and grid.get(r, name_col) is not None]
    if not values or sum(levelish(v) for v in values) < 0.6 * len(values):
        return columns
    source = next((c for c in range(name_col + 1, width)
                   if columns.get(c) in (None, "remark") and grid.get(header_row, c) is not None), None)
    if source is None:
        return columns
    refined = dict(columns)
    refined[name_col], refined[source] = "level2", "name"
    return refined
