"""Ending a run on a signal the way Ctrl+C ends it.

``timeout``, ``kill``, a service manager or CI stop a program with SIGTERM; closing
the terminal sends SIGHUP. Python's default for both is to die on the spot, skipping
every ``finally``: workers, the temporary output and the merge's temporary folder are
left behind. The CLI installs :func:`install_stop_signals`, which turns them into
:class:`Interrupted` (a ``KeyboardInterrupt``), so every cleanup written for Ctrl+C runs.
The exit status is the shell's convention, 128 + the signal number: 130 for Ctrl+C
(SIGINT), 129 for SIGHUP, 143 for SIGTERM.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import traceback
from typing import Any

STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_NAMES = {"SIGINT": "Ctrl+C", "SIGTERM": "终止信号 SIGTERM", "SIGHUP": "终端关闭信号 SIGHUP"}


class Interrupted(KeyboardInterrupt):
    """A stop signal, raised in the main thread like Ctrl+C; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int = int(signal.SIGINT)) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def what(self) -> str:
        """The signal in words for the console (Chinese)."""
        try:
            return _NAMES.get(signal.Signals(self.signum).name, f"信号 {self.signum}")
        except ValueError:
            return f"信号 {self.signum}"


def exit_code_of(exc: BaseException) -> int:
    """130 for a plain Ctrl+C, 128 + the signal for :class:`Interrupted`."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + int(signal.SIGINT)


_stopping = False


_hook_before_stop: Any = None


def _raise_interrupted(signum: int, frame: Any) -> None:
    """The first stop signal raises; later ones are ignored so the cleanup it started can finish."""
    global _stopping, _hook_before_stop
    if _stopping:
        return
    _stopping = True
    _hook_before_stop, sys.unraisablehook = sys.unraisablehook, _quiet_while_stopping
    raise Interrupted(signum)


def _quiet_while_stopping(unraisable: Any) -> None:
    """An object finalised while the run ends on a stop signal may fail in its ``__del__`` (a ZIP
    archive whose save the signal cut short: "Exception ignored in ZipFile.__del__", an English
    traceback); the run has already said it was interrupted and what it left, so nothing is printed."""


def _release_stopped_work(exc: BaseException | None) -> None:
    """Let go, now, of what the work a stop cut short still holds, and finalise it while failures of
    finalisers are not printed (see :func:`_quiet_while_stopping`).

    The frames of the interrupted call stay alive in the tracebacks of the exception on its way out
    (the ``SystemExit`` of a CLI, its ``KeyboardInterrupt`` as context), and with them their locals:
    openpyxl's half-written ZipFile. Left to the end of the interpreter, after the hook was given back,
    its ``__del__`` printed "Exception ignored … Traceback" in English under the Chinese message.
    Clearing the finished frames' locals finalises such objects here; a collection takes those in
    reference cycles."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)  # a frame still running is left as it is
        pending += [current.__cause__, current.__context__]
    gc.collect()


def install_stop_signals() -> dict[int, Any]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread (CLI only).

    A signal the caller set to be ignored (``nohup``, a shell's background job) stays ignored.
    Returns the handlers replaced, for :func:`restore_signals` (a CLI run inside another
    program, such as a test runner, gives them back).
    """
    global _stopping
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    _stopping = False
    for signum in STOP_SIGNALS:
        try:
            handler = signal.getsignal(signum)
            if handler is signal.SIG_IGN:
                continue
            signal.signal(signum, _raise_interrupted)
            previous[signum] = handler
        except (OSError, ValueError):  # not settable here: keep the default
            pass
    return previous


def restore_signals(previous: dict[int, Any]) -> None:
    """Give back the handlers :func:`install_stop_signals` replaced; after a stop, first release what the
    interrupted work holds (called from a ``finally``: the exception on its way out is the current one)."""
    global _hook_before_stop
    if _hook_before_stop is not None:
        _release_stopped_work(sys.exc_info()[1])
        sys.unraisablehook, _hook_before_stop = _hook_before_stop, None
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        except (OSError, ValueError, TypeError):
            pass


def default_stop_signals() -> None:
    """In a forked worker: SIGTERM/SIGHUP kill it at once (the parent owns the cleanup), SIGINT is ignored.

    The parent forks with the stop signals held (merge's pool); the worker takes them again here.
    """
    for signum in STOP_SIGNALS:
        try:
            signal.signal(signum, signal.SIG_IGN if signum == signal.SIGINT else signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
EXIT_PARENT_GONE = 70  # a worker whose parent vanished (never seen by a user: nobody waits for it)
_lifeline: tuple[int, int] | None = None  # (read, write): the parent holds the write end for its whole life


def lifeline() -> int | None:
    """The read end of a pipe whose write end only this (parent) process holds.

    When the parent dies, however (kill -9 included), the kernel closes its end and every
    worker reading the pipe sees end-of-file: the portable way to notice an orphaning.
    """
    global _lifeline
    if not hasattr(os, "fork"):
        return None
    if _lifeline is None:
        read, write = os.pipe()
        _lifeline = (read, write)
    return _lifeline[0]


def die_with_parent(parent: int, read_end: int | None) -> None:
    """In a forked child: exit as soon as ``parent`` is gone, never outlive it as an orphan.

    Linux delivers SIGKILL on the parent's death (PR_SET_PDEATHSIG); elsewhere, and as a
    second guard, a daemon thread waits on the lifeline pipe. Either way no orphan keeps
    reading files or holds the caller's stdout open after ``kill -9`` of the main process.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if read_end is not None and _lifeline is not None:
        import threading

        try:
            os.close(_lifeline[1])  # the inherited write end: only the parent may keep the pipe open
        except OSError:
            pass

        def watch() -> None:
            try:
                while os.read(read_end, 1):
                    pass
            except OSError:
                pass
            os._exit(EXIT_PARENT_GONE)

        threading.Thread(target=watch, name="xltool-lifeline", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the guards were set
        os._exit(EXIT_PARENT_GONE)
