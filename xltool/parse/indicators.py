"""The indicator table: column titles classified by the field table, rows aligned to them.

Column titles are matched like header labels (scored, each field claimed once by its best
title; "(长期)" / "(年度)" qualifiers tell side-by-side tables apart). A row copied from a
web page or PDF that lost its merged cells is aligned to the columns by content (parse/align.py);
columns the titles leave open are decided by the body (parse/columns.py).
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import Any, Callable

from xltool.core.frameworks import strip_form_note
from xltool.core.grid import Grid, column_letter
from xltool.core.model import Indicator, Project, format_cell_text
from xltool.core.text import as_percent, clean_text, lazy_pattern, normalize_label
from xltool.parse.align import align_row, column_kind, level_names, split_levels  # noqa: F401  (level_names re-exported)
from xltool.parse.labels import THRESHOLD, match, split_label
from xltool.parse.mapping import record, where

RowTexts = Callable[[Grid, int], list[tuple[int, Any]]]

_LONG_WORDS = ("长期", "中期", "实施期")  # substring tests, not a pattern to compile
TITLE_ROWS = "_title_rows"  # Grid.meta: rows read as the indicator table's titles (one, two or three)
MAIN = ("level1", "level2", "name", "operator", "target", "unit")


@lru_cache(maxsize=4096)
def _column_candidates(text: str) -> tuple[tuple[str, float], ...]:
    """(field, score) for a column title, best first; qualifiers pick long-term columns."""
    core, _, qualifier = split_label(text)
    found = match(text, "columns")
    out: list[tuple[str, float]] = []
    if found is not None:
        out.append((found.key, found.score))
    header = match(text, "header")
    if 2 < len(core) <= 6 and (found is None or found.score < 1.0) and (header is None or header.score < THRESHOLD):
        # a title that lost a character ("级指标"), unless it is a header field's label ("年度目标")
        from xltool.core.fields import synonyms  # noqa: PLC0415

        for key, labels in synonyms("columns").items():
            if any(core in split_label(s)[0] and len(core) / len(split_label(s)[0]) >= 0.6 for s in labels):
                out.append((key, 0.6))
    long_term = any(w in qualifier + core for w in _LONG_WORDS) and "年度" not in qualifier
    result = []
    for key, score in out:
        if long_term and key == "target":
            key = "long_term_target"
        elif long_term and key in ("level2", "name", "operator", "unit"):
            key = f"long:{key}"
        elif "年度" in qualifier:
            score += 0.05
        result.append((key, score))
    return tuple(result)


def classify_columns(texts: list[tuple[int, Any]]) -> dict[int, str]:
    """{column: field} for a row of titles: each field once, each title once, best score first."""
    offers = []
    for c, v in texts:
        if isinstance(v, str) and len(v) <= 30:
            offers.extend((score, -c, c, key) for key, score in _column_candidates(v) if score >= THRESHOLD)
    # equal titles side by side (中期 | 年度 without qualifiers): the rightmost is the year's
    offers = [(score, c, c, key) for score, _, c, key in offers]
    columns: dict[int, str] = {}
    for _, _, c, key in sorted(offers, reverse=True):
        if c not in columns and key not in columns.values():
            columns[c] = key
        elif c not in columns and key in ("target", "name", "level2") and _duplicate_left(columns, key, c, texts):
            columns[c] = "long_term_target" if key == "target" else f"long:{key}"
    _year_target_beside_its_name(columns, {c for _, _, c, key in offers if key == "target"})
    return dict(sorted(columns.items()))


def _year_target_beside_its_name(columns: dict[int, str], target_titles: set[int]) -> None:
    """Two tables side by side (中期 | 年度, 广东's 批复表) whose value titles differ a little
    ("指标值" | "计划指标值"): the year's 三级 column won as the rightmost twin, so its value is
    the target title right of it, not the better-scored one of the medium-term table."""
    name = next((c for c, k in columns.items() if k == "name"), None)
    target = next((c for c, k in columns.items() if k == "target"), None)
    if name is None or target is None or target > name or "long:name" not in columns.values():
        return
    right = [c for c in target_titles if c > name and columns.get(c) in (None, "long_term_target")]
    if right:
        columns[min(right)] = "target"
        columns[target] = "long_term_target"


def _duplicate_left(columns: dict[int, str], key: str, c: int, texts: list[tuple[int, Any]]) -> bool:
    """The same title again, left of the one that won: the medium-term twin."""
    taken = next(col for col, k in columns.items() if k == key)
    title = dict(texts)
    same = split_label(str(title[c]))[0] == split_label(str(title[taken]))[0]
    return same and c < taken and ("long_term_target" if key == "target" else f"long:{key}") not in columns.values()


def find_header_row(grid: Grid, start: int, end: int, row_texts: RowTexts) -> tuple[int, dict[int, str]] | None:
    """First row in [start, end) whose cells are indicator column titles."""
    for r in range(start, end):
        texts = row_texts(grid, r)
        if len(texts) < 2 or sum(1 for _, v in texts if isinstance(v, str) and len(v) <= 30
                                 and _column_candidates(v)) < 2:
            continue
        columns = classify_columns(texts)
        fields = set(columns.values())
        if "name" in fields and len(fields) >= 2 and ({"level1", "level2"} & fields or "target" in fields):
            return r, columns
        if {"level1", "level2", "target"} <= fields:  # no 三级 column: the 二级 column names the rows
            return r, columns
    return None


def name_unplaced_titles(grid: Grid, start: int, end: int, row_texts: RowTexts, project: Project) -> None:
    """No indicator table found, yet a row names 一级/二级 columns: its other titles are what
    was not understood; each is named (sheet, cell) and recorded for the table's layout file."""
    for r in range(start, end):
        texts = row_texts(grid, r)
        columns = classify_columns(texts) if len(texts) >= 3 else {}
        if not {"level1", "level2"} <= set(columns.values()):
            continue
        unknown = [(c, clean_text(v)) for c, v in texts if c not in columns and isinstance(v, str)
                   and not _known_title(v)]
        _record_titles(grid, r, r + 1, grid.rows[r], columns, unknown)
        if unknown:
            named = "、".join(f"“{t}”（{where(grid, r, c)}）" for c, t in unknown[:8])
            project.notes.append(f"指标表的栏目未能全部识别：{named}；可在版式文件中写明它们是哪一栏")
        return


_LONG_TERM_RE = lazy_pattern(r"长期|中期")


def annual_indicator_header(
    grid: Grid, first: tuple[int, dict[int, str]] | None, end: int, row_texts: RowTexts
) -> tuple[int, dict[int, str]] | None:
    """The annual indicator table's column-title row when a block holds several tables.

    Other regions' forms (e.g. 财预〔2015〕88号 申报表) list 长期绩效指标 and then
    年度绩效指标, each under its own column titles; the annual table is the one a
    budget year is judged by. A table counts as annual when the nearest text row above
    its titles (or a cell of the title row that is not a column) says 年度, not 长期/中期.
    With a single table, or no such marker, the first table is kept.
    """
    if first is None:
        return None
    candidates = [first]
    while (found := find_header_row(grid, candidates[-1][0] + 1, end, row_texts)) is not None:
        if found[0] == candidates[-1][0] + 1 and candidates[-1][0] == first[0]:
            break  # the titles' second row (指标名称 spanning 二级 | 三级), not another table
        candidates.append(found)
    if len(candidates) == 1:
        return first
    for row, columns in reversed(candidates):
        above = next((r for r in (row - 1, row - 2) if r >= 0 and row_texts(grid, r)), None)
        marker_cells = [v for _, v in row_texts(grid, above)] if above is not None else []
        marker_cells += [v for c, v in row_texts(grid, row) if c not in columns]
        markers = [normalize_label(v) for v in marker_cells if isinstance(v, str)]
        if any("年度" in m and not _LONG_TERM_RE.search(m) for m in markers):
            return row, columns
    return first


def parse_indicators(grid: Grid, header_row: int, columns: dict[int, str], end: int, project: Project,
                     row_texts: RowTexts, is_title: Callable[[Any], bool]) -> None:
    """Every row under the column titles becomes an indicator; merged 一级/二级 fill down."""
    from xltool.parse.columns import (  # noqa: PLC0415
        merged_titles, note_spanned_targets, refine_by_content, refine_columns, subtitles,
    )

    title_cells = grid.rows[header_row]
    first = header_row + 1
    two_rows = merged_titles(grid, header_row, end, row_texts, _column_candidates)
    if two_rows is not None:  # 指标名称 spanning 二级 | 三级 on the row below
        title_cells, first = two_rows, header_row + 2
        columns = classify_columns([(c, v) for c, v in enumerate(two_rows) if v is not None and clean_text(v)])
    columns = refine_columns(grid, header_row, columns, end, _levelish)
    columns, keep_too = refine_by_content(grid, first, end, columns, title_cells, project, _levelish)
    sub = subtitles(grid, first, columns, row_texts) if first < end else {}
    if sub:  # 区域目标值 spanning one column per county, the counties on the row below
        title_cells = list(title_cells) + [None] * (max(sub) + 1 - len(title_cells))
        for c, text in sub.items():
            title_cells[c] = text
        keep_too |= note_spanned_targets(columns, sub, project)
        first += 1
    grid.meta.setdefault(TITLE_ROWS, set()).update(range(header_row, first))
    width = len(title_cells)
    kinds = [column_kind(columns.get(c)) for c in range(width)]
    titles = [normalize_label(v) if v is not None else "" for v in title_cells]
    ragged = bool(grid.meta.get("ragged_rows"))
    extra_cols = {c: clean_text(v) for c, v in enumerate(title_cells)
                  if (c not in columns or c in keep_too) and v is not None and clean_text(v)}
    unknown = [(c, t) for c, t in extra_cols.items() if c not in keep_too and not _known_title(t)]
    _record_titles(grid, header_row, first, title_cells, columns, unknown)
    unknown = [f"“{t}”（{where(grid, header_row, c)}）" for c, t in unknown]
    if unknown:  # named, never dropped: each row keeps these cells under their titles
        project.notes.append(f"指标表中未识别的栏目：{'、'.join(unknown[:8])}，各行内容已按栏目名保留在指标的附加信息中")
    letters: dict[int, str] = {}

    def letter(c: int) -> str:
        if c not in letters:
            letters[c] = column_letter(grid.left + c)
        return letters[c]

    level1 = level2 = ""
    scored = ""  # the first level name written with its score ("产出指标（50分）"), said once in a note
    before = len(project.indicators)
    for r in range(first, end):
        texts = row_texts(grid, r)
        if not texts or any(is_title(v) for _, v in texts):
            continue
        if r == first and _is_subtitle_row(texts):
            continue  # "2021年实际实现值 | 预期2022年实现值": sub-titles of a split column
        row = grid.rows[r]
        extra: dict[str, str] = {}
        if ragged and len(row) < width:
            positions = align_row(row, kinds, titles)
            by_field: dict[str, tuple[Any, int]] = {}
            for c, v in enumerate(row):
                col = positions[c]
                key = columns.get(col)
                if key is not None:
                    by_field[key] = (v, c)
                elif v is not None and clean_text(v):
                    _keep_extra(extra, extra_cols, titles, col, v)
        else:
            by_field = {k: (row[c] if c < len(row) else None, c) for c, k in columns.items()}
            for c, v in texts:
                if c not in columns or c in keep_too:
                    _keep_extra(extra, extra_cols, titles, c, v)
        for key in [k for k in by_field if k.startswith("long:") or k == "remark"]:
            v, _ = by_field.pop(key)
            if v is not None and clean_text(v):
                extra[_title_of(columns, key, title_cells)] = format_cell_text(v)
        value = {k: v for k, (v, _) in by_field.items()}
        shown_as = grid.meta.get("percent", {}).get((r, by_field.get("target", (None, -1))[1]))
        if shown_as is not None and isinstance(value.get("target"), (int, float)) and not isinstance(value["target"], bool):
            value["target"] = as_percent(float(value["target"]), shown_as)  # "95%" typed: Excel keeps 0.95
        if clean_text(value.get("operator")) == "定量":  # 指标性质 "定量" says quantitative, names no sign
            extra[_title_of(columns, "operator", title_cells)] = "定量"
            value["operator"] = None
        elif normalize_label(value.get("operator")) in _direction_words():  # 指标方向 "是/否": a yes/no indicator
            extra[_title_of(columns, "operator", title_cells)] = clean_text(value["operator"])
            value["operator"] = "定性"
        written = (_upright(value.get("level1")), _upright(value.get("level2")))
        typed1, typed2 = (strip_form_note(w) for w in written)
        scored = scored or next((w for w, t in zip(written, (typed1, typed2)) if any(ch.isdigit() for ch in w[len(t):])), "")
        both = split_levels(typed1 or typed2) if bool(typed1) != bool(typed2) else None
        if both is not None:  # "产出指标-数量指标" in one 指标类别 cell
            typed1, typed2 = both
        if typed1:
            if level1 and typed1 != level1:
                level2 = ""
            level1 = typed1
        if typed2:
            level2 = typed2
        if value.get("long_term_target") is not None and clean_text(value.get("long_term_target")):
            extra["中长期指标值"] = format_cell_text(value["long_term_target"])
        sheet_row = grid.top + r
        cells = {k: f"{letter(c)}{sheet_row}" for k, (_, c) in by_field.items() if k in MAIN}
        target_col = by_field.get("target", by_field.get("name", (None, 0)))[1]
        project.indicators.append(Indicator.from_typed(
            level1=level1, level2=level2, name=value.get("name"), operator=value.get("operator"),
            target=value.get("target"), unit=format_cell_text(value.get("unit")),
            cell=f"{letter(target_col)}{sheet_row}", row=sheet_row, cells=cells, extra=extra,
        ))
    _backfill_level1(project.indicators[before:])
    if scored:  # a score is no part of the name, but it is the table's: never dropped without a word
        project.notes.append(f"一级、二级指标名称后的分值不作为名称的一部分（如“{scored}”），分值以原表为准")


def _record_titles(grid: Grid, header_row: int, first: int, title_cells: list[Any], columns: dict[int, str],
                   unknown: list[tuple[int, str]]) -> None:
    """Each column title as mapped (or not) for the table's layout file (parse/mapping.py)."""
    for c, key in columns.items():
        if c < len(title_cells) and title_cells[c] is not None:
            row = next((r for r in range(first - 1, header_row - 1, -1) if grid.get(r, c) == title_cells[c]), header_row)
            record(grid, row, c, title_cells[c], "columns", key)
    for c, text in unknown:
        record(grid, header_row, c, text, "columns", None)


def _known_title(title: str) -> bool:
    """A title the field table knows (a second 备注-like column, a list's 项目名称) or a merged
    caption over the table ("绩效指标"): kept by its title, nothing to report."""
    key = normalize_label(title)
    if key.endswith(("绩效指标", "绩效目标", "指标")) and len(key) <= 8:
        return True
    header = match(title, "header")
    return bool(_column_candidates(title)) or (header is not None and header.score >= THRESHOLD)


@cache
def _direction_words() -> frozenset[str]:
    from xltool.core.fields import words  # noqa: PLC0415

    return frozenset(normalize_label(w) for w in words("direction"))


def _backfill_level1(indicators: list[Indicator]) -> None:
    """A merged 一级 cell whose text a web copy put on a later row: the first rows take it too."""
    first = next((i.level1 for i in indicators if i.level1), "")
    for indicator in indicators:
        if indicator.level1:
            break
        indicator.level1 = first


_SENTENCE_RE = lazy_pattern(r"以上|以下|以内|之前|之内|底|完成|到位|^[年月日]\d")


def tidy_unit(indicator: Indicator) -> Indicator:
    """A sentence is no number with a unit: "2022年12月底完成…" keeps its text, loses value and unit.

    A unit is taken only when it is one (平方米, 元/人/月, %, 个, 工作日). Applied on import,
    where other regions' text comes in; our own template reads back exactly as typed.
    """
    unit = unicodedata.normalize("NFKC", indicator.unit).replace(" ", "")
    sentence = len(unit) > 12 or unit.endswith(("。", ".")) or _SENTENCE_RE.search(unit)
    if indicator.value is not None and unit and sentence:
        indicator.value = None
        indicator.unit = ""
        indicator.qualitative = indicator.operator in ("", "定性")
    return indicator


def _levelish(text: Any) -> bool:
    key = normalize_label(text)
    known1, known2 = level_names()
    return key in known1 or key in known2 or (0 < len(key) <= 14 and key.endswith(("指标", "目标")))


def _keep_extra(extra: dict[str, str], extra_cols: dict[int, str], titles: list[str], col: int, v: Any) -> None:
    """A cell under no known column is kept by its column's title (a repeated merged caption is not)."""
    if col in extra_cols and col < len(titles) and normalize_label(v) == titles[col]:
        return
    extra[extra_cols.get(col) or f"第{col + 1}列"] = format_cell_text(v)


def _upright(value: Any) -> str:
    """A level name written one character per line ("产\n出\n指\n标") read as one word."""
    text = clean_text(value)
    parts = text.split()
    if len(parts) > 1 and all(len(p) <= 2 for p in parts):
        return "".join(parts)
    return text


def _is_subtitle_row(texts: list[tuple[int, Any]]) -> bool:
    """Every cell a short "…值" title: the second line of a two-line title row."""
    cores = [split_label(v)[0] if isinstance(v, str) else "" for _, v in texts]
    return all(0 < len(c) <= 16 and c.endswith("值") for c in cores)


def _title_of(columns: dict[int, str], key: str, title_cells: list[Any]) -> str:
    col = next(c for c, k in columns.items() if k == key)
    return clean_text(title_cells[col]) if col < len(title_cells) else key


def reset_caches() -> None:
    """Forget the field table as loaded (tests change it to show a wording is data)."""
    from xltool.core import fields  # noqa: PLC0415
    from xltool.parse import labels  # noqa: PLC0415

    for cached in (fields._data, fields._table, labels._labels, labels._longest, labels._match_text,
                   labels._footer_words, _column_candidates):
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()
