"""Last year's tables → projects → filled template workbooks (``xltool.import_tables``, ``xltool import``).

Staff keep last year's 绩效目标表 as Word documents, as text copied out of them, or as
another region's workbook. Re-typing them into the template is where errors creep in.
Reading a source into projects is :func:`xltool.apps.sources.load_source` (file → grids →
the one parser); this module finds the sources, reads them all before writing, and
writes template workbooks. What import changes is layout, never content: what did not
map is kept in ``extra``/``notes``, put in a note on the sheet and reported, because
the validator, not the importer, is the one that judges defects.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.apps.sources import SourceResult, load_source, unplaced_of

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project
from xltool.core.text import clean_text
from xltool.core.names import LISTS_SHEET


def project_warnings(project: Project) -> Iterator[str]:
    """The notes of one imported project, ready to print."""
    for note in project.notes:
        yield f"项目“{project.label}”：{note}"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_FORBIDDEN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, *, limit: int = 80) -> str:
    """A project name usable as a file name on Windows and Linux."""
    text = _FORBIDDEN_FILENAME.sub("_", clean_text(name).replace("\n", " "))
    text = text.strip(" .")[:limit].strip(" .")
    if text.upper().split(".")[0] in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                                       *(f"LPT{i}" for i in range(1, 10))}:
        text = f"_{text}"
    return text or "未命名项目"


def split_paths(projects: list[Project], directory: Path) -> list[Path]:
    """One distinct ``<项目名称>.xlsx`` per project (``_2``, ``_3`` … on clashes, case-insensitive)."""
    seen: set[str] = set()
    paths: list[Path] = []
    for project in projects:
        stem = safe_filename(project.name)
        candidate, n = stem, 2
        while candidate.casefold() in seen:
            candidate, n = f"{stem}_{n}", n + 1
        seen.add(candidate.casefold())
        paths.append(directory / f"{candidate}.xlsx")
    return paths


def common_profile(projects: list[Project]) -> str | None:
    """The profile most projects were recognised as (ties: first seen)."""
    counts = Counter(p.profile for p in projects if p.profile)
    return counts.most_common(1)[0][0] if counts else None


def shared_year(projects: list[Project]) -> int | None:
    """The year every table's title names, else None: then each sheet keeps its own year."""
    years = {p.year for p in projects}
    return years.pop() if len(years) == 1 else None


def _import_comment(project: Project) -> str:
    """What the template has no cell for, as one note on the 项目名称 label."""
    lines = [f"{key}：{value}" for key, value in project.extra.items()]
    for indicator in project.indicators:
        for key, value in indicator.extra.items():
            lines.append(f"指标“{indicator.name or indicator.level2 or '（未填三级指标）'}”的{key}：{value}")
    if not lines:
        return ""
    return "导入时保留的、模板中没有对应栏目的内容：\n" + "\n".join(lines)


def _annotate(workbook: Any, projects: list[Project]) -> None:
    """Put each project's kept extras on its sheet (a note on the 项目名称 label cell).

    Notes are not cell values, so the reader, validator and merge see the ordinary template.
    """
    from openpyxl.comments import Comment

    from xltool.core.names import INSTRUCTIONS_SHEET
    from xltool.write.sheet_style import sheet_layout

    label_cell = sheet_layout().labels["name"]
    sheets = [ws for ws in workbook.worksheets if ws.title not in (INSTRUCTIONS_SHEET, LISTS_SHEET)]
    for ws, project in zip(sheets, projects):
        text = _import_comment(project)
        if text:
            comment = Comment(text[:30000], "xltool")
            comment.width, comment.height = 420, min(600, 40 + 16 * text.count("\n"))
            ws[label_cell].comment = comment


