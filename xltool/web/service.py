"""The one place the web layer calls the library.

Every route goes through these functions, so moving from the apps functions to the
facade (``xltool.validate``, ``validate_grid``, ``mark``, ``import_tables``, ``merge``,
``make_template``) changes this file only. Inputs here are paths inside a job folder;
callers turn paths back into the user's file names before anything is shown.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from xltool.core.errors import XltoolError

MARKABLE = (".xlsx", ".xlsm")
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
IMPORTABLE = WORKBOOKS + (".docx", ".txt")

_CODE_HINTS = (  # until the facade's XltoolError.code is on this branch
    ("过大", "file.too_large"),
    ("密码", "file.encrypted"),
    ("损坏", "file.damaged"),
    ("不是有效的 Excel", "file.not_workbook"),
    ("汇总表", "input.summary"),
    ("没有可", "input.no_table"),
    ("未找到", "input.no_table"),
    ("未知的指标体系", "args.invalid"),
    ("年度", "args.invalid"),
)


def error_code(exc: XltoolError) -> str:
    """The stable machine code of a library error."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    for hint, name in _CODE_HINTS:
        if hint in exc.message:
            return name
    return "input.invalid"


@dataclass
class Validation:
    """What one validation run gives the web layer: the CLI's JSON plus per-file notes."""

    files: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    notes: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def validate(paths: list[Path], *, profile: str | None = None) -> Validation:
    """Validate exactly these files, as ``xltool validate --json`` does."""
    from xltool.apps.validate import check_files

    checked = check_files(paths, profile=profile, skip_own=True)
    run = checked.run
    data = run.to_json_dict()
    notes = {s.file: list(s.notes) for s in run.files if s.notes}
    return Validation(data["files"], data["findings"], notes, list(checked.skipped))


def validate_grid(book: str, sheets: list[dict[str, Any]], *, profile: str | None = None) -> Validation:
    """Validate cell values sent by a spreadsheet host (used range from A1, per sheet)."""
    from xltool.core.grid import Grid
    from xltool.parse.reader import projects_from_grids
    from xltool.rules import validate_projects

    grids = [Grid(rows=[list(row) for row in sheet["values"]], name=sheet["name"]) for sheet in sheets]
    result = projects_from_grids(grids, file=book, profile=profile)
    status = {"file": book, "status": "ok", "message": f"项目表 {len(result.projects)} 张",
              "projects": len(result.projects)}
    if not result.projects:
        raise XltoolError(result.no_project_message(), file=book)
    findings = validate_projects(result.projects, profile=profile)
    return Validation([status], [f.to_json_dict() for f in findings])


def mark(source: Path, findings: list[dict[str, Any]], output: Path) -> int:
    """Write the marked copy of ``source`` (the same marks as ``validate --mark-to``); returns cells marked."""
    from xltool.core.findings import Finding
    from xltool.write.marking import mark_file

    result = mark_file(source, [Finding(**f) for f in findings], output=output)
    return result.marked_cells


def import_tables(paths: list[Path], output: Path, *, profile: str | None = None,
                  year: int | None = None) -> tuple[int, list[str]]:
    """Import sources into one template workbook at ``output``; (projects, notices)."""
    from xltool.apps.importer import run_import

    run = run_import(paths, output=output, profile=profile, year=year)
    return len(run.projects), run.warnings


@dataclass
class Merged:
    files: int
    merged: int
    projects: int
    indicators: int
    findings: int
    problems: list[tuple[str, str, str]]  # (file, status, reason)
    quiet: list[tuple[str, str]]
    duplicates: list[str]


def merge(folder: Path, output: Path, *, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> Merged:
    """Merge every workbook found in ``folder`` into the summary ``output``."""
    from xltool.apps.merge import merge_workbooks

    report = merge_workbooks([folder], output, jobs=jobs, progress=progress)
    return Merged(report.files, report.merged, report.projects, report.indicators, report.findings,
                  list(report.problems), list(report.quiet), list(report.duplicates))


def make_template(*, year: int | None = None, profile: str | None = None) -> bytes:
    """The blank template workbook as bytes."""
    from xltool.core.model import check_year
    from xltool.write.template import build_template

    if year is not None:
        check_year(year)
    with tempfile.TemporaryDirectory(prefix="xltool-web-") as tmp:
        path = build_template(Path(tmp) / "模板.xlsx", profile=profile, year=year)
        return Path(path).read_bytes()


def profiles() -> list[tuple[str, str]]:
    """(name, Chinese title) of every shipped indicator framework."""
    from xltool.core.frameworks import DEFAULT_PROFILE, load_profiles

    items = load_profiles()
    names = sorted(items, key=lambda n: (n != DEFAULT_PROFILE, n))
    return [(n, getattr(items[n], "title", "") or n) for n in names]


def rules_catalogue() -> list[dict[str, str]]:
    """The rule catalogue (the data docs/rules.md is generated from)."""
    from xltool.rules import iter_catalogue

    return [{"code": r.code, "severity": r.severity.value, "level": r.severity.label, "title": r.title,
             "why": r.why, "bad": r.bad, "good": r.good} for r in iter_catalogue()]


def check_workbook(path: Path) -> str:
    """The file gate's verdict on one input (raises XltoolError with the CLI's message)."""
    from xltool.io.gate import check_input_file

    return check_input_file(path)


def sheet_preview(path: Path, sheet: str, *, max_rows: int = 120, max_cols: int = 30) -> dict[str, Any]:
    """Values of one sheet as the workbook shows them, with merged ranges and notes (bounded)."""
    from xltool.io.gate import guard_openpyxl, safe_load_workbook

    book = safe_load_workbook(path, data_only=True)
    with guard_openpyxl(path):
        if sheet not in book.sheetnames:
            raise XltoolError("工作簿中没有这张工作表", file=path, sheet=sheet)
        ws = book[sheet]
        rows = min(ws.max_row or 1, max_rows)
        cols = min(ws.max_column or 1, max_cols)
        values: dict[tuple[int, int], Any] = {}
        notes: dict[tuple[int, int], str] = {}
        for (r, c), cell in ws._cells.items():  # only the cells that exist (see gate.MAX_ROWS)
            if r <= rows and c <= cols:
                if cell.value is not None:
                    values[(r, c)] = cell.value
                if cell.comment is not None:
                    notes[(r, c)] = cell.comment.text
        merged = []
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= rows and rng.min_col <= cols:
                merged.append((rng.min_row, rng.min_col, min(rng.max_row, rows), min(rng.max_col, cols)))
        widths = {}
        for letter, dim in ws.column_dimensions.items():
            if dim.width:
                widths[letter] = dim.width
    return {"rows": rows, "cols": cols, "values": values, "notes": notes, "merged": merged, "widths": widths,
            "truncated": (ws.max_row or 0) > rows or (ws.max_column or 0) > cols}
