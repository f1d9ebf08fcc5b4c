"""The zygote of tests/warm_cli.py: imports the CLI once, then forks one fresh-looking ``python -m`` per request.

It runs in its own interpreter (started by warm_cli with ``-c``, this file loaded by path) and
stays single-threaded so that forking it is safe. The protocol, on a SOCK_SEQPACKET Unix socket,
one JSON message each: ``{"ready", "environ", "seconds"}`` once; per request ``{"id", "module",
"args", "cwd", "env", "memory"}`` with the run's stdout and stderr write ends attached
(SCM_RIGHTS), answered by ``{"id", "pid"}`` (or ``{"id", "refused"}``), later ``{"id", "status"}``
(``os.waitstatus_to_exitcode``). End of file on the socket: kill the sessions still running, exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

_MESSAGE = 1 << 20  # largest message (argv + environment) on the socket


def serve(control: int, preload: list[str]) -> None:
    """Import ``preload``, then fork one child per request until the socket closes."""
    import gc
    import importlib
    import select

    started = time.perf_counter()
    sock = socket.socket(fileno=control)
    for name in preload:
        importlib.import_module(name)
    threads = _thread_count()
    if threads != 1:
        sock.send(json.dumps({"ready": False, "threads": threads}).encode())
        return
    gc.collect()
    gc.freeze()  # the imported heap is never scanned (nor its pages copied) by the children's collections
    sock.send(json.dumps({"ready": True, "environ": dict(os.environ),
                          "seconds": time.perf_counter() - started}).encode())
    poller = select.poll()  # select.poll holds no descriptor a child would inherit
    poller.register(control, select.POLLIN)
    children: dict[int, tuple[int, int]] = {}  # pidfd → (run id, pid)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd != control:
                    run_id, pid = children.pop(fd)
                    poller.unregister(fd)
                    os.close(fd)
                    _, status = os.waitpid(pid, 0)
                    _reply(sock, {"id": run_id, "status": os.waitstatus_to_exitcode(status)})
                    continue
                data, fds, _, _ = socket.recv_fds(sock, _MESSAGE, 2)
                if not data:
                    return
                request = json.loads(data)
                try:
                    refused = _refusal(request)
                    if refused:
                        _reply(sock, {"id": request["id"], "refused": refused})
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        _child(request, fds, [control, *children])  # never returns
                    pidfd = os.pidfd_open(pid)
                    children[pidfd] = (request["id"], pid)
                    poller.register(pidfd, select.POLLIN)
                    _reply(sock, {"id": request["id"], "pid": pid})
                finally:
                    for passed in fds:
                        os.close(passed)
    finally:  # the parent is gone: end what it started, leave nothing behind
        for pidfd, (_, pid) in children.items():
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
            os.close(pidfd)


def _reply(sock: socket.socket, message: dict[str, Any]) -> None:
    try:
        sock.send(json.dumps(message).encode())
    except OSError:  # the parent is gone; the loop sees the end of file next
        pass


def _thread_count() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return threading.active_count()


def _refusal(request: dict[str, Any]) -> str:
    """Why this zygote cannot run the request as a fresh interpreter would ("" if it can)."""
    top = request["module"].partition(".")[0]
    loaded = sys.modules.get(top)
    if loaded is None:
        return ""
    first = sys.path[0]
    sys.path[0] = request["cwd"]  # where a fresh -m interpreter in that folder looks first
    try:  # every finder, in order (an editable install's finder is not on sys.path)
        here = next((spec for finder in sys.meta_path
                     if (spec := getattr(finder, "find_spec", lambda *a: None)(top, None)) is not None), None)
    finally:
        sys.path[0] = first
    if here is None or getattr(loaded, "__file__", None) != here.origin:
        return f"{top} in {request['cwd']} is not the zygote's {getattr(loaded, '__file__', None)}"
    return ""


def _child(request: dict[str, Any], fds: list[int], inherited: list[int]) -> None:
    """In the forked child: become the fresh ``python -m`` process, run, exit as it would."""
    code = 127
    try:
        os.setsid()
        for fd in inherited:
            os.close(fd)  # the control socket's object is never closed again: os._exit below
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, target in ((null, 0), (fds[0], 1), (fds[1], 2)):
            os.dup2(fd, target)
            os.close(fd)
        if request["memory"]:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile
        import types

        tempfile.tempdir = None  # found again from this run's TMPDIR
        sys.argv = ["-m", *request["args"]]
        sys.orig_argv = [sys.executable, "-m", request["module"], *request["args"]]
        sys.path[0] = os.getcwd()  # what -m puts first
        import builtins

        main = types.ModuleType("__main__")  # a fresh interpreter's __main__, not the zygote's
        main.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = main
        code = _interpret(request["module"])
    except BaseException as exc:  # the harness itself failed: say so where the caller looks
        try:
            os.write(2, f"warm_cli: the child failed before running: {exc!r}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _interpret(module: str) -> int:
    """Run ``module`` as ``-m`` does and finish as Py_RunMain would; the exit status."""
    import atexit as exits
    import gc
    import runpy

    code = 0
    interrupted = False
    try:
        runpy._run_module_as_main(module, alter_argv=True)  # type: ignore[attr-defined]
    except SystemExit as exc:
        code = _system_exit(exc)
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # from runpy's frame on, as printed by Python
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        code = 1
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # join non-daemon threads, run their exit hooks
    except BaseException:
        pass
    exits._run_exitfuncs()
    gc.collect()
    if not _flush_std():
        code = 120
    if interrupted:  # Python re-raises an unhandled Ctrl+C as a death by SIGINT
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    return code


def _system_exit(exc: SystemExit) -> int:
    value = exc.code
    if value is None:
        return 0
    if isinstance(value, int):  # (int)PyLong_AsLong(value); the kernel keeps the low 8 bits
        return value & 0xFF if -(1 << 63) <= value < (1 << 63) else 255
    try:
        sys.stderr.write(f"{value}\n")
    except Exception:
        pass
    return 1


def _flush_std() -> bool:
    ok = True
    out = getattr(sys, "stdout", None)
    if out is not None and not getattr(out, "closed", False):
        try:
            out.flush()
        except Exception as exc:
            ok = False
            try:
                sys.stderr.write(f"Exception ignored in: {out!r}\n{type(exc).__name__}: {exc}\n")
            except Exception:
                pass
    err = getattr(sys, "stderr", None)
    if err is not None and not getattr(err, "closed", False):
        try:
            err.flush()
        except Exception:
            ok = False
    return ok
