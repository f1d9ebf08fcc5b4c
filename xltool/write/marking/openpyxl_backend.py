"""The marking engine's cells in a workbook file loaded with openpyxl.

Fills are remembered as openpyxl's own XML for them (an exact round trip, theme and
pattern fills included); the marks sheet is a sheet, not a custom XML part, because
openpyxl keeps sheets and drops unknown package parts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from xltool.core.findings import Finding
from xltool.core.names import MARKS_SHEET, RESULTS_SHEET
import xltool.write.marking.engine as engine
from xltool.write.marking.engine import MarkRecord, ResultsTable
from xltool.core.text import display_lines
from xltool.write.report import MARKS_HEADERS, NOTE_HEADER, SEVERITY_COLORS, note_size
from xltool.write.printing import openpyxl_print_setup

RESULTS_FONT = "宋体"  # the summary's and the template's body face

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.workbook.workbook import Workbook


def fill_record(fill: Any) -> str:
    """A cell's fill as JSON holding openpyxl's own XML for it (exact round trip)."""
    from openpyxl.xml.functions import tostring

    return json.dumps({"xml": tostring(fill.to_tree()).decode("utf-8")}, ensure_ascii=False)


def fill_from_record(text: str) -> Any:
    """Inverse of :func:`fill_record`; also reads the ribbon's ``{"color": "#RRGGBB"|null}``."""
    from openpyxl.styles import PatternFill
    from openpyxl.styles.fills import Fill
    from openpyxl.xml.functions import fromstring

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    if "xml" in data:
        fill = Fill.from_tree(fromstring(data["xml"].encode("utf-8")))
        return fill if fill is not None else PatternFill()
    color = data.get("color")
    return _solid(str(color)) if color else PatternFill()


def _solid(color: str) -> Any:
    from openpyxl.styles import PatternFill

    rgb = "FF" + color.lstrip("#").upper()
    return PatternFill(fill_type="solid", fgColor=rgb, bgColor=rgb)


def _comment(text: str, author: str) -> Any:
    from openpyxl.comments import Comment

    width, height = note_size(text)
    return Comment(text, author, height=height, width=width)


