"""A warm runner for ``python -m xltool …`` in tests: fork a pre-imported zygote instead of starting Python.

Why: a fresh interpreter pays ~0.4 s of start-up and imports (click, pydantic, the parser, the rules,
openpyxl, calamine) before a command does a few milliseconds of work; the CLI-heavy test files run
hundreds of commands. Here a *zygote* (one per test process and start-up environment, started lazily
as a fresh ``sys.executable``, so it never inherits a busy, threaded pytest) imports those modules
once, stays single-threaded, and forks one child per run (tests/warm_zygote.py). The child becomes what
``subprocess.Popen([sys.executable, "-m", "xltool", *args], start_new_session=True, preexec_fn=<RLIMIT_AS>)``
would have started: its own session, the memory limit, the cwd, ``os.environ`` replaced, stdin from
/dev/null, stdout/stderr on pipes the caller reads (passed over a Unix socket), ``sys.argv`` as ``-m``
sets it, the module run by ``runpy`` as ``__main__`` in a fresh ``__main__`` module, then the
interpreter's exit: ``SystemExit`` codes (None → 0, int, anything else printed → 1), an uncaught
exception's traceback (without this file's frame) → 1, an uncaught ``KeyboardInterrupt`` ends by SIGINT,
non-daemon threads joined and ``threading`` exit hooks run (``threading._shutdown()``), ``atexit``
handlers, a garbage collection (finalizers of cycles), stdio flushed (a failed stdout flush → 120),
``os._exit``. The zygote reaps the child (pidfd) and reports its status; a death by signal is a
negative code, as with subprocess. The zygote exits when its parent closes the socket or dies
(EOF), killing the sessions of runs still going; nothing is written to disk.

Fidelity, and where the runner steps aside (:func:`popen` falls back to a real subprocess):

* What an interpreter decides at start cannot differ per run: one zygote serves only runs whose
  environment matches the one it was started with on :data:`STARTUP_PREFIXES`/:data:`STARTUP_NAMES`
  (LANG, LC_*, PYTHON*, TZ, LD_*, openpyxl's and Rust's switches; HOME if the user site is on). A run
  with other values gets (up to :data:`MAX_ZYGOTES`) another zygote started with them; what start-up
  added to the environment (C-locale coercion's ``LC_CTYPE``) is added to the child's too.
* ``TMPDIR`` may differ: the child forgets ``tempfile.tempdir`` so it is looked up again.
* No custom ``preexec_fn`` (e.g. dropping capabilities, which takes effect only at exec) and no other
  ``argv0``: the caller runs those as real subprocesses. A cwd that does not exist, or one whose own
  copy of the module would shadow the zygote's, is refused, and falls back.
* Modules are pre-imported: a run may find modules in ``sys.modules`` that a fresh one would import
  later (or never); tests of what a command imports must use a real interpreter. ``PYTHONHASHSEED`` is
  the zygote's for all its runs. Module globals are not torn down at exit (no ``__del__`` of them).
* ``XLTOOL_WARM_CLI=0`` turns the runner off (every run a real subprocess).

The test files that use it keep some runs on real fresh interpreters on purpose (see each file); the
runner's own tests (tests/test_warm_cli.py) compare it with real ``python -m`` runs.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PRELOAD = (
    "xltool", "xltool.cli", "xltool.api", "xltool.apps.merge", "xltool.apps.importer", "xltool.apps.validate",
    "xltool.write.template", "xltool.write.marking", "xltool.write.summary", "xltool.parse.reader", "xltool.rules",
    "xltool.io.calamine", "openpyxl", "python_calamine", "pydantic", "xlsxwriter",
)
STARTUP_PREFIXES = ("PYTHON", "LC_", "LD_", "MALLOC_", "OPENPYXL_", "RUST_")
STARTUP_NAMES = ("LANG", "LANGUAGE", "TZ", "GLIBC_TUNABLES")
MAX_ZYGOTES = 4
_MESSAGE = 1 << 20  # largest message on the socket (as in warm_zygote.py)
_ZYGOTE = str(Path(__file__).with_name("warm_zygote.py"))
_BOOT = (  # loaded from its file: no tests/ on the zygote's (and so its runs') sys.path
    "import importlib.util as u, sys\n"
    "spec = u.spec_from_file_location('_warm_zygote', sys.argv[1])\n"
    "m = u.module_from_spec(spec); spec.loader.exec_module(m)\n"
    "m.serve(int(sys.argv[2]), sys.argv[3].split(','))\n"
)


# ---------------------------------------------------------------------------
# The caller's side


def enabled() -> bool:
    return os.environ.get("XLTOOL_WARM_CLI", "1") != "0" and hasattr(os, "fork") and hasattr(os, "pidfd_open") \
        and hasattr(socket, "send_fds")


def startup_key(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The part of an environment a Python interpreter reads once, at start."""
    names = set(STARTUP_NAMES)
    import site

    if site.ENABLE_USER_SITE:  # the user's site-packages directory is found from HOME at start
        names.add("HOME")
    return tuple(sorted((k, v) for k, v in env.items() if k in names or k.startswith(STARTUP_PREFIXES)))


