"""Library calls in a small pool of worker processes, so the page keeps answering while they run.

Validation, import, marking and previews are CPU work in Python: run in the server's
own threads they would hold the interpreter lock and slow every other request.
Worker processes (forked from the fork server's warm process, never from the threaded server;
spawned fresh where there is none) use the machine's cores and leave the event loop free.

Each worker has its own pipe, watched by the event loop itself: a call is one write
and one read, with no manager or feeder thread in between (the standard process pool
costs four thread wake-ups per call, which on a loaded 2-core machine was a good part
of a small validation's latency). A worker killed by a hostile file is replaced and
that request alone gets a Chinese error; a call that runs past ``timeout`` has its
worker killed and replaced the same way.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import pickle
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any, Callable

from xltool.core.errors import XltoolError
from xltool.web.errors import WebError

CRASHED = "读取该文件时处理程序异常退出，文件可能已损坏或结构异常；请在 Excel 中打开后另存为 .xlsx 再试"
TIMED_OUT = "处理超时（文件过大或结构异常），已停止；请检查文件后重试"
STOPPING = "服务器正在停止，请稍后重试"
BIG_SEND = 256 * 1024  # larger requests are written from a thread (a pipe holds 64 KB; the loop must not wait)


WARM = "xltool.web.warm"


def _context() -> Any:
    """The fork server where there is one: a worker forked from its warm, single-threaded process starts in
    milliseconds instead of importing everything again (a fresh interpreter, as on Windows, takes a second)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([WARM])  # read when the server starts (once per process)
        return context
    return multiprocessing.get_context("spawn")


def _warm() -> None:
    """Load the parser, rules and writers once per worker, not on its first request (a no-op when forked warm)."""
    import importlib

    importlib.import_module(WARM)


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
    except Exception as exc:  # noqa: BLE001 - re-raised in the server, where it becomes a 500 without details
        return "raise", RuntimeError(f"{type(exc).__name__}: {exc}")