def write_workbook(projects: list[Project], output: Path, *, profile: str | None = None,
                   year: int | None = None, cut: list[str] | None = None, shown: Path | None = None) -> Path:
    """All projects in one template workbook, one sheet each, saved atomically (old file backed up).

    Texts longer than an Excel cell holds are cut visibly; ``cut`` receives one notice each,
    naming the file as ``shown`` (where a staged file will end up) or ``output``.
    """
    from xltool.write.cellfit import cuts_of
    from xltool.write.template import make_projects_workbook, save_workbook

    workbook = make_projects_workbook(projects, profile=profile or common_profile(projects),
                                      year=year or shared_year(projects))
    _annotate(workbook, projects)
    cuts = cuts_of(workbook)
    if cut is not None:
        cut.extend(f"文件 {shown or output}，{c.notice()}" for c in cuts)
    return save_workbook(workbook, Path(output))


def write_split(projects: list[Project], directory: Path, *, profile: str | None = None,
                year: int | None = None, cut: list[str] | None = None) -> list[Path]:
    """One template workbook per project in ``directory``, each with its own recognised profile:
    all or nothing (io/staging.py). A full disk part-way leaves the folder as it was."""
    from xltool.io.disk_full import disk_full_error, is_disk_full
    from xltool.io.files import check_not_locked
    from xltool.io.staging import move_in
    from xltool.io.tempdirs import owned_tempdir

    targets = split_paths(projects, directory)
    for target in targets:  # an open workbook is refused before anything is written
        check_not_locked(target)
    staged: list[Path] = []
    sizes = 0
    try:
        with owned_tempdir("split", directory, hidden=True) as stage:
            for project, target in zip(projects, targets):
                staged.append(write_workbook([project], Path(stage) / target.name, year=year, cut=cut, shown=target,
                                             profile=profile or project.profile or None))
                sizes += staged[-1].stat().st_size
            return move_in(list(zip(staged, targets)))
    except (XltoolError, OSError) as exc:
        if len(staged) == len(targets) or not (getattr(exc, "disk_full", False) or is_disk_full(exc)):
            raise  # not the disk, or a backup of a user's file that could not be made (names that file)
        each = -(-sizes // len(staged) // 4096) * 4096 if staged else 64 * 1024  # whole disk blocks
        kept = sum(t.stat().st_size for t in targets if t.is_file())  # their backups need room too
        raise disk_full_error(
            directory, each * len(targets) + kept,
            what=f"未能写出拆分的 {len(targets)} 个工作簿（写到第 {len(staged) + 1} 个时磁盘已满），"
                 "该文件夹中一个也没有写入",
        ) from None


@dataclass
class ImportRun:
    """What an import did: files written, projects, notices about what was passed over or kept aside."""

    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: int = 0  # files read
    skipped_tables: int = 0  # tables inside a source that were passed over
    profile_notice: str = ""  # projects of several profiles written into one workbook (which one its lists follow)
    unreadable: int = 0  # folders that could not be opened: their files are missing (exit 1)
    cut: list[str] = field(default_factory=list)  # texts longer than a cell holds: cut, said (exit 1)
    drafts: list[Any] = field(default_factory=list)  # layout files for tables with titles not placed (layout_files.Draft)

    @property
    def incomplete(self) -> bool:
        """Something was left out or cut: never a clean exit."""
        return bool(self.skipped_tables or self.unreadable or self.cut)


def check_choices(profile: str | None, year: int | None) -> None:
    """A profile that exists and a four-digit year, checked before any file is read."""
    if profile is not None:
        from xltool.core.frameworks import get_profile

        get_profile(profile)
    if year is not None:
        from xltool.core.model import check_year

        check_year(year)


def find_sources(sources: list[Path]) -> tuple[list[Path], list[str], int]:
    """The same discovery as validate and merge: folders searched; locks, hidden files, backups skipped and named."""
    from xltool.io.discovery import SOURCE_SUFFIXES, WORKBOOK_SUFFIXES, discover

    missing = [Path(s) for s in sources if not (Path(s).exists() or Path(s).is_symlink())]  # load_source says so
    present = [Path(s) for s in sources if Path(s) not in missing]
    # One discovery over all inputs: a file named twice (or also found in a named folder) is imported once.
    found = discover(present, suffixes=WORKBOOK_SUFFIXES | SOURCE_SUFFIXES, noted={})
    expanded = [f.path for f in found.to_read] + missing
    notices = found.notice_lines()
    unreadable = len(found.unreadable)  # folders that could not be opened: their files are missing (exit 1)
    for source in present:
        if source.is_dir() and not any(f.path.is_relative_to(source) for f in found.to_read):
            notices.append(f"文件夹 {source} 中没有可导入的文件（.txt、.docx 或 Excel 工作簿）")
    if not expanded:
        raise XltoolError("没有可导入的文件：\n" + "\n".join(notices[:20]), exit_code=EXIT_INPUT, code="input.none")
    return expanded, notices, unreadable


def load_all(sources: list[Path], *, profile: str | None = None, layout: Path | None = None,
             layouts: Path | None = None, notices: list[str] | None = None) -> list[SourceResult]:
    """Every source read before anything is written; any that cannot be read raises (all named at once).

    ``layout``: a layout file applied to every table; ``layouts``: the folder of kept layouts
    applied by fingerprint (default: the user's layouts folder, apps/layout_files.py); what
    could not be used there goes to ``notices``.
    """
    failures: list[XltoolError] = []
    results: list[SourceResult] = []
    from xltool.apps.layout_files import kept_layouts
    from xltool.parse.layouts import applied_layout, layout_library, load_layout

    kept, kept_notices = kept_layouts(layouts)
    if notices is not None:
        notices.extend(kept_notices)
    with layout_library(kept), applied_layout(load_layout(layout) if layout is not None else None):
        for source in sources:
            try:
                results.append(load_source(source, profile=profile))
            except XltoolError as exc:
                failures.append(exc)
    unplaced = [m for f in failures for m in unplaced_of(f)]
    if len(failures) == 1:
        raise failures[0]
    if failures:
        details = "；\n".join(f.describe() for f in failures)
        error = XltoolError(f"{len(failures)} 个文件无法导入，未写出任何文件：\n{details}", exit_code=EXIT_INPUT,
                            code=failures[0].code)
        error.unplaced = unplaced  # type: ignore[attr-defined]
        raise error
    return results


def collect(results: list[SourceResult], run: ImportRun, *, profile: str | None = None,
            one_workbook: bool = True) -> None:
    """The projects of every source into ``run``, with their notices, in order."""
    run.sources += len(results)
    run.skipped_tables += sum(r.skipped_tables for r in results)
    for result in results:
        run.warnings.extend(f"文件 {result.file}：{w}" for w in result.warnings)
        for project in result.projects:
            run.warnings.extend(f"文件 {result.file}：{w}" for w in project_warnings(project))
            run.projects.append(project)
    profiles = {p.profile for p in run.projects if p.profile}
    if one_workbook and profile is None and len(profiles) > 1:
        run.profile_notice = (f"各项目的指标体系不同（{'、'.join(sorted(profiles))}），"
                              f"工作簿的下拉列表统一按“{common_profile(run.projects)}”生成")


def run_import(sources: list[Path], *, output: Path | None = None, split_dir: Path | None = None,
               profile: str | None = None, year: int | None = None, layout: Path | None = None,
               layouts: Path | None = None) -> ImportRun:
    """Read every source first, write only when all were read: one workbook (``output``) or one per project.

    ``layout``: a layout file (parse/layouts.py) whose wordings count as labels for this run;
    ``layouts``: the folder of kept layouts applied by fingerprint (default: the user's). Tables
    with titles or labels not placed get a layout file beside the output, named in a notice.
    Raises :class:`XltoolError` for wrong arguments and for any source that cannot be
    read; nothing is written then.
    """
    from xltool.io.files import check_output_dir, ensure_not_input, require_suffix

    if (output is None) == (split_dir is None):
        raise XltoolError("请给出输出工作簿或输出文件夹（二者选一）", exit_code=EXIT_INPUT)
    check_choices(profile, year)
    sources, notices, unreadable = find_sources(sources)
    if output is not None:
        ensure_not_input(output, sources)
        check_output_dir(output)
        require_suffix(output, ".xlsx")
    elif split_dir is not None and split_dir.exists() and not split_dir.is_dir():
        raise XltoolError("输出文件夹的位置是一个文件", file=split_dir, exit_code=EXIT_INPUT, code="output.not_folder")

    run = ImportRun(warnings=list(notices), unreadable=unreadable)
    try:
        results = load_all(sources, profile=profile, layout=layout, layouts=layouts, notices=run.warnings)
    except XltoolError as exc:
        refused_with_layout(exc, layout, output if output is not None else split_dir)
        raise
    collect(results, run, profile=profile, one_workbook=output is not None)
    run.drafts = layout_drafts(run.projects, layout, [m for r in results for m in r.unplaced])
    if output is not None:
        run.written = [write_workbook(run.projects, output, profile=profile, year=year, cut=run.cut)]
    else:
        assert split_dir is not None
        created = not split_dir.exists()
        try:
            split_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XltoolError(f"无法创建输出文件夹（{exc.strerror or exc}）", file=split_dir, exit_code=EXIT_INPUT,
                              code="output.failed") from None
        try:
            run.written = write_split(run.projects, split_dir, profile=profile, year=year, cut=run.cut)
        except BaseException:  # a full disk, Ctrl+C: the folder this run made is not left behind empty
            if created:
                try:
                    split_dir.rmdir()
                except OSError:
                    pass
            raise
    run.warnings.extend(run.cut)
    if run.drafts:
        from xltool.apps.layout_files import write_drafts

        run.warnings.extend(write_drafts(run.drafts, output if output is not None else split_dir))  # type: ignore[arg-type]
    return run


def layout_drafts(projects: list[Project], layout: Path | None, unplaced: list[Any] | None = None) -> list[Any]:
    """The layout files to write for tables with titles or labels not placed (apps/layout_files.py),
    and for tables (parse.mapping.TableMapping) that named no project at all."""
    from xltool.apps.layout_files import drafts_for
    from xltool.parse.layouts import load_layout

    return drafts_for(projects, load_layout(layout) if layout is not None else None, unplaced or [])


def refused_with_layout(exc: XltoolError, layout: Path | None, output: Path | None) -> list[Any]:
    """A refusal whose tables named no project (parse/unplaced.py): their layout file is written
    beside ``output`` (None: not written, the library returns its text) and named in the message;
    the drafts are kept on the error as ``exc.layouts``. The refusal itself stands (exit 2)."""
    unplaced = unplaced_of(exc)
    if not unplaced:
        return []
    drafts = layout_drafts([], layout, unplaced)
    exc.layouts = drafts  # type: ignore[attr-defined]
    if output is None:
        return drafts
    from xltool.apps.layout_files import write_drafts

    if output.suffix.lower() != ".xlsx" and not output.is_dir():  # a --split folder not made: beside it
        output = output.parent / f"{output.name}.xlsx"
    notices = write_drafts(drafts, output)
    written = [str(d.path) for d in drafts if d.path is not None and d.path.is_file()]
    if written:
        exc.message += (f"。表头中的栏目已列在版式文件 {'、'.join(written)} 中：在是项目名称的一行填上 name，"
                        "其他认出的也可填上，再按该版式文件重新导入")
    else:
        exc.message += "。" + "；".join(notices)
    exc.args = (exc.describe(),)
    return drafts


__all__ = [
    "ImportRun",
    "check_choices",
    "collect",
    "common_profile",
    "find_sources",
    "layout_drafts",
    "refused_with_layout",
    "load_all",
    "project_warnings",
    "run_import",
    "safe_filename",
    "shared_year",
    "split_paths",
    "write_split",
    "write_workbook",
]
