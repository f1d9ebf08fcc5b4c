"""Library calls in a small pool of worker processes, so the page keeps answering while they run.

Validation, import, marking and previews are CPU work in Python: run in the server's
own threads they would hold the interpreter lock and slow every other request.
Worker processes (started fresh, not forked from the threaded server) use the
machine's cores and leave the event loop free. A worker killed by a hostile file is
replaced; that request alone gets a Chinese error.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from xltool.core.errors import XltoolError
from xltool.web.errors import WebError

CRASHED = "读取该文件时处理程序异常退出，文件可能已损坏或结构异常；请在 Excel 中打开后另存为 .xlsx 再试"


def _warm() -> None:
    """Load the parser, rules and writers once per worker, not on its first request."""
    import xltool.api.reading  # noqa: F401  (the facade is lazy: load what the calls use, once)
    import xltool.api.writing  # noqa: F401
    from xltool.rules import iter_catalogue

    list(iter_catalogue())


def _call(func: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[str, Any]:
    """Run in a worker: library errors travel back as data (an XltoolError does not pickle whole)."""
    try:
        return "ok", func(*args, **kw)
    except XltoolError as exc:
        return "error", {"message": exc.message, "file": exc.file, "sheet": exc.sheet, "cell": exc.cell,
                         "code": exc.code}
    except MemoryError:
        return "error", {"message": "内存不足，文件过大或结构异常", "file": None, "sheet": None, "cell": None,
                         "code": "file.too_large"}


class Workers:
    """A process pool of ``size`` workers, made on first use and remade if a worker dies."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.size, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_warm)
            return self._pool

    async def run(self, func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        pool = self._executor()
        try:
            kind, value = await asyncio.wrap_future(pool.submit(_call, func, args, kw))
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise WebError(400, "file.damaged", CRASHED) from None
        if kind == "error":
            raise XltoolError(value.pop("message"), **value)
        return value

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
