"""Last year's tables → projects → filled template workbooks (``xltool import``).

Staff keep last year's 绩效目标表 as Word documents, as text copied out of them, or as
another region's workbook. Re-typing them into the template is where errors creep in,
so this module only turns each source into :class:`~xltool.core.grid.Grid` objects and hands
them to the one parser (:func:`xltool.parse.reader.parse_grid`). What it then changes is
layout, never content: an operator written inside the value (``≥90%``) moves to the
计算符号 column, a separate 单位 column is joined to its value, and everything that did
not map is kept in ``extra``/``notes`` and reported, because the validator, not the
importer, is the one that judges defects.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from xltool.core.errors import EXIT_FINDINGS, EXIT_INPUT, XltoolError
from xltool.io.sources import SourceResult, load_source
from xltool.core.model import Project, check_year
from xltool.core.text import clean_text
from xltool.core.names import LISTS_SHEET


# ---------------------------------------------------------------------------
# Sources → grids
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Grids → projects, layout normalised
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def project_warnings(project: Project) -> Iterator[str]:
    """The notes of one imported project, ready to print."""
    label = project.name or "（未命名项目）"
    for note in project.notes:
        yield f"项目“{label}”：{note}"


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
                   year: int | None = None, cut: list[str] | None = None) -> Path:
    """All projects in one template workbook, one sheet each, saved atomically (old file backed up).

    Texts longer than an Excel cell holds are cut visibly; ``cut`` receives one notice each.
    """
    from xltool.write.cellfit import cuts_of
    from xltool.write.template import make_projects_workbook, save_workbook

    workbook = make_projects_workbook(projects, profile=profile or common_profile(projects),
                                      year=year or shared_year(projects))
    _annotate(workbook, projects)
    cuts = cuts_of(workbook)
    if cut is not None:
        cut.extend(f"文件 {output}，{c.notice()}" for c in cuts)
    return save_workbook(workbook, Path(output))


def write_split(projects: list[Project], directory: Path, *, profile: str | None = None,
                year: int | None = None, cut: list[str] | None = None) -> list[Path]:
    """One template workbook per project in ``directory``; each keeps its own recognised profile."""
    return [
        write_workbook([project], path, profile=profile or project.profile or None, year=year, cut=cut)
        for project, path in zip(projects, split_paths(projects, directory))
    ]


def import_exit_code(results: list[SourceResult]) -> int:
    """1 when some table inside a source was passed over, else 0."""
    from xltool.core.errors import EXIT_FINDINGS, EXIT_OK

    return EXIT_FINDINGS if any(r.skipped_tables for r in results) else EXIT_OK


@dataclass
class ImportRun:
    """What ``xltool import`` did: files written, messages for stdout/stderr, exit code."""

    written: list[Path] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0


def run_import(sources: list[Path], *, output: Path | None = None, split_dir: Path | None = None,
               profile: str | None = None, year: int | None = None, layout: Path | None = None) -> ImportRun:
    """The ``xltool import`` command: read every source first, write only when all were read.

    ``layout``: a layout file (parse/layouts.py) whose wordings count as labels for this run.

    Raises :class:`XltoolError` (exit code 2) for wrong arguments and for any source that
    cannot be read; nothing is written then.
    """
    from xltool.io.files import check_output_dir, ensure_not_input, require_suffix
    from xltool.core.frameworks import get_profile

    if (output is None) == (split_dir is None):
        raise XltoolError("请用 -o 指定输出工作簿，或用 --split 指定输出文件夹（二者选一）", exit_code=EXIT_INPUT)
    if profile is not None:
        get_profile(profile)
    if year is not None:
        check_year(year)
    # The same discovery as validate and merge: folders searched; locks, hidden files, backups skipped and named.
    from xltool.io.discovery import WORKBOOK_SUFFIXES, discover

    expanded: list[Path] = []
    notices: list[str] = []
    unreadable = 0  # folders that could not be opened: their files are missing (exit 1)
    for source in sources:
        if not (Path(source).exists() or Path(source).is_symlink()):
            expanded.append(Path(source))  # load_source says what is missing, as before
            continue
        found = discover([source], suffixes=WORKBOOK_SUFFIXES | {".txt", ".docx"}, noted={})
        expanded += [f.path for f in found.to_read]
        notices += found.notice_lines()
        unreadable += len(found.unreadable)
        if not found.to_read and Path(source).is_dir():
            notices.append(f"文件夹 {source} 中没有可导入的文件（.txt、.docx 或 Excel 工作簿）")
    sources = expanded
    if not sources:
        raise XltoolError("没有可导入的文件：\n" + "\n".join(notices[:20]), exit_code=EXIT_INPUT)
    if output is not None:
        ensure_not_input(output, sources)
        check_output_dir(output)
        require_suffix(output, ".xlsx")
    elif split_dir is not None and split_dir.exists() and not split_dir.is_dir():
        raise XltoolError("--split 需要一个文件夹，但该路径是文件", file=split_dir, exit_code=EXIT_INPUT)

    run = ImportRun()
    run.warnings.extend(notices)
    failures: list[XltoolError] = []
    results: list[SourceResult] = []
    from xltool.parse.layouts import applied_layout, load_layout

    with applied_layout(load_layout(layout) if layout is not None else None):
        for source in sources:
            try:
                results.append(load_source(source, profile=profile))
            except XltoolError as exc:
                failures.append(exc)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        details = "；\n".join(f.describe() for f in failures)
        raise XltoolError(f"{len(failures)} 个文件无法导入，未写出任何文件：\n{details}", exit_code=EXIT_INPUT)

    for result in results:
        run.warnings.extend(f"文件 {result.file}：{w}" for w in result.warnings)
        for project in result.projects:
            run.warnings.extend(f"文件 {result.file}：{w}" for w in project_warnings(project))
            run.projects.append(project)
    cut: list[str] = []  # texts longer than a cell holds: cut, said, exit 1
    if output is not None:
        profiles = {p.profile for p in run.projects if p.profile}
        if profile is None and len(profiles) > 1:
            chosen = common_profile(run.projects)
            run.warnings.append(
                f"各项目的指标体系不同（{'、'.join(sorted(profiles))}），工作簿的下拉列表统一按“{chosen}”生成；"
                "如需各按其体系生成，请改用 --split"
            )
        run.written = [write_workbook(run.projects, output, profile=profile, year=year, cut=cut)]
    else:
        assert split_dir is not None
        created = not split_dir.exists()
        try:
            split_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise XltoolError(f"无法创建输出文件夹（{exc.strerror or exc}）", file=split_dir, exit_code=EXIT_INPUT) from None
        try:
            run.written = write_split(run.projects, split_dir, profile=profile, year=year, cut=cut)
        except BaseException:  # a full disk, Ctrl+C: the folder this run made is not left behind empty
            if created:
                try:
                    split_dir.rmdir()
                except OSError:
                    pass
            raise
    where = run.written[0] if output is not None else split_dir
    run.messages.append(
        f"已从 {len(results)} 个文件导入 {len(run.projects)} 个项目，写入 {where}"
        + (f"（{len(run.written)} 个工作簿）" if split_dir is not None else "")
    )
    run.warnings.extend(cut)
    run.exit_code = max(import_exit_code(results), EXIT_FINDINGS if unreadable or cut else 0)
    return run


__all__ = [
    "FREE_ROWS",
    "ImportRun",
    "SourceResult",
    "common_profile",
    "decode_text",
    "docx_to_grids",
    "import_exit_code",
    "is_table_start",
    "load_source",
    "load_sources",
    "normalise_indicator",
    "project_warnings",
    "projects_from_grid",
    "run_import",
    "safe_filename",
    "shared_year",
    "split_operator",
    "split_paths",
    "text_to_grids",
    "write_split",
    "write_workbook",
]
