"""The Excel ribbon's buttons (macros/xltool_ribbon.bas), over xlwings.

Each ribbon button runs ``RunPython "import xltool.addin.ribbon as m; m.<function>()"``:
on Windows by default in xlwings' persistent Python (``USE UDF SERVER``, see
:mod:`xltool.addin.udfserver`), otherwise in a fresh Python per click. So this module
imports nothing heavy at import time (xlwings, the parser, the rules and the marking
engine are imported inside the functions), and keeps nothing between clicks: the
calling book (``Book.caller()``), its sheets and its profile are read anew every time
(tests/test_excel_persistent.py runs clicks of several books in one interpreter).

The buttons do no validation and no marking of their own: they read each sheet's
used range in one call (:func:`~xltool.write.marking.xlwings_backend.read_grid`, with
the range's real top-left corner), run the same parser and rules as ``xltool
validate``, and hand the findings to the one marking engine
(:mod:`xltool.write.marking.engine`) over its xlwings backend, which batches the
writes and remembers every marked cell's original fill and note.

What only a real Excel can confirm (the tests use xlwings' remote engine): the
message box, and copying a template sheet across workbooks in :func:`new_project_sheet`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.findings import Finding
    from xltool.write.marking.xlwings_backend import CellAccess, XlwingsTarget

ALERT_TITLE = "xltool 绩效目标表"

HELP_TEXT = (
    "xltool 绩效目标表工具\n\n"
    "【校验本表】检查当前工作表的项目绩效目标表：有问题的单元格标上底色并加批注"
    "（红色=错误，橙黄色=警告，浅蓝色=提示），全部问题列在“校验结果”工作表，点单元格地址可跳转。\n"
    "【校验全部】检查本工作簿中的全部项目表，并检查不同项目之间是否相互复制了文字。\n"
    "【清除标记】去掉校验留下的底色和批注，恢复单元格原来的样子；不改动填写的内容。\n"
    "【新建项目表】在本工作簿中插入一张空白的项目绩效目标表。\n\n"
    "再次校验会先清除上次的标记。您自己写的批注会保留。\n"
    "命令行用法：xltool validate 文件.xlsx（详见 xltool --help）。"
)


# ---------------------------------------------------------------------------
# Entry points (called by the ribbon).
# ---------------------------------------------------------------------------


def validate_active_sheet() -> None:
    """校验本表: mark the active sheet's findings (other sheets' marks stay)."""
    _run(lambda book: _validate(book, only_active=True))


def validate_workbook() -> None:
    """校验全部: mark every project sheet; copied text is checked across all of them."""
    _run(lambda book: _validate(book, only_active=False))


def clear_marks() -> None:
    """清除标记: restore every marked cell's fill and note; remove the results sheet."""
    _run(_clear)


def new_project_sheet() -> None:
    """新建项目表: add an empty project sheet to the calling workbook."""
    _run(_new_sheet)


def show_help() -> None:
    """帮助: what the buttons do, in a message box."""
    _run(lambda book: book.app.alert(HELP_TEXT, title=ALERT_TITLE, mode="info"))


def _run(action: Callable[[Any], None]) -> None:
    """Run ``action`` on the calling book; every failure becomes a Chinese message box."""
    try:
        import xlwings as xw

        book = xw.Book.caller()
    except Exception as exc:  # not started from Excel, or Excel went away
        print(f"xltool：无法连接到调用本功能的 Excel 工作簿（{type(exc).__name__}: {exc}）。", file=sys.stderr)
        return
    from xltool.core.errors import XltoolError

    try:
        action(book)
    except XltoolError as exc:
        _alert(book, exc.describe(), critical=True)
    except Exception as exc:  # last line of defence: never a raw traceback in front of the user
        _alert(
            book,
            f"程序内部错误（{type(exc).__name__}: {exc}）。请把工作簿和操作步骤发给维护人员。",
            critical=True,
        )


def _alert(book: Any, text: str, *, critical: bool = False) -> None:
    try:
        book.app.alert(text, title=ALERT_TITLE, mode="critical" if critical else "info")
    except Exception:
        print(f"xltool：{text}", file=sys.stderr)


# ---------------------------------------------------------------------------
# The marking engine's xlwings side.
# ---------------------------------------------------------------------------


