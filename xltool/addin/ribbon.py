"""The thin xlwings layer behind the Excel ribbon (macros/xltool_ribbon.bas).

Each ribbon button runs ``RunPython "import xltool.addin.ribbon as m; m.<function>()"``,
i.e. a fresh Python per click, so this module imports nothing heavy at import time
(xlwings and the parser/rules are imported inside the functions).

The layer does no validation of its own: it reads each sheet's used range in one
call, builds a :class:`~xltool.core.grid.Grid` with the range's real top-left corner,
and runs the same parser and rules as ``xltool validate``. Writes are batched:
one colour call per colour (multi-area addresses kept under Excel's 255-character
limit), one 2-D array for the ``校验结果`` sheet and one for the marks sheet.
The marks sheet (very hidden, same layout as :mod:`xltool.write.marking` writes)
remembers every marked cell's original fill and note, so validating again or
清除标记 restores them exactly, "no fill" included.

What only a real Excel can confirm (the tests use xlwings' remote engine, which
records actions instead of executing them): notes (``Range.note``), reading a
cell's current fill, very hidden sheets, the message box, and copying a template
sheet across workbooks in :func:`new_project_sheet`.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover

    from xltool.core.findings import Finding
    from xltool.core.grid import Grid

ALERT_TITLE = "xltool 绩效目标表"
ADDRESS_LIMIT = 255  # Excel refuses longer multi-area addresses (Range("A1,B2,…"))
_SET_COLORS_LIMIT = 10_000  # cells per Range.set_colors call (xlwings' limit)

HELP_TEXT = (
    "xltool 绩效目标表工具\n\n"
    "【校验本表】检查当前工作表的项目绩效目标表：有问题的单元格标上底色并加批注"
    "（红色=错误，橙黄色=警告，浅蓝色=提示），全部问题列在“校验结果”工作表，点单元格地址可跳转。\n"
    "【校验全部】检查本工作簿中的全部项目表，并检查不同项目之间是否相互复制了文字。\n"
    "【清除标记】去掉校验留下的底色和批注，恢复单元格原来的样子；不改动填写的内容。\n"
    "【新建项目表】在本工作簿中插入一张空白的项目绩效目标表。\n\n"
    "再次校验会先清除上次的标记。您自己写的批注会保留。\n"
    "命令行用法：xltool validate 文件.xlsx（详见 xltool --help）。"
)


# ---------------------------------------------------------------------------
# Entry points (called by the ribbon).
# ---------------------------------------------------------------------------


def validate_active_sheet() -> None:
    """校验本表: mark the active sheet's findings (other sheets' marks stay)."""
    _run(lambda book: _validate(book, only_active=True))


def validate_workbook() -> None:
    """校验全部: mark every project sheet; copied text is checked across all of them."""
    _run(lambda book: _validate(book, only_active=False))


def clear_marks() -> None:
    """清除标记: restore every marked cell's fill and note; remove the results sheet."""
    _run(_clear)


def new_project_sheet() -> None:
    """新建项目表: add an empty project sheet to the calling workbook."""
    _run(_new_sheet)


def show_help() -> None:
    """帮助: what the buttons do, in a message box."""
    _run(lambda book: book.app.alert(HELP_TEXT, title=ALERT_TITLE, mode="info"))


def _run(action: Callable[[Any], None]) -> None:
    """Run ``action`` on the calling book; every failure becomes a Chinese message box."""
    try:
        import xlwings as xw

        book = xw.Book.caller()
    except Exception as exc:  # not started from Excel, or Excel went away
        print(f"xltool：无法连接到调用本功能的 Excel 工作簿（{type(exc).__name__}: {exc}）。", file=sys.stderr)
        return
    from xltool.core.errors import XltoolError

    try:
        action(book)
    except XltoolError as exc:
        _alert(book, exc.describe(), critical=True)
    except Exception as exc:  # last line of defence: never a raw traceback in front of the user
        _alert(
            book,
            f"程序内部错误（{type(exc).__name__}: {exc}）。请把工作簿和操作步骤发给维护人员。",
            critical=True,
        )


def _alert(book: Any, text: str, *, critical: bool = False) -> None:
    try:
        book.app.alert(text, title=ALERT_TITLE, mode="critical" if critical else "info")
    except Exception:
        print(f"xltool：{text}", file=sys.stderr)