def _serve(conn: Connection) -> None:
    """A worker's life: warm up, then answer one pickled call at a time until the pipe closes."""
    _warm()
    while True:
        try:
            request = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            func, args, kw = pickle.loads(request)
            answer = pickle.dumps(_call(func, args, kw), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an unpicklable call or result
            answer = pickle.dumps(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
        try:
            conn.send_bytes(answer)
        except (OSError, KeyboardInterrupt):
            return


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self) -> None:
        context = _context()
        self.conn, child = context.Pipe(duplex=True)
        # Not a daemon: reading .ods or .xls may start helper processes of its own (a daemon may not).
        self.process = context.Process(target=_serve, args=(child,), name="xltool-worker")
        self.process.start()
        child.close()

    def stop(self, *, wait: float = 5.0) -> None:
        try:
            self.conn.close()  # the worker sees the end of its pipe and returns
        except OSError:
            pass
        self.process.join(wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class Workers:
    """``size`` worker processes, started on first use (or by :meth:`start`) and replaced when one dies."""

    def __init__(self, size: int, *, timeout: float = 900.0) -> None:
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: list[_Worker] = []
        self._started = 0  # workers alive, idle or busy
        self._waiting: list[asyncio.Future[None]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._all: set[_Worker] = set()
        atexit.register(self.shutdown)  # before multiprocessing's own exit hook, which waits for the workers

    def start(self) -> None:
        """Start every worker now (blocking: call from a thread), so the first requests find them warm."""
        while True:
            with self._lock:
                if self._closed or self._started >= self.size:
                    return
                self._started += 1
            try:
                worker = self._new()
            except WebError:  # shut down meanwhile
                return
            except OSError:  # cannot start one now (no processes left, no temp folder): the first request
                return  # tries again and answers in Chinese; this thread prints no English traceback
            self._release(worker)  # a request may have started waiting while this worker was starting

    def _new(self) -> _Worker:
        """A started worker, or WebError if :meth:`shutdown` ran while it was starting (it is stopped, not leaked)."""
        try:
            worker = _Worker()
        except BaseException:
            self._release(None)  # a waiter may now start one itself
            raise
        with self._lock:
            closed = self._closed
            if closed:
                self._started -= 1
            else:
                self._all.add(worker)
        if closed:  # shutdown() did not see this worker: a live pipe would keep it (and the interpreter's exit) waiting
            worker.stop()
            raise WebError(503, "server.stopping", STOPPING)
        return worker

    async def _acquire(self) -> _Worker:
        while True:
            with self._lock:
                if self._closed:
                    raise WebError(503, "server.stopping", STOPPING)
                if self._idle:
                    return self._idle.pop()
                if self._started < self.size:
                    self._started += 1
                    spawn = True
                else:
                    spawn = False
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiting.append(waiter)
            if spawn:  # in a thread: the first start also starts the fork server, which imports for a second
                return await asyncio.to_thread(self._new)
            try:
                await waiter
            finally:
                with self._lock:
                    if waiter in self._waiting:
                        self._waiting.remove(waiter)

    def _release(self, worker: _Worker | None) -> None:
        """A worker back to the idle list (None: it died and was removed); the first waiter is woken."""
        with self._lock:
            if worker is None:
                self._started -= 1
            elif self._closed:
                worker.stop(wait=0)
            else:
                self._idle.append(worker)
            waiters, self._waiting = self._waiting, []
        for waiter in waiters:  # each retries; the ones that lose go back to waiting
            loop = waiter.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(lambda w=waiter: w.done() or w.set_result(None))

    def _discard(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.stop(wait=5)
        with self._lock:
            self._all.discard(worker)
        self._release(None)

    async def run(self, func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        request = pickle.dumps((func, args, kw), protocol=pickle.HIGHEST_PROTOCOL)
        worker = await self._acquire()
        try:
            if len(request) > BIG_SEND:
                await asyncio.to_thread(worker.conn.send_bytes, request)
            else:
                worker.conn.send_bytes(request)
            answer = await self._answer(worker.conn)
        except asyncio.TimeoutError:  # first: it is an OSError since Python 3.11
            await asyncio.to_thread(self._discard, worker)
            raise WebError(400, "file.damaged", TIMED_OUT) from None
        except (EOFError, OSError):
            await asyncio.to_thread(self._discard, worker)
            raise WebError(400, "file.damaged", CRASHED) from None
        except BaseException:  # cancelled (the client left): the worker is busy until it answers
            threading.Thread(target=self._drain, args=(worker,), daemon=True).start()
            raise
        self._release(worker)
        kind, value = pickle.loads(answer)
        if kind == "error":
            raise XltoolError(value.pop("message"), **value)
        if kind == "raise":
            raise value
        return value

    async def _answer(self, conn: Connection) -> bytes:
        """The worker's answer: the event loop watches the pipe (a thread does where it cannot, as on Windows)."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = conn.fileno()
        try:
            if sys.platform == "win32":  # a pipe handle is no socket: select() of a selector loop would fail on it
                raise NotImplementedError
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        except NotImplementedError:  # Windows (proactor or selector loop), or a loop without add_reader
            if not await asyncio.to_thread(conn.poll, self.timeout):
                raise asyncio.TimeoutError from None
            return conn.recv_bytes()
        try:
            await asyncio.wait_for(ready, self.timeout)
        finally:
            loop.remove_reader(fd)
        return conn.recv_bytes()

    def _drain(self, worker: _Worker) -> None:
        """After a cancelled call: wait for the worker's answer (dropped), then give the worker back."""
        try:
            if worker.conn.poll(self.timeout):
                worker.conn.recv_bytes()
                self._release(worker)
                return
        except (EOFError, OSError):
            pass
        self._discard(worker)

    def shutdown(self) -> None:
        """Stop every worker: idle ones leave at once, a busy one after its call (killed if it takes > 5 s)."""
        with self._lock:
            self._closed = True
            self._idle = []
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()