def cell_access(book: Any) -> CellAccess:
    """The per-cell accessor for ``book`` (replaced in tests)."""
    from xltool.write.marking.xlwings_backend import CellAccess

    return CellAccess(book)


def _target(book: Any) -> XlwingsTarget:
    from xltool.write.marking.xlwings_backend import XlwingsTarget

    return XlwingsTarget(book, cell_access(book))


# ---------------------------------------------------------------------------
# The operations.
# ---------------------------------------------------------------------------


def _sheets(book: Any) -> list[dict[str, Any]]:
    """Every sheet but the marks sheet, each read in one call (used range with its real top-left corner)."""
    from xltool.core.names import MARKS_SHEET
    from xltool.write.marking.xlwings_backend import read_grid

    grids = [read_grid(sheet) for sheet in book.sheets if sheet.name != MARKS_SHEET]
    return [{"name": g.name, "values": g.rows, "top": g.top, "left": g.left} for g in grids]


def _read_book(book: Any) -> Any:
    """The book's project tables, parsed like a file (``xltool.api.ReadReport``)."""
    from xltool.api import read_grid

    return read_grid(book.name, _sheets(book))


def _validate(book: Any, *, only_active: bool) -> None:
    from xltool.api import XltoolError, validate_grid
    from xltool.write.report import count_line

    active = book.sheets.active
    report = validate_grid(book.name, _sheets(book))
    failed = next((f for f in report.files if f.status == "failed"), None)
    if failed is not None:  # no table, a 自评表, blank sheets …: the library's words, as the WPS add-in shows them
        raise XltoolError("校验未完成：" + failed.message, code=failed.error_code or None)
    if only_active:
        if not any(p.sheet == active.name for p in report.projects):
            raise XltoolError(
                f"当前工作表“{active.name}”不是项目绩效目标表（未找到“项目名称”和指标表栏目）。"
                "请切换到项目表后再点“校验本表”"
            )
        targets = {active.name}
    else:
        targets = {p.sheet for p in report.projects}
    findings = [f for f in report.findings if f.sheet in targets]
    apply_marks(book, findings, targets)
    active.activate()
    scope = f"工作表“{active.name}”" if only_active else f"{len(targets)} 张项目表"
    if findings:
        _alert(book, f"校验完成：{scope}共发现{count_line(findings)}。\n"
                     "有问题的单元格已标色并加批注，全部问题见“校验结果”工作表。")
    else:
        _alert(book, f"校验完成：{scope}未发现问题。")


def apply_marks(book: Any, findings: list[Finding], targets: set[str]) -> int:
    """Replace the marks on ``targets`` sheets with ``findings``; returns cells marked."""
    from xltool.write.marking import engine

    return engine.apply_marks(_target(book), findings, targets)


def _clear(book: Any) -> None:
    from xltool.write.marking import engine
    from xltool.write.marking.xlwings_backend import find_sheet, read_marks, results_sheet

    active = book.sheets.active
    records = [r for r in read_marks(book) if find_sheet(book, r.sheet) is not None]
    if not records and results_sheet(book)[1] is None:
        _alert(book, "本工作簿中没有 xltool 留下的标记。")
        return
    restored = engine.clear_marks(_target(book))
    if find_sheet(book, active.name) is not None:
        active.activate()
    _alert(book, f"已清除 {restored} 处标记，单元格原来的底色和批注已恢复。")


# ---------------------------------------------------------------------------
# 新建项目表
# ---------------------------------------------------------------------------


def _next_title(book: Any) -> str:
    taken = {s.name.casefold() for s in book.sheets}
    n = 1
    while f"项目{n}".casefold() in taken:
        n += 1
    return f"项目{n}"


def _new_sheet(book: Any) -> None:
    from xltool.write.marking.xlwings_backend import is_remote

    read = _read_book(book)
    if is_remote(book):
        title = _copy_within_book(book, read)
    else:
        title = _copy_from_template(book, read)
    _alert(book, f"已新建项目表“{title}”，请在白色单元格中填写。")


