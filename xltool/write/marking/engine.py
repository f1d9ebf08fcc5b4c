"""Marking a workbook with its findings, and undoing it — once, for every kind of workbook.

A marked cell gets its severity's fill and an xltool note (the user's own note kept
above ours); a ``校验结果`` sheet lists every finding with a link to its cell. What
marking changed — each cell's original fill and note — is remembered in the very
hidden marks sheet, so marking again, or clearing, restores the originals exactly
instead of guessing.

The rules of that live here. Where the cells are is a :class:`MarkTarget`: a workbook
file loaded with openpyxl (:mod:`.openpyxl_backend`) or a live workbook in Excel
through xlwings (:mod:`.xlwings_backend`), which must batch its writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from xltool.core.findings import Finding, Severity
from xltool.write.report import (
    MARKS_HEADERS, NOTE_AUTHOR, NOTE_HEADER, RESULTS_HEADERS, RESULTS_WIDTHS, ResultRow, cells_to_mark, hex_color,
    merge_note, note_text, result_rows, strip_our_note, worst,
)


@dataclass
class MarkRecord:
    """One marked cell: what it looked like before xltool touched it (a marks-sheet row)."""

    sheet: str
    cell: str
    fill: str  # the backend's JSON: {"xml": …} (openpyxl) or {"color": "#RRGGBB"|null} (xlwings)
    note: str  # the user's own note text, "" for none
    author: str = ""

    def row(self) -> list[str]:
        return [self.sheet, self.cell, self.fill, self.note, self.author]

    @classmethod
    def from_row(cls, row: Iterable[Any]) -> MarkRecord | None:
        """A marks-sheet row back into a record; None for the header and blank rows."""
        cells = ["" if v is None else str(v) for v in (list(row) + [None] * 5)[:5]]
        if tuple(cells) == MARKS_HEADERS or not cells[0] or not cells[1]:
            return None
        return cls(*cells)


@dataclass
class ResultsTable:
    """The ``校验结果`` sheet's content; each backend draws it its own way."""

    rows: list[ResultRow]
    headers: tuple[str, ...] = RESULTS_HEADERS
    widths: dict[str, float] = field(default_factory=lambda: dict(RESULTS_WIDTHS))
    empty_text: str = "未发现问题。"
    header_fill: str = "#D9D9D9"

    @property
    def level_column(self) -> int:
        """0-based column of 级别 (filled with the severity's colour)."""
        return self.headers.index("级别")


class MarkTarget(Protocol):
    """The cell access marking needs; sheet and cell names as in findings (``"E14"``)."""

    def sheet_names(self) -> list[str]: ...

    def anchor(self, sheet: str, ref: str) -> str:
        """The cell that shows a note for ``ref`` (a merged range's top-left cell)."""

    def fill_record(self, sheet: str, ref: str) -> str:
        """The cell's current fill as marks-sheet JSON (read before it is changed)."""

    def note(self, sheet: str, ref: str) -> tuple[str, str] | None:
        """(text, author) of the cell's note, or None."""

    def set_note(self, sheet: str, ref: str, text: str, author: str) -> None: ...

    def delete_note(self, sheet: str, ref: str) -> None: ...

    def noted_cells(self) -> Iterable[tuple[str, str]]:
        """Cells carrying an xltool note, found without the marks sheet ([] if unknowable)."""

    def set_fills(self, sheet: str, marks: dict[str, list[str]], restores: dict[str, list[str]]) -> None:
        """Fill cells: ``marks`` by ``#RRGGBB``, ``restores`` by their fill record; one batch per sheet."""

    def read_marks(self) -> list[MarkRecord]: ...

    def write_marks(self, records: list[MarkRecord]) -> None: ...

    def drop_marks(self) -> None:
        """Forget every record (clearing)."""

    def read_results(self) -> list[list[Any]]:
        """The rows of xltool's current results sheet, [] when there is none."""

    def write_results(self, table: ResultsTable) -> None: ...

    def remove_results(self) -> None: ...


# ---------------------------------------------------------------------------
# Marking and clearing
# ---------------------------------------------------------------------------


