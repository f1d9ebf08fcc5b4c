"""A full disk (or an exhausted quota), recognised however deep a library wraps it, and said in Chinese.

xlsxwriter, openpyxl, sqlite and zipfile each report ENOSPC their own way; every writer
of xltool words it once, here: what is free, what the output needs, that nothing was left.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from xltool.core.errors import EXIT_INPUT, XltoolError

_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG})
_DISK_FULL_WORDS = ("disk is full", "No space left", "Disk quota exceeded")


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps: xlsxwriter's FileCreateError, sqlite's "disk is full")
    comes from a full disk or an exhausted quota."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen or len(seen) > 20:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno in _DISK_FULL_ERRNOS:
            return True
        if any(word in str(item) for word in _DISK_FULL_WORDS):
            return True
        todo += [item.__cause__, item.__context__, *item.args]
    return False


def _mb(size: int) -> str:
    """Megabytes, with two decimals below 10 MB (small disks: 0.14 MB free, 0.15 MB needed)."""
    mb = max(size, 0) / (1024 * 1024)
    return f"{mb:.2f} MB" if mb < 10 else f"{mb:.1f} MB"


def disk_full_error(target: str | os.PathLike[str], written: int = 0, *, backup: bool = False,
                    what: str | None = None) -> XltoolError:
    """The Chinese message for a write that ran out of space: the output, what is free, what it needs.

    ``written`` is how far the output got before the disk filled: the complete file needs
    more than that, and never less than the file it replaces.
    """
    path = Path(target)
    folder = path if path.is_dir() else path.parent if str(path.parent) else Path(".")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = 0
    try:
        previous = path.stat().st_size if path.is_file() else 0
    except OSError:
        previous = 0
    need = max(written, previous, 64 * 1024)
    what = what or ("无法在覆盖该文件之前为它保存备份，因此没有写出任何内容" if backup else "未能写出该文件")
    error = XltoolError(
        f"磁盘空间不足，{what}（原有文件未改动，未留下临时文件）。所在磁盘只剩 {_mb(free)}，"
        f"至少需要 {_mb(need)} 以上的可用空间：请清理该磁盘，或把输出换到空间充足的位置后重试",
        file=path,
        exit_code=EXIT_INPUT,
        code="output.disk_full",
    )
    error.disk_full = True  # type: ignore[attr-defined]  (backup_file names the file it protects)
    return error


def release_quietly(exc: BaseException) -> None:
    """Let the writer objects a failed write left in ``exc``'s frames go now, without a word.

    An xlsxwriter/openpyxl zip still open on a full disk fails again when it is collected,
    and Python prints that as "Exception ignored … Traceback" at exit: clear the frames,
    collect, and swallow those second failures (the user already has the Chinese message).
    """
    import gc
    import sys
    import traceback

    chain: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and item not in chain and len(chain) < 20:
        chain.append(item)
        item = item.__cause__ or item.__context__
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        for item in chain:
            if item.__traceback__ is not None:
                traceback.clear_frames(item.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
