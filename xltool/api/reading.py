"""read, validate and validate_grid: sources → projects → rules → findings, the one pipeline.

The apps layer does the work (:mod:`xltool.apps.validate`); this module turns paths
or uploads into paths, and the apps' results into the typed reports of
:mod:`xltool.api.results` under the names the caller gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xltool.api.results import FileReport, ReadReport, ValidationReport

if TYPE_CHECKING:  # pragma: no cover
    from xltool.api.sources import Staged  # imported where paths are staged: a grid (the ribbon's click) has none

Progress = Callable[[int, int], None]


def _file_report(status: FileReport, staged: Staged) -> FileReport:
    """The run's record with the uploads named as the user sent them (not their staged paths)."""
    return replace(status, file=staged.name(status.file), message=staged.name(status.message),
                   notes=[staged.name(n) for n in status.notes])


def _renamed(findings: list[Any], staged: Staged) -> list[Any]:
    if not staged.staged:
        return findings
    return [f.model_copy(update={"file": staged.name(f.file), "message": staged.name(f.message)}) for f in findings]


def find_inputs(sources: Iterable[Any]) -> Any:
    """Discovery of paths and folders (lock files, hidden files, xltool's own outputs passed over), as ``validate(discover=True)`` does it."""
    from xltool.apps.validate import find_inputs as discover

    return discover(sources)


def validate(sources: Any, *, profile: str | None = None, discover: bool = False,
             progress: Progress | None = None) -> ValidationReport:
    """Validate workbooks: one :class:`FileReport` per input, findings sorted by file, sheet, cell.

    ``sources`` are paths, :class:`~xltool.api.sources.Upload` objects or binary file
    objects with a name. With ``discover`` folders are searched and files that are not
    project tables (lock files, hidden files, xltool's backups and marked copies) are
    reported as ``skipped``. A file that cannot be read is ``failed`` with its
    ``error_code``; the others are still validated, copied text checked across all.
    ``sources`` may also be what :func:`find_inputs` returned.
    """
    from xltool.api.sources import Staged
    from xltool.apps.validate import Inputs, check_files, find_inputs as discover_inputs

    found = sources if isinstance(sources, Inputs) else None  # what find_inputs returned (the CLI checks it first)
    with Staged([] if found is not None else sources) as staged:
        if found is None:
            found = discover_inputs(staged.paths) if discover else Inputs(staged.paths)
        else:
            discover = True
        checked = check_files(found.to_read, profile=profile, skip_own=discover, found_in_folder=found.in_folders,
                              progress=progress)
        files = [_file_report(s, staged) for s in checked.run.files]
        # Passed over by discovery (locks, hidden files, backups: "quiet"), or once read (a marked copy …).
        files += [FileReport(staged.name(f), "skipped", reason, error_code="quiet") for f, reason in found.skipped]
        files += [FileReport(staged.name(f), "skipped", reason, error_code="input.skipped")
                  for f, reason in checked.skipped]
        notices = found.notices
        for project in checked.projects:
            project.file = staged.name(project.file)
        return ValidationReport(files, _renamed(checked.run.findings, staged), [staged.name(n) for n in notices],
                                checked.projects)


def _grids(sheets: Sequence[dict[str, Any]]) -> list[Any]:
    from xltool.core.grid import Grid

    grids = []
    for sheet in sheets:
        values = sheet.get("values") or []
        rows = [[None if v == "" else v for v in (row if isinstance(row, (list, tuple)) else [row])]
                for row in values]
        grids.append(Grid(rows=rows, name=str(sheet.get("name", "")), top=int(sheet.get("top", 1)),
                          left=int(sheet.get("left", 1))))
    return grids


def _grid_files(run: Any) -> list[FileReport]:
    return [replace(s, notes=list(s.notes)) for s in run.files]


def validate_grid(book: str, sheets: Sequence[dict[str, Any]], *, profile: str | None = None) -> ValidationReport:
    """Validate a workbook held by a spreadsheet host (WPS/Excel add-in, a web grid).

    ``sheets`` is ``[{"name": "项目1", "values": [[…], …]}, …]``: each sheet's used range
    from A1, as ``Range.Value2`` gives it ("" and None both mean empty); a range that
    starts elsewhere gives its first cell as ``"top"``/``"left"`` (1-based). Findings
    name the sheets and cells as the host numbers them; the rules are those of
    :func:`validate`. xltool's own results and marks sheets are left out.
    """
    from xltool.apps.validate import check_grids

    run, read = check_grids(book, _grids(sheets), profile=profile)
    return ValidationReport(_grid_files(run), run.findings, projects=list(read.projects) if read else [])


def read_grid(book: str, sheets: Sequence[dict[str, Any]], *, profile: str | None = None) -> ReadReport:
    """The project tables of a workbook held by a spreadsheet host (``sheets`` as in :func:`validate_grid`)."""
    from xltool.apps.validate import check_grids

    run, read = check_grids(book, _grids(sheets), profile=profile, run_rules=False)
    return ReadReport(_grid_files(run), list(read.projects) if read else [], read.profile if read else None)


def read(sources: Any, *, profile: str | None = None) -> ReadReport:
    """Every project table of the workbooks; a file that cannot be read is ``failed`` (its error kept)."""
    from xltool.api.sources import Staged
    from xltool.core.errors import XltoolError
    from xltool.apps.sources import read_workbook

    with Staged(sources) as staged:
        files: list[FileReport] = []
        projects: list[Any] = []
        profile_read: str | None = None
        for path in staged.paths:
            try:
                result = read_workbook(path, profile=profile)
            except XltoolError as exc:
                from xltool.api.sources import rename_error

                rename_error(exc, staged)
                files.append(FileReport(exc.file or staged.name(str(path)), "failed", exc.message,
                                        error_code=exc.code, error=exc))
                continue
            for project in result.projects:
                project.file = staged.name(project.file)
            files.append(FileReport(staged.name(str(path)), "ok", f"项目表 {len(result.projects)} 张",
                                    len(result.projects)))
            projects.extend(result.projects)
            profile_read = profile_read or result.profile
        return ReadReport(files, projects, profile_read)
