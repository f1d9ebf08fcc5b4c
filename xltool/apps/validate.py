"""Validation: find the files, read them, run the rules once over all projects.

Inputs go through the same discovery as ``merge`` (``io.discovery``): folders are
searched, lock files, hidden files and xltool's own outputs (backups, marked
copies) are skipped with a notice naming them, and an xltool summary named
explicitly is refused (``input.summary``) — its rows are not project tables.
Marking and the report's wording are the callers' (``xltool.api``, the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from xltool.apps.sources import read_grids
from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.write.report import FileReport, ValidationRun

SUMMARY_REFUSED = "这是 xltool merge 生成的汇总表，不是项目绩效目标表，不能校验；请校验各单位报送的原表（汇总表中的问题见其“问题清单”）"


@dataclass
class Checked:
    """A validation run plus the files skipped on the way (not read)."""

    run: ValidationRun
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    projects: list[Any] = field(default_factory=list)  # every project read, as the rules saw them


@dataclass
class Inputs:
    """What discovery made of the inputs: files to read, those found inside folders, notices."""

    to_read: list[Path]
    in_folders: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)  # files passed over, said once each
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) of those files
    unreadable: int = 0  # folders or entries that could not be opened: their tables may be missing


def find_inputs(files: Iterable[str | Path]) -> Inputs:
    """Folders searched, lock/hidden files and xltool's own outputs passed over (as ``merge`` does)."""
    from xltool.io.discovery import discover

    found = discover(list(files))
    return Inputs([f.path for f in found.to_read], frozenset(str(f.path) for f in found.to_read if not f.explicit),
                  found.notice_lines(), [(f.display, f.skip) for f in found.skipped], len(found.unreadable))


def _read(path: Path, profile: str | None, *, explicit: bool = True) -> tuple[Any, str]:
    """(WorkbookRead, "") or (None, reason to skip); raises XltoolError for unreadable files.

    A summary named explicitly is refused; one found in a folder is skipped like merge skips it.
    Backups and marked copies were proven (once) by discovery, which passed over the proven ones.
    """
    from xltool.apps.sources import workbook_grids
    from xltool.io.own_copies import SUMMARY_REASON, own_output_reason

    grids = workbook_grids(path)
    own = own_output_reason(g.name for g in grids)
    if own == SUMMARY_REASON and explicit:
        raise XltoolError(SUMMARY_REFUSED, file=path, exit_code=EXIT_INPUT, code="input.summary")
    if own:
        return None, own
    return read_grids(grids, file=str(path), profile=profile), ""


def without_own_sheets(grids: list[Any]) -> list[Any]:
    """A live workbook's sheets without xltool's marks sheet and results sheet (as the ribbon reads them)."""
    from xltool.core.names import MARKS_SHEET
    from xltool.write.marking.engine import is_results_header

    return [g for g in grids if g.name != MARKS_SHEET and not is_results_header(next(iter(g.rows), []))]


def _file_status(status: FileReport, result: Any) -> None:
    status.projects = len(result.projects)
    status.message = f"项目表 {len(result.projects)} 张"
    if result.skipped_sheets:
        status.notes.append("未包含项目表、已跳过的工作表：" + result.skipped_note())
    for project in result.projects:
        status.notes.extend(f"工作表“{project.sheet}”：{n}" for n in project.notes)


def check_files(files: Iterable[str | Path], *, profile: str | None = None, skip_own: bool = False,
                found_in_folder: frozenset[str] = frozenset(),
                progress: Callable[[int, int], None] | None = None) -> Checked:
    """Read every file and run the rules once over all projects (copied text is a batch rule).

    A file that cannot be read is reported and skipped; the others are still validated.
    ``skip_own`` is kept for callers: proven copies are passed over by discovery, before this.
    ``progress(done, total)`` is called after each file is read.
    """
    files = list(files)
    if profile:  # a wrong --profile is the command's mistake, not each file's
        from xltool.core.frameworks import get_profile

        get_profile(profile)
    statuses: list[FileReport] = []
    skipped: list[tuple[str, str]] = []
    projects: list[Any] = []
    for done, path in enumerate(files, start=1):
        status = FileReport(file=str(path))
        try:
            result, reason = _read(Path(path), profile, explicit=str(path) not in found_in_folder)
        except XltoolError as exc:
            status.status = "failed"
            status.message = exc.message
            status.error_code = exc.code
            statuses.append(status)
            result, reason = None, ""
        if result is None and reason:
            skipped.append((str(path), reason))
        elif result is not None:
            statuses.append(status)
            _file_status(status, result)
            projects.extend(result.projects)
        if progress is not None:
            progress(done, len(files))
    findings: list[Any] = []
    if projects:  # the rules (and the finding model) load only when there is something to check
        from xltool.rules import validate_projects

        findings = validate_projects(projects, profile=profile)
    return Checked(ValidationRun(statuses, findings), skipped, projects)


def check_grids(book: str, grids: list[Any], *, profile: str | None = None,
                run_rules: bool = True) -> tuple[ValidationRun, Any]:
    """One workbook already in memory (a spreadsheet host's sheets) through the same read → rules.

    Returns the run and the ``WorkbookRead`` (None when no project sheet was found).
    """
    status = FileReport(file=book)
    try:
        result = read_grids(without_own_sheets(grids), file=book, profile=profile)
    except XltoolError as exc:
        status.status, status.message, status.error_code = "failed", exc.message, exc.code
        return ValidationRun([status], []), None
    _file_status(status, result)
    from xltool.rules import validate_projects

    findings = validate_projects(result.projects, profile=profile) if run_rules else []
    return ValidationRun([status], findings), result


def validate_files(files: Iterable[str | Path], *, profile: str | None = None) -> ValidationRun:
    """Validate exactly these files (the library call; the CLI adds discovery)."""
    return check_files(files, profile=profile).run
