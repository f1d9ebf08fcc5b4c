"""Validation runs and how their findings are shown: text, JSON and the results sheet.

This module is the one place that defines what a reviewer sees of a finding, so the
CLI report and the marking engine (:mod:`xltool.write.marking`, for files and for the
Excel ribbon) agree: the severity colours, the notes, the ``校验结果`` sheet's columns and
the link to each cell.
It imports no spreadsheet library, so the Excel layer can use it cheaply.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from xltool.core.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK
from xltool.core.names import UNNAMED_PROJECT, project_shown
from xltool.core.text import display_lines, display_width

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.findings import Finding, Severity
# The finding model (pydantic) is not imported here: a run that refuses its only file never needs it.

# ---------------------------------------------------------------------------
# Shared look of a marked workbook (openpyxl and xlwings use the same values).
# ---------------------------------------------------------------------------

SEVERITY_COLORS: dict[str, str] = {  # keyed by value: a Severity (a str enum) finds its entry
    "error": "FFC7CE",  # Excel's own "light red fill"
    "warning": "FFE699",  # orange-yellow
    "info": "DDEBF7",  # light blue
}
"""Fill colour (RRGGBB, no '#') of a marked cell, by its most severe finding."""

NOTE_AUTHOR = "xltool"
NOTE_HEADER = "【xltool 校验】"
"""First line of every note xltool writes; tells its notes from the user's own."""

RESULTS_HEADERS: tuple[str, ...] = ("序号", "工作表", "项目", "单元格", "级别", "代码", "说明")
RESULTS_WIDTHS: dict[str, float] = {
    "序号": 6, "工作表": 14, "项目": 28, "单元格": 9, "级别": 7, "代码": 9, "说明": 80,
}

MARKS_HEADERS: tuple[str, ...] = ("工作表", "单元格", "原填充", "原批注", "原批注作者")
"""Columns of the marks sheet: one row per marked cell, originals as JSON/text."""


def hex_color(severity: Severity) -> str:
    """``#RRGGBB`` form (xlwings) of a severity's fill."""
    return f"#{SEVERITY_COLORS[severity]}"


def quote_sheet(name: str) -> str:
    """Sheet name as a formula/hyperlink reference: ``'项目 1'`` (quotes doubled)."""
    return "'" + name.replace("'", "''") + "'"


def link_location(sheet: str, cell: str) -> str:
    """In-workbook hyperlink target without '#', e.g. ``'项目1'!E14``; A1 when no cell."""
    return f"{quote_sheet(sheet)}!{cell or 'A1'}"


@dataclass(frozen=True)
class ResultRow:
    """One row of the ``校验结果`` sheet; ``link_column`` (0-based) links to ``link``."""

    values: tuple[Any, ...]
    link: str  # e.g. "'项目1'!E14" ("" when the sheet is unknown)
    link_column: int
    severity: Severity


def result_rows(findings: Iterable[Finding], *, sheets: Iterable[str] | None = None) -> list[ResultRow]:
    """The results-sheet rows of ``findings`` in report order.

    ``sheets`` (the workbook's sheet names) limits links to sheets that exist, so a
    copied-text finding about another file never links to nowhere.
    """
    known = set(sheets) if sheets is not None else None
    rows: list[ResultRow] = []
    for index, f in enumerate(findings, start=1):
        cell_text = f.cell or "（整表）"
        values: tuple[Any, ...] = (index, f.sheet, project_shown(f.project, f.sheet), cell_text, f.severity.label, f.code,
                                   f.message)
        link = link_location(f.sheet, f.cell) if f.sheet and (known is None or f.sheet in known) else ""
        rows.append(ResultRow(values, link, values.index(cell_text, 1), f.severity))
    return rows


def note_text(findings: Iterable[Finding]) -> str:
    """The text of xltool's note on one cell: header line, then one line per finding."""
    lines = [NOTE_HEADER]
    for f in sorted(findings, key=lambda x: (x.severity.rank, x.code)):
        lines.append(f"{f.severity.label} {f.code}：{f.message}")
    return "\n".join(lines)


def merge_note(user_text: str | None, ours: str) -> str:
    """A user's own note kept above xltool's lines (restored when marks are cleared)."""
    user_text = strip_our_note(user_text or "")
    return f"{user_text}\n\n{ours}" if user_text else ours


def strip_our_note(text: str) -> str:
    """What remains of a note once xltool's part (from ``NOTE_HEADER`` on) is removed."""
    head, sep, _ = text.partition(NOTE_HEADER)
    return head.rstrip() if sep else text