# ---------------------------------------------------------------------------
# Per-cell access the batch API cannot give: original fills and notes.
# ---------------------------------------------------------------------------


class CellAccess:
    """Reads a cell's fill and note and writes notes, through xlwings.

    These need one call per cell (there is no batch read of fills or notes), but
    only for the few cells a validation marks. xlwings' remote engine can do none
    of them synchronously, so it is refused with a clear message; tests substitute
    a recording fake through :func:`cell_access`.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        if _is_remote(book):
            from xltool.core.errors import XltoolError

            raise XltoolError("此功能需要在桌面版 Excel 中使用（当前环境无法读取单元格底色和批注）")

    def _range(self, sheet: str, address: str) -> Any:
        return self.book.sheets[sheet].range(address)

    def fill_of(self, sheet: str, address: str) -> str | None:
        """Current fill as ``#RRGGBB``; None for no fill."""
        color = self._range(sheet, address).color
        if color is None:
            return None
        if isinstance(color, str):
            return color if color.startswith("#") else f"#{color}"
        red, green, blue = color
        return f"#{red:02X}{green:02X}{blue:02X}"

    def note_of(self, sheet: str, address: str) -> tuple[str, str] | None:
        """(text, author) of the cell's note, or None."""
        note = self._range(sheet, address).note
        if note is None:
            return None
        try:
            author = note.author or ""
        except Exception:  # older xlwings / engines without authors
            author = ""
        return note.text or "", author

    def set_note(self, sheet: str, address: str, text: str) -> None:
        from xltool.write.report import note_size

        rng = self._range(sheet, address)
        note = rng.note
        if note is not None:
            note.text = text
        elif hasattr(rng, "add_note"):
            note = rng.add_note(text)
        else:  # xlwings < 0.37: COM AddComment
            rng.api.AddComment(text)
            note = rng.note
        width, height = note_size(text)
        try:  # COM only: size the box for Chinese text (px → pt)
            shape = note.api.Shape
            shape.Width, shape.Height = width * 0.75, height * 0.75
        except Exception:
            pass

    def delete_note(self, sheet: str, address: str) -> None:
        note = self._range(sheet, address).note
        if note is not None:
            note.delete()


def cell_access(book: Any) -> CellAccess:
    """The per-cell accessor for ``book`` (replaced in tests)."""
    return CellAccess(book)


def _is_remote(book: Any) -> bool:
    try:
        return getattr(book.app.engine, "type", "") == "remote"
    except Exception:
        return False


# ---------------------------------------------------------------------------
# Reading.
# ---------------------------------------------------------------------------


def read_grid(sheet: Any) -> Grid:
    """The sheet's used range as a Grid, read in one call and bounded like the file readers."""
    from xltool.core.grid import Grid
    from xltool.io.gate import MAX_COLS, MAX_ROWS

    rng = sheet.used_range
    rows, cols = rng.shape
    if rows > MAX_ROWS or cols > MAX_COLS:
        rng = rng.resize(min(rows, MAX_ROWS), min(cols, MAX_COLS))
    values = rng.options(ndim=2).value or [[]]
    return Grid(rows=[list(r) for r in values], name=sheet.name, top=rng.row, left=rng.column)


def _is_results_layout(rows: list[list[Any]]) -> bool:
    from xltool.write.report import RESULTS_HEADERS

    return bool(rows) and tuple(v for v in rows[0] if v is not None) == RESULTS_HEADERS


def results_sheet(book: Any) -> tuple[str, Any | None]:
    """Name and sheet (None if absent) of xltool's results sheet.

    A user's own sheet that happens to be called 校验结果 is never overwritten: ours
    then becomes 校验结果2 (as in :mod:`xltool.write.marking`).
    """
    from xltool.core.names import RESULTS_SHEET

    n = 1
    while True:
        name = RESULTS_SHEET if n == 1 else f"{RESULTS_SHEET}{n}"
        sheet = _find_sheet(book, name)
        if sheet is None or _is_results_layout(read_grid(sheet).rows[:1]):
            return name, sheet
        n += 1


def _find_sheet(book: Any, name: str) -> Any | None:
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


@dataclass
class MarkRecord:
    """One marked cell: what it looked like before xltool touched it."""

    sheet: str
    cell: str
    fill: str  # JSON: {"color": "#RRGGBB"|null} (here) or {"xml": …} (annotate.py)
    note: str  # the user's own note text, "" for none
    author: str = ""

    @property
    def color(self) -> str | None:
        return color_from_fill_record(self.fill)

    def row(self) -> list[str]:
        return [self.sheet, self.cell, self.fill, self.note, self.author]


