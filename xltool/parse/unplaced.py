"""A table that looks like a 绩效目标表 but names no project: its titles and labels, for a layout file.

The parser starts a project at its 项目名称 label. When a table words that label in a way the
field table does not know ("资金用途名称", "工程名称"), no project starts and import used to
refuse with nothing to go on. Here the table is recognised by what the field table *does*
know (an indicator column-title row, or several header labels of distinct fields), and its
header block is listed: every label the reader recognised and every label-like cell it did
not, each with sheet and cell, so a layout file can be written for the user to fill in
(parse/layouts.render_layout). The decision rests on the field table only, no word list here.
"""

from __future__ import annotations

import re
from typing import Any

from xltool.core.grid import Grid, split_ref
from xltool.core.text import clean_text, normalize_label
from xltool.parse.bands import row_texts
from xltool.parse.indicators import classify_columns, find_header_row
from xltool.parse.labels import THRESHOLD, inner_pairs, match
from xltool.parse.mapping import TableMapping, Unmapped, fingerprint_of, where
from xltool.parse.titles import is_title_line

_MIN_HEADER_FIELDS = 2  # distinct header fields recognised, without an indicator table, to call it a table
_MAX_BLOCK_ROWS = 40  # the header block is read at most this far down
_MAX_LABEL = 20  # a label-like cell: short text, not a sentence
_INLINE_RE = re.compile(r"([^\d:：]{2,12})[:：]\s*\S")
_NAME_HINT = "若是项目名称，填 name（或“项目名称”）"
_NAME_TITLE_WORDS = ("名称", "项目")  # what a column of project names is titled with, in any wording


def _label_like(value: Any) -> bool:
    """Short text with no digits: may be a label (a value beside it is what it labels)."""
    text = clean_text(value) if isinstance(value, str) else ""
    return 2 <= len(text) <= _MAX_LABEL and not any(ch.isdigit() for ch in text) and "\n" not in text


def unplaced_table(grid: Grid, *, file: str, any_table: bool = False) -> TableMapping | None:
    """The titles and labels of a table that looks like a 绩效目标表 yet named no project, or None.

    It looks like one when a row holds indicator column titles (一级/二级, 三级 or 指标值 as the
    field table words them) or when its header block labels at least two distinct fields
    (金额, 主管部门, 绩效目标 …). Header labels not recognised, and indicator titles not
    recognised, are the unmapped ones; left of the indicator columns (a list's project columns)
    they are header labels, the ones a project name may hide behind. ``any_table``: also a table
    without such a label (all its labels known), for reading it without a name.
    """
    header = find_header_row(grid, 0, grid.height, row_texts)
    end = header[0] if header is not None else min(grid.height, _MAX_BLOCK_ROWS)
    mapping = TableMapping(file=file, sheet=grid.name)
    fields: set[str] = set()
    for r in range(max(0, end - _MAX_BLOCK_ROWS), end):
        texts = row_texts(grid, r)
        if not texts or is_title_line(texts):
            continue
        skip_next = False
        for k, (c, v) in enumerate(texts):
            if skip_next:
                skip_next = False
                continue
            found = match(v, "header")
            if found is not None and found.score >= THRESHOLD:
                mapping.header.setdefault(clean_text(v).rstrip(":："), found.key)
                fields.add(found.key)
                skip_next = k + 1 < len(texts) and not _known(texts[k + 1][1])
                continue
            pairs = inner_pairs(v)
            if pairs:
                for pair in pairs:
                    mapping.header.setdefault(pair.label, pair.key)
                    fields.add(pair.key)
                continue
            if _label_like(v) and k + 1 < len(texts):  # "资金用途名称 | 河道保洁"
                _add(mapping, grid, r, c, clean_text(v).rstrip(":："), "header", _NAME_HINT)
                skip_next = not _known(texts[k + 1][1])
            elif isinstance(v, str) and len(texts) == 1 and (inline := _INLINE_RE.match(clean_text(v))):
                _add(mapping, grid, r, c, inline.group(1).strip(), "header", _NAME_HINT)  # "工程名称：河道保洁"
    if header is not None:
        _titles(grid, header[0], mapping)
    elif len(fields) < _MIN_HEADER_FIELDS:
        return None
    if not any(u.section == "header" for u in mapping.unmapped) and not any_table:
        return None  # nothing a 项目名称 could be: the refusal stands as it is
    mapping.fingerprint = fingerprint_of(mapping.texts)
    return mapping


def _known(value: Any) -> bool:
    found = match(value, "header")
    return found is not None and found.score >= THRESHOLD