def note_size(text: str) -> tuple[int, int]:
    """(width, height) in pixels for a note box that shows ``text`` without scrolling.

    Chinese characters are about twice as wide as Latin ones in the note font
    (Tahoma/宋体 9pt: ~6 px per half-width unit).
    """
    unit, pad, line_h = 6.5, 16, 15
    lines = text.split("\n")
    widest = max((display_width(line) for line in lines), default=0)
    width = int(min(max(widest * unit + pad, 180), 420))
    per_line = max(1, int((width - pad) / unit))
    rows = display_lines(text, per_line)
    height = int(min(rows * line_h + 12, 640))
    return width, height


def worst(findings: Iterable[Finding]) -> Severity:
    return min((f.severity for f in findings), key=lambda s: s.rank)


def cells_to_mark(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """(sheet, cell) → findings on that cell; findings without a cell are left out."""
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.cell:
            grouped[(f.sheet, f.cell.replace("$", "").upper())].append(f)
    return dict(grouped)


# ---------------------------------------------------------------------------
# Validation runs over files (the CLI).
# ---------------------------------------------------------------------------


@dataclass
class FileReport:
    """What happened to one input: ``status`` ok / failed / skipped (not read, ``message`` says why) /
    not_marked; ``error_code`` is the failure's stable code (``file.encrypted`` …), "" when ok; a skipped
    file has ``quiet`` (a lock file, hidden file or xltool's own output) or ``input.skipped``; a merged
    file with a sheet that looks like a table but was not read has ``input.partial`` and says which.

    The one record of a file's outcome: the rules' run, the text report and the facade's results use it.
    """

    file: str
    status: str = "ok"
    message: str = ""
    projects: int = 0
    notes: list[str] = field(default_factory=list)  # extra lines for the text report
    error_code: str = ""
    marked: bool = False  # ``message`` says where the marked workbook went
    error: Any = field(default=None, repr=False, compare=False)  # the XltoolError of a failed file

    def to_dict(self) -> dict[str, Any]:
        """The entry of ``files`` in ``xltool validate --json``."""
        return {"file": self.file, "status": self.status, "message": self.message, "projects": self.projects}


@dataclass
class ValidationRun:
    files: list[FileReport]
    findings: list[Finding]

    def findings_for(self, file: str) -> list[Finding]:
        return [f for f in self.findings if f.file == file]

    @property
    def exit_code(self) -> int:
        """2 when an input could not be read or marked, else 1 when errors were found, else 0."""
        if any(s.status != "ok" for s in self.files):
            return EXIT_INPUT
        if any(f.severity.value == "error" for f in self.findings):
            return EXIT_FINDINGS
        return EXIT_OK

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "files": [s.to_dict() for s in self.files],
            "findings": [f.to_json_dict() for f in self.findings],
        }


# ---------------------------------------------------------------------------
# Text report.
# ---------------------------------------------------------------------------


def count_line(findings: list[Finding]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity.value] += 1
    return f"错误 {counts['error']} 条，警告 {counts['warning']} 条，提示 {counts['info']} 条"


def format_text(run: ValidationRun) -> str:
    """The readable Chinese report: per file, per project, one line per finding, then counts."""
    out: list[str] = []
    for status in run.files:
        out.append(f"■ 文件：{status.file}")
        if status.status == "failed":
            out.append(f"  无法读取：{status.message}")
            out.append("")
            continue
        out.extend(f"  说明：{n}" for n in status.notes)
        if status.status == "not_marked":
            out.append(f"  未标注：{status.message}")
        elif status.marked:
            out.append(f"  {status.message}")
        findings = run.findings_for(status.file)
        if not findings:
            out.append("  未发现问题。")
        by_project: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in findings:
            by_project[(f.sheet, f.project)].append(f)
        for (sheet, project), items in by_project.items():
            out.append(f"  ▶ 工作表“{sheet}” 项目“{project or UNNAMED_PROJECT}”：{count_line(items)}")
            width = max(len(f.cell or "整表") for f in items)
            for f in items:
                cell = (f.cell or "整表").ljust(width)
                out.append(f"    {cell}  {f.severity.label}  {f.code}  {f.message}")
        out.append("")
    total_files = len(run.files)
    failed = sum(1 for s in run.files if s.status == "failed")
    projects = sum(s.projects for s in run.files)
    summary = f"共 {total_files} 个文件"
    if failed:
        summary += f"（{failed} 个无法读取）"
    summary += f"，{projects} 张项目表；{count_line(run.findings)}。"
    out.append(summary)
    return "\n".join(out)


def format_json(run: ValidationRun) -> str:
    return json.dumps(run.to_json_dict(), ensure_ascii=False, indent=2)
