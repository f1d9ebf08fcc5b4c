"""mark, import_tables, merge and make_template: the calls that produce workbooks.

Each writes atomically to ``output`` when one is given (an existing file is backed
up first), or returns the workbook's bytes when it is not, so a web handler never
picks a path. Temporary files live in the call's private folder and are removed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from xltool.api.results import FileReport
from xltool.api.written import ImportResult, MarkResult, MergeReport
from xltool.api.sources import Staged, rename_error


def _held(staged: Staged, name: str, write: Callable[[Path], Any]) -> bytes:
    """Bytes of a workbook that ``write(path)`` saves in the call's private folder."""
    folder = Path(staged.workdir()) / "out"
    folder.mkdir(exist_ok=True)
    path = folder / name
    write(path)
    return path.read_bytes()


def mark(source: Any, *, output: str | Path | None = None, findings: list[Any] | None = None,
         profile: str | None = None, force: bool = False, in_place: bool = False) -> MarkResult:
    """The workbook with every finding marked (cell fill, note, a results sheet linking to each cell).

    ``findings`` default to :func:`xltool.api.validate` of ``source``. ``output=None``
    returns the marked bytes in ``MarkResult.data`` and writes nothing; ``in_place``
    marks the source file itself after a backup (refused, unless ``force``, when it
    holds content openpyxl cannot keep).
    """
    from xltool.apps.validate import check_files
    from xltool.core.errors import XltoolError
    from xltool.write.marking import mark_file

    with Staged(source) as staged:
        path = staged.paths[0]
        if findings is None:
            run = check_files([path], profile=profile).run
            for status in run.files:
                if status.status != "ok":
                    raise XltoolError(status.message, file=path, code=status.error_code or None)
            findings = run.findings
        if in_place and not staged.staged:  # an upload has no place to be marked in: its bytes come back
            done = mark_file(path, findings, force=force)
            return MarkResult(done.output, None, done.marked_cells, done.backup, done.notices, done.at_risk)
        if output is not None:
            done = mark_file(path, findings, output=output, force=force)
            return MarkResult(done.output, None, done.marked_cells, done.backup, done.notices, done.at_risk)
        held: dict[str, Any] = {}
        data = _held(staged, path.name, lambda dest: held.update(done=mark_file(path, findings, output=dest)))
        done = held["done"]
        return MarkResult(None, data, done.marked_cells, None, [staged.name(n) for n in done.notices], done.at_risk)


def check_mark_output(source: str | Path, output: str | Path) -> None:
    """Refuse a marked copy's output before any work: not the source itself, same extension, a folder that exists."""
    from xltool.io.files import check_output_dir, ensure_not_input
    from xltool.write.marking import check_output_suffix

    ensure_not_input(output, [source])
    check_output_suffix(Path(source), Path(output))
    check_output_dir(output)
    _check_not_too_large(Path(source))


def _check_not_too_large(source: Path) -> None:
    """A sheet too large to rewrite is refused now, in a second, not after the whole validation it would waste.

    Only that refusal: any other trouble with the file is the validation's to report, file by file.
    """
    from xltool.core.errors import XltoolError
    from xltool.core.names import MARKABLE_SUFFIXES
    from xltool.write.marking.files import check_mark_extent

    if source.suffix.lower() not in MARKABLE_SUFFIXES or not source.is_file():
        return
    try:
        check_mark_extent(source)
    except XltoolError as exc:
        if exc.code == "file.too_large":
            raise


