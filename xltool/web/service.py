"""The one place the web layer calls the library: the facade (``xltool.validate`` …).

Every route goes through these functions, so the web layer depends on the library's
public calls only, plus the read-only helpers below (profiles, the rule catalogue,
the file gate, a sheet preview). Inputs here are paths inside a job folder;
callers turn paths back into the user's file names before anything is shown.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import xltool
from xltool.core.errors import XltoolError
from xltool.core.names import PARTIAL_READ

MARKABLE = (".xlsx", ".xlsm")
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
LAYOUT_SUFFIX = ".toml"  # a layout file the import offered, filled in and sent back with its source
IMPORTABLE = WORKBOOKS + (".docx", ".txt", ".htm", ".html", LAYOUT_SUFFIX)


def error_code(exc: XltoolError) -> str:
    """The stable machine code of a library error."""
    return exc.code


@dataclass
class Validation:
    """What one validation run gives the web layer: the CLI's JSON plus per-file notes."""

    files: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    notes: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _validation(report: Any) -> Validation:
    data = report.to_dict()
    notes = {f.file: list(f.notes) for f in report.files if f.notes}
    skipped = [(f.file, f.message) for f in report.files if f.status == "skipped"]
    return Validation(data["files"], data["findings"], notes, skipped)


def validate(paths: list[Path], *, profile: str | None = None) -> Validation:
    """Validate exactly these files, as ``xltool validate --json`` does."""
    return _validation(xltool.validate(paths, profile=profile))


def validate_grid(book: str, sheets: list[dict[str, Any]], *, profile: str | None = None) -> Validation:
    """Validate cell values sent by a spreadsheet host (used range from A1, per sheet)."""
    return _validation(xltool.validate_grid(book, sheets, profile=profile))


def mark(source: Path, findings: list[dict[str, Any]], output: Path) -> int:
    """Write the marked copy of ``source`` (the same marks as ``validate --mark-to``); returns cells marked."""
    from xltool.core.findings import Finding

    return xltool.mark(source, output=output, findings=[Finding(**f) for f in findings]).marked_cells


def import_tables(paths: list[Path], output: Path, *, profile: str | None = None,
                  year: int | None = None) -> tuple[int, list[str], bool]:
    """Import sources into one template workbook at ``output``; (projects, notices, incomplete).

    The notices are the lines ``xltool import`` prints (what could not be mapped, tables
    passed over, texts cut, which framework a mixed workbook follows).
    """
    sources = [p for p in paths if p.suffix.lower() != LAYOUT_SUFFIX]
    layouts = [p for p in paths if p.suffix.lower() == LAYOUT_SUFFIX]
    if not sources:
        raise XltoolError("只上传了版式文件：请把它和要导入的源文件一起上传", code="input.none")
    layout, folder = (layouts[0], None) if len(layouts) == 1 else (None, _layouts_folder(layouts, output.parent))
    result = xltool.import_tables(sources, output=output, profile=profile, year=year, layout=layout, layouts=folder)
    # A layout file is written beside the server's output and handed on in the download: said so,
    # never with the server's folders or a command-line option the browser user does not have.
    web_words = {d.notice: f"{d.summary}；下载的压缩包中附有版式文件，在其中填上栏目名后，"
                 "与源文件一起再次上传，即按它导入" for d in result.layouts}
    notices = [web_words.get(n, n) for n in result.notices]
    if result.profile_notice:
        notices.append(result.profile_notice)
    return len(result.projects), notices, result.incomplete


def _layouts_folder(layouts: list[Path], beside: Path) -> Path | None:
    """Several layout files sent back: a folder of them, each applied to the table whose fingerprint it
    carries (none: no folder, so the server's kept layouts apply as for any import)."""
    if not layouts:
        return None
    folder = beside / "版式"
    folder.mkdir(exist_ok=True)
    for n, path in enumerate(layouts):
        shutil.copyfile(path, folder / f"{n}{LAYOUT_SUFFIX}")
    return folder


@dataclass
class Merged:
    files: int
    merged: int
    projects: int
    indicators: int
    findings: int
    problems: list[tuple[str, str, str]]  # (file, status in Chinese, reason) of every file not merged
    duplicates: list[str]


_STATUS = {"failed": "读取失败", "skipped": "已跳过"}


def merge(folder: Path, output: Path, *, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> Merged:
    """Merge every workbook found in ``folder`` into the summary ``output``."""
    report = xltool.merge([folder], output=output, jobs=jobs, progress=progress)
    problems = [(f.file, _STATUS.get(f.status, f.status), f.message) for f in report.files if f.status != "ok"]
    # A file merged in part (a sheet that looks like a table, not read): its missing money is said here too.
    problems += [(f.file, PARTIAL_READ, f.message) for f in report.files if f.error_code == "input.partial"]
    merged = sum(1 for f in report.files if f.status == "ok")
    return Merged(len(report.files), merged, report.projects, report.indicators, report.findings, problems,
                  list(report.duplicates))


def make_template(*, year: int | None = None, profile: str | None = None) -> bytes:
    """The blank template workbook as bytes."""
    data = xltool.make_template(year=year, profile=profile)
    assert isinstance(data, bytes)
    return data


def profiles() -> list[tuple[str, str]]:
    """(name, Chinese title) of every shipped indicator framework."""
    from xltool.core.frameworks import DEFAULT_PROFILE, load_profiles

    items = load_profiles()
    names = sorted(items, key=lambda n: (n != DEFAULT_PROFILE, n))
    return [(n, items[n].label or n) for n in names]


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