def _copy_within_book(book: Any, read: Any) -> str:
    """Copy the book's first project sheet and empty its inputs (engines that cannot open files).

    Validations, names and formats stay those of this workbook; marks copied along
    are undone from the marks sheet's records for the source sheet.
    """
    from xltool.core.errors import XltoolError
    from xltool.write.marking import engine
    from xltool.write.marking.engine import MarkRecord
    from xltool.write.marking.xlwings_backend import read_marks

    if not read.projects:
        raise XltoolError("本工作簿中还没有项目表可作样板；请先用“xltool template”生成模板工作簿")
    source_name = read.projects[0].sheet
    source = book.sheets[source_name]
    last_project = max((book.sheets[p.sheet] for p in read.projects), key=lambda s: s.index)
    title = _next_title(book)
    copy = source.copy(after=last_project, name=title)
    inputs: list[str] = []
    for project in (p for p in read.projects if p.sheet == source_name):
        inputs.extend(project.cells.values())
        for indicator in project.indicators:
            inputs.extend(indicator.cells[k] for k in ("name", "operator", "target") if k in indicator.cells)
    for ref in sorted(set(inputs)):
        _clear_input(copy.range(ref))
    records = [MarkRecord(title, r.cell, r.fill, r.note, r.author) for r in read_marks(book) if r.sheet == source_name]
    if records:  # Excel copied the source's marks along: undo them on the copy
        engine.restore_cells(_target(book), records, notes_are_ours=True)
    copy.activate()
    return title


def _clear_input(rng: Any) -> None:
    """Empty an input cell; a merged one through its whole merge area (Excel refuses part)."""
    try:
        area = rng.merge_area
    except Exception:  # engines that cannot tell synchronously
        area = rng
    area.clear_contents()


def _copy_from_template(book: Any, read: Any) -> str:
    """Open a freshly generated template in the same Excel and copy its project sheet over.

    The lists sheet and its names are copied first when the book lacks them, so the
    new sheet's dropdowns refer to this workbook rather than the temporary file.
    Only a real Excel can confirm this path (the remote engine cannot open files).
    """
    import tempfile
    from pathlib import Path

    from xltool.core.names import LISTS_SHEET
    from xltool.core.names import INSTRUCTIONS_SHEET
    from xltool.write.marking.xlwings_backend import find_sheet, hide
    from xltool.write.template import build_template

    year = _lists_value(book, "year")
    with tempfile.TemporaryDirectory(prefix="xltool-") as folder:
        path = build_template(Path(folder) / "模板.xlsx", profile=read.profile,
                              year=int(year) if str(year or "").isdigit() else None)
        app = book.app
        alerts = app.display_alerts
        app.display_alerts = False  # name conflicts: keep this workbook's version of each name
        src = app.books.open(str(path))
        try:
            after = book.sheets[len(book.sheets) - 1]
            if find_sheet(book, LISTS_SHEET) is None:
                lists = src.sheets[LISTS_SHEET]
                lists.visible = True
                lists.copy(after=after)
                hide(book.sheets[LISTS_SHEET])
            for name in src.names:
                # Sheet-level names (print titles …) belong to the template's own sheets.
                if "!" in name.name or name.name.startswith("_xlnm") or _has_name(book, name.name):
                    continue
                book.names.add(name.name, name.refers_to)
            project_sheet = next(s for s in src.sheets if s.name not in (LISTS_SHEET, INSTRUCTIONS_SHEET))
            anchor = max((book.sheets[p.sheet] for p in read.projects), key=lambda s: s.index,
                         default=book.sheets[0])
            title = _next_title(book)
            copy = project_sheet.copy(after=anchor, name=title)
        finally:
            src.close()
            app.display_alerts = alerts
    copy.activate()
    return title


def _has_name(book: Any, name: str) -> bool:
    return any(n.name == name for n in book.names)


def _lists_value(book: Any, key: str) -> Any:
    from xltool.core.names import LISTS_SHEET
    from xltool.core.text import clean_text
    from xltool.write.marking.xlwings_backend import find_sheet, read_grid

    sheet = find_sheet(book, LISTS_SHEET)
    if sheet is None:
        return None
    for row in read_grid(sheet).rows[:20]:
        if len(row) >= 2 and clean_text(row[0]) == key:
            value = row[1]
            return int(value) if isinstance(value, float) and value.is_integer() else value
    return None
