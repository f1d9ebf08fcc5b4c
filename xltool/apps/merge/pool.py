"""Running the reads: in-process for a few files, else in a pool of forked workers.

A file that raises, exhausts its memory limit or kills its worker is reported as
failed for that file alone; results reach the caller one file at a time, in any order.
"""

from __future__ import annotations

import gc
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from xltool.core.interrupt import STOP_SIGNALS, default_stop_signals, die_with_parent, lifeline
from . import reading
from .records import POOL_MIN_FILES, FileResult, ReadItem, ReadOptions

_DEFAULT_JOBS_CAP = 4
WORKER_NICENESS = 10  # below the writing parent (Unix; ignored elsewhere)
IN_FLIGHT_PER_WORKER = 3  # chunks queued per worker: enough to keep it busy, bounded in memory


def _quiet_stdio() -> None:
    """A worker writes nothing: stdout and stderr go to /dev/null, so it never holds the caller's
    pipe and a native crash (calamine's allocation failure) shows no English text."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def _child_init(parent: int, read_end: int | None) -> None:
    """Every forked helper: default stop signals (the parent owns the cleanup), die with the parent."""
    default_stop_signals()
    die_with_parent(parent, read_end)
    _quiet_stdio()


def _worker_init(memory_mb: int, parent: int = 0, read_end: int | None = None) -> None:
    """Workers leave Ctrl-C to the parent and get an address-space limit, so a runaway
    file raises MemoryError inside its own try/except instead of starving the machine.

    They also run at a lower priority: the parent, writing rows in input order, is the
    critical path, and the user's machine stays responsive during a long merge.
    """
    _child_init(parent or os.getppid(), read_end)
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # Windows has no nice(); the pool works the same
        pass
    if memory_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no limit, isolation still holds
        pass


def default_jobs() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _DEFAULT_JOBS_CAP))


def _pool_context() -> Any:
    import multiprocessing

    # fork starts a worker in milliseconds with the parser already imported, but only a
    # single-threaded process may fork: a child forked while another thread (a web server's
    # request or job thread) holds a lock waits on that lock for ever.
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        if threading.active_count() == 1:
            return multiprocessing.get_context("fork")
        return multiprocessing.get_context("spawn")  # its parent is this process (forkserver's is not)
    return multiprocessing.get_context()


def _freeze() -> bool:
    """Freeze the heap before forking workers, unless the host process froze its own: ``gc.unfreeze``
    afterwards would release the host's frozen objects too (a server or a test run that froze what it
    imported would find them scanned by every collection again). Then the workers inherit as they are."""
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _chunks(items: list[ReadItem], jobs: int) -> list[list[ReadItem]]:
    """Chunks that shrink towards the end (guided scheduling): big ones while there is
    plenty left, single files last, so no worker sits idle while another finishes a
    long last chunk."""
    chunks: list[list[ReadItem]] = []
    i = 0
    while i < len(items):
        size = max(1, min(16, (len(items) - i) // (jobs * 4)))
        chunks.append(items[i : i + size])
        i += size
    return chunks


def read_all(
    items: list[ReadItem], on_result: Callable[[FileResult], None], *, jobs: int, options: ReadOptions
) -> None:
    """Read ``(index, path)`` items, calling ``on_result`` once per file, in any order.

    With a pool, a worker's death (BrokenProcessPool) loses only the unfinished
    chunks: they are re-run file by file in a fresh pool, and files still unfinished
    after a second death run one at a time, so exactly the file that kills its
    worker is reported as failed.
    """
    if jobs <= 1 or len(items) < POOL_MIN_FILES:
        for index, path, shown in items:
            on_result(reading.read_file(index, path, options, shown))
        return
    pending = _chunks(items, jobs)
    for _ in range(2):
        pending = _run_pool(pending, on_result, jobs=jobs, options=options)
        if not pending:
            return
        pending = [[item] for chunk in pending for item in chunk]
    _run_isolated([item for chunk in pending for item in chunk], on_result, options=options)


def _new_pool(jobs: int, options: ReadOptions) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=_pool_context(), initializer=_worker_init,
        initargs=(options.memory_mb, os.getpid(), lifeline()),
    )


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool now (Ctrl+C, SIGTERM): kill its workers instead of waiting for their chunks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except RuntimeError:  # stopped while the pool was starting its manager thread ("cannot join thread before
        pass  # it is started"): nothing of it runs yet; the interrupt, not this, is what the user must see
    for process in processes:
        try:
            process.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass


def _close(pool: ProcessPoolExecutor, *, stopping: bool) -> None:
    if stopping:
        stop_pool(pool)
    else:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Stop signals wait (pending) while the main thread takes the pool's and its futures' locks.

    A signal handler that raises (Ctrl+C; SIGTERM and SIGHUP under the CLI) can do so right after
    ``with future._condition:`` acquired its lock and before the block began, or between two of the
    locks ``concurrent.futures.wait`` takes in a loop: the lock then stays held by the main thread
    for good, the pool's manager thread blocks on it, and the cleanup joining that thread waits for
    ever (a merge hung after SIGHUP; tests/test_pool_interrupt.py). Held here, the signal is
    delivered when the short section ends, where nothing is held. Waiting itself stays
    interruptible: results are awaited on a queue (:func:`_finished`). Forked workers unblock the
    signals first thing (:func:`xltool.core.interrupt.default_stop_signals`).
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal that arrived just before is handled right after the blocking call returns: read the mask
    # first and block inside ``try``, or its interrupt would leave the signals blocked for good (threads
    # started later inherit the mask, so no later stop signal would ever arrive).
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _finished(future: Future[Any], done: queue.SimpleQueue[Any]) -> None:
    """Put ``future`` on ``done`` when it finishes (at once if it has): results are awaited on a
    queue, never with ``concurrent.futures.wait`` or a blocking ``Future.result``."""
    with _signals_held():
        future.add_done_callback(done.put)


def _done_result(future: Future[Any]) -> Any:
    """The result (or exception) of a finished future."""
    with _signals_held():
        return future.result()


def _submit(pool: ProcessPoolExecutor, func: Callable[..., Any], *args: Any) -> Future[Any]:
    with _signals_held():  # the first submit forks the workers: a signal then is held, not lost in an at-fork hook
        return pool.submit(func, *args)


def _result(future: Future[Any]) -> Any:
    """``future.result()``, awaited on a queue (see :func:`_signals_held`)."""
    done: queue.SimpleQueue[Any] = queue.SimpleQueue()
    _finished(future, done)
    done.get()
    return _done_result(future)


def _run_pool(
    chunks: list[list[ReadItem]], on_result: Callable[[FileResult], None], *, jobs: int, options: ReadOptions
) -> list[list[ReadItem]]:
    """Run chunks in one pool; return the chunks lost to a worker's death.

    At most ``IN_FLIGHT_PER_WORKER`` chunks per worker are handed out at a time: when the
    parent (writing as results arrive) is slower than the workers, finished results would
    otherwise pile up in memory, growing with the number of tables.
    """
    lost: list[list[ReadItem]] = []
    workers = min(jobs, len(chunks))
    # Objects that exist now are the workers' inheritance: frozen, no collection in a worker
    # touches (and so copies) their pages (the gc module's advice for fork without exec).
    frozen = _pool_context().get_start_method() == "fork" and _freeze()
    pool = _new_pool(workers, options)
    todo = iter(enumerate(chunks))
    running: dict[Any, list[ReadItem]] = {}
    done: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def hand_out() -> bool:
        for k, chunk in todo:
            try:
                future = _submit(pool, reading.read_chunk, chunk, options)
            except BrokenProcessPool:  # a worker died while chunks were still being handed out
                lost.extend([chunk] + [c for _, c in todo])
                return False
            running[future] = chunk
            _finished(future, done)
            if len(running) >= workers * IN_FLIGHT_PER_WORKER:
                break
        return True

    try:
        alive = hand_out()
        while running:
            future = done.get()
            chunk = running.pop(future)  # a finished future holds its results: let them go
            try:
                results = _done_result(future)
            except BrokenProcessPool:
                lost.append(chunk)
                alive = False
                continue
            except Exception as exc:  # e.g. a result that cannot be sent back
                results = [reading.failed(i, f"读取时程序出错（{type(exc).__name__}）") for i, *_ in chunk]
            for result in results:
                on_result(result)
            if alive:
                alive = hand_out()
        lost.extend(c for _, c in todo)  # not handed out after a death: re-run by the caller
    finally:  # on Ctrl+C, SIGTERM or a failing callback the workers are killed, not waited for
        _close(pool, stopping=sys.exc_info()[0] is not None)
        if frozen:
            gc.unfreeze()
    return lost


def _run_isolated(
    items: list[ReadItem], on_result: Callable[[FileResult], None], *, options: ReadOptions
) -> None:
    """One file at a time in a single worker: a death now names its file."""
    pool: ProcessPoolExecutor | None = None
    try:
        for index, path, shown in items:
            pool = pool or _new_pool(1, options)
            try:
                on_result(_result(_submit(pool, reading.read_file, index, path, options, shown)))
            except BrokenProcessPool:
                on_result(reading.failed(index, "读取该文件时进程异常退出（文件可能已损坏或占用内存过多）"))
                pool.shutdown(wait=True)
                pool = None
    finally:
        if pool is not None:
            _close(pool, stopping=sys.exc_info()[0] is not None)


class Beside:
    """``func(*args)`` run in one forked process while the caller goes on (``result()`` joins).

    Where fork is not available (Windows), or the process cannot start or dies, the
    call runs in the caller instead: slower, never a different answer.
    """

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self.func, self.args = func, args
        self.pool: ProcessPoolExecutor | None = None
        self.future: Any = None
        context = _pool_context()
        if context.get_start_method() != "fork":
            return
        frozen = _freeze()  # as for the pool: the child's collections leave the inherited heap alone
        try:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_child_init,
                                            initargs=(os.getpid(), lifeline()))
            self.future = _submit(self.pool, func, *args)
        except (OSError, BrokenProcessPool):
            self.close()
        finally:
            if frozen:
                gc.unfreeze()

    def result(self) -> Any:
        try:
            if self.future is not None:
                try:
                    return _result(self.future)
                except BrokenProcessPool:
                    pass
            return self.func(*self.args)
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            _close(self.pool, stopping=sys.exc_info()[0] is not None)
            self.pool = self.future = None
