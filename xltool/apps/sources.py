"""Source files → projects: the grids ``io`` reads, built into projects by the parser.

``io`` knows files and grids only; this is where the two meet, for a workbook
(:func:`read_workbook`) and for any source ``import`` takes (:func:`load_source`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.core.names import INSTRUCTIONS_SHEET, NO_TABLE_WHY, SERVICE_SHEETS, no_table_message

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project
    from xltool.parse.reader import WorkbookRead

__all__ = ["ParserHints", "SourceResult", "load_source", "read_grids", "read_workbook", "unplaced_of"]


def read_workbook(path: str | Path, *, profile: str | None = None) -> WorkbookRead:
    """Read every project sheet of a workbook file (xlsx/xlsm/xls/ods).

    Raises :class:`XltoolError` (exit code 2) when the file cannot be read or holds
    no project sheet at all.
    """
    from xltool.io.calamine import grids_from_calamine

    path = Path(path)
    grids = grids_from_calamine(path)  # the safety gate inside refuses non-workbooks (.docx too)
    return read_grids(grids, file=str(path), profile=profile)


def read_grids(grids: list[Grid], *, file: str, profile: str | None = None) -> WorkbookRead:
    """Grids of one workbook → its projects; raises ``input.no_table`` when there are none."""
    from xltool.parse.reader import projects_from_grids  # after the gate: a refused file never loads the parser

    result = projects_from_grids(grids, file=file, profile=profile)
    if result.skipped_sheets:  # only then (the ribbon's click reads none): a skipped sheet that looks like a table
        from xltool.parse.unplaced import read_unnamed

        read_unnamed(result, grids, file=file)
    if not result.projects:
        raise XltoolError(result.no_project_message(), file=file, code="input.no_table")
    return result


class ParserHints:
    """``parse.text_hints`` for io's text and Word splitters, imported on first use: the gate runs
    first, and a file it refuses never loads the parser."""

    def __getattr__(self, name: str) -> Any:
        from xltool.parse import text_hints

        return getattr(text_hints, name)


def workbook_grids(path: str | Path) -> list[Any]:
    """A workbook's sheets, for validate and merge. Budget systems' "Excel" exports that are an
    "XML 表格 2003" file or a web page are read too (a page's tables each a sheet ``文件#1`` …),
    so that unit's money is counted, not refused."""
    from xltool.io.calamine import grids_from_calamine
    from xltool.io.html import html_to_grids
    from xltool.io.sources import text_workbook
    from xltool.io.xml2003 import spreadsheetml_grids

    path = Path(path)
    found = text_workbook(path)
    if found is None:
        return grids_from_calamine(path)
    kind, data = found
    if kind == "xml2003":
        return spreadsheetml_grids(data, file=path)
    return html_to_grids(data, hints=ParserHints(), name=path.name, file=path)


@dataclass
class SourceResult:
    """What one source file yielded."""

    file: str
    kind: str  # "text" | "docx" | "workbook"
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Chinese, source-level (tables skipped …)
    skipped_tables: int = 0
    unplaced: list[Any] = field(default_factory=list)  # parse.mapping.TableMapping of tables naming no project


def unplaced_of(exc: BaseException) -> list[Any]:
    """The tables (TableMapping) an import refusal found without a project name: for a layout file."""
    found = getattr(exc, "unplaced", None)
    return list(found) if isinstance(found, list) else []


def load_source(path: str | Path, *, profile: str | None = None) -> SourceResult:
    """Every project table in one source file (text, .docx or workbook), layout normalised.

    Raises :class:`XltoolError` (exit code 2) naming the file when it cannot be read
    or holds no project table at all.
    """
    from xltool.parse.turns import PARSING  # the splitters read labels a layout may change

    with PARSING:
        return _load_source(path, profile=profile)


def _load_source(path: str | Path, *, profile: str | None = None) -> SourceResult:
    from xltool.io.sources import source_grids

    path = Path(path)
    kind, grids = source_grids(path, hints=ParserHints())
    result = SourceResult(file=str(path), kind=kind)
    # The parser (and the pydantic model) load only once a file has passed the gate.
    from xltool.parse.imported import projects_from_grid, projects_without_name
    from xltool.parse.reader import SELF_EVALUATION
    from xltool.parse.unplaced import may_hide_a_name, read_unplaced

    unplaced: list[Any] = []
    for grid in grids:
        found = projects_from_grid(grid, file=str(path), profile=profile)
        mapping = None
        if not found and not grid.meta.get("self_evaluation"):
            found, mapping = read_unplaced(grid, file=str(path), profile=profile,
                                           read=lambda g: projects_from_grid(g, file=str(path), profile=profile))
            if result.kind == "workbook" and grid.name == INSTRUCTIONS_SHEET:
                mapping = None
            elif not found and not (result.kind == "workbook" and grid.name in SERVICE_SHEETS) and not may_hide_a_name(
                    grid, mapping):
                # no kept layout either: indicators under a header block that names no project (a fund's
                # 附件, a title naming the project) are read with the name from the title or left empty
                found = projects_without_name(grid, file=str(path), profile=profile)
                mapping = None if found else mapping
            if mapping is not None:
                unplaced.append(mapping)
        if found:
            if result.kind == "workbook":
                _restore_clipped(path, found)
            result.projects.extend(found)
        elif grid.meta.get("self_evaluation"):
            where = f"工作表“{grid.name}”" if result.kind == "workbook" else f"第 {grid.name.rsplit('#', 1)[-1]} 张表"
            result.warnings.append(f"{where}是{SELF_EVALUATION}，未导入")
        elif (result.kind != "workbook" and _has_table(grid)) or mapping is not None:
            # a table that looks like a 绩效目标表 but names no project: its money is not imported, so it
            # counts as skipped (exit 1) and gets a layout file, in a workbook sheet as in a text or document
            where = f"工作表“{grid.name}”" if result.kind == "workbook" else f"第 {grid.name.rsplit('#', 1)[-1]} 张表"
            result.skipped_tables += 1
            result.warnings.append(f"{where}中没有“项目名称”栏目，未导入")
            if mapping is not None:
                result.unplaced.append(mapping)
        elif result.kind == "workbook" and _has_table(grid) and grid.name != INSTRUCTIONS_SHEET:
            # other sheets of a workbook (lists, notes) are normal: said, not counted as skipped
            result.warnings.append(f"工作表“{grid.name}”中没有项目绩效目标表，已跳过")
    if not result.projects:
        if any(g.meta.get("self_evaluation") for g in grids):
            raise XltoolError(f"这是{SELF_EVALUATION}，没有可导入的内容", file=path, code="input.no_table")
        what = {"docx": "文档中的表格", "html": "网页中的表格", "workbook": "工作簿中的工作表", "text": "文本中"}[result.kind]
        error = XltoolError(f"{no_table_message(what, _what_was_found(grids))}，没有可导入的内容", file=path,
                            code="input.no_table")
        error.unplaced = unplaced  # type: ignore[attr-defined]  # the layout file import writes (apps/importer)
        raise error
    return result


def _what_was_found(grids: list[Grid]) -> str:
    """Say what part of a 绩效目标表 was recognised, so the user knows what is missing."""
    from xltool.parse.indicators import find_header_row  # noqa: PLC0415
    from xltool.parse.labels import THRESHOLD, match  # noqa: PLC0415

    def row_texts(grid: Grid, r: int) -> list[tuple[int, object]]:
        return [(c, v) for c, v in enumerate(grid.rows[r]) if v is not None and str(v).strip()]

    indicators = any(find_header_row(g, 0, g.height, row_texts) for g in grids)
    labels = sorted({m.key for g in grids for row in g.rows for v in row
                     if (m := match(v)) is not None and m.score >= THRESHOLD})
    if indicators:
        return "找到了指标表，但没有找到“项目名称”栏目"
    if labels:
        return "找到了部分表头栏目，但没有找到“项目名称”栏目和指标表（一级指标、二级指标、三级指标）"
    return NO_TABLE_WHY


def _has_table(grid: Grid) -> bool:
    return any(sum(1 for v in row if v is not None) >= 2 for row in grid.rows)


_CALAMINE_CLIP = 32_767  # python-calamine silently keeps at most this many characters of a cell
_LONG_FIELDS = ("name", "department", "implementer", "overview", "long_term_goal", "annual_goal")


def _restore_clipped(path: Path, projects: list[Any]) -> None:
    """Put back the whole text of a cell python-calamine clipped at 32,767 characters.

    Excel never writes longer cells, other programs do; the writer then cuts the text
    visibly and says by how much (:mod:`xltool.write.cellfit`), which needs its true
    length. Only such rare cells cost a second (openpyxl) read of the file.
    """
    wanted = [(p, f, p.cells.get(f)) for p in projects for f in _LONG_FIELDS
              if len(getattr(p, f, "") or "") >= _CALAMINE_CLIP and p.cells.get(f)]
    if not wanted:
        return
    from xltool.io.gate import guard_openpyxl, safe_load_workbook

    try:
        workbook = safe_load_workbook(path, read_only=True)
        try:
            with guard_openpyxl(path):
                for project, name, ref in wanted:
                    value = workbook[project.sheet][ref].value if project.sheet in workbook.sheetnames else None
                    if isinstance(value, str) and len(value) > len(getattr(project, name)):
                        setattr(project, name, value.strip())
        finally:
            workbook.close()  # read-only openpyxl holds the file open (locked on Windows) until closed
    except XltoolError:
        pass  # keep what calamine read