def color_from_fill_record(text: str) -> str | None:
    """The ``#RRGGBB`` (or None) a marks-sheet fill record stands for.

    Records written by :mod:`xltool.write.marking` hold openpyxl's fill XML; a solid RGB
    fill maps exactly, theme/indexed colours cannot be expressed through
    ``Range.color`` and come back as no fill.
    """
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return None
    if "color" in data:
        return data["color"] or None
    xml = str(data.get("xml", ""))
    if 'patternType="solid"' in xml:
        match = re.search(r'<fgColor[^>]*rgb="([0-9A-Fa-f]{8}|[0-9A-Fa-f]{6})"', xml)
        if match:
            return "#" + match.group(1)[-6:].upper()
    return None


def read_marks(book: Any) -> list[MarkRecord]:
    from xltool.write.report import MARKS_HEADERS
    from xltool.core.names import MARKS_SHEET

    sheet = _find_sheet(book, MARKS_SHEET)
    if sheet is None:
        return []
    records: list[MarkRecord] = []
    for row in read_grid(sheet).rows:
        cells = ["" if v is None else str(v) for v in (list(row) + [None] * 5)[:5]]
        if tuple(cells) == MARKS_HEADERS or not cells[0] or not cells[1]:
            continue
        records.append(MarkRecord(*cells))
    return records


# ---------------------------------------------------------------------------
# Writing in batches.
# ---------------------------------------------------------------------------


