"""Temporary folders that say who owns them, so what a killed run left behind can be cleared.

``kill -9``, a power cut or an out-of-memory kill gives a run no chance to remove its working
folder (a merge's is ~10 MB). Each folder is therefore named ``<prefix><pid>-<start>-<random>``:
the owner's process id and a token of that process's start time (so a recycled pid is not
mistaken for the owner). While the run lives it also holds a lock on ``.owner`` inside the
folder, which protects it from a sweeper in another pid namespace sharing the same TMPDIR.
:func:`sweep_stale` removes a folder only when its owner is provably gone: the pid is not
running with that start token, and (where locks exist) nobody holds the lock.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

OWNER_FILE = ".owner"
_NAME = re.compile(r"^\.?xltool-[a-z]+-(\d{1,10})-([0-9a-z]{1,20})-[0-9a-f]{8}$")


def start_token(pid: int) -> str | None:
    """A token of when process ``pid`` started (base 36), ``"0"`` where the system cannot
    tell, None when no such process runs."""
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] in ("Z", "X"):  # a zombie has ended; only its exit status is left
            return None
        return _base36(int(fields[19]))  # starttime, clock ticks since boot
    if os.name == "nt":
        return _windows_start(pid)
    try:
        os.kill(pid, 0)  # POSIX without /proc: existence only
    except ProcessLookupError:
        return None
    except OSError:
        pass  # exists, owned by someone else
    return "0"


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _windows_start(pid: int) -> str | None:
    import ctypes
    from ctypes import wintypes

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return None if ctypes.GetLastError() == 87 else "0"  # type: ignore[attr-defined]  # 87: no such process
    try:
        created, ended, kernel_t, user_t = (wintypes.FILETIME() for _ in range(4))
        code = wintypes.DWORD()
        if kernel.GetExitCodeProcess(handle, ctypes.byref(code)) and code.value != 259:  # not STILL_ACTIVE
            return None
        if not kernel.GetProcessTimes(handle, *(ctypes.byref(t) for t in (created, ended, kernel_t, user_t))):
            return "0"
        return _base36((created.dwHighDateTime << 32) | created.dwLowDateTime)
    finally:
        kernel.CloseHandle(handle)


def try_lock(handle: int) -> bool:
    """Take the exclusive lock on an open ``.owner`` file without waiting; False if held."""
    try:
        import fcntl
    except ImportError:
        try:
            import msvcrt
        except ImportError:
            return True
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


@contextmanager
def owned_tempdir(kind: str, root: str | os.PathLike[str] | None = None, *, hidden: bool = False) -> Iterator[str]:
    """A private temporary folder ``xltool-<kind>-<pid>-<start>-<random>``, removed on exit.

    Stale folders of earlier runs (any kind) in the same place are swept first. ``hidden``: the
    name starts with a dot (a staging folder inside a user's folder, which discovery passes over).
    """
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    sweep_stale(base)
    folder = make_owned_dir(kind, base, hidden=hidden)
    try:
        yield str(folder)
    finally:
        release(folder)  # first: Windows cannot remove a folder with an open file
        shutil.rmtree(folder, ignore_errors=True)


def make_owned_dir(kind: str, base: Path | None = None, *, hidden: bool = False) -> Path:
    """Create the owned folder and its locked ``.owner`` file (the lock lasts while the
    process lives: the descriptor is kept open on purpose when the caller does not close it)."""
    base = base if base is not None else Path(tempfile.gettempdir())
    pid = os.getpid()
    folder = base / f"{'.' if hidden else ''}xltool-{kind}-{pid}-{start_token(pid) or '0'}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    handle = os.open(folder / OWNER_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try_lock(handle)
    _HELD[str(folder)] = handle
    return folder


_HELD: dict[str, int] = {}  # owned folder → descriptor holding its lock (this process's lifetime)


def release(folder: str | os.PathLike[str]) -> None:
    """Drop the lock of a folder made by :func:`make_owned_dir` (before removing it)."""
    handle = _HELD.pop(str(folder), None)
    if handle is not None:
        with suppress(OSError):
            os.close(handle)


def is_owned(name: str) -> bool:
    """Whether ``name`` is the name of a folder made by :func:`make_owned_dir`."""
    return bool(_NAME.match(name))


def is_stale(folder: Path) -> bool:
    """Whether ``folder`` is an owned folder whose owner is gone (False when unsure)."""
    match = _NAME.match(folder.name)
    if not match or not folder.is_dir() or folder.is_symlink():
        return False
    pid, token = int(match.group(1)), match.group(2)
    if pid == os.getpid():
        return str(folder) not in _HELD and not _locked_by_other(folder)
    now = start_token(pid)
    if now is not None and (now == token or "0" in (now, token)):
        return False  # the owner (or a process we cannot tell from it) still runs
    return not _locked_by_other(folder)


def _locked_by_other(folder: Path) -> bool:
    # no lock file: made before the lock existed, or the owner died in between
    return held_by_other(folder / OWNER_FILE, os.O_RDWR, absent=False)


def held_by_other(path: Path, mode: int, *, absent: bool) -> bool:
    """Whether a live process holds ``path``'s lock; ``absent``: the answer when there is no such file.
    When the file cannot be opened for another reason, it is held (cannot tell: leave it)."""
    try:
        handle = os.open(path, mode)
    except FileNotFoundError:
        return absent
    except OSError:
        return True
    try:
        return not try_lock(handle)
    finally:
        os.close(handle)


def sweep_stale(base: str | os.PathLike[str] | None = None) -> list[str]:
    """Remove the owned folders in ``base`` (default: TMPDIR) whose owner is gone; their names."""
    base = Path(base) if base is not None else Path(tempfile.gettempdir())
    removed: list[str] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(("xltool-", ".xltool-")) or not _NAME.match(entry.name):
            continue
        folder = Path(entry.path)
        with suppress(OSError):
            if is_stale(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(entry.name)
    return removed