def apply_marks(target: MarkTarget, findings: list[Finding], sheets: set[str] | None = None) -> int:
    """Replace the marks on ``sheets`` (None: every sheet) with ``findings``; returns cells marked.

    Marks and results rows of other sheets stay. A cell marked before keeps its
    original record; a cell no longer flagged gets its original fill and note back.
    """
    existing = target.sheet_names()
    scope = set(existing) if sheets is None else set(sheets)
    records = [r for r in target.read_marks() if r.sheet in existing]
    kept = [r for r in records if r.sheet not in scope]
    old = {(r.sheet, r.cell): r for r in records if r.sheet in scope}
    wanted: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for (sheet, ref), items in cells_to_mark(findings).items():
        if sheet in existing:
            wanted[(sheet, target.anchor(sheet, ref))].extend(items)
    marks: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    restores: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    new_records: list[MarkRecord] = []
    for (sheet, ref), items in sorted(wanted.items()):
        record = old.get((sheet, ref)) or _record_of(target, sheet, ref)
        new_records.append(record)
        marks[sheet][hex_color(worst(items))].append(ref)
        target.set_note(sheet, ref, merge_note(record.note, note_text(items)), NOTE_AUTHOR)
    for key, record in sorted(old.items()):
        if key not in wanted:
            _restore(target, record, restores)
    for sheet, ref in list(target.noted_cells()):  # our notes the records do not know of
        if sheet in scope and (sheet, ref) not in wanted and (sheet, ref) not in old:
            _strip_our_note(target, sheet, ref)
    for sheet in sorted(set(marks) | set(restores)):
        target.set_fills(sheet, dict(marks.get(sheet, {})), dict(restores.get(sheet, {})))
    target.write_marks(kept + new_records)
    previous = [] if sheets is None else [f for f in findings_from_results(target.read_results())
                                          if f.sheet not in scope]
    target.write_results(results_table(previous + findings, target.sheet_names()))
    return len(new_records)


def clear_marks(target: MarkTarget) -> int:
    """Remove every mark: original fills and notes back, results sheet gone. Returns cells restored.

    Without records (a user deleted the marks sheet) xltool's notes are still removed
    where the backend can find them — the user's part of a combined note kept — but
    original fills cannot be known and stay.
    """
    existing = set(target.sheet_names())
    records = [r for r in target.read_marks() if r.sheet in existing]
    restored = restore_cells(target, records)
    done = {(r.sheet, r.cell) for r in records}
    for sheet, ref in list(target.noted_cells()):
        if (sheet, ref) not in done:
            _strip_our_note(target, sheet, ref)
    target.drop_marks()
    target.remove_results()
    return restored


def restore_cells(target: MarkTarget, records: list[MarkRecord], *, notes_are_ours: bool = False) -> int:
    """Put the recorded fills and notes back (the records themselves are not touched).

    ``notes_are_ours``: the cells are known to carry xltool's notes (a copied marked
    sheet), so a cell without an original note loses its note without reading it first.
    """
    restores: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if notes_are_ours and not record.note:
            restores[record.sheet][record.fill].append(record.cell)
            target.delete_note(record.sheet, record.cell)
        else:
            _restore(target, record, restores)
    for sheet, by_fill in restores.items():
        target.set_fills(sheet, {}, dict(by_fill))
    return len(records)


def _record_of(target: MarkTarget, sheet: str, ref: str) -> MarkRecord:
    """A cell's original look, read before marking (an old xltool note is not the user's)."""
    note = target.note(sheet, ref)
    user_text = strip_our_note(note[0]) if note else ""
    author = note[1] if note and user_text and note[1] != NOTE_AUTHOR else ""
    return MarkRecord(sheet, ref, target.fill_record(sheet, ref), user_text, author)


def _restore(target: MarkTarget, record: MarkRecord, restores: dict[str, dict[str, list[str]]]) -> None:
    restores[record.sheet][record.fill].append(record.cell)
    if record.note:
        target.set_note(record.sheet, record.cell, record.note, record.author)
    else:
        _strip_our_note(target, record.sheet, record.cell)


def _strip_our_note(target: MarkTarget, sheet: str, ref: str) -> None:
    """Remove xltool's part of a note; a note that is only ours goes entirely."""
    note = target.note(sheet, ref)
    if note is None:
        return
    text, author = note
    if NOTE_HEADER not in text and author != NOTE_AUTHOR:
        return  # the user's own note
    rest = strip_our_note(text) if NOTE_HEADER in text else ""
    if rest:
        target.set_note(sheet, ref, rest, "" if author == NOTE_AUTHOR else author)
    else:
        target.delete_note(sheet, ref)


# ---------------------------------------------------------------------------
# The results sheet
# ---------------------------------------------------------------------------


def results_table(findings: list[Finding], sheet_names: Iterable[str]) -> ResultsTable:
    """The results sheet for ``findings``; links only to sheets that exist."""
    return ResultsTable(result_rows(findings, sheets=sheet_names))


def is_results_header(row: Iterable[Any]) -> bool:
    """Whether a sheet's first row is the header of xltool's results sheet."""
    return tuple(v for v in row if v is not None and v != "") == RESULTS_HEADERS


def findings_from_results(values: list[list[Any]]) -> list[Finding]:
    """Rows of an existing results sheet back into findings (to keep other sheets' rows)."""
    by_label = {s.label: s for s in Severity}
    found: list[Finding] = []
    if not values or not is_results_header(values[0]):
        return found
    width = len(RESULTS_HEADERS)
    for row in values[1:]:
        row = (list(row) + [None] * width)[:width]
        _, sheet, project, cell, level, code, message = ("" if v is None else str(v) for v in row)
        if level not in by_label or not code:
            continue
        cell = "" if cell.startswith("（") else cell
        found.append(Finding(code=code, severity=by_label[level], message=message, sheet=sheet, project=project,
                             cell=cell))
    return found
