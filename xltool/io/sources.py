"""Any source file (text, .docx, workbook) → projects: the file kind is decided from the bytes."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.core.names import INSTRUCTIONS_SHEET, LISTS_SHEET, SERVICE_SHEETS
from xltool.io.calamine import grids_from_calamine
from xltool.io.docx import docx_to_grids
from xltool.io.gate import check_input_file
from xltool.io.text import MAX_TEXT_BYTES, refuse_foreign_text, decode_text, text_to_grids

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project


@dataclass
class SourceResult:
    """What one source file yielded."""

    file: str
    kind: str  # "text" | "docx" | "workbook"
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Chinese, source-level (tables skipped …)
    skipped_tables: int = 0


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _stat_regular(path: Path) -> os.stat_result:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise XltoolError("文件不存在，请检查路径是否正确", file=path, code="file.not_found") from None
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path, code="file.locked") from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise XltoolError("这是一个文件夹，请指定要导入的文件", file=path, code="input.not_file")
    if not stat.S_ISREG(st.st_mode):
        raise XltoolError("不是普通文件，无法导入", file=path, code="input.not_file")
    if st.st_size == 0:
        raise XltoolError("文件为空（0 字节），没有可导入的内容", file=path, code="file.empty")
    return st


def _read_head(path: Path, size: int = 8) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except PermissionError:
        raise XltoolError("文件被占用或无权限读取", file=path, code="file.locked") from None
    except OSError as exc:
        raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None


def load_source(path: str | Path, *, profile: str | None = None) -> SourceResult:
    """Every project table in one source file (text, .docx or workbook), layout normalised.

    Raises :class:`XltoolError` (exit code 2) naming the file when it cannot be read
    or holds no project table at all.
    """

    path = Path(path)
    st = _stat_regular(path)
    head = _read_head(path)
    if head.startswith(_OLE_MAGIC) and _is_word97(path):
        raise XltoolError("这是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入", file=path, code="file.not_workbook")
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        kind = check_input_file(path)
        if kind == "docx":
            result = SourceResult(file=str(path), kind="docx")
            grids = docx_to_grids(path)
        else:
            result = SourceResult(file=str(path), kind="workbook")
            grids = _workbook_grids(path)
    else:
        if st.st_size > MAX_TEXT_BYTES:
            raise XltoolError(f"文本文件过大（超过 {MAX_TEXT_BYTES // (1024 * 1024)} MB），不像是绩效目标表", file=path, code="file.too_large")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise XltoolError(f"无法读取文件（{exc.strerror or exc}）", file=path) from None
        refuse_foreign_text(data, path)
        result = SourceResult(file=str(path), kind="text")
        grids = text_to_grids(decode_text(data, file=path), name=path.name)
    # The parser (and the pydantic model) load only once a file has passed the gate.
    from xltool.parse.imported import projects_from_grid
    from xltool.parse.reader import SELF_EVALUATION

    for grid in grids:
        found = projects_from_grid(grid, file=str(path), profile=profile)
        if found:
            if result.kind == "workbook":
                _restore_clipped(path, found)
            result.projects.extend(found)
        elif grid.meta.get("self_evaluation"):
            where = f"工作表“{grid.name}”" if result.kind == "workbook" else f"第 {grid.name.rsplit('#', 1)[-1]} 张表"
            result.warnings.append(f"{where}是{SELF_EVALUATION}，未导入")
        elif result.kind != "workbook" and _has_table(grid):
            result.skipped_tables += 1
            result.warnings.append(f"第 {grid.name.rsplit('#', 1)[-1]} 张表中没有“项目名称”栏目，未导入")
        elif result.kind == "workbook" and _has_table(grid) and grid.name != INSTRUCTIONS_SHEET:
            # other sheets of a workbook (lists, notes) are normal: said, not counted as skipped
            result.warnings.append(f"工作表“{grid.name}”中没有项目绩效目标表，已跳过")
    if not result.projects:
        if any(g.meta.get("self_evaluation") for g in grids):
            raise XltoolError(f"这是{SELF_EVALUATION}，没有可导入的内容", file=path, code="input.no_table")
        what = {"docx": "文档中的表格", "workbook": "工作簿中的工作表", "text": "文本中"}[result.kind]
        raise XltoolError(f"未找到项目绩效目标表：{what}{_what_was_found(grids)}，没有可导入的内容", file=path, code="input.no_table")
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
    return "没有“项目名称”栏目和指标表（一级指标、二级指标、三级指标）"


def _has_table(grid: Grid) -> bool:
    return any(sum(1 for v in row if v is not None) >= 2 for row in grid.rows)


def _is_word97(path: Path) -> bool:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return bool(ole.exists("WordDocument"))
    except Exception:  # not a readable OLE file: the safety gate reports it
        return False


def _workbook_grids(path: Path) -> list[Grid]:
    """Visible sheets of another region's workbook (or an earlier template), lists sheet left out."""

    return [g for g in grids_from_calamine(path) if g.name not in (LISTS_SHEET, *SERVICE_SHEETS) and not g.hidden]


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
