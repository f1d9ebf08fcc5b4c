"""One headless LibreOffice per test process, started on first use and reused by every later call.

Starting ``soffice`` costs about 2.4 s of CPU and wall before any work, so the tests' UNO scripts
and conversions (tests/lo_helper.py) all go to one office per process (per xdist worker): an office
on a private pipe with a throw-away profile, and a UNO client that stays connected to it
(tests/lo_host.py, run by the system Python, which has ``uno``). Between calls nothing stays
open: the host closes every document a call opened.

The office never outlives its process: :func:`shutdown` (atexit, and pytest_sessionfinish in
tests/conftest.py) ends it the ordinary way and falls back to killing both process groups; if the
test process dies without that (killed, a crash), the host sees its stdin end or its parent change
and kills the office itself. A call that times out, fails to get an answer, or is interrupted
kills the office and the host; the next call starts a fresh pair. A call never waits past its
timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Any

UNO_PYTHON = "/usr/bin/python3"
HOST = Path(__file__).resolve().with_name("lo_host.py")
QUIT_SECONDS = 20  # the ordinary end (desktop.terminate) before killing
PIPE_DIR = "/tmp"  # where LibreOffice (sal/osl/unx/pipe.cxx) puts its pipes' socket files, whatever TMPDIR says


class LibreOfficeError(RuntimeError):
    """LibreOffice failed, timed out or produced no output."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def child_env() -> dict[str, str]:
    """Environment for the system Python and soffice: no virtualenv/pyenv leakage."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV")}
    env.setdefault("HOME", tempfile.gettempdir())
    env["SAL_USE_VCLPLUGIN"] = "svp"  # headless rendering backend
    return env


def pipe_files(pipe: str, profile_url: str) -> list[str]:
    """The socket files of an office's pipes, which a killed office leaves behind (one that ends removes them):
    the --accept pipe, and the one that keeps a second office off the profile, named after the MD5 of the
    profile's URL in UTF-16 (desktop/source/app/officeipcthread.cxx; each byte in hex without padding)."""
    digest = "".join(format(b, "x") for b in hashlib.md5(profile_url.encode("utf-16-le")).digest())
    return [f"{PIPE_DIR}/OSL_PIPE_{os.getuid()}_{name}" for name in (pipe, f"SingleOfficeIPC_{digest}")]


def _kill_group(proc: subprocess.Popen[bytes] | None) -> None:
    """Kill a process started in a session of its own and all its descendants (its pid is their group's id)."""
    if proc is None:
        return
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