class ZygoteGone(RuntimeError):
    """The zygote died or refused: the caller runs the command as a real subprocess."""


class _Pending:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.finished = threading.Event()
        self.pid = 0
        self.status: int | None = None
        self.refused = ""


class _Zygote:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.owner = os.getpid()  # a process forked from the test process must not use (or shut) this socket
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = mine
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, _ZYGOTE, str(theirs.fileno()), ",".join(PRELOAD)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            pass_fds=[theirs.fileno()], start_new_session=True,
        )
        theirs.close()
        self.diagnostics = b""
        self.threads = [threading.Thread(target=self._drain, args=(stream,), daemon=True)
                        for stream in (self.proc.stdout, self.proc.stderr)]  # the zygote writes nothing unless it fails
        for thread in self.threads:
            thread.start()
        self.lock = threading.Lock()
        self.pending: dict[int, _Pending] = {}
        self.next_id = 0
        self.dead = False
        hello = self._recv()
        if hello is None or not hello.get("ready"):  # it failed to import, or is not single-threaded
            self.close()
            raise ZygoteGone(f"the zygote did not start: {self.diagnostics.decode(errors='replace')[-2000:]}")
        self.added = {k: v for k, v in hello["environ"].items() if env.get(k) != v}  # start-up's own additions
        self.startup_seconds = hello["seconds"]
        self.threads.append(threading.Thread(target=self._dispatch, daemon=True))
        self.threads[-1].start()

    def _drain(self, stream: Any) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            self.diagnostics = (self.diagnostics + chunk)[-8192:]
        stream.close()

    def _recv(self) -> dict[str, Any] | None:
        try:
            data = self.sock.recv(_MESSAGE)
        except OSError:
            return None
        return json.loads(data) if data else None

    def _dispatch(self) -> None:
        while (message := self._recv()) is not None:
            with self.lock:
                pending = self.pending.get(message["id"])
            if pending is None:
                continue
            if "pid" in message:
                pending.pid = message["pid"]
                pending.started.set()
            elif "refused" in message:
                pending.refused = message["refused"]
                pending.started.set()
                pending.finished.set()
            else:
                pending.status = message["status"]
                pending.finished.set()
        with self.lock:
            self.dead = True
            for pending in self.pending.values():
                pending.refused = pending.refused or "the zygote exited"
                pending.started.set()
                pending.finished.set()

    def start(self, request: dict[str, Any], fds: list[int]) -> tuple[int, _Pending]:
        pending = _Pending()
        with self.lock:
            if self.dead:
                raise ZygoteGone("the zygote exited")
            self.next_id += 1
            run_id = self.next_id
            self.pending[run_id] = pending
            request = {**request, "id": run_id, "env": {**request["env"], **self.added}}
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
        pending.started.wait()
        if pending.refused:
            with self.lock:
                self.pending.pop(run_id, None)
            raise ZygoteGone(pending.refused)
        return run_id, pending

    def forget(self, run_id: int) -> None:
        with self.lock:
            self.pending.pop(run_id, None)

    def close(self) -> None:
        if os.getpid() != self.owner:
            return
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for thread in self.threads:  # gone with the zygote: later tests see this process as it was
            if thread is not threading.current_thread():
                thread.join(10)


_zygotes: dict[tuple[tuple[str, str], ...], _Zygote | None] = {}
_zygotes_lock = threading.Lock()


def _zygote_for(env: dict[str, str]) -> _Zygote | None:
    key = startup_key(env)
    with _zygotes_lock:
        if key in _zygotes:
            zygote = _zygotes.pop(key)
            if zygote is not None and zygote.owner != os.getpid():  # in a fork of the test process
                _zygotes[key] = zygote
                return None
            if zygote is None or not zygote.dead:
                _zygotes[key] = zygote
                return zygote
            zygote.close()  # it died (its runs said so): reap it, start another
        if sum(z is not None for z in _zygotes.values()) >= MAX_ZYGOTES:
            return None
        try:
            zygote = _Zygote(env)
        except (OSError, ZygoteGone, subprocess.TimeoutExpired) as exc:
            print(f"warm_cli: no zygote ({exc}); running real subprocesses", file=sys.stderr)
            zygote = None
        _zygotes[key] = zygote
        return zygote


@atexit.register
def shutdown() -> None:
    """Close every zygote (they kill what they still run) and wait for them."""
    with _zygotes_lock:
        zygotes = [z for z in _zygotes.values() if z is not None]
        _zygotes.clear()
    for zygote in zygotes:
        zygote.close()


