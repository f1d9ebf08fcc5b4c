"""The marking engine on its own, over an in-memory target: the rules both backends share.

test_annotate.py (openpyxl files) and test_excel.py (xlwings' remote engine) test the
backends; this pins the engine's contract with the smallest possible target.
"""

from __future__ import annotations

from typing import Any, Iterable

from xltool.core.findings import Finding, Severity
from xltool.write.marking import engine
from xltool.write.marking.engine import MarkRecord, ResultsTable
from xltool.write.report import NOTE_AUTHOR, NOTE_HEADER, hex_color


class MemoryTarget:
    """Fills and notes in dicts; every batch call recorded."""

    def __init__(self, sheets: list[str]) -> None:
        self.sheets = sheets
        self.fills: dict[tuple[str, str], str] = {}
        self.notes: dict[tuple[str, str], tuple[str, str]] = {}
        self.marks: list[MarkRecord] | None = None
        self.results: ResultsTable | None = None
        self.fill_calls: list[str] = []

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def anchor(self, sheet: str, ref: str) -> str:
        return ref

    def fill_record(self, sheet: str, ref: str) -> str:
        return self.fills.get((sheet, ref), "")

    def note(self, sheet: str, ref: str) -> tuple[str, str] | None:
        return self.notes.get((sheet, ref))

    def set_note(self, sheet: str, ref: str, text: str, author: str) -> None:
        self.notes[(sheet, ref)] = (text, author)

    def delete_note(self, sheet: str, ref: str) -> None:
        self.notes.pop((sheet, ref), None)

    def noted_cells(self) -> Iterable[tuple[str, str]]:
        return [k for k, (text, _) in self.notes.items() if NOTE_HEADER in text]

    def set_fills(self, sheet: str, marks: dict[str, list[str]], restores: dict[str, list[str]]) -> None:
        self.fill_calls.append(sheet)
        for fill, refs in [*marks.items(), *restores.items()]:
            for ref in refs:
                if fill:
                    self.fills[(sheet, ref)] = fill
                else:
                    self.fills.pop((sheet, ref), None)

    def read_marks(self) -> list[MarkRecord]:
        return list(self.marks or [])

    def write_marks(self, records: list[MarkRecord]) -> None:
        self.marks = list(records)

    def drop_marks(self) -> None:
        self.marks = None

    def read_results(self) -> list[list[Any]]:
        if self.results is None:
            return []
        return [list(self.results.headers)] + [list(r.values) for r in self.results.rows]

    def write_results(self, table: ResultsTable) -> None:
        self.results = table

    def remove_results(self) -> None:
        self.results = None


def finding(sheet: str, cell: str, severity: Severity = Severity.ERROR, code: str = "JX101") -> Finding:
    return Finding(code=code, severity=severity, message="测试", sheet=sheet, cell=cell, project="项目")


def test_marking_twice_then_clearing_gives_back_every_fill_and_note() -> None:
    target = MemoryTarget(["项目1", "项目2"])
    target.fills[("项目1", "E14")] = "#FFFF00"
    target.notes[("项目1", "E14")] = ("我的批注", "张三")
    before = (dict(target.fills), dict(target.notes))
    findings = [finding("项目1", "E14"), finding("项目1", "E15", Severity.INFO), finding("项目2", "B3")]
    assert engine.apply_marks(target, findings) == 3
    assert target.fills[("项目1", "E14")] == hex_color(Severity.ERROR)
    text, author = target.notes[("项目1", "E14")]
    assert text.startswith("我的批注\n\n" + NOTE_HEADER) and author == NOTE_AUTHOR
    assert target.fill_calls == ["项目1", "项目2"]  # one batch per sheet
    assert engine.apply_marks(target, findings) == 3  # again: the originals are still the recorded ones
    assert [(r.sheet, r.cell, r.fill, r.note, r.author) for r in target.marks or []][0] == \
           ("项目1", "E14", "#FFFF00", "我的批注", "张三")
    assert engine.clear_marks(target) == 3
    assert (target.fills, target.notes) == before
    assert target.marks is None and target.results is None


def test_marking_some_sheets_keeps_the_others_marks_and_results_rows() -> None:
    target = MemoryTarget(["项目1", "项目2"])
    engine.apply_marks(target, [finding("项目1", "E14"), finding("项目2", "B3")], {"项目1", "项目2"})
    engine.apply_marks(target, [finding("项目2", "C4", Severity.WARNING)], {"项目2"})
    assert target.fills == {("项目1", "E14"): hex_color(Severity.ERROR), ("项目2", "C4"): hex_color(Severity.WARNING)}
    assert ("项目2", "B3") not in target.notes
    assert [(r.values[1], r.values[3]) for r in target.results.rows] == [("项目1", "E14"), ("项目2", "C4")]


def test_a_stray_xltool_note_without_records_is_removed_but_the_users_part_stays() -> None:
    target = MemoryTarget(["项目1"])
    target.notes[("项目1", "A1")] = (f"用户的话\n\n{NOTE_HEADER}\n错误 JX101：旧的", "张三")
    target.notes[("项目1", "A2")] = (f"{NOTE_HEADER}\n错误 JX101：旧的", NOTE_AUTHOR)
    engine.clear_marks(target)
    assert target.notes == {("项目1", "A1"): ("用户的话", "张三")}
