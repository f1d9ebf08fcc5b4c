"""部门整体绩效目标: the 88号 部门（单位）整体支出绩效目标申报表, one form per 主管部门.

Laid out as reviewers know the paper form (portrait A4): title; 部门（单位）名称; a
block 年度主要任务 (任务名称 | 主要内容 | 预算申请数: 总额 | 财政拨款 | 其他资金, one row per
project, then 金额合计); a block 年度总体目标 with one numbered item per row; a block
年度绩效指标 (一级 | 二级 | 三级 | 指标值) grouped by 一级/二级. Each block's title sits in a
merged first column. Every row is as tall as its wrapped text, so nothing is cut and
no single cell is stretched to Excel's maximum height.

Constant-memory mode writes rows strictly in order, so each form is laid out in
memory first (one department at a time) and vertical merges are registered without
writing cells (:func:`_merge`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import DEPARTMENT_COLUMNS, SHEET_DEPARTMENT, DepartmentIndicatorRow, SummarySource, TaskRow
from xltool.write.printing import MARGINS_INCH
from .rows import Formula
from .layout import Formats, col_letter, Sheet, check_row, clean_breaks, fit_text, print_setup, wrapped_height, wrapped_lines

WIDTHS = (6, 17, 13, 23, 10, 10, 10)  # 年度… | 名称/一级 | 二级 | 内容/三级 | 总额 | 财政拨款 | 其他: A4 portrait at ≥ 9 pt
_LAST = DEPARTMENT_COLUMNS - 1
NAME_ROW = 1  # the 部门（单位）名称 row, printed again at the top of every continuation page
# Rows per A4 portrait page, in points: the page less the margins, with room to spare (Excel prints
# these widths at 100 %; LibreOffice, whose columns come out wider, scales down and fits more).
PAGE_POINTS = (842 - (MARGINS_INCH["top"] + MARGINS_INCH["bottom"]) * 72) * 0.94


class _Form:
    """One department's form as rows of cells, merges and heights, written in row order."""

    def __init__(self, sheet: Sheet, start: int) -> None:
        self.sheet = sheet
        self.fmt = sheet.fmt
        self.start = start
        self.rows: list[dict[int, tuple[Any, Any]]] = []
        self.heights: list[float | None] = []
        self.merges: list[tuple[int, int, int, int]] = []
        self.repeat: dict[int, tuple[int, ...]] = {}  # row → the rows that head its block on a new page
        self.sums: list[tuple[int, int, int, int, float]] = []  # (row, col, first, last, value): =SUM cells

    @property
    def next(self) -> int:
        return len(self.rows)

    def row(self, cells: dict[int, tuple[Any, Any]], *, spans: tuple[tuple[int, int], ...] = (),
            height: float | None = None) -> int:
        """Add a row; ``spans`` are (first, last) columns merged in it. Height from wrapped text."""
        r = self.next
        widths = list(WIDTHS)
        for first, last in spans:
            widths[first] = sum(WIDTHS[first : last + 1])
            self.merges.append((r, first, r, last))
        lines = max((wrapped_lines(v, widths[c]) for c, (v, _) in cells.items() if isinstance(v, str) and v),
                    default=1)
        self.rows.append(cells)
        self.heights.append(height or (wrapped_height(lines) if lines > 1 else 20))
        return r

    def block(self, first: int, title: str, headings: int = 0) -> None:
        """The block title in column A, merged over the block's rows; its first ``headings`` rows
        (column titles) are printed again at the top of each page the block continues on."""
        self.rows[first][0] = (title, self.fmt.form_block)
        last = self.next - 1
        if last > first:
            self.merges.append((first, 0, last, 0))
        heads = (NAME_ROW, *range(first, first + headings))
        for r in range(first + headings, last + 1):
            self.repeat[r] = heads

    def paginate(self) -> list[int]:
        """Lay the rows out on pages: a page break where the next row would not fit, then the
        部门名称 row and the block's column titles again; merged cells split at the break, each
        part labelled. Returns the breaks (form rows). Heights are known, so this holds in Excel
        and LibreOffice alike (print titles cannot: one sheet holds many forms and blocks)."""
        placed: list[tuple[int, int]] = []  # (original row, page) of each row as laid out
        page, used, breaks = 0, 0.0, []
        for r, height in enumerate(self.heights):
            height = height or 20
            if used and used + height > PAGE_POINTS:
                page, used = page + 1, 0.0
                breaks.append(len(placed))
                for head in self.repeat.get(r, ()):
                    placed.append((head, page))
                    used += self.heights[head] or 20
            placed.append((r, page))
            used += height
        if not breaks:
            return []
        rows, heights, merges = self.rows, self.heights, self.merges
        new_rows = [dict(rows[r]) for r, _ in placed]
        new_merges: list[tuple[int, int, int, int]] = []
        for r1, c1, r2, c2 in merges:
            parts: dict[int, list[int]] = {}
            for i, (r, pg) in enumerate(placed):
                if r1 <= r <= r2:
                    parts.setdefault(pg, []).append(i)
            for pg, idx in parts.items():
                top, bottom = min(idx), max(idx)
                if r2 > r1 and placed[top][0] != r1:  # a merge continued from the page before: its label again
                    new_rows[top][c1] = rows[r1][c1]
                new_merges.append((top, c1, bottom, c2))
        first_at = {r: i for i, (r, _) in reversed(list(enumerate(placed)))}
        self.sums = [(first_at[r], c, first_at[a], first_at[b], v) for r, c, a, b, v in self.sums]
        self.rows, self.heights, self.merges = new_rows, [heights[r] for r, _ in placed], new_merges
        return breaks

    def write(self) -> int:
        sheet, fmt = self.sheet, self.fmt
        for r, c, first, last, value in self.sums:
            letter = col_letter(c)
            self.rows[r][c] = (Formula(f"=SUM({letter}{self.start + first + 1}:{letter}{self.start + last + 1})",
                                       round(value, 2)), self.rows[r][c][1])
        for i, (cells, height) in enumerate(zip(self.rows, self.heights)):
            r = self.start + i
            check_row(sheet.ws, r)
            row = []
            for c in range(DEPARTMENT_COLUMNS):
                value, cell_fmt = cells.get(c, (None, fmt.form_cell))
                if value == "":
                    value = None
                row.append((c, fit_text(value) if isinstance(value, str) else value, cell_fmt))
            sheet.write_cells(r, row, height)
        for r1, c1, r2, c2 in self.merges:
            _merge(sheet.ws, self.start + r1, c1, self.start + r2, c2)
        return self.start + len(self.rows)


