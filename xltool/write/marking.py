"""Marking a workbook file with its findings (openpyxl), and undoing it exactly.

A marked cell gets its severity's fill and an xltool note; a ``校验结果`` sheet lists
every finding with a link to its cell. What marking changed (each cell's original
fill and note) is written to the very hidden sheet ``xltool_marks`` — a sheet, not a
custom XML part, because openpyxl keeps sheets and drops unknown package parts — so
marking again, or the ribbon's 清除标记, restores the originals instead of guessing.

openpyxl rewrites the whole package and cannot keep everything Excel can store, so
the parts it would lose are named from the zip *before* loading (and from openpyxl's
own warnings while loading), and the caller decides whether to go on.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.findings import Finding
from xltool.write.report import MARKS_HEADERS, NOTE_AUTHOR, NOTE_HEADER, RESULTS_HEADERS, RESULTS_HEADERS_WITH_FILE, RESULTS_WIDTHS, SEVERITY_COLORS, display_width, cells_to_mark, merge_note, note_size, note_text, result_rows, strip_our_note, worst
from xltool.core.names import MARKED_COPY_PROPERTY, MARKS_SHEET, RESULTS_SHEET

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

MARKABLE_SUFFIXES = (".xlsx", ".xlsm")
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


def load_for_marking(path: str | Path) -> LoadedWorkbook:
    """Open a workbook for rewriting: VBA kept for .xlsm, openpyxl's drop warnings recorded."""
    from xltool.io.gate import check_sheet_extents, safe_load_workbook

    source = Path(path)
    if source.suffix.lower() not in MARKABLE_SUFFIXES:
        raise XltoolError(_NOT_MARKABLE, file=source, exit_code=EXIT_INPUT)
    package = inspect_package(source)
    # openpyxl holds every cell in memory; bound the work before loading (reading for
    # validation stops at MAX_ROWS on its own, rewriting the whole workbook cannot).
    check_sheet_extents(source, max_cells=MARK_MAX_CELLS)
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
    if output.suffix.lower() != source.suffix.lower():
        raise XltoolError(
            f"输出文件的扩展名必须与原文件相同（{source.suffix}），否则 Excel 无法打开",
            file=output,
            exit_code=EXIT_INPUT,
        )


# ---------------------------------------------------------------------------
# Marks: apply and remove.
# ---------------------------------------------------------------------------


def _fill_record(fill: Any) -> str:
    """A cell's fill as JSON holding openpyxl's own XML for it (exact round trip)."""
    from openpyxl.xml.functions import tostring

    return json.dumps({"xml": tostring(fill.to_tree()).decode("utf-8")}, ensure_ascii=False)


def _fill_from_record(text: str) -> Any:
    """Inverse of :func:`_fill_record`; also reads the ribbon's ``{"color": "#RRGGBB"|null}``."""
    from openpyxl.styles import PatternFill
    from openpyxl.styles.fills import Fill
    from openpyxl.xml.functions import fromstring

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    if "xml" in data:
        fill = Fill.from_tree(fromstring(data["xml"].encode("utf-8")))
        return fill if fill is not None else PatternFill()
    color = data.get("color")
    if color:
        rgb = "FF" + str(color).lstrip("#").upper()
        return PatternFill(fill_type="solid", fgColor=rgb, bgColor=rgb)
    return PatternFill()


def _make_comment(text: str, author: str) -> Any:
    from openpyxl.comments import Comment

    width, height = note_size(text)
    return Comment(text, author, height=height, width=width)


