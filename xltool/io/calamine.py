"""Workbook files → grids through python-calamine, behind the file gate (the parser is the layer above)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.io.numfmt import apply_percents, find_percents, show_uncached, uncached_formulas
from xltool.io.gate import MAX_COLS, MAX_ROWS, check_for_calamine, open_checked_calamine


def grids_from_calamine(path: Path) -> list[Grid]:
    """All sheets through python-calamine (fast, no styles), behind the safety gate.

    xlsx cell extents are checked before calamine sees the file. For .xls and .ods no
    such cheap check exists, and calamine aborts the whole process on a far-away cell;
    those are read in a forked child so a crash becomes a message, not a dead program.
    """

    path = Path(path)
    parts: dict[str, bytes] = {}  # the gate's decompressed xl/*.xml parts, reused for the number formats
    cut: dict[str, bytes] = {}  # huge sheets cut after the rows read, loaded instead of the whole sheet
    kind = check_for_calamine(path, keep=parts, cut=cut)
    if kind in ("xls", "ods") and _CHILD_CONTEXT is not None:
        return _grids_in_child(path, kind)
    # calamine gives no number formats: percent cells from the styles part, found before calamine
    # reads so the kept parts are freed first
    percents = find_percents(path, parts) if kind == "xlsx" else {}
    formulas = uncached_formulas(path, parts) if kind == "xlsx" else {}
    parts.clear()
    grids = _grids_from_workbook(open_checked_calamine(path, kind, measured=True, replaced=cut), path)
    apply_percents(grids, percents)
    show_uncached(grids, formulas)  # a formula saved without its result is said, never read as empty
    return grids


def _grids_from_workbook(workbook: Any, path: Path) -> list[Grid]:

    grids: list[Grid] = []
    try:
        metas = {m.name: m for m in workbook.sheets_metadata}
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
            truncated = len(rows) > MAX_ROWS
            rows = [[None if v == "" else v for v in row[:MAX_COLS]] for row in rows[:MAX_ROWS]]
            visible = str(getattr(metas.get(name), "visible", "visible")).lower()
            grid = Grid(rows=rows, name=name, hidden="visible" not in visible or "hidden" in visible)
            if truncated:
                grid.meta["truncated_rows"] = MAX_ROWS
            grids.append(grid)
    except XltoolError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged parts
        raise XltoolError(f"工作簿内容损坏，无法读取（{type(exc).__name__}）", file=path, code="file.damaged") from exc
    return grids


def _fork_context() -> Any:
    import multiprocessing

    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # Windows: no fork; read in-process
        return None


_CHILD_CONTEXT = _fork_context()


_CHILD_TIMEOUT = 120.0


_CHILD_MEMORY = 2 << 30


def _child_read(path: str, kind: str, conn: Any, parent: int = 0, read_end: int | None = None) -> None:
    """In the forked child: silence stderr (calamine's panic text is English), cap memory, read."""
    from xltool.core.interrupt import default_stop_signals, die_with_parent

    default_stop_signals()  # the parent owns the cleanup; a SIGTERM ends this child at once
    die_with_parent(parent or os.getppid(), read_end)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY, _CHILD_MEMORY))
    except (OSError, ValueError, ImportError):
        pass

    try:
        grids = _grids_from_workbook(open_checked_calamine(Path(path), kind), Path(path))  # type: ignore[arg-type]
        conn.send(("ok", grids))
    except XltoolError as exc:
        conn.send(("error", exc.message))
    except MemoryError:
        conn.send(("error", "文件结构异常，读取所需内存过大"))
    finally:
        conn.close()


def _grids_in_child(path: Path, kind: str) -> list[Grid]:
    ctx = _CHILD_CONTEXT
    if threading.active_count() > 1:  # a child forked beside other threads can hang on a lock they held
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    from xltool.core.interrupt import lifeline

    child = ctx.Process(target=_child_read, args=(str(path), kind, sender, os.getpid(), lifeline()), daemon=True)
    child.start()
    sender.close()
    try:
        if receiver.poll(_CHILD_TIMEOUT):
            status, payload = receiver.recv()
        else:
            status, payload = "error", f"读取超时（超过 {int(_CHILD_TIMEOUT)} 秒），文件可能结构异常"
    except EOFError:  # the child died without a word: calamine aborted
        status, payload = "error", "文件结构异常（可能有内容误填在很远的单元格中），读取时程序中止"
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    if status != "ok":
        raise XltoolError(payload, file=path, code="file.damaged")
    return payload