def _merge(ws: Any, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Register a merged range whose cells are already written (xlsxwriter writes
    ``<mergeCells>`` at the end of the sheet, also in constant-memory mode)."""
    if (first_row, first_col) != (last_row, last_col):
        ws.merge.append([first_row, first_col, last_row, last_col])


def department_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_DEPARTMENT, (), fmt, WIDTHS)


def _year(starts: list[str]) -> str:
    years = Counter(s[:4] for s in starts if len(s) >= 4 and s[:4].isdigit())
    return f"（{years.most_common(1)[0][0]}年度）" if years else ""


def _fiscal(task: TaskRow) -> float | None:
    parts = [v for v in (task.province, task.city, task.district) if v is not None]
    return round(sum(parts), 2) if parts else None


def write_department(sheet: Sheet, source: SummarySource) -> None:
    """One form per 主管部门, each starting on a new page."""
    fmt = sheet.fmt
    breaks: list[int] = []
    for department in source.departments():
        tasks = list(source.department_tasks(department))
        form = _Form(sheet, sheet.row)
        year = _year([t.start for t in tasks])
        form.row({0: (f"部门（单位）整体支出绩效目标申报表{year}", fmt.title)}, spans=((0, _LAST),), height=30)
        form.row({0: ("部门（单位）名称", fmt.form_label), 2: (department or "（未填写主管部门）", fmt.form_cell)},
                 spans=((0, 1), (2, _LAST)), height=24)
        # 年度主要任务
        first = form.row({1: ("任务名称", fmt.form_label), 2: ("主要内容", fmt.form_label),
                          4: ("预算申请数（万元）", fmt.form_label), 5: ("", fmt.form_label), 6: ("", fmt.form_label)},
                         spans=((4, 6),))
        form.row({1: ("", fmt.form_label), 2: ("", fmt.form_label), 3: ("", fmt.form_label),
                  4: ("总额", fmt.form_label), 5: ("财政拨款", fmt.form_label), 6: ("其他资金", fmt.form_label)})
        form.merges += [(first, 1, first + 1, 1), (first, 2, first + 1, 3)]
        sums = [0.0, 0.0, 0.0]
        task_rows = (form.next, form.next + len(tasks) - 1)
        for task in tasks:
            fiscal = _fiscal(task)
            money = (task.amount, fiscal, task.other)
            for i, v in enumerate(money):
                sums[i] += v or 0.0
            form.row({1: (clean_breaks(task.name), fmt.form_cell), 2: (clean_breaks(task.content), fmt.form_cell),
                      **{4 + i: (v, fmt.form_amount) for i, v in enumerate(money)}}, spans=((2, 3),))
        total_row = form.row({1: ("金额合计", fmt.form_label),
                              **{4 + i: (round(v, 2), fmt.form_amount) for i, v in enumerate(sums)}}, spans=((1, 3),))
        if tasks:  # a live SUM of the task rows (placed once the form is paginated)
            form.sums += [(total_row, 4 + i, *task_rows, v) for i, v in enumerate(sums)]
        form.block(first, "年度主要任务", headings=2)
        # 年度总体目标: one numbered item per project goal
        first = form.next
        goals = [t for t in tasks if t.annual_goal.strip()]
        for k, task in enumerate(goals, start=1):
            text = f"目标{k}：{clean_breaks(task.name)}——{clean_breaks(task.annual_goal)}"
            form.row({1: (text, fmt.form_cell)}, spans=((1, _LAST),))
        if not goals:
            form.row({1: ("（各项目均未填写年度绩效目标）", fmt.form_cell)}, spans=((1, _LAST),))
        form.block(first, "年度总体目标")
        # 年度绩效指标, grouped by 一级/二级
        first = form.row({1: ("一级指标", fmt.form_label), 2: ("二级指标", fmt.form_label),
                          3: ("三级指标", fmt.form_label), 4: ("指标值", fmt.form_label),
                          5: ("", fmt.form_label), 6: ("", fmt.form_label)}, spans=((4, 6),))
        _indicator_rows(form, list(source.department_indicators(department)))
        form.block(first, "年度绩效指标", headings=1)
        breaks += [form.start + b for b in form.paginate()]
        end = form.write()
        breaks.append(end)
        sheet.row = end
    ws = sheet.ws
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.set_h_pagebreaks(breaks[:-1][:1022])  # each department's form on its own pages
    print_setup(ws, landscape=False, title_rows=None)


def _indicator_rows(form: _Form, rows: list[DepartmentIndicatorRow]) -> None:
    """One row per indicator; runs of the same 一级 (and 二级 within it) merged vertically."""
    fmt = form.fmt
    runs: dict[int, list[Any] | None] = {1: None, 2: None}  # column → [key, first row, last row]
    for ind in rows:
        r = form.row({1: (ind.level1, fmt.form_center), 2: (ind.level2, fmt.form_center),
                      3: (clean_breaks(ind.name), fmt.form_cell), 4: (ind.value, fmt.form_cell)}, spans=((4, 6),))
        for col, key in ((1, (ind.level1,)), (2, (ind.level1, ind.level2))):
            run = runs[col]
            if run is not None and run[0] == key:
                run[2] = r
                form.rows[r][col] = ("", fmt.form_center)
            else:
                _close(form, col, run)
                runs[col] = [key, r, r]
    for col, run in runs.items():
        _close(form, col, run)


def _close(form: _Form, col: int, run: list[Any] | None) -> None:
    if run is not None and run[2] > run[1]:
        form.merges.append((run[1], col, run[2], col))
