"""The marking engine's cells in a live workbook in Excel, through xlwings (the ribbon).

Nothing here imports xlwings: the book object comes from the caller. Writes are
batched because every call crosses to Excel: one colour call per colour (multi-area
addresses kept under Excel's 255-character limit), one 2-D array for the ``校验结果``
sheet and one for the marks sheet. Fills and notes can only be read one cell at a
time (:class:`CellAccess`), which is done only for the few cells a validation marks.

What only a real Excel can confirm (the tests use xlwings' remote engine, which
records actions instead of executing them): notes (``Range.note``), reading a cell's
current fill, and very hidden sheets.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, Iterable

from xltool.core.names import MARKS_SHEET, RESULTS_SHEET
from xltool.write.marking.engine import MarkRecord, ResultsTable, is_results_header
from xltool.write.report import MARKS_HEADERS, hex_color, note_size

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.grid import Grid

ADDRESS_LIMIT = 255  # Excel refuses longer multi-area addresses (Range("A1,B2,…"))
_SET_COLORS_LIMIT = 10_000  # cells per Range.set_colors call (xlwings' limit)


def is_remote(book: Any) -> bool:
    """Whether ``book`` lives in xlwings' remote engine (Office Scripts / the tests)."""
    try:
        return getattr(book.app.engine, "type", "") == "remote"
    except Exception:
        return False


class CellAccess:
    """Reads a cell's fill and note and writes notes, through xlwings.

    These need one call per cell (there is no batch read of fills or notes). xlwings'
    remote engine can do none of them synchronously, so it is refused with a clear
    message; tests substitute a recording fake.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        if is_remote(book):
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


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def read_grid(sheet: Any) -> Grid:
    """The sheet's used range as a Grid, read in one call and bounded like the file readers."""
    from xltool.core.grid import MAX_COLS, MAX_ROWS, Grid

    rng = sheet.used_range
    rows, cols = rng.shape
    if rows > MAX_ROWS or cols > MAX_COLS:
        rng = rng.resize(min(rows, MAX_ROWS), min(cols, MAX_COLS))
    values = rng.options(ndim=2).value or [[]]
    return Grid(rows=[list(r) for r in values], name=sheet.name, top=rng.row, left=rng.column)


def find_sheet(book: Any, name: str) -> Any | None:
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def results_sheet(book: Any) -> tuple[str, Any | None]:
    """Name and sheet (None if absent) of xltool's results sheet.

    A user's own sheet that happens to be called 校验结果 is never overwritten: ours
    then becomes 校验结果2 (as in the openpyxl backend).
    """
    n = 1
    while True:
        name = RESULTS_SHEET if n == 1 else f"{RESULTS_SHEET}{n}"
        sheet = find_sheet(book, name)
        if sheet is None or is_results_header(next(iter(read_grid(sheet).rows), [])):
            return name, sheet
        n += 1


def read_marks(book: Any) -> list[MarkRecord]:
    sheet = find_sheet(book, MARKS_SHEET)
    if sheet is None:
        return []
    return [r for r in (MarkRecord.from_row(row) for row in read_grid(sheet).rows) if r is not None]


def color_from_fill_record(text: str) -> str | None:
    """The ``#RRGGBB`` (or None) a marks-sheet fill record stands for.

    Records written by the openpyxl backend hold openpyxl's fill XML; a solid RGB
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


# ---------------------------------------------------------------------------
# Writing in batches
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
    if not is_remote(book):
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


def ensure_sheet(book: Any, name: str, *, very_hidden: bool = False) -> Any:
    sheet = find_sheet(book, name)
    if sheet is None:
        sheet = book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])
        if very_hidden:
            hide(sheet)
    return sheet


def hide(sheet: Any) -> None:
    """Very hidden on Windows Excel (xlSheetVeryHidden = 2), hidden elsewhere."""
    sheet.visible = False
    if sys.platform == "win32":
        try:
            sheet.api.Visible = 2
        except Exception:
            pass


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
# The engine's target
# ---------------------------------------------------------------------------


class XlwingsTarget:
    """:class:`~xltool.write.marking.engine.MarkTarget` over a live xlwings book."""

    def __init__(self, book: Any, cells: CellAccess) -> None:
        self.book = book
        self.cells = cells

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def anchor(self, sheet: str, ref: str) -> str:
        return ref

    def fill_record(self, sheet: str, ref: str) -> str:
        return json.dumps({"color": self.cells.fill_of(sheet, ref)})

    def note(self, sheet: str, ref: str) -> tuple[str, str] | None:
        return self.cells.note_of(sheet, ref)

    def set_note(self, sheet: str, ref: str, text: str, author: str) -> None:
        self.cells.set_note(sheet, ref, text)  # Excel writes the user's name as author

    def delete_note(self, sheet: str, ref: str) -> None:
        self.cells.delete_note(sheet, ref)

    def noted_cells(self) -> Iterable[tuple[str, str]]:
        return []  # finding notes means a call per cell: the records are relied on

    def set_fills(self, sheet: str, marks: dict[str, list[str]], restores: dict[str, list[str]]) -> None:
        colors: dict[str | None, list[str]] = defaultdict(list)
        for color, refs in marks.items():
            colors[color].extend(refs)
        for record, refs in restores.items():
            colors[color_from_fill_record(record)].extend(refs)
        paint(self.book, sheet, colors)

    def read_marks(self) -> list[MarkRecord]:
        return read_marks(self.book)

    def write_marks(self, records: list[MarkRecord]) -> None:
        sheet = ensure_sheet(self.book, MARKS_SHEET, very_hidden=True)
        sheet.clear_contents()
        sheet.range("A1").value = [list(MARKS_HEADERS)] + [[_text_cell(v) for v in r.row()] for r in records]

    def drop_marks(self) -> None:
        if find_sheet(self.book, MARKS_SHEET) is not None:
            self.write_marks([])

    def read_results(self) -> list[list[Any]]:
        _, sheet = results_sheet(self.book)
        return read_grid(sheet).rows if sheet is not None else []

    def remove_results(self) -> None:
        _, sheet = results_sheet(self.book)
        if sheet is not None:
            sheet.delete()

    def write_results(self, table: ResultsTable) -> None:
        """The ``校验结果`` sheet as one 2-D array; the 单元格 column links to each cell."""
        from xltool.core.grid import cell_ref

        sheet = ensure_sheet(self.book, results_sheet(self.book)[0])
        sheet.clear()
        rows: list[list[Any]] = [list(table.headers)]
        for row in table.rows:
            values = [_text_cell(v) for v in row.values]
            if row.link:
                values[row.link_column] = _hyperlink_formula(row.link, str(row.values[row.link_column]))
            rows.append(values)
        if not table.rows:
            rows.append([table.empty_text] + [None] * (len(table.headers) - 1))
        sheet.range("A1").value = rows
        by_color: dict[str | None, list[str]] = defaultdict(list)
        for r, row in enumerate(table.rows, start=2):
            by_color[hex_color(row.severity)].append(cell_ref(r, table.level_column + 1))
        by_color[table.header_fill] = [cell_ref(1, c) for c in range(1, len(table.headers) + 1)]
        paint(self.book, sheet.name, by_color)
        _cosmetics(sheet, table.headers, table.widths, len(rows))
