"""Which files a run reads: one discovery for ``validate``, ``merge`` and ``import``.

A reviewer's folder holds more than the departments' tables: Excel's ``~$`` lock
files, hidden copies, and xltool's own outputs — backups made before marking or
overwriting, ``--mark-to`` copies, an earlier summary. Reading those would count the
same money twice, so every run expands its inputs here, and every file found is
accounted for: read, or skipped with the precise reason (named on the console and,
for merge, in 文件清单).

Own outputs are recognised by name (``io.files.backup_name``) before reading, and by
content (the sheets only xltool writes) once the sheet names are known, see
:func:`own_output_reason`.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.names import MARKED_COPY_PROPERTY, MARKS_SHEET, SUMMARY_FILES_SHEET, SUMMARY_PROJECTS_SHEET

# Suffixes read as workbooks; the safety gate judges the bytes, these only select files in folders.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".ods", ".xlsb", ".et"})
# Found in workbook folders and listed as skipped (with what to do): they often hold the same tables.
NOTED_SUFFIXES: dict[str, str] = {
    ".docx": "这是 Word 文档，请先用 xltool import 导入为工作簿后再汇总",
    ".doc": "这是旧版 Word 文档，请先另存为 .docx，再用 xltool import 导入后汇总",
    ".wps": "这是 WPS 文字文档，请先另存为 .docx，再用 xltool import 导入后汇总",
}

# Why a file is listed but not read; LOCK/HIDDEN/OWN are not the user's problem (no exit 1).
SKIP_LOCK = "lock"
SKIP_HIDDEN = "hidden"
SKIP_OWN = "own"  # xltool's own output: backup, marked copy, summary
SKIP_NOTED = "noted"  # a document to convert first

LOCK_REASON = "Excel、WPS 或 LibreOffice 打开工作簿时生成的临时锁文件，不是工作簿"
HIDDEN_REASON = "隐藏文件，不作为输入"
SUMMARY_REASON = "xltool merge 生成的汇总表，不作为输入（其中的金额已来自各单位的原表）"

_BACKUP_STEM = re.compile(r"^(?P<stem>.+)\.bak-\d{8}-\d{6}(?:-\d+)?$")
_CUSTOM_PROP = re.compile(
    r'name="' + re.escape(MARKED_COPY_PROPERTY) + r'"[^>]*>\s*<vt:lpwstr[^>]*>(?P<value>[^<]*)</vt:lpwstr>'
)
_CUSTOM_PART_MAX = 64 * 1024


@dataclass(frozen=True)
class InputFile:
    """One file found; ``skip`` says why it is listed but not read ("" = read it)."""

    index: int
    path: Path
    skip: str = ""
    kind: str = ""  # SKIP_* when skipped
    explicit: bool = False  # named on the command line, not found in a folder
    shown: str = ""  # the summary's name for it when not its path as given (see :func:`discover`)

    @property
    def display(self) -> str:
        return str(self.path)

    @property
    def in_summary(self) -> str:
        """How the merge summary (its columns, 文件清单, console lines) names the file."""
        return self.shown or str(self.path)

    @property
    def quiet(self) -> bool:
        """Skipped for a reason that is no problem of the inputs (locks, hidden, own outputs)."""
        return self.kind in (SKIP_LOCK, SKIP_HIDDEN, SKIP_OWN)


@dataclass
class Discovery:
    files: list[InputFile] = field(default_factory=list)
    ignored: int = 0  # other files in folders (pictures, PDFs …)

    @property
    def to_read(self) -> list[InputFile]:
        return [f for f in self.files if not f.skip]

    @property
    def skipped(self) -> list[InputFile]:
        return [f for f in self.files if f.skip]

    def notice_lines(self) -> list[str]:
        """One console line per skipped file, naming it and the reason."""
        return [f"已跳过 {f.display}：{f.skip}" for f in self.skipped]


def backup_source(path: Path) -> str:
    """The original's file name when ``path`` is named like an xltool backup, else ""."""
    match = _BACKUP_STEM.match(path.stem)
    return f"{match['stem']}{path.suffix}" if match else ""