def zygote_pids() -> list[int]:
    with _zygotes_lock:
        return [z.proc.pid for z in _zygotes.values() if z is not None]


class WarmProcess:
    """The part of :class:`subprocess.Popen` (text mode, both pipes) that the tests use."""

    def __init__(self, args: list[str], zygote: _Zygote, run_id: int, pending: _Pending, out: int, err: int) -> None:
        self.args = args
        self.pid = pending.pid
        self.returncode: int | None = None
        self.warm = True
        self._zygote, self._run_id, self._pending = zygote, run_id, pending
        self._chunks: dict[int, list[bytes]] = {out: [], err: []}
        self._out, self._err = out, err
        self._open = {out, err}

    def _read(self, deadline: float | None) -> bool:
        """Read both pipes until end of file (True) or the deadline (False)."""
        with selectors.DefaultSelector() as selector:
            for fd in self._open:
                selector.register(fd, selectors.EVENT_READ)
            while self._open:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                for key, _ in selector.select(left):
                    data = os.read(key.fd, 65536)
                    if data:
                        self._chunks[key.fd].append(data)
                    else:
                        selector.unregister(key.fd)
                        self._open.discard(key.fd)
                        os.close(key.fd)
        return True

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._pending.finished.wait(timeout):
                raise subprocess.TimeoutExpired(self.args, timeout)
            self._zygote.forget(self._run_id)
            if self._pending.status is None:  # the zygote died: the child's status is lost
                raise ZygoteGone(self._pending.refused or "no exit status")
            self.returncode = self._pending.status
        return self.returncode

    def poll(self) -> int | None:
        return self.wait(0) if self._pending.finished.is_set() else None

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._read(deadline):
            raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self._text(self._out), self._text(self._err)

    def _text(self, fd: int) -> str:
        """Decoded as ``subprocess`` does in text mode (locale encoding, universal newlines)."""
        data = b"".join(self._chunks[fd]).decode(locale.getpreferredencoding(False))
        return data.replace("\r\n", "\n").replace("\r", "\n")

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __del__(self) -> None:
        for fd in getattr(self, "_open", ()):
            try:
                os.close(fd)
            except OSError:
                pass


def start(args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
          memory: int | None = None, module: str = "xltool") -> WarmProcess | None:
    """``python -m module *args`` forked from a zygote, or None when it cannot be done faithfully."""
    if not enabled():
        return None
    env = dict(os.environ if env is None else env)
    directory = os.path.abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
    if not os.path.isdir(directory):
        return None
    zygote = _zygote_for(env)
    if zygote is None:
        return None
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    request = {"module": module, "args": [os.fspath(a) for a in args], "cwd": directory, "env": env,
               "memory": memory}
    try:
        run_id, pending = zygote.start(request, [out_w, err_w])
    except (ZygoteGone, OSError):
        for fd in (out_r, err_r):
            os.close(fd)
        return None
    finally:
        os.close(out_w)
        os.close(err_w)
    return WarmProcess([sys.executable, "-m", module, *request["args"]], zygote, run_id, pending, out_r, err_r)


def _limit(memory: int | None) -> Any:
    if memory is None:
        return None

    def preexec() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return preexec


def popen(args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
          memory: int | None = None, module: str = "xltool", warm: bool = True,
          preexec: Callable[[], None] | None = None) -> WarmProcess | subprocess.Popen[str]:
    """A warm run if possible, else the real ``subprocess.Popen`` (its own session, pipes, text, stdin
    from /dev/null). A ``preexec`` (run in the child, e.g. dropping capabilities for the exec) is a
    real run always; ``memory`` is the RLIMIT_AS of either."""
    if warm and preexec is None:
        proc = start(args, cwd=cwd, env=env, memory=memory, module=module)
        if proc is not None:
            return proc
    real = subprocess.Popen([sys.executable, "-m", module, *map(os.fspath, args)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env=None if env is None else dict(env), preexec_fn=preexec or _limit(memory),
                            start_new_session=True)
    real.warm = False  # type: ignore[attr-defined]
    return real


def run(args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
        memory: int | None = None, timeout: float | None = None, module: str = "xltool",
        warm: bool = True) -> subprocess.CompletedProcess[str]:
    """Like ``subprocess.run(..., capture_output=True, text=True)``; on timeout the session is killed."""
    proc = popen(args, cwd=cwd, env=env, memory=memory, module=module, warm=warm)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess([sys.executable, "-m", module, *map(os.fspath, args)], proc.returncode,
                                       out, err)


def describe(proc: Any) -> str:
    """"warm" or "real": for messages of failing tests."""
    return "warm" if getattr(proc, "warm", False) else "real"


__all__ = ["popen", "run", "start", "shutdown", "startup_key", "enabled", "WarmProcess", "zygote_pids", "describe"]


def session_gone(pgid: int) -> bool:
    """No process of the session (process group) ``pgid`` is left: a run's workers died with it."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False
