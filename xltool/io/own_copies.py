"""xltool's own outputs among the inputs, proven by content, never by name alone.

A backup is skipped when the original it was named after is beside it and holds every value
it holds; a ``--mark-to`` copy when its tag names a source beside it with the same values; a
summary by the sheets only a summary has. Anything unproven is read (:mod:`xltool.io.discovery`
says why it was looked at). Split from discovery: the proof reads workbooks, the walk does not.
"""

from __future__ import annotations

import html
import os
import re
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from xltool.core.errors import XltoolError
from xltool.core.fsnames import legible
from xltool.core.names import (
    MARKED_COPY_PROPERTY, MARKS_SHEET, RESULTS_SHEET, SUMMARY_FILES_SHEET, SUMMARY_PROJECTS_SHEET,
)

SKIP_OWN = "own"  # xltool's own output: backup, marked copy, summary (discovery's kind)
SUMMARY_REASON = "xltool merge 生成的汇总表，不作为输入（其中的金额已来自各单位的原表）"

_BACKUP_STEM = re.compile(r"^(?P<stem>.+)\.bak-\d{8}-\d{6}(?:-\d+)?$")
_CUSTOM_PROP = re.compile(
    r'name="' + re.escape(MARKED_COPY_PROPERTY) + r'"[^>]*>\s*<vt:lpwstr[^>]*>(?P<value>[^<]*)</vt:lpwstr>'
)
_CUSTOM_PART_MAX = 64 * 1024


def backup_source(path: Path) -> str:
    """The original's file name when ``path`` is named like an xltool backup, else ""."""
    match = _BACKUP_STEM.match(path.stem)
    return f"{match['stem']}{path.suffix}" if match else ""


def backup_reason(original: str) -> str:
    return f"xltool 在标注或覆盖“{legible(original)}”之前保存的备份，不作为输入（原文件就在旁边，内容已包含在其中）"


def marked_copy_reason(original: str) -> str:
    return f"xltool validate --mark-to 生成的标注副本（原文件：{legible(original)}，就在旁边且内容相同），不作为输入"


def marked_copy_source(path: Path) -> str:
    """The source's name recorded in a ``--mark-to`` copy ("" for anything else).

    Read from the package's small custom-properties part, never from sheets; a damaged
    or foreign file simply is not a marked copy. Only regular files are opened (a FIFO
    named ``.xlsx`` would block).
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return ""
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > _CUSTOM_PART_MAX:
                return ""
            text = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError, NotImplementedError):
        return ""
    match = _CUSTOM_PROP.search(text)
    return html.unescape(match["value"]).strip() if match else ""


def _values(path: Path) -> dict[str, list[list[object]]] | None:
    """Sheet name → its rows without trailing blanks (None when the file cannot be read)."""
    from xltool.io.calamine import grids_from_calamine

    try:
        grids = grids_from_calamine(path)
    except XltoolError:
        return None
    out: dict[str, list[list[object]]] = {}
    for grid in grids:
        rows = [list(r) for r in grid.rows]
        for row in rows:
            while row and row[-1] is None:
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        out[grid.name] = rows
    return out


def _holds_all_of(container: Path, copy: Path) -> bool | None:
    """Whether every sheet of ``copy`` is in ``container`` with the same values (marks sheet aside).

    Marking adds the results and marks sheets (never money, so not compared), fills and
    comments, but changes no value, so a backup
    taken before marking is held whole by the marked original, and an unedited
    ``--mark-to`` copy holds exactly its source's values. None: ``copy`` is a summary.
    """
    try:
        if container.read_bytes() == copy.read_bytes():
            return True
    except OSError:
        return False
    inner, outer = _values(copy), _values(container)
    if inner is None or outer is None:
        return False
    if SUMMARY_PROJECTS_SHEET in inner and SUMMARY_FILES_SHEET in inner:
        return None
    return all(outer.get(name) == rows for name, rows in inner.items() if name not in (MARKS_SHEET, RESULTS_SHEET))


def own_copy(path: Path) -> tuple[str, str, str]:
    """(kind, reason, note) for a file whose name or tag says it is xltool's.

    ``(SKIP_OWN, reason, "")`` when proven; otherwise ``("", "", note)`` — the file is read
    and ``note`` says why it was considered (``("", "", "")`` for an ordinary file).
    """
    original = backup_source(path)
    if original:
        source = path.with_name(original)
        if not source.is_file():
            return "", "", f"名称像 xltool 的备份，但旁边没有原文件“{legible(original)}”，按普通工作簿读取"
        held = _holds_all_of(source, path)
        if held is None:
            return SKIP_OWN, SUMMARY_REASON, ""
        if held:
            return SKIP_OWN, backup_reason(original), ""
        return "", "", f"名称像 xltool 的备份，但内容与旁边的“{legible(original)}”不同，按普通工作簿读取"
    return marked_copy_proof(path)


def marked_copy_proof(path: Path) -> tuple[str, str, str]:
    """:func:`own_copy` for a ``--mark-to`` copy: its tag, its source beside it, the same values."""
    tagged = marked_copy_source(path)
    if not tagged:
        return "", "", ""
    source = path.with_name(Path(tagged).name)
    if source == path or not source.is_file():
        return "", "", (f"带有 xltool 标注副本的标记（原文件：{legible(tagged)}），但原文件不在同一文件夹中，"
                        "按普通工作簿读取")
    if _holds_all_of(source, path):
        return SKIP_OWN, marked_copy_reason(tagged), ""
    return "", "", (f"带有 xltool 标注副本的标记（原文件：{legible(tagged)}），但内容已与原文件不同"
                    "（可能修改后交回），按普通工作簿读取")


def own_output_reason(sheet_names: Iterable[str]) -> str:
    """Why a workbook with these sheets is xltool's own summary, or "" when it is not.

    A summary has 项目汇总 and 文件清单. Backups and ``--mark-to`` copies are proven once,
    by :func:`discover` (:func:`own_copy`), which also decides whether a proven one is read
    (named without its original): a reader trusts that decision and proves nothing again.
    """
    names = set(sheet_names)
    if SUMMARY_PROJECTS_SHEET in names and SUMMARY_FILES_SHEET in names:
        return SUMMARY_REASON
    return ""