class Office:
    """The office and its UNO host of one process; see the module's docstring."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._office: subprocess.Popen[bytes] | None = None
        self._host: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._profile: Path | None = None
        self._pipe_files: list[str] = []
        self._buffer = b""
        self._ready = False
        self.starts = 0  # offices started (tests/test_lo_office.py counts them)

    # ------------------------------------------------------------------ calls

    def run(self, script: str, args: dict[str, Any], timeout: float) -> Any:
        """Run ``script`` in the office; its ``result``. Raises LibreOfficeError (the office is then ended)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            if os.getpid() != self._owner:  # a forked child: the parent's office is not ours to use or end
                self._forget()
            try:
                if self._host is None or self._host.poll() is not None or self._office is None or \
                        self._office.poll() is not None:  # not started yet, or died since the last call
                    self._end(kill=True)
                    self._start()
                if not self._ready:
                    started = self._answer(deadline, "start")
                    if not started.get("ready"):
                        raise LibreOfficeError(f"LibreOffice did not start: {started.get('error', '')}")
                    self._ready = True
                self._send({"script": script, "args": args})
                reply = self._answer(deadline, "script")
            except BaseException:  # a timeout, a dead host, Ctrl+C in the middle of a call: nothing half-done stays
                self._end(kill=True)
                raise
            if reply.get("restart"):
                self._end(kill=True)
        if not reply.get("ok"):
            raise LibreOfficeError(f"UNO script failed:\n{str(reply.get('error', ''))[-4000:]}")
        return reply.get("result")

    def shutdown(self) -> None:
        """End the office (the ordinary way if it is idle and answers, else killed) and remove its files."""
        with self._lock:
            if os.getpid() == self._owner:
                self._end(kill=False)

    # ------------------------------------------------------------------ the pair of processes

    def _forget(self) -> None:
        self._owner, self._host, self._office, self._log, self._profile = os.getpid(), None, None, None, None
        self._pipe_files, self._buffer, self._ready = [], b"", False

    def _start(self) -> None:
        soffice = soffice_path()
        if soffice is None:
            raise LibreOfficeError("soffice not found")
        self._profile = Path(tempfile.mkdtemp(prefix="lo_profile_"))
        pipe, url = f"xltool_{uuid.uuid4().hex}", self._profile.as_uri()
        self._pipe_files = pipe_files(pipe, url)
        env = child_env()
        # its temporary files (lu*.tmp) in the profile, which goes with it even when it is killed
        (self._profile / "tmp").mkdir()
        office_env = {**env, "TMPDIR": str(self._profile / "tmp")}
        self._office = subprocess.Popen(
            [soffice, f"-env:UserInstallation={url}", "--headless", "--invisible", "--nologo",
             "--norestore", "--nodefault", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=office_env,
            start_new_session=True,
        )
        self._log = tempfile.TemporaryFile(prefix="xltool_uno_host_")
        self._host = subprocess.Popen(
            [UNO_PYTHON, str(HOST), str(self._office.pid), str(self._profile), pipe, *self._pipe_files],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env, start_new_session=True,
        )
        self._buffer, self._ready = b"", False
        self.starts += 1

    def _send(self, message: dict[str, Any]) -> None:
        assert self._host is not None and self._host.stdin is not None
        try:
            self._host.stdin.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
            self._host.stdin.flush()
        except OSError as exc:  # the host died (its reader ends with the office)
            raise LibreOfficeError(f"the UNO host is gone: {exc}\n{self._log_tail()}") from exc

    def _answer(self, deadline: float, what: str) -> dict[str, Any]:
        """The host's next answer line; LibreOfficeError at the deadline or when the host ends first."""
        assert self._host is not None and self._host.stdout is not None
        fd = self._host.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LibreOfficeError(f"LibreOffice timed out ({what})\n{self._log_tail()}")
            readable, _, _ = select.select([fd], [], [], left)
            if readable:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise LibreOfficeError(f"the UNO host ended ({what}, {self._host.poll()})\n{self._log_tail()}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self._log.seek(0, os.SEEK_END)
            self._log.seek(max(0, self._log.tell() - 3000))
            return self._log.read().decode("utf-8", "replace")
        return ""

    def _end(self, *, kill: bool) -> None:
        """End both processes (asking first unless ``kill``) and remove the profile and the pipes' files."""
        host, office = self._host, self._office
        if host is None and office is None:
            return
        if not kill and self._ready and host is not None and host.poll() is None:
            try:
                self._send({"quit": True})
                self._answer(time.monotonic() + QUIT_SECONDS, "quit")
                assert office is not None
                office.wait(timeout=QUIT_SECONDS)
                host.wait(timeout=QUIT_SECONDS)
            except (LibreOfficeError, subprocess.TimeoutExpired, OSError, ValueError):
                pass
        if host is not None and host.poll() is None:
            _kill_group(host)
        _kill_group(office)  # even when oosplash is gone: soffice.bin may not be
        for proc in (host, office):  # reap and close the pipes of the dead
            if proc is not None:
                with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                    proc.communicate(timeout=1)
        if self._log is not None:
            self._log.close()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
        self._remove_pipe_files()
        self._host = self._office = None
        self._log, self._profile, self._buffer, self._ready = None, None, b"", False

    def _remove_pipe_files(self) -> None:
        for name in self._pipe_files:
            with contextlib.suppress(OSError):
                os.unlink(name)
        self._pipe_files = []


OFFICE = Office()
atexit.register(OFFICE.shutdown)


def shutdown() -> None:
    OFFICE.shutdown()