def _anchor(ws: Worksheet, ref: str) -> str:
    """The top-left cell of the merged range holding ``ref`` (where Excel shows a note)."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return merged.start_cell.coordinate
    return ref


def _is_our_results_sheet(ws: Worksheet) -> bool:
    first = tuple(c.value for c in next(ws.iter_rows(min_row=1, max_row=1), ()))
    first = tuple(v for v in first if v is not None)
    return first in (RESULTS_HEADERS, RESULTS_HEADERS_WITH_FILE)


def clear_marks(workbook: Workbook) -> int:
    """Remove xltool's marks: original fills and notes back, results and marks sheets gone.

    Without a marks sheet (deleted by a user) xltool's notes are still removed — the
    user's part of a combined note is kept — but fills cannot be known and stay.
    Returns the number of cells restored.
    """
    restored = 0
    worksheets = {ws.title for ws in workbook.worksheets}
    if MARKS_SHEET in workbook.sheetnames:
        marks = workbook[MARKS_SHEET]
        for row in marks.iter_rows(min_row=2, values_only=True):
            if not row or not row[0] or not row[1] or row[0] not in worksheets:
                continue
            sheet, ref, fill, note, author = (list(row) + [None] * 5)[:5]
            cell = workbook[sheet][ref]
            cell.fill = _fill_from_record(fill or "")
            if note:
                cell.comment = _make_comment(str(note), str(author or ""))
            elif cell.comment is not None and cell.comment.author == NOTE_AUTHOR:
                cell.comment = None
            restored += 1
        workbook.remove(marks)
    for ws in workbook.worksheets:
        # Only cells that exist: iterating the declared dimension could mean millions.
        for cell in list(ws._cells.values()):
            comment = cell.comment
            if comment is not None and NOTE_HEADER in (comment.text or ""):
                rest = strip_our_note(comment.text)
                author = "" if comment.author == NOTE_AUTHOR else comment.author
                cell.comment = _make_comment(rest, author) if rest else None
    for ws in list(workbook.worksheets):
        if ws.title.startswith(RESULTS_SHEET) and _is_our_results_sheet(ws):
            workbook.remove(ws)
    return restored


def apply_marks(workbook: Workbook, findings: list[Finding]) -> int:
    """Clear old marks, then mark ``findings`` (all of this workbook). Returns cells marked."""
    from openpyxl.styles import PatternFill

    active = workbook.active.title if workbook.active is not None else ""
    clear_marks(workbook)
    records: list[tuple[str, str, str, str, str]] = []
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    worksheets = {ws.title for ws in workbook.worksheets}
    for (sheet, ref), items in cells_to_mark(findings).items():
        if sheet not in worksheets:
            continue
        key = (sheet, _anchor(workbook[sheet], ref))
        by_cell.setdefault(key, []).extend(items)
    for (sheet, ref), items in sorted(by_cell.items()):
        cell = workbook[sheet][ref]
        old = cell.comment
        records.append((sheet, ref, _fill_record(cell.fill), old.text if old else "", old.author if old else ""))
        rgb = "FF" + SEVERITY_COLORS[worst(items)]
        cell.fill = PatternFill(fill_type="solid", fgColor=rgb, bgColor=rgb)
        cell.comment = _make_comment(merge_note(old.text if old else None, note_text(items)), NOTE_AUTHOR)
    _write_marks_sheet(workbook, records)
    _write_results_sheet(workbook, findings)
    _keep_a_visible_active_sheet(workbook, active)
    return len(records)


def _keep_a_visible_active_sheet(workbook: Workbook, title: str) -> None:
    """The sheet a user last looked at stays active; if it was ours (now rewritten), the
    first visible sheet — Excel complains about a workbook whose active sheet is hidden."""
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    chosen = next((ws for ws in visible if ws.title == title), visible[0] if visible else None)
    if chosen is not None:
        workbook.active = chosen
        for ws in workbook.worksheets:
            if ws is not chosen and ws.title.startswith(RESULTS_SHEET):
                ws.sheet_view.tabSelected = False
        chosen.sheet_view.tabSelected = True


def _write_marks_sheet(workbook: Workbook, records: list[tuple[str, str, str, str, str]]) -> None:
    ws = workbook.create_sheet(MARKS_SHEET)
    ws.sheet_state = "veryHidden"
    ws.append(list(MARKS_HEADERS))
    for record in records:
        ws.append(list(record))


def _results_sheet_name(workbook: Workbook) -> str:
    name, n = RESULTS_SHEET, 2
    while name in workbook.sheetnames:  # a user's own sheet of that name stays untouched
        name = f"{RESULTS_SHEET}{n}"
        n += 1
    return name


def _write_results_sheet(workbook: Workbook, findings: list[Finding]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = workbook.create_sheet(_results_sheet_name(workbook))
    headers = RESULTS_HEADERS
    ws.append(list(headers))
    bold = Font(bold=True)
    head_fill = PatternFill(fill_type="solid", fgColor="FFD9D9D9", bgColor="FFD9D9D9")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = head_fill
    rows = result_rows(findings, sheets=workbook.sheetnames)
    link_font = Font(color="FF0563C1", underline="single")
    level_col = headers.index("级别")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for r, row in enumerate(rows, start=2):
        ws.append(list(row.values))
        if row.link:
            cell = ws.cell(row=r, column=row.link_column + 1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=row.link, display=str(cell.value))
            cell.font = link_font
        rgb = "FF" + SEVERITY_COLORS[row.severity]
        ws.cell(row=r, column=level_col + 1).fill = PatternFill(fill_type="solid", fgColor=rgb, bgColor=rgb)
        for cell in ws[r][:-1]:
            cell.alignment = top
        ws.cell(row=r, column=len(headers)).alignment = wrap
        # Row heights are not recomputed by every reader; give wrapped messages their lines.
        lines = math.ceil(display_width(str(row.values[-1])) / RESULTS_WIDTHS["说明"])
        if lines > 1:
            ws.row_dimensions[r].height = 15 * lines
    if not rows:
        ws.cell(row=2, column=1, value="未发现问题。")
    for i, title in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = RESULTS_WIDTHS[title]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 1)}"
    # Printed for the review meeting: landscape, all columns on one page width, header repeated.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


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
    return XltoolError(
        lost_message(labels) + "。为避免损坏原文件，未做标注；可改用 --mark-to 输出标注副本，"
        "或加 --force 仍在原文件上标注（会先备份）",
        file=src,
        exit_code=EXIT_INPUT,
    )


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
    marked = apply_marks(loaded.workbook, findings)
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


def clear_file(source: str | Path, *, output: str | Path | None = None) -> int:
    """Remove marks from a file (in place after a backup, or into ``output``)."""
    from xltool.io.files import atomic_output, backup_file, check_not_locked, ensure_not_input

    src = Path(source)
    dest = src if output is None else Path(output)
    if output is None:
        check_not_locked(src)
    else:
        ensure_not_input(dest, [src])
        check_output_suffix(src, dest)
    loaded = load_for_marking(src)
    active = loaded.workbook.active.title if loaded.workbook.active is not None else ""
    restored = clear_marks(loaded.workbook)
    _keep_a_visible_active_sheet(loaded.workbook, active)
    if output is None or dest.exists():
        backup_file(dest)
    with atomic_output(dest) as temp:
        loaded.workbook.save(temp)
    return restored