class OpenpyxlTarget:
    """:class:`~xltool.write.marking.engine.MarkTarget` over an openpyxl workbook."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook

    def _cell(self, sheet: str, ref: str) -> Any:
        return self.workbook[sheet][ref]

    def sheet_names(self) -> list[str]:
        return [ws.title for ws in self.workbook.worksheets]

    def anchor(self, sheet: str, ref: str) -> str:
        for merged in self.workbook[sheet].merged_cells.ranges:
            if ref in merged:
                return merged.start_cell.coordinate
        return ref

    def fill_record(self, sheet: str, ref: str) -> str:
        return fill_record(self._cell(sheet, ref).fill)

    def note(self, sheet: str, ref: str) -> tuple[str, str] | None:
        comment = self._cell(sheet, ref).comment
        return None if comment is None else (comment.text or "", comment.author or "")

    def set_note(self, sheet: str, ref: str, text: str, author: str) -> None:
        self._cell(sheet, ref).comment = _comment(text, author)

    def delete_note(self, sheet: str, ref: str) -> None:
        self._cell(sheet, ref).comment = None

    def noted_cells(self) -> Iterable[tuple[str, str]]:
        for ws in self.workbook.worksheets:
            # Only cells that exist: iterating the declared dimension could mean millions.
            for cell in list(ws._cells.values()):
                if cell.comment is not None and NOTE_HEADER in (cell.comment.text or ""):
                    yield ws.title, cell.coordinate

    def set_fills(self, sheet: str, marks: dict[str, list[str]], restores: dict[str, list[str]]) -> None:
        ws = self.workbook[sheet]
        for color, refs in marks.items():
            for ref in refs:
                ws[ref].fill = _solid(color)
        for record, refs in restores.items():
            fill = fill_from_record(record)
            for ref in refs:
                ws[ref].fill = fill

    def read_marks(self) -> list[MarkRecord]:
        if MARKS_SHEET not in self.workbook.sheetnames:
            return []
        rows = self.workbook[MARKS_SHEET].iter_rows(min_row=2, values_only=True)
        return [r for r in (MarkRecord.from_row(row) for row in rows) if r is not None]

    def write_marks(self, records: list[MarkRecord]) -> None:
        self.drop_marks()
        ws = self.workbook.create_sheet(MARKS_SHEET)
        ws.sheet_state = "veryHidden"
        ws.append(list(MARKS_HEADERS))
        for record in records:
            ws.append(record.row())

    def drop_marks(self) -> None:
        if MARKS_SHEET in self.workbook.sheetnames:
            self.workbook.remove(self.workbook[MARKS_SHEET])

    def _our_results(self) -> list[Any]:
        return [ws for ws in self.workbook.worksheets if ws.title.startswith(RESULTS_SHEET)
                and engine.is_results_header(c.value for c in next(ws.iter_rows(min_row=1, max_row=1), ()))]

    def read_results(self) -> list[list[Any]]:
        ours = self._our_results()
        return [list(row) for row in ours[0].iter_rows(values_only=True)] if ours else []

    def remove_results(self) -> None:
        for ws in self._our_results():
            self.workbook.remove(ws)

    def write_results(self, table: ResultsTable) -> None:
        self.remove_results()
        _draw_results(self.workbook, table)


def _results_sheet_name(workbook: Workbook) -> str:
    name, n = RESULTS_SHEET, 2
    while name in workbook.sheetnames:  # a user's own sheet of that name stays untouched
        name = f"{RESULTS_SHEET}{n}"
        n += 1
    return name


def _draw_results(workbook: Workbook, table: ResultsTable) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = workbook.create_sheet(_results_sheet_name(workbook))
    headers = table.headers
    ws.append(list(headers))
    bold = Font(name=RESULTS_FONT, bold=True)
    body = Font(name=RESULTS_FONT)  # one named face for the sheet: a Font without a name prints in a serif
    for cell in ws[1]:
        cell.font = bold
        cell.fill = _solid(table.header_fill)
    link_font = Font(name=RESULTS_FONT, color="FF0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top", horizontal="center")  # 序号 and counts: clear of the next column's text
    for r, row in enumerate(table.rows, start=2):
        ws.append(list(row.values))
        if row.link:
            cell = ws.cell(row=r, column=row.link_column + 1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=row.link, display=str(cell.value))
            # The sheet's own font, only blue and underlined (a Font without a name prints in a serif face).
            cell.font = link_font
        ws.cell(row=r, column=table.level_column + 1).fill = _solid(SEVERITY_COLORS[row.severity])
        # Every text wraps inside its column (a long sheet or project name printed over its
        # neighbour otherwise); row heights are not recomputed by every reader, so set them.
        lines = 1
        for cell, title, value in zip(ws[r], headers, row.values):
            cell.alignment = wrap if isinstance(value, str) else top
            if not cell.hyperlink:
                cell.font = body
            if isinstance(value, str):
                lines = max(lines, display_lines(value, max(1.0, table.widths[title] - 1)))
        if lines > 1:
            ws.row_dimensions[r].height = 15 * lines
    if not table.rows:
        ws.cell(row=2, column=1, value=table.empty_text)
    for i, title in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = table.widths[title]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(table.rows) + 1, 1)}"
    # Printed for the review meeting: landscape, all columns on one page width, header repeated.
    openpyxl_print_setup(ws, landscape=True, title_rows="1:1")


def _keep_a_visible_active_sheet(workbook: Workbook, title: str) -> None:
    """The sheet a user last looked at stays active; if it was ours (now rewritten), the
    first visible sheet — Excel complains about a workbook whose active sheet is hidden."""
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    chosen = next((ws for ws in visible if ws.title == title), visible[0] if visible else None)
    if chosen is not None:
        workbook.active = chosen
        for ws in workbook.worksheets:
            if ws is not chosen and ws.title.startswith(RESULTS_SHEET):
                ws.sheet_view.tabSelected = False
        chosen.sheet_view.tabSelected = True


def mark_workbook(workbook: Workbook, findings: list[Finding]) -> int:
    """Mark ``findings`` (all of this workbook) anew; returns cells marked."""
    active = workbook.active.title if workbook.active is not None else ""
    marked = engine.apply_marks(OpenpyxlTarget(workbook), findings)
    _keep_a_visible_active_sheet(workbook, active)
    return marked


def clear_workbook(workbook: Workbook) -> int:
    """Remove xltool's marks; returns cells restored."""
    active = workbook.active.title if workbook.active is not None else ""
    restored = engine.clear_marks(OpenpyxlTarget(workbook))
    _keep_a_visible_active_sheet(workbook, active)
    return restored
