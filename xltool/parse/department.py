"""部门整体支出绩效目标表: a department's whole budget, read as one project.

Such a table has no 项目名称: the 部门（单位）名称 names it, a task table (任务名称 | 主要内容 |
预算金额, closed by a 合计 row) gives the total, then the goals and the indicator table as in a
project table. It is read so that its indicators are validated by the same rules, and marked
(extra 表格类型) so that lists and the summary show it for what it is. Wordings are data:
fields.toml [words] whole_department_title / whole_department_name / task_title / task_amount_title.
"""

from __future__ import annotations

from typing import Any, Callable

from xltool.core.fields import words
from xltool.core.grid import Grid
from xltool.core.model import Project
from xltool.core.text import clean_text, normalize_label
from xltool.parse.amounts import parse_amount
from xltool.parse.header import ADDED_REFS, parse_header, row_unit, set_field
from xltool.parse.indicators import find_header_row, parse_indicators

RowTexts = Callable[[Grid, int], list[tuple[int, Any]]]
WHOLE_DEPARTMENT = "部门整体支出绩效目标表"
KIND_KEY = "表格类型"
_MAX_TITLE = 60


def _normal(words_of: str) -> tuple[str, ...]:
    return tuple(normalize_label(w) for w in words(words_of))


def find_whole_department(grid: Grid, row_texts: RowTexts) -> tuple[int, int, str] | None:
    """(row, column, department name) of the 部门（单位）名称 label of a 部门整体 table, or None."""
    titles = _normal("whole_department_title")
    names = _normal("whole_department_name")
    titled = False
    for r in range(grid.height):
        for i, (c, v) in enumerate(row_texts(grid, r)):
            if not isinstance(v, str) or len(v) > _MAX_TITLE:
                continue
            text = normalize_label(v)
            if any(t in text for t in titles):
                titled = True
            label, _, inline = text.partition(":")
            if titled and label in names:
                texts = row_texts(grid, r)
                value = inline or (clean_text(texts[i + 1][1]) if i + 1 < len(texts) else "")
                return r, c, value
    return None


def parse_whole_department(grid: Grid, found: tuple[int, int, str], row_texts: RowTexts, *, file: str,
                           is_title: Callable[[Any], bool]) -> Project:
    """The 部门整体 table as one project: name = department, total from its tasks, goals, indicators."""
    row, col, name = found
    project = Project(sheet=grid.name, file=file, name=name, department=name)
    project.cells["name"] = project.cells["department"] = grid.ref(row, col + 1)
    project.extra[KIND_KEY] = WHOLE_DEPARTMENT
    read = grid.meta.setdefault(ADDED_REFS, set())  # cells read here: not "unrecognised" on import
    read.add(grid.ref(row, col))
    header = find_header_row(grid, row + 1, grid.height, row_texts)
    header_end = header[0] if header else grid.height
    tasks = _task_rows(grid, row + 1, header_end, row_texts)
    if tasks is None:
        parse_header(grid, row + 1, header_end, project, row_texts)
    else:
        start, end = tasks
        _read_tasks(grid, start, end, project, row_texts)
        read.update(grid.ref(r, c) for r in range(start, end + 1) for c, _ in row_texts(grid, r))
        parse_header(grid, row + 1, start, project, row_texts)
        parse_header(grid, end + 1, header_end, project, row_texts)
    project.name = project.department = name  # a label read inside the block does not rename the table
    if header:
        parse_indicators(grid, header[0], header[1], grid.height, project, row_texts, is_title)
    return project


def _task_rows(grid: Grid, start: int, end: int, row_texts: RowTexts) -> tuple[int, int] | None:
    """(first, last) rows of the task table: from the 任务名称 titles to the 合计 row (or its last row)."""
    task_titles = _normal("task_title")
    totals = set(_normal("total") + _normal("task_total"))
    first = next((r for r in range(start, end)
                  if any(normalize_label(v) in task_titles for _, v in row_texts(grid, r) if isinstance(v, str))), None)
    if first is None:
        return None
    last = first
    for r in range(first + 1, end):
        texts = row_texts(grid, r)
        if not texts:
            continue
        last = r
        if normalize_label(texts[0][1]) in totals:
            break
    return first, last


def _amount_column(grid: Grid, start: int, end: int, row_texts: RowTexts) -> tuple[int, int] | None:
    """(column, last title row) of the task table's amount column: the first column titled as an amount
    (预算金额, 总额 …) in its one or two title rows; None if no title says so."""
    amount_titles = _normal("task_amount_title")
    found = None
    for r in range(start, min(end + 1, start + 2)):
        texts = row_texts(grid, r)
        if r > start and any(parse_amount(v)[0] is not None for _, v in texts):
            break  # a task row, not a second title row
        for c, v in texts:
            if isinstance(v, str) and any(t in normalize_label(v) for t in amount_titles):
                found = (c, r)
                break
    return found


def _read_tasks(grid: Grid, start: int, end: int, project: Project, row_texts: RowTexts) -> None:
    """Each task as one line in extra (年度主要任务); the total from the 合计 row, else the tasks' sum.

    Amounts come from the amount column the titles name: a task whose amount there cannot be read is
    said in a note and not summed, never replaced by the next number of its row (财政拨款 is a part).
    """
    unit = next((u for r in range(start, min(end + 1, start + 3)) if (u := row_unit(row_texts(grid, r)))), "")
    lines, amounts, unread = [], [], []
    totals = set(_normal("total") + _normal("task_total"))
    column = _amount_column(grid, start, end, row_texts)
    first = column[1] + 1 if column else start + 1
    for r in range(first, end + 1):
        texts = row_texts(grid, r)
        numbers = [(c, v) for c, v in texts if parse_amount(v, unit)[0] is not None]
        if column is not None and texts:
            at = [(c, v) for c, v in texts if c == column[0]]
            if (at and parse_amount(at[0][1], unit)[0] is None) or (not at and numbers):
                shown = f"“{clean_text(at[0][1])}”" if at else "为空"
                unread.append(f"{clean_text(texts[0][1])}（{grid.ref(r, column[0])}{shown}）")
                if normalize_label(texts[0][1]) not in totals:
                    lines.append(" | ".join(clean_text(x) for _, x in texts))
                continue
            numbers = at
        if not texts or not numbers:
            continue  # a second title row (总额 | 财政拨款 | 其他资金)
        c, v = numbers[0]
        if normalize_label(texts[0][1]) in totals:
            set_field(project, "total", v, grid.ref(r, c), "", unit)
            _note_unread(project, unread)
            return _keep(project, lines)
        amounts.append(parse_amount(v, unit)[0] or 0.0)
        lines.append(" | ".join(clean_text(x) for _, x in texts))
    if amounts:
        project.total = round(sum(amounts), 6)
        project.cells["total"] = grid.ref(start + 1, 0)
        project.notes.append(f"部门整体表没有合计行，按各项任务金额合计为 {project.total:g} 万元")
    _note_unread(project, unread)
    _keep(project, lines)


def _note_unread(project: Project, unread: list[str]) -> None:
    if unread:
        project.notes.append(f"部门整体表中以下金额无法识别，未计入：{'；'.join(unread)}")


def _keep(project: Project, lines: list[str]) -> None:
    if lines:
        project.extra["年度主要任务"] = "\n".join(lines)