def backup_reason(original: str) -> str:
    return f"xltool 在标注或覆盖“{original}”之前保存的备份，不作为输入（以原文件为准）"


def marked_copy_reason(original: str) -> str:
    return f"xltool validate --mark-to 生成的标注副本（原文件：{original}），不作为输入"


def marked_copy_source(path: Path) -> str:
    """The source's name recorded in a ``--mark-to`` copy ("" for anything else).

    Read from the package's small custom-properties part, never from sheets; a damaged
    or foreign file simply is not a marked copy.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("docProps/custom.xml")
            if info.file_size > _CUSTOM_PART_MAX:
                return ""
            text = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return ""
    match = _CUSTOM_PROP.search(text)
    return html.unescape(match["value"]).strip() if match else ""


def own_output_reason(sheet_names: Iterable[str], path: Path | None = None) -> str:
    """Why a workbook with these sheets is xltool's own output, or "" when it is not.

    A summary has 项目汇总 and 文件清单. A marked workbook has the marks sheet; only a
    ``--mark-to`` copy (it records its source) is skipped — a file marked in place is
    still the department's own table.
    """
    names = set(sheet_names)
    if SUMMARY_PROJECTS_SHEET in names and SUMMARY_FILES_SHEET in names:
        return SUMMARY_REASON
    if MARKS_SHEET in names and path is not None:
        source = marked_copy_source(path)
        if source:
            return marked_copy_reason(source)
    return ""


def _by_name(path: Path) -> tuple[str, str]:
    """(kind, reason) for what the name alone tells."""
    from xltool.io.gate import is_lock_or_hidden

    if is_lock_or_hidden(path):
        if path.name.startswith(("~$", ".~lock.")):
            return SKIP_LOCK, LOCK_REASON
        return SKIP_HIDDEN, HIDDEN_REASON
    original = backup_source(path)
    if original:
        return SKIP_OWN, backup_reason(original)
    return "", ""


def discover(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    suffixes: Iterable[str] = WORKBOOK_SUFFIXES,
    noted: dict[str, str] | None = None,
) -> Discovery:
    """Expand files and folders (recursively, in name order) into the files to list.

    Files in folders are taken when their suffix is in ``suffixes`` (``noted`` ones are
    listed as skipped with their advice); files named explicitly are always listed.
    Lock files, hidden files and xltool's backups are listed as skipped whether found
    in a folder or named (a shell's ``*.xlsx`` names them all); hidden folders are not
    entered; a file named twice is listed once.
    """
    wanted = {s.lower() for s in suffixes}
    noted = NOTED_SUFFIXES if noted is None else noted
    found = Discovery()
    seen: set[str] = set()

    def add(path: Path, *, explicit: bool, shown: str = "") -> None:
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            return
        suffix = path.suffix.lower()
        if not explicit and suffix not in wanted and suffix not in noted:
            found.ignored += 1
            return
        kind, reason = _by_name(path)
        if not kind and suffix in noted and suffix not in wanted:
            kind, reason = SKIP_NOTED, noted[suffix]
        seen.add(key)
        found.files.append(InputFile(len(found.files), path, reason, kind, explicit, shown))

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            # A folder given by its full path (dragged onto the console) is shown from its own
            # name down: "各单位\民政局\表.xlsx", the part a printed summary has room for.
            base = path.parent if path.is_absolute() and path.name else None
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                for name in sorted(names):
                    file = Path(folder) / name
                    add(file, explicit=False, shown=str(file.relative_to(base)) if base else "")
        elif path.exists() or path.is_symlink():
            add(path, explicit=True)
        else:
            raise XltoolError("输入的文件或文件夹不存在，请检查路径", file=path, exit_code=EXIT_INPUT)
    return found