def import_tables(sources: Any, *, year: int | None = None, profile: str | None = None,
                  output: str | Path | None = None, split: str | Path | None = None,
                  layout: str | Path | None = None, layouts: str | Path | None = None) -> ImportResult:
    """Last year's tables (.docx, text copied from Word, other regions' workbooks) → template workbooks.

    Every source is read before anything is written; one that cannot be read raises
    (``XltoolError``). ``output``: one workbook, a sheet per project; ``split``: a
    folder with one workbook per project; neither: the one workbook's bytes in ``data``.
    Folders among the sources are searched (lock files, backups passed over, in ``notices``).
    ``layout``: a layout file (TOML: which title or label means which field) applied to this run;
    ``layouts``: the folder of kept layouts applied to tables of the same fingerprint (default: the
    user's, apps/layout_files.layouts_folder). Tables with titles or labels not placed get a layout
    file to fill in (``layouts`` of the result; written beside ``output`` or in ``split``).
    """
    from xltool.apps.importer import (
        ImportRun, check_choices, collect, find_sources, layout_drafts, load_all, refused_with_layout, run_import,
        write_workbook,
    )
    from xltool.core.errors import XltoolError

    with Staged(sources) as staged:
        if output is not None or split is not None:
            try:
                run = run_import(staged.paths, output=None if output is None else Path(output),
                                 split_dir=None if split is None else Path(split), profile=profile, year=year,
                                 layout=None if layout is None else Path(layout),
                                 layouts=None if layouts is None else Path(layouts))
            except Exception as exc:
                _name_drafts(getattr(exc, "layouts", []), staged)
                rename_error(exc, staged)
                raise
            data = None
        else:
            check_choices(profile, year)
            try:
                paths, notices, unreadable = find_sources(staged.paths)
                run = ImportRun(warnings=list(notices), unreadable=unreadable)
                try:
                    results = load_all(paths, profile=profile, layout=None if layout is None else Path(layout),
                                       layouts=None if layouts is None else Path(layouts), notices=run.warnings)
                except XltoolError as exc:  # tables naming no project: their layout file rides on the error
                    refused_with_layout(exc, None if layout is None else Path(layout), None)
                    raise
                collect(results, run, profile=profile)
                run.drafts = layout_drafts(run.projects, None if layout is None else Path(layout),
                                           [m for r in results for m in r.unplaced])
            except Exception as exc:
                _name_drafts(getattr(exc, "layouts", []), staged)
                rename_error(exc, staged)
                raise
            data = _held(staged, "导入.xlsx", lambda dest: write_workbook(run.projects, dest, profile=profile,
                                                                          year=year, cut=run.cut))
            run.warnings.extend(run.cut)
        for project in run.projects:
            project.file = staged.name(project.file)
        _name_drafts(run.drafts, staged)
        return ImportResult(run.projects, [staged.name(w) for w in run.warnings],
                            run.written[0] if output is not None else (Path(split) if split is not None else None),
                            data, run.skipped_tables, run.sources, list(run.written), run.profile_notice,
                            run.incomplete, run.drafts)


def _name_drafts(drafts: list[Any], staged: Staged) -> None:
    """An upload's layout file names the file as the user sent it, not its staged path."""
    for draft in drafts:
        draft.text = staged.name(draft.text)
        draft.mapping.file = staged.name(draft.mapping.file)


def merge(sources: Any, *, output: str | Path, jobs: int | None = None, profile: str | None = None,
          validate: bool = True, progress: Callable[[int, int], None] | None = None) -> MergeReport:
    """Many workbooks (or folders of them) → one summary workbook at ``output``.

    ``progress(done_files, total_files)`` is called as files are read. Every input is
    in ``files``: merged, skipped (with the reason; ``error_code`` "quiet" for lock
    files, hidden files and xltool's own outputs) or failed.
    """
    from xltool.apps.merge import merge_workbooks
    from xltool.write.summary import STATUS_FAILED

    # Uploads are merged as one folder of files, so the summary names them "上传文件/表.xlsx", never a temporary path.
    with Staged(sources, folder="上传文件") as staged:
        inputs = staged.paths + ([staged.uploads] if staged.uploads is not None else [])
        done = merge_workbooks(inputs, output, jobs=jobs, profile=profile, progress=progress, validate=validate)
        partial = dict(done.partial)
        files = [FileReport(staged.name(f), "ok", staged.name(partial.get(f, "")), n,
                            error_code="input.partial" if f in partial else "") for f, n in done.merged_files]
        files += [FileReport(staged.name(f), "failed" if status == STATUS_FAILED else "skipped", staged.name(reason),
                             error_code="file.unreadable" if status == STATUS_FAILED else "input.skipped")
                  for f, status, reason in done.problems]
        files += [FileReport(staged.name(f), "skipped", reason, error_code="quiet") for f, reason in done.quiet]
        return MergeReport(files, done.projects, done.indicators, done.findings, done.output, done.backup,
                           [staged.name(d) for d in done.duplicates], done.ignored, done.seconds, dict(done.timings),
                           dict(done.rows), done, staged.name if staged.staged else None)


def make_template(*, year: int | None = None, profile: str | None = None, sheets: int = 1,
                  output: str | Path | None = None) -> bytes | Path:
    """A blank 项目绩效目标表 template: written to ``output`` (returns the path) or returned as bytes."""
    from xltool.write.template import build_template

    if output is not None:
        return build_template(Path(output), profile=profile, year=year, sheets=sheets)
    with Staged([]) as staged:
        return _held(staged, "模板.xlsx", lambda dest: build_template(dest, profile=profile, year=year, sheets=sheets))
