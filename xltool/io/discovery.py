"""Which files a run reads: one discovery for ``validate``, ``merge`` and ``import``.

A reviewer's folder holds more than the departments' tables: Excel's ``~$`` lock
files, hidden copies, and xltool's own outputs — backups made before marking or
overwriting, ``--mark-to`` copies, an earlier summary. Reading those would count the
same money twice, so every run expands its inputs here, and every file found is
accounted for: read, or skipped with the precise reason (named on the console and,
for merge, in 文件清单).

A file is xltool's own only when xltool can prove it (:func:`own_copy`): a backup
when the original it was named after is beside it and holds every value the backup
holds (the backup adds no money), a ``--mark-to`` copy when its tag names a source
beside it with the same values, a summary by the sheets only a summary has. A name
alone proves nothing — a unit may well call its own file ``民政局.bak-20240315.xlsx`` —
so anything unproven is read, and the file list says why it was looked at.

File names that are not valid UTF-8 (GBK bytes from ``unzip``) are opened by their
real bytes and shown decoded (:func:`xltool.core.fsnames.legible`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.fsnames import legible
from xltool.io.archives import NOTED as ARCHIVE_NOTED
from xltool.io.archives import IMAGE_SUFFIXES, SCAN_SUFFIXES, zip_reason
from xltool.io.xml2003 import is_spreadsheetml
from xltool.io.own_copies import (
    SKIP_OWN, SUMMARY_REASON, backup_source, marked_copy_source, own_copy,
)

# Suffixes read as workbooks; the safety gate judges the bytes, these only select files in folders.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".ods", ".xlsb", ".et"})
# Read by ``xltool import`` besides workbooks: text copied from a page or Word, saved web pages, Word documents.
TEXT_SOURCE_SUFFIXES = (".txt", ".htm", ".html")
SOURCE_SUFFIXES = frozenset({*TEXT_SOURCE_SUFFIXES, ".docx"})
# Found in workbook folders and listed as skipped (with what to do): they often hold the same tables.
NOTED_SUFFIXES: dict[str, str] = {
    ".docx": "这是 Word 文档，不是工作簿；请先用 xltool import 把其中的表格导入为工作簿",
    ".doc": "这是旧版 Word 文档，请先另存为 .docx，再用 xltool import 导入后汇总",
    ".wps": "这是 WPS 文字文档，请先另存为 .docx，再用 xltool import 导入后汇总",
    **ARCHIVE_NOTED,  # archives, PDFs, scans: a unit's tables in a form not read (io/archives.py)
}
# What a .zip in a folder must hold to be listed: what discovery would take or note, but pictures.
_ZIP_TABLES = tuple(sorted((WORKBOOK_SUFFIXES | SOURCE_SUFFIXES | set(NOTED_SUFFIXES)) - IMAGE_SUFFIXES))

# Why a file is listed but not read; LOCK/HIDDEN/OWN are not the user's problem (no exit 1).
SKIP_LOCK = "lock"
SKIP_HIDDEN = "hidden"
SKIP_NOTED = "noted"  # a document to convert first
SKIP_UNREADABLE = "unreadable"  # a folder or entry that could not be opened: its files may hold money (exit 1)
SKIP_LINK = "link"  # a symlinked folder already searched by another way in (nothing lost)
SKIP_SCAN = "scan"  # a PDF or picture: listed, most often the stamped copy of a table sent as a workbook too

LOCK_REASON = "Excel、WPS 或 LibreOffice 打开工作簿时生成的临时锁文件，不是工作簿"
HIDDEN_REASON = "隐藏文件，不作为输入"


@dataclass(frozen=True)
class InputFile:
    """One file found; ``skip`` says why it is listed but not read ("" = read it)."""

    index: int
    path: Path
    skip: str = ""
    kind: str = ""  # SKIP_* when skipped
    explicit: bool = False  # named on the command line, not found in a folder
    shown: str = ""  # the summary's name for it when not its path as given (see :func:`discover`)
    note: str = ""  # read, but why it was considered (a backup-like name without proof …)

    @property
    def display(self) -> str:
        return legible(self.path)

    @property
    def in_summary(self) -> str:
        """How the merge summary (its columns, 文件清单, console lines) names the file."""
        return legible(self.shown or self.path)

    @property
    def quiet(self) -> bool:
        """Skipped for a reason that is no problem of the inputs (locks, hidden, own outputs)."""
        return self.kind in (SKIP_LOCK, SKIP_HIDDEN, SKIP_OWN, SKIP_LINK, SKIP_SCAN)


@dataclass
class Discovery:
    files: list[InputFile] = field(default_factory=list)
    ignored: int = 0  # other files in folders (notes, web pages, a zip without tables …)
    ignored_names: list[str] = field(default_factory=list)  # their names (the merge line names a few)

    @property
    def to_read(self) -> list[InputFile]:
        return [f for f in self.files if not f.skip]

    @property
    def skipped(self) -> list[InputFile]:
        return [f for f in self.files if f.skip]

    @property
    def unreadable(self) -> list[InputFile]:
        """Folders and entries that could not be opened: a run with any exits at least 1."""
        return [f for f in self.files if f.kind == SKIP_UNREADABLE]

    def notice_lines(self) -> list[str]:
        """One console line per skipped file (naming it and the reason) and per file read despite a doubt."""
        lines = [f"{'无法读取' if f.kind == SKIP_UNREADABLE else '已跳过'} {f.display}：{f.skip}" for f in self.skipped]
        return lines + [f"文件 {f.display}：{f.note}" for f in self.files if f.note and not f.skip]


def link_reason(target: Path) -> str:
    return f"指向已查找过的文件夹（{legible(target)}）的链接，不再重复查找（避免重复计入或循环）"


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(2048)
    except OSError:
        return b""


def _by_name(path: Path) -> tuple[str, str]:
    """(kind, reason) for what the name alone tells (a backup-like name proves nothing yet)."""
    from xltool.io.gate import is_lock_or_hidden

    if is_lock_or_hidden(path):
        if path.name.startswith(("~$", ".~lock.")):
            return SKIP_LOCK, LOCK_REASON
        return SKIP_HIDDEN, HIDDEN_REASON
    return "", ""


def _folder_error(exc: OSError) -> str:
    """Why a folder could not be entered, in words a clerk can act on."""
    if isinstance(exc, PermissionError):
        return "没有权限打开该文件夹，其中的文件均未读取；请让管理员开放读取权限，或把文件复制出来后重试"
    if exc.errno == errno.ENAMETOOLONG:
        return "文件夹路径过长（超过系统限制），其中的文件均未读取；请把该文件夹移到较浅的位置后重试"
    if exc.errno == errno.ELOOP:
        return "符号链接层层相指（循环），无法打开，其中的文件均未读取"
    return f"无法打开该文件夹（{exc.strerror or exc}），其中的文件均未读取"


def discover(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    suffixes: Iterable[str] = WORKBOOK_SUFFIXES,
    noted: dict[str, str] | None = None,
) -> Discovery:
    """Expand files and folders (every level, in name order) into the files to list.

    Files in folders are taken when their suffix is in ``suffixes`` (``noted`` ones are
    listed as skipped with their advice); files named explicitly are always listed.
    Lock files, hidden files and xltool's proven own files are listed as skipped whether
    found in a folder or named (a shell's ``*.xlsx`` names them all); a file named twice
    is listed once. Nothing is dropped without a word: a folder that cannot be opened is
    listed as unreadable (``SKIP_UNREADABLE``, the run exits 1); hidden folders (``.git``,
    ``__MACOSX``) hold tools' data and are not searched, each listed with its reason; a symlinked folder is followed once — a link to a folder
    already searched (a cycle, or a second way in) is listed as not followed. The walk
    keeps its own stack, so no depth of folders exhausts Python's recursion limit.
    """
    wanted = {s.lower() for s in suffixes}
    noted = NOTED_SUFFIXES if noted is None else noted
    found = Discovery()
    seen: set[str] = set()

    def listed(path: Path, kind: str, reason: str, *, explicit: bool = False, shown: str = "") -> None:
        found.files.append(InputFile(len(found.files), path, reason, kind, explicit, shown))

    def add(path: Path, *, explicit: bool, shown: str = "") -> None:
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            return
        suffix = path.suffix.lower()
        if suffix == ".xml" and ".xlsx" in wanted and is_spreadsheetml(_head(path)):
            suffix = ".xls"  # Excel's "XML 表格 2003": read as the workbook it is
        if not explicit and suffix not in wanted and suffix not in noted:
            found.ignored += 1
            found.ignored_names.append(path.name)
            return
        kind, reason = _by_name(path)
        if not kind and suffix in noted and suffix not in wanted:
            kind, reason = (SKIP_SCAN if suffix in SCAN_SUFFIXES else SKIP_NOTED), noted[suffix]
            if suffix == ".zip":
                inside = zip_reason(path, _ZIP_TABLES)
                if inside is None and not explicit:  # no table in it: passed over like any other file
                    found.ignored += 1
                    found.ignored_names.append(path.name)
                    return
                reason = inside or reason
        note = ""
        if not kind:
            kind, reason, note = own_copy(path)
        seen.add(key)
        found.files.append(InputFile(len(found.files), path, reason, kind, explicit, shown, note))

    for raw in inputs:
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except FileNotFoundError:
            is_dir = False
        except OSError as exc:  # a parent folder without search permission, a name too long …
            if isinstance(exc, PermissionError) or path.is_symlink():
                listed(path, SKIP_UNREADABLE, "无法访问（没有权限或路径无效），未读取", explicit=True)
                continue
            raise XltoolError(f"无法访问该路径（{exc.strerror or exc}）", file=path, exit_code=EXIT_INPUT) from None
        if is_dir:
            # A folder given by its full path (dragged onto the console) is shown from its own
            # name down: "各单位\民政局\表.xlsx", the part a printed summary has room for.
            base = path.parent if path.is_absolute() and path.name else None
            _walk(path, base, add, listed, wanted)
        elif path.exists() or path.is_symlink():
            add(path, explicit=True)
        else:
            raise XltoolError("输入的文件或文件夹不存在，请检查路径", file=path, exit_code=EXIT_INPUT)
    _read_copies_without_their_original(found)
    return found


def _read_copies_without_their_original(found: Discovery) -> None:
    """A proven backup or marked copy is passed over only when its original is read in the same run:
    named alone (or with its original left out), the copy is the only place its money is."""
    reading = {os.path.normcase(os.path.realpath(f.path)) for f in found.files if not f.kind}
    for i, f in enumerate(found.files):
        if f.kind != SKIP_OWN or f.skip == SUMMARY_REASON:
            continue
        name = backup_source(f.path) or Path(marked_copy_source(f.path) or "").name
        if not name:
            continue
        original = f.path.with_name(name)
        if os.path.normcase(os.path.realpath(original)) not in reading:
            found.files[i] = replace(f, kind="", skip="", note=(
                f"是 xltool 为“{legible(name)}”保存的备份或标注副本，但本次输入中没有原文件，按普通工作簿读取"))


_Add = Callable[..., None]


_HIDDEN_SCAN = 5000  # entries looked at inside a hidden folder to say how many workbooks it holds


def hidden_folder_reason(folder: Path, wanted: Iterable[str]) -> str:
    """Why a hidden folder is not searched, with the workbooks it holds (a bounded look, never its tools' data)."""
    from xltool.io.tempdirs import is_owned

    if is_owned(folder.name):
        return "xltool 运行时的临时文件夹，不作为输入"
    suffixes, count, looked, todo = {s.lower() for s in wanted}, 0, 0, [folder]
    while todo and looked < _HIDDEN_SCAN:
        with suppress(OSError), os.scandir(todo.pop()) as it:
            for entry in it:
                looked += 1
                if entry.is_dir(follow_symlinks=False):
                    todo.append(Path(entry.path))
                else:
                    count += Path(entry.name).suffix.lower() in suffixes and not entry.name.startswith(("~$", "."))
    what = "macOS 压缩时附带的资源文件夹" if folder.name == "__MACOSX" else "隐藏文件夹（名称以“.”开头，多为软件的数据）"
    if not count:
        return f"{what}，其中没有工作簿，未查找"
    return (f"{what}，未查找：其中{'' if looked < _HIDDEN_SCAN else '至少'} {count} 个工作簿未读取；"
            "如需纳入，请把它们移出该文件夹或单独指定文件")


def _walk(root: Path, base: Path | None, add: _Add, listed: _Add, wanted: Iterable[str] = WORKBOOK_SUFFIXES) -> None:
    """Depth-first, name order (a folder's files, then its subfolders), on an explicit stack.

    Hidden folders (``.git``, ``__MACOSX``, xltool's own staging folders) are not searched,
    but each is listed as skipped with its reason and the workbooks it holds.
    """

    def shown(p: Path) -> str:
        return str(p.relative_to(base)) if base else ""

    visited: dict[tuple[int, int], Path] = {}
    stack: list[Path] = [root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            ident = (st.st_dev, st.st_ino)
            if ident in visited:
                listed(folder, SKIP_LINK, link_reason(visited[ident]), shown=shown(folder))
                continue
            visited[ident] = folder
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            listed(folder, SKIP_UNREADABLE, _folder_error(exc), shown=shown(folder))
            continue
        subfolders: list[Path] = []
        for entry in entries:
            path = Path(folder) / entry.name
            try:
                is_dir = entry.is_dir()  # follows a symlink: a linked folder is searched (once)
            except OSError as exc:
                listed(path, SKIP_UNREADABLE, f"无法判断是文件还是文件夹（{exc.strerror or exc}），未读取",
                       shown=shown(path))
                continue
            if not is_dir and entry.is_symlink() and not os.path.exists(path):
                listed(path, SKIP_UNREADABLE, "链接指向的文件或文件夹不存在（断开的链接），未读取；请重新复制原文件",
                       shown=shown(path))
            elif not is_dir:
                add(path, explicit=False, shown=shown(path))
            elif entry.name.startswith(".") or entry.name == "__MACOSX":  # tool data (.git, macOS forks): named
                listed(path, SKIP_HIDDEN, hidden_folder_reason(path, wanted), shown=shown(path))
            else:
                subfolders.append(path)
        stack.extend(reversed(subfolders))