def _titles(grid: Grid, r: int, mapping: TableMapping) -> None:
    """The indicator title row: recognised titles mapped; the others unmapped, as header labels
    when they stand left of every indicator column (a list's 项目名称, 金额 …)."""
    texts = row_texts(grid, r)
    columns = classify_columns(texts)
    first = min(columns, default=0)
    for c, v in texts:
        text = clean_text(v)
        if c in columns:
            mapping.columns.setdefault(text, columns[c])
        elif _known(v):
            mapping.header.setdefault(text, match(v, "header").key)  # type: ignore[union-attr]
        elif _label_like(v):
            if c < first:
                _add(mapping, grid, r, c, text, "header", _NAME_HINT)
            else:
                _add(mapping, grid, r, c, text, "columns", "")


def _add(mapping: TableMapping, grid: Grid, r: int, c: int, text: str, section: Any, hint: str) -> None:
    if text and not any(u.text == text and u.section == section for u in mapping.unmapped):
        mapping.unmapped.append(Unmapped(section, text, grid.ref(r, c), where(grid, r, c), hint))


def may_hide_a_name(grid: Grid, mapping: TableMapping | None) -> bool:
    """Whether a label the reader did not know may be this table's 项目名称: one whose value beside
    it is text ("资金用途名称 | 河道保洁", "工程名称：…"). A phone number or a weight ("项目负责人电话 |
    65239479", "预算执行率权重 | 10%") names nothing, so such a table is read without a name
    instead of being refused for a layout file the user could not fill in."""
    if mapping is None:
        return False
    header = find_header_row(grid, 0, grid.height, row_texts)
    for entry in mapping.unmapped:
        if entry.section != "header" or entry.hint != _NAME_HINT:
            continue
        row, col = split_ref(entry.cell)
        r, c = row - grid.top, col - grid.left
        if not 0 <= r < grid.height:
            return True
        if header is not None and r == header[0]:  # a title left of the indicator columns: a list's
            if any(w in entry.text for w in _NAME_TITLE_WORDS):  # 项目名称 column, not a "评价指标" one
                return True
            continue
        texts = [v for c2, v in row_texts(grid, r) if c2 >= c]
        own = clean_text(texts[0]) if texts else ""
        inline = _INLINE_RE.match(own)
        value = own[inline.end() - 1:] if inline and len(texts) == 1 else (clean_text(texts[1]) if len(texts) > 1 else "")
        if sum(ch.isalpha() for ch in value) >= 2:  # CJK counts as alpha; "10%", "65239479" do not
            return True
    return False


def read_unnamed(read: Any, grids: list[Grid], *, file: str) -> None:
    """The sheets a workbook read (parse.reader.WorkbookRead) skipped that look like a 绩效目标表 naming no
    project: read without a name when nothing in them may be the name (``reader.parse_without_name``: a
    sheet whose 项目名称 row was deleted, a title naming the project), so that their money is counted and
    the missing name reported like any other; otherwise marked, and validate and merge say their money
    was not read."""
    from xltool.parse.reader import parse_without_name  # noqa: PLC0415

    plain = set(read.skipped_sheets) - set(read.self_evaluations) - set(read.blank_sheets)
    for grid in grids:
        if grid.name not in plain or (mapping := unplaced_table(grid, file=file, any_table=True)) is None:
            continue
        found = [] if may_hide_a_name(grid, mapping) else parse_without_name(grid, file=file, profile=read.profile)
        if found:
            read.projects.extend(found)
            read.skipped_sheets.remove(grid.name)
        elif any(u.section == "header" for u in mapping.unmapped):
            read.unnamed_sheets.append(grid.name)
    order = {grid.name: k for k, grid in enumerate(grids)}
    read.projects.sort(key=lambda p: order.get(p.sheet, len(order)))  # stable: sheet order, then table order


def read_unplaced(grid: Grid, *, file: str, profile: str | None, read: Any) -> tuple[list[Any], TableMapping | None]:
    """A grid that yielded no project: read again with the kept layout written for its titles and
    labels (parse/layouts.layout_library), else its mapping for a layout file (None: no table).

    ``read(grid)`` is the importer's reading (parse/imported.projects_from_grid)."""
    from xltool.parse.layouts import applied_layout, kept_layout  # noqa: PLC0415
    from xltool.parse.mapping import forget, mapping_of  # noqa: PLC0415

    mapping = unplaced_table(grid, file=file)
    saved = kept_layout(mapping.fingerprint) if mapping is not None else None
    if mapping is None or saved is None:
        return [], mapping
    forget(grid)
    with applied_layout(saved.wordings):
        projects = read(grid)
    if not projects:
        return [], mapping
    for project in projects:
        found = mapping_of(project)
        if found is not None:
            found.fingerprint, found.applied = mapping.fingerprint, str(saved.path)
        project.notes.append(f"栏目与版式文件“{saved.path.name}”相同，已按该版式读取（{saved.path}）")
    return projects, None
