"""Marking a workbook *file*: what openpyxl would lose, loading, and the in-place safety.

openpyxl rewrites the whole package and cannot keep everything Excel can store, so
the parts it would lose are named from the zip *before* loading (and from openpyxl's
own warnings while loading), and the caller decides whether to go on. The marking
itself is :mod:`xltool.write.marking.engine`'s, over :mod:`.openpyxl_backend`.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.findings import Finding
from xltool.core.names import MARKABLE_SUFFIXES, MARKED_COPY_PROPERTY
from xltool.write.marking.openpyxl_backend import mark_workbook
from xltool.write.report import NOTE_HEADER

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.workbook.workbook import Workbook

_NOT_MARKABLE = "只能在 .xlsx/.xlsm 工作簿上做标注；请先在 Excel 中“另存为”.xlsx 后再标注"

# Package parts openpyxl does not (fully) write back, by name prefix → what the user calls it.
_AT_RISK_PARTS: tuple[tuple[str, str], ...] = (
    ("xl/charts/", "图表"),
    ("xl/chartsheets/", "图表工作表"),
    ("xl/pivotTables/", "数据透视表"),
    ("xl/pivotCache/", "数据透视表"),
    ("xl/slicers/", "切片器"),
    ("xl/slicerCaches/", "切片器"),
    ("xl/timelines/", "日程表"),
    ("xl/timelineCaches/", "日程表"),
    ("xl/ctrlProps/", "表单控件"),
    ("xl/activeX/", "ActiveX 控件"),
    ("xl/externalLinks/", "外部链接"),
    ("xl/threadedComments/", "新式批注（对话）"),
    ("xl/connections.xml", "数据连接"),
    ("xl/queryTables/", "查询表"),
    ("customXml/", "自定义 XML 数据"),
    ("xl/richData/", "单元格内图片等富数据"),
    ("xl/model/", "数据模型"),
)
# openpyxl's load-time warnings about what it drops → Chinese.
_WARNING_LABELS: tuple[tuple[str, str], ...] = (
    ("Data Validation extension", "数据验证扩展（引用其他工作表的下拉列表等）"),
    ("Conditional Formatting extension", "条件格式扩展（新式数据条、图标集等）"),
    ("Sparkline Group extension", "迷你图"),
    ("Slicer List extension", "切片器"),
    ("Timeline Ref extension", "日程表"),
    ("Web Extension extension", "Office 加载项内容"),
    ("Protected Range extension", "允许编辑区域"),
    ("Shapes and drawings will be lost", "形状或文本框"),
    ("image", "图片"),
    ("conditional formatting rule", "部分条件格式"),
    ("extension is not supported", "扩展内容"),
)


@dataclass
class PackageReport:
    """What a workbook file holds that matters for rewriting it with openpyxl."""

    has_vba: bool = False
    at_risk: list[str] = field(default_factory=list)  # would be lost or changed


def _add(items: list[str], label: str) -> None:
    if label not in items:
        items.append(label)


def inspect_package(path: str | Path) -> PackageReport:
    """Name, from the zip's part list alone, what openpyxl cannot keep.

    Runs before loading so a refusal costs nothing; the file has passed the safety
    gate, so reading the (small) drawing parts is bounded.
    """
    report = PackageReport()
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            report.has_vba = "xl/vbaProject.bin" in names
            for name in names:
                for prefix, label in _AT_RISK_PARTS:
                    if name.startswith(prefix):
                        _add(report.at_risk, label)
                if name.startswith("xl/media/") and find_spec("PIL") is None:
                    _add(report.at_risk, "图片")
                if name.startswith("xl/drawings/") and name.endswith(".xml") and "/_rels/" not in name:
                    data = zf.read(name)
                    if b"<xdr:sp" in data or b"<xdr:grpSp" in data or b"<xdr:cxnSp" in data:
                        _add(report.at_risk, "形状或文本框")
    except (OSError, zipfile.BadZipFile) as exc:
        raise XltoolError("无法读取工作簿结构", file=path, exit_code=EXIT_INPUT) from exc
    return report


def lost_message(labels: Iterable[str]) -> str:
    return "以下内容 openpyxl 无法完整保留：" + "、".join(labels)


# ---------------------------------------------------------------------------
# Loading and saving.
# ---------------------------------------------------------------------------


@dataclass
class LoadedWorkbook:
    workbook: Workbook
    package: PackageReport
    dropped: list[str]  # from openpyxl's warnings while loading
    notices: list[str] = field(default_factory=list)  # changed, but nothing a user loses

    @property
    def at_risk(self) -> list[str]:
        items = list(self.package.at_risk)
        for label in self.dropped:
            _add(items, label)
        return items


MARK_MAX_CELLS = 500_000


def check_mark_extent(source: Path) -> None:
    """Refuse a sheet too large to rewrite (``file.too_large``): openpyxl holds every cell in memory, so
    the work is bounded before loading (reading for validation stops at MAX_ROWS on its own, rewriting the
    whole workbook cannot)."""
    from xltool.io.gate import check_sheet_extents

    check_sheet_extents(source, max_cells=MARK_MAX_CELLS)


def load_for_marking(path: str | Path) -> LoadedWorkbook:
    """Open a workbook for rewriting: VBA kept for .xlsm, openpyxl's drop warnings recorded."""
    from xltool.io.gate import safe_load_workbook

    source = Path(path)
    if source.suffix.lower() not in MARKABLE_SUFFIXES:
        raise XltoolError(_NOT_MARKABLE, file=source, exit_code=EXIT_INPUT)
    package = inspect_package(source)
    check_mark_extent(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workbook = safe_load_workbook(source, keep_vba=package.has_vba, keep_links=True, rich_text=True)
    dropped: list[str] = []
    for w in caught:
        text = str(w.message)
        for needle, label in _WARNING_LABELS:
            if needle in text:
                _add(dropped, label)
                break
    notices: list[str] = []
    if any(c.comment is not None and NOTE_HEADER not in (c.comment.text or "")
           for ws in workbook.worksheets for c in ws._cells.values()):
        notices.append("原有批注的文字保留，但批注框的大小和格式会恢复为默认")
    return LoadedWorkbook(workbook, package, dropped, notices)


def check_output_suffix(source: Path, output: Path) -> None:
    """Excel refuses a macro workbook named .xlsx (and the reverse), so keep the extension."""
    from xltool.io.files import require_suffix

    require_suffix(output, source.suffix, f"输出文件的扩展名必须与原文件相同（{source.suffix}），否则 Excel 无法打开")


# ---------------------------------------------------------------------------
# The file-level operation the CLI calls.
# ---------------------------------------------------------------------------


@dataclass
class MarkResult:
    output: Path
    backup: Path | None
    marked_cells: int
    at_risk: list[str]
    notices: list[str] = field(default_factory=list)


def _refusal(src: Path, labels: list[str]) -> XltoolError:
    return XltoolError(lost_message(labels) + "。为避免损坏原文件，未做标注", file=src, exit_code=EXIT_INPUT,
                       code="output.at_risk")


def mark_file(source: str | Path, findings: list[Finding], *, output: str | Path | None = None,
              force: bool = False) -> MarkResult:
    """Write ``source`` marked with ``findings`` to ``output`` (None: in place, after a backup).

    In place, content openpyxl cannot keep makes this refuse unless ``force``; to a
    separate output it only warns (``at_risk`` in the result), since the original stays.
    """
    from xltool.io.files import atomic_output, backup_file, check_not_locked, check_output_dir, ensure_not_input

    src = Path(source)
    in_place = output is None
    dest = src if in_place else Path(output)  # type: ignore[arg-type]
    if in_place:
        check_not_locked(src)
    else:
        ensure_not_input(dest, [src])
        check_output_suffix(src, dest)
        check_output_dir(dest)
        check_not_locked(dest)
    if src.suffix.lower() not in MARKABLE_SUFFIXES:
        raise XltoolError(_NOT_MARKABLE, file=src, exit_code=EXIT_INPUT)
    package = inspect_package(src)
    if in_place and package.at_risk and not force:
        raise _refusal(src, package.at_risk)
    loaded = load_for_marking(src)
    at_risk = loaded.at_risk
    if in_place and at_risk and not force:  # openpyxl's own warnings may add to the list
        raise _refusal(src, at_risk)
    marked = mark_workbook(loaded.workbook, findings)
    if not in_place:
        _tag_copy(loaded.workbook, src)
    backup = backup_file(src) if in_place else (backup_file(dest) if dest.exists() else None)
    with atomic_output(dest) as temp:
        loaded.workbook.save(temp)
    return MarkResult(dest, backup, marked, at_risk, loaded.notices)


def _tag_copy(workbook: Workbook, source: Path) -> None:
    """Record the source in a copy, so a later merge of the folder knows not to count it twice."""
    from openpyxl.packaging.custom import StringProperty

    props = workbook.custom_doc_props
    for prop in [p for p in props.props if p.name == MARKED_COPY_PROPERTY]:
        props.props.remove(prop)
    props.append(StringProperty(name=MARKED_COPY_PROPERTY, value=source.name))
