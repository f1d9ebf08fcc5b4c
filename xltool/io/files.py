"""Writing files without ever leaving a user with a half-written or lost workbook.

Every output goes to a temporary file in the target folder and replaces the target
only once it is complete (``os.replace`` is atomic within one folder), so an error,
a full disk or Ctrl+C leaves either the old file or the new one, never a mixture.
A user's own file is copied aside (``backup_file``) before it is replaced, and an
output that would overwrite one of the inputs is refused before any work starts.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.io.disk_full import disk_full_error, is_disk_full, release_quietly
from xltool.io.tempdirs import held_by_other, start_token, try_lock

LOCKED_MESSAGE = "文件正被 Excel（或 WPS、LibreOffice）打开，无法写入。请先关闭该文件再重试"
_TEMP_MARK = ".xltool-tmp-"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _final_mode(target: Path) -> int:
    """Keep an existing file's permissions; new files get the usual 0666 & ~umask.

    ``mkstemp`` creates 0600 files, which would silently make a shared output private.
    """
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def lock_files(path: Path) -> list[Path]:
    """Owner/lock files that Excel, WPS or LibreOffice keep beside an open workbook.

    Excel writes ``~$名称.xlsx`` (for long names sometimes with the first two
    characters replaced); LibreOffice writes ``.~lock.名称.xlsx#``.
    """
    folder, name = path.parent, path.name
    candidates = [folder / f"~${name}", folder / f".~lock.{name}#"]
    if len(name) > 2:
        candidates.append(folder / f"~${name[2:]}")
    return [c for c in candidates if c.exists()]


def check_not_locked(path: str | os.PathLike[str]) -> None:
    """Refuse to replace a workbook that an office program has open.

    Windows refuses the final ``os.replace`` anyway, but only after all the work;
    checking the owner file first gives the message before anything is written.
    """
    target = Path(path)
    # A lock beside a workbook that does not exist is stale (nothing can be open): no obstacle.
    locks = lock_files(target) if target.exists() else []
    if locks:
        # A lock left by a crashed Excel blocks forever unless the user knows which file to delete.
        raise XltoolError(
            f"{LOCKED_MESSAGE}。发现锁文件：{locks[0]}；如果该文件其实没有打开（例如 Excel 异常退出后留下的锁文件），"
            "删除这个锁文件后重试",
            file=target,
            exit_code=EXIT_INPUT,
            code="output.locked",
        )
    if target.exists():
        try:
            with open(target, "r+b"):
                pass
        except PermissionError:
            raise XltoolError(LOCKED_MESSAGE, file=target, exit_code=EXIT_INPUT, code="output.locked") from None
        except OSError:
            pass


def check_output_dir(output: str | os.PathLike[str]) -> Path:
    """Make sure ``output`` can be written: its folder exists and is writable, it is no folder."""
    target = Path(output)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise XltoolError("输出路径是一个文件夹，请给出文件名（例如 结果.xlsx）", file=target, exit_code=EXIT_INPUT,
                          code="output.invalid")
    if not folder.exists():
        raise XltoolError(f"输出文件夹“{folder}”不存在，请先创建它", file=target, exit_code=EXIT_INPUT,
                          code="output.invalid")
    if not folder.is_dir():
        raise XltoolError(f"“{folder}”不是文件夹，无法在其中写入文件", file=target, exit_code=EXIT_INPUT,
                          code="output.invalid")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise XltoolError(f"没有权限在文件夹“{folder}”中写入文件", file=target, exit_code=EXIT_INPUT,
                          code="output.denied")
    if target.exists() and not os.access(target, os.W_OK):
        raise XltoolError("输出文件为只读，无法覆盖；请去掉只读属性或换一个文件名", file=target, exit_code=EXIT_INPUT,
                          code="output.denied")
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def ensure_not_input(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse an output that is one of the inputs (also through links or letter case)."""
    target = Path(output)
    for source in inputs:
        if _same_file(target, Path(source)):
            raise XltoolError(
                "输出文件不能与输入文件相同，否则原文件会被覆盖；请另选一个输出文件名",
                file=target,
                exit_code=EXIT_INPUT,
                code="output.is_input",
            )


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    On any exception (KeyboardInterrupt included) the temporary file is deleted and
    ``path`` is left exactly as it was. The temporary name keeps the real extension
    because writers such as openpyxl and LibreOffice decide the format by it.
    """
    target = check_output_dir(path)
    folder = target.parent if str(target.parent) else Path(".")
    mode = _final_mode(target)
    temp: Path | None = None
    held: int | None = None  # the temp file's descriptor holding its lock while this run writes (POSIX)
    try:
        # A Ctrl+C between creating the temp file and knowing its name would orphan it;
        # the deferred signal is delivered inside this try, so the cleanup below runs.
        with _sigint_deferred():
            _sweep_orphans(folder, target)
            fd, name = tempfile.mkstemp(prefix=f".{target.stem}{_TEMP_MARK}{_owner_tag()}-", suffix=target.suffix,
                                        dir=folder)
            temp = Path(name)
            if os.name == "posix" and try_lock(fd):
                held = fd  # an advisory lock: the writers' own handles are not hindered
            else:
                os.close(fd)  # Windows: an open handle would block the writer and the final rename
        yield temp
        if not temp.exists() or temp.stat().st_size == 0:
            raise XltoolError("输出文件未能写出（内容为空）", file=target, exit_code=EXIT_INPUT, code="output.failed")
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        with suppress(OSError):
            os.chmod(temp, mode)
        try:
            os.replace(temp, target)
            temp = None
        except OSError as exc:
            if is_disk_full(exc):
                raise
            if not isinstance(exc, PermissionError):
                raise XltoolError(f"无法写入文件（{exc.strerror or exc}）", file=target, exit_code=EXIT_INPUT,
                                  code="output.failed") from None
            raise XltoolError(LOCKED_MESSAGE, file=target, exit_code=EXIT_INPUT, code="output.locked") from None
    except BaseException as exc:
        written = 0
        if temp is not None:
            with suppress(OSError):
                written = temp.stat().st_size
            with suppress(OSError):
                temp.unlink()
        if not isinstance(exc, XltoolError) and is_disk_full(exc):
            error = disk_full_error(target, written)
            release_quietly(exc)
            raise error from None
        raise
    finally:
        if held is not None:
            with suppress(OSError):
                os.close(held)


_ORPHAN_AGE = 24 * 3600  # seconds: where a writer cannot be told apart, its temp file is swept only this old


def _owner_tag() -> str:
    """``<pid>.<start token>``: who writes a temp file, including when that process started (see tempdirs)."""
    pid = os.getpid()
    return f"{pid}.{start_token(pid) or '0'}"


def _sweep_orphans(folder: Path, target: Path) -> None:
    """Delete temporary outputs for ``target`` left by an xltool run that no longer exists.

    Only ``kill -9`` (or a power cut) can leave one: every other ending removes its own.
    The temporary name carries its writer's process id and start time
    (``.<stem>.xltool-tmp-<pid>.<start>-<random>``): a pid reused by another program no
    longer protects an orphan, and a live writer's file (locked, or its pid running with
    the same start time) is never touched. See :func:`_writer_gone`.
    """
    prefix = f".{target.stem}{_TEMP_MARK}"
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(target.suffix)]
    except OSError:
        return
    for name in names:
        with suppress(OSError):
            if _writer_gone(folder / name, name[len(prefix):].split("-", 1)[0]):
                (folder / name).unlink()


def _writer_gone(path: Path, owner: str) -> bool:
    """Whether the run that wrote ``path`` (``owner``: ``pid.start`` or, from older versions, ``pid``) has ended.

    Gone: no process has that pid, or the pid runs with another start time (reused).
    Kept: the file is locked (a live writer, also one in another pid namespace sharing
    the folder), or the pid runs with the same start. Where the start time cannot be read
    (Windows without access to the process, a system without /proc, a name from an older
    version) the file is removed only when untouched for :data:`_ORPHAN_AGE`.
    """
    pid_text, _, token = owner.partition(".")
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if _locked(path):
        return False
    try:
        now = start_token(pid)
    except (OSError, ValueError, OverflowError, AttributeError):  # ctypes, or an odd /proc
        now = "0"
    if pid == os.getpid() and (not token or token == now):
        return False  # this process (another output of the same name, in another thread)
    if token and token != "0" and now is not None and now != "0":
        return now != token
    if now is None and token:
        return True  # no such process: nobody writes this file
    return time.time() - path.stat().st_mtime > _ORPHAN_AGE


def _locked(path: Path) -> bool:
    """Whether a live writer holds the temp file's lock (POSIX; False where there are no such locks)."""
    if os.name != "posix":
        return False
    return held_by_other(path, os.O_RDONLY, absent=True)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold back SIGINT for a few statements, then deliver it (main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from xltool.core.interrupt import STOP_SIGNALS

    caught: list[tuple[int, Any]] = []
    previous: dict[int, Any] = {}
    for signum in STOP_SIGNALS:  # Ctrl+C and, under the CLI, SIGTERM/SIGHUP (core.interrupt)
        handler = signal.getsignal(signum)
        if signum == signal.SIGINT or callable(handler):
            previous[signum] = signal.signal(signum, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            signum, frame = caught[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL and signum == signal.SIGINT:
                raise KeyboardInterrupt


def backup_name(path: Path, when: dt.datetime | None = None) -> Path:
    """``名称.bak-YYYYmmdd-HHMMSS.xlsx`` beside ``path``; ``-2``, ``-3`` … if taken."""
    stamp = (when or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.bak-{stamp}{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.bak-{stamp}-{n}{path.suffix}")
        n += 1
    return candidate


def backup_file(path: str | os.PathLike[str]) -> Path:
    """Copy ``path`` beside itself before it is overwritten; returns the copy's path.

    The copy keeps the timestamps (``copy2``) so the backup still shows when the
    user last saved the original, and is itself written atomically.
    """
    source = Path(path)
    if not source.is_file():
        raise XltoolError("要备份的文件不存在", file=source, exit_code=EXIT_INPUT)
    target = backup_name(source)
    try:
        with atomic_output(target) as temp:
            shutil.copy2(source, temp)
    except XltoolError as exc:
        if getattr(exc, "disk_full", False):
            raise disk_full_error(source, source.stat().st_size, backup=True) from None
        raise
    except PermissionError:
        raise XltoolError("无法读取该文件以制作备份（文件被占用或无权限）", file=source, exit_code=EXIT_INPUT) from None
    return target


def require_suffix(output: str | os.PathLike[str], suffix: str = ".xlsx", message: str | None = None) -> Path:
    """Refuse an output whose extension Excel would not open as intended (one check for all writers)."""
    path = Path(output)
    if path.suffix.lower() != suffix.lower():
        raise XltoolError(message or f"输出文件须以 {suffix} 结尾", file=path, exit_code=EXIT_INPUT, code="output.invalid")
    return path