def address_chunks(addresses: list[str], limit: int = ADDRESS_LIMIT) -> list[str]:
    """Join cell addresses into ``"E14,E20,…"`` strings each at most ``limit`` characters."""
    chunks: list[str] = []
    current = ""
    for address in addresses:
        candidate = f"{current},{address}" if current else address
        if len(candidate) > limit and current:
            chunks.append(current)
            current = address
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def paint(book: Any, sheet_name: str, colors: dict[str | None, list[str]]) -> None:
    """Set fills: ``{"#RRGGBB" or None: [cells]}``, one call per colour (and address chunk).

    The remote engine ignores all but the first area of a multi-area address, so
    there the same batch is one ``set_colors`` matrix over the cells' bounding box,
    with ``...`` (keep) everywhere else.
    """
    from xltool.core.grid import split_ref

    colors = {c: cells for c, cells in colors.items() if cells}
    if not colors:
        return
    sheet = book.sheets[sheet_name]
    if not _is_remote(book):
        for color, cells in colors.items():
            for chunk in address_chunks(sorted(set(cells), key=split_ref)):
                sheet.range(chunk).color = color
        return
    where = {split_ref(cell): color for color, cells in colors.items() for cell in cells}
    top = min(r for r, _ in where)
    bottom = max(r for r, _ in where)
    left = min(c for _, c in where)
    right = max(c for _, c in where)
    width = right - left + 1
    band = max(1, _SET_COLORS_LIMIT // width)
    for first in range(top, bottom + 1, band):
        last = min(bottom, first + band - 1)
        matrix = [[where.get((r, c), ...) for c in range(left, right + 1)] for r in range(first, last + 1)]
        sheet.range((first, left), (last, right)).set_colors(matrix)


def _text_cell(value: Any) -> Any:
    """Text that Excel would take for a formula (=, +, -, @) is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _hyperlink_formula(location: str, text: str) -> str:
    target = ("#" + location).replace('"', '""')
    return f'=HYPERLINK("{target}","{text.replace(chr(34), chr(34) * 2)}")'


def _ensure_sheet(book: Any, name: str, *, very_hidden: bool = False) -> Any:
    sheet = _find_sheet(book, name)
    if sheet is None:
        sheet = book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])
        if very_hidden:
            _hide(sheet)
    return sheet


def _hide(sheet: Any) -> None:
    """Very hidden on Windows Excel (xlSheetVeryHidden = 2), hidden elsewhere."""
    sheet.visible = False
    if sys.platform == "win32":
        try:
            sheet.api.Visible = 2
        except Exception:
            pass


def write_marks(book: Any, records: list[MarkRecord]) -> None:
    from xltool.write.report import MARKS_HEADERS
    from xltool.core.names import MARKS_SHEET

    sheet = _ensure_sheet(book, MARKS_SHEET, very_hidden=True)
    sheet.clear_contents()
    rows = [list(MARKS_HEADERS)] + [[_text_cell(v) for v in r.row()] for r in records]
    sheet.range("A1").value = rows


def _findings_from_results(values: list[list[Any]]) -> list[Finding]:
    """Rows of an existing results sheet back into findings (to keep other sheets' rows)."""
    from xltool.core.findings import Finding, Severity
    from xltool.write.report import RESULTS_HEADERS

    by_label = {s.label: s for s in Severity}
    found: list[Finding] = []
    if not values or tuple(v for v in values[0] if v is not None) != RESULTS_HEADERS:
        return found
    for row in values[1:]:
        row = (list(row) + [None] * len(RESULTS_HEADERS))[: len(RESULTS_HEADERS)]
        _, sheet, project, cell, level, code, message = ("" if v is None else str(v) for v in row)
        if level not in by_label or not code:
            continue
        cell = "" if cell.startswith("（") else cell
        found.append(Finding(code=code, severity=by_label[level], message=message, sheet=sheet, project=project,
                             cell=cell))
    return found


def write_results(book: Any, findings: list[Finding]) -> None:
    """The ``校验结果`` sheet as one 2-D array; the 单元格 column links to each cell."""
    from xltool.core.grid import cell_ref
    from xltool.write.report import RESULTS_HEADERS, RESULTS_WIDTHS, hex_color, result_rows

    sheet = _ensure_sheet(book, results_sheet(book)[0])
    sheet.clear()
    names = [s.name for s in book.sheets]
    rows = result_rows(findings, sheets=names)
    table: list[list[Any]] = [list(RESULTS_HEADERS)]
    for row in rows:
        values = [_text_cell(v) for v in row.values]
        if row.link:
            values[row.link_column] = _hyperlink_formula(row.link, str(row.values[row.link_column]))
        table.append(values)
    if not rows:
        table.append(["未发现问题。"] + [None] * (len(RESULTS_HEADERS) - 1))
    sheet.range("A1").value = table
    level_col = RESULTS_HEADERS.index("级别") + 1
    by_color: dict[str | None, list[str]] = defaultdict(list)
    for r, row in enumerate(rows, start=2):
        by_color[hex_color(row.severity)].append(cell_ref(r, level_col))
    by_color["#D9D9D9"] = [cell_ref(1, c) for c in range(1, len(RESULTS_HEADERS) + 1)]
    paint(book, sheet.name, by_color)
    _cosmetics(sheet, RESULTS_HEADERS, RESULTS_WIDTHS, len(table))


def _cosmetics(sheet: Any, headers: tuple[str, ...], widths: dict[str, float], nrows: int) -> None:
    """Bold header, widths, frozen header row, filter: best effort (engines differ)."""
    from xltool.core.grid import column_letter

    last = column_letter(len(headers))
    steps: list[Callable[[], Any]] = [lambda: setattr(sheet.range(f"A1:{last}1").font, "bold", True)]
    for i, title in enumerate(headers, start=1):
        letter = column_letter(i)
        steps.append(lambda letter=letter, title=title: setattr(
            sheet.range(f"{letter}1:{letter}{max(nrows, 1)}"), "column_width", widths[title]))
    steps.append(lambda: sheet.freeze_panes.freeze_at("A2"))
    if sys.platform == "win32":  # COM: AutoFilter() toggles, so only switch it on when off
        steps.append(lambda: sheet.api.AutoFilterMode or sheet.range(f"A1:{last}{max(nrows, 1)}").api.AutoFilter())
    for step in steps:
        try:
            step()
        except Exception:
            pass


# ---------------------------------------------------------------------------
# The operations.
# ---------------------------------------------------------------------------


def _read_book(book: Any) -> Any:
    """Every sheet but xltool's own, parsed like a file (``reader.WorkbookRead``)."""
    from xltool.parse.reader import projects_from_grids
    from xltool.core.names import MARKS_SHEET

    grids = [read_grid(sheet) for sheet in book.sheets if sheet.name != MARKS_SHEET]
    return projects_from_grids([g for g in grids if not _is_results_layout(g.rows[:1])], file=book.name)


def _validate(book: Any, *, only_active: bool) -> None:
    from xltool.core.errors import XltoolError
    from xltool.write.report import count_line
    from xltool.rules import validate_projects

    active = book.sheets.active
    read = _read_book(book)
    if only_active:
        if not any(p.sheet == active.name for p in read.projects):
            raise XltoolError(
                f"当前工作表“{active.name}”不是项目绩效目标表（未找到“项目名称”和指标表栏目）。"
                "请切换到项目表后再点“校验本表”"
            )
        targets = {active.name}
    else:
        targets = {p.sheet for p in read.projects}
        if not targets:
            raise XltoolError("本工作簿中没有项目绩效目标表（未找到“项目名称”和指标表栏目）")
    findings = [f for f in validate_projects(read.projects) if f.sheet in targets]
    apply_marks(book, findings, targets)
    active.activate()
    scope = f"工作表“{active.name}”" if only_active else f"{len(targets)} 张项目表"
    if findings:
        _alert(book, f"校验完成：{scope}共发现{count_line(findings)}。\n"
                     "有问题的单元格已标色并加批注，全部问题见“校验结果”工作表。")
    else:
        _alert(book, f"校验完成：{scope}未发现问题。")


def apply_marks(book: Any, findings: list[Finding], targets: set[str]) -> int:
    """Replace the marks on ``targets`` sheets with ``findings``; returns cells marked."""
    from xltool.write.report import cells_to_mark, hex_color, merge_note, note_text, strip_our_note, worst

    cells = cell_access(book)
    records = read_marks(book)
    existing = {s.name for s in book.sheets}
    kept = [r for r in records if r.sheet not in targets and r.sheet in existing]
    old = {(r.sheet, r.cell): r for r in records if r.sheet in targets}
    wanted = cells_to_mark(findings)
    new_records: list[MarkRecord] = []
    colors: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (sheet, ref), items in sorted(wanted.items()):
        record = old.get((sheet, ref))
        if record is None:
            note = cells.note_of(sheet, ref)
            user_text = strip_our_note(note[0]) if note else ""
            author = note[1] if note and user_text else ""
            record = MarkRecord(sheet, ref, json.dumps({"color": cells.fill_of(sheet, ref)}), user_text, author)
        new_records.append(record)
        colors[sheet][hex_color(worst(items))].append(ref)
        cells.set_note(sheet, ref, merge_note(record.note, note_text(items)))
    for (sheet, ref), record in sorted(old.items()):
        if (sheet, ref) not in wanted:
            _restore_one(cells, record, colors)
    for sheet, by_color in colors.items():
        paint(book, sheet, by_color)
    write_marks(book, kept + new_records)
    previous = _previous_results(book)
    write_results(book, [f for f in previous if f.sheet not in targets] + findings)
    return len(new_records)


def _restore_one(cells: CellAccess, record: MarkRecord,
                 colors: dict[str, dict[str | None, list[str]]]) -> None:
    colors[record.sheet][record.color].append(record.cell)
    if record.note:
        cells.set_note(record.sheet, record.cell, record.note)
    else:
        cells.delete_note(record.sheet, record.cell)


def _previous_results(book: Any) -> list[Finding]:
    _, sheet = results_sheet(book)
    return _findings_from_results(read_grid(sheet).rows) if sheet is not None else []


def _clear(book: Any) -> None:
    from xltool.core.names import MARKS_SHEET

    active = book.sheets.active
    records = [r for r in read_marks(book) if _find_sheet(book, r.sheet) is not None]
    _, results = results_sheet(book)
    if not records and results is None:
        _alert(book, "本工作簿中没有 xltool 留下的标记。")
        return
    cells = cell_access(book)
    colors: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        _restore_one(cells, record, colors)
    for sheet, by_color in colors.items():
        paint(book, sheet, by_color)
    if _find_sheet(book, MARKS_SHEET) is not None:
        write_marks(book, [])
    if results is not None:
        results.delete()
    if _find_sheet(book, active.name) is not None:
        active.activate()
    _alert(book, f"已清除 {len(records)} 处标记，单元格原来的底色和批注已恢复。")


# ---------------------------------------------------------------------------
# 新建项目表
# ---------------------------------------------------------------------------


def _next_title(book: Any) -> str:
    taken = {s.name.casefold() for s in book.sheets}
    n = 1
    while f"项目{n}".casefold() in taken:
        n += 1
    return f"项目{n}"


def _new_sheet(book: Any) -> None:
    read = _read_book(book)
    if _is_remote(book):
        title = _copy_within_book(book, read)
    else:
        title = _copy_from_template(book, read)
    _alert(book, f"已新建项目表“{title}”，请在白色单元格中填写。")


def _copy_within_book(book: Any, read: Any) -> str:
    """Copy the book's first project sheet and empty its inputs (engines that cannot open files).

    Validations, names and formats stay those of this workbook; marks copied along
    are undone from the marks sheet's records for the source sheet.
    """
    from xltool.core.errors import XltoolError

    if not read.projects:
        raise XltoolError("本工作簿中还没有项目表可作样板；请先用“xltool template”生成模板工作簿")
    source_name = read.projects[0].sheet
    source = book.sheets[source_name]
    last_project = max((book.sheets[p.sheet] for p in read.projects), key=lambda s: s.index)
    title = _next_title(book)
    copy = source.copy(after=last_project, name=title)
    inputs: list[str] = []
    for project in (p for p in read.projects if p.sheet == source_name):
        inputs.extend(project.cells.values())
        for indicator in project.indicators:
            inputs.extend(indicator.cells[k] for k in ("name", "operator", "target") if k in indicator.cells)
    for ref in sorted(set(inputs)):
        _clear_input(copy.range(ref))
    records = [r for r in read_marks(book) if r.sheet == source_name]
    if records:
        cells = cell_access(book)
        colors: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
        for record in records:
            _restore_one(cells, MarkRecord(title, record.cell, record.fill, record.note, record.author), colors)
        paint(book, title, colors[title])
    copy.activate()
    return title


def _clear_input(rng: Any) -> None:
    """Empty an input cell; a merged one through its whole merge area (Excel refuses part)."""
    try:
        area = rng.merge_area
    except Exception:  # engines that cannot tell synchronously
        area = rng
    area.clear_contents()


def _copy_from_template(book: Any, read: Any) -> str:
    """Open a freshly generated template in the same Excel and copy its project sheet over.

    The lists sheet and its names are copied first when the book lacks them, so the
    new sheet's dropdowns refer to this workbook rather than the temporary file.
    Only a real Excel can confirm this path (the remote engine cannot open files).
    """
    import tempfile
    from pathlib import Path

    from xltool.core.names import LISTS_SHEET
    from xltool.core.names import INSTRUCTIONS_SHEET
    from xltool.write.template import build_template

    year = _lists_value(book, "year")
    with tempfile.TemporaryDirectory(prefix="xltool-") as folder:
        path = build_template(Path(folder) / "模板.xlsx", profile=read.profile,
                              year=int(year) if str(year or "").isdigit() else None)
        app = book.app
        alerts = app.display_alerts
        app.display_alerts = False  # name conflicts: keep this workbook's version of each name
        src = app.books.open(str(path))
        try:
            after = book.sheets[len(book.sheets) - 1]
            if _find_sheet(book, LISTS_SHEET) is None:
                lists = src.sheets[LISTS_SHEET]
                lists.visible = True
                lists.copy(after=after)
                _hide(book.sheets[LISTS_SHEET])
            for name in src.names:
                # Sheet-level names (print titles …) belong to the template's own sheets.
                if "!" in name.name or name.name.startswith("_xlnm") or _has_name(book, name.name):
                    continue
                book.names.add(name.name, name.refers_to)
            project_sheet = next(s for s in src.sheets if s.name not in (LISTS_SHEET, INSTRUCTIONS_SHEET))
            anchor = max((book.sheets[p.sheet] for p in read.projects), key=lambda s: s.index,
                         default=book.sheets[0])
            title = _next_title(book)
            copy = project_sheet.copy(after=anchor, name=title)
        finally:
            src.close()
            app.display_alerts = alerts
    copy.activate()
    return title


def _has_name(book: Any, name: str) -> bool:
    return any(n.name == name for n in book.names)


def _lists_value(book: Any, key: str) -> Any:
    from xltool.core.text import clean_text
    from xltool.core.names import LISTS_SHEET

    sheet = _find_sheet(book, LISTS_SHEET)
    if sheet is None:
        return None
    for row in read_grid(sheet).rows[:20]:
        if len(row) >= 2 and clean_text(row[0]) == key:
            value = row[1]
            return int(value) if isinstance(value, float) and value.is_integer() else value
    return None
