"""The UNO side of the tests' shared LibreOffice (the test process's side is tests/lo_office.py).

Runs under the system Python, which has ``uno``:
``python3 lo_host.py OFFICE_PID PROFILE_DIR PIPE PIPE_FILE...`` (the files: the office's socket files).
It connects to the headless office its owner started on the private pipe PIPE, says
``{"ready": true}`` on stdout, then serves requests read from stdin, one JSON object a line:

* ``{"script": text, "args": {...}}`` runs the script (what it sees: tests/lo_helper.py) and answers
  ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": traceback}``. Every document the call
  opened is closed before the answer; ``"restart": true`` in the answer means the office is not fit
  for another call (it died, or a document would not close) and this host is ending.
* ``{"quit": true}`` ends the office the ordinary way (``desktop.terminate()``), answers, and exits.

When stdin ends or the owner dies without a ``quit`` (killed, Ctrl+C, a crash), the office's
process group is killed and its profile folder removed, so it never outlives the test process.
"""

import contextlib
import io
import json
import os
import queue
import shutil
import signal
import sys
import threading
import time
import traceback

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

OFFICE_PID, PROFILE_DIR, PIPE, PIPE_FILES = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
OWNER = os.getppid()
CONNECT_SECONDS = 120
_quitting = threading.Event()
_ending = threading.Lock()

# Answers go to the real stdout; anything else printed (a script's print, a child process) goes to stderr.
_answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr


def answer(message):
    _answers.write(json.dumps(message, ensure_ascii=False, default=str) + "\n")
    _answers.flush()


def kill_office_and_exit(code=1):
    """The office's whole group (oosplash and soffice.bin), then its profile and pipes' files; never returns.

    Whichever thread comes first does it all; another one waits here until the process is gone."""
    _ending.acquire()
    with contextlib.suppress(OSError):
        os.killpg(OFFICE_PID, signal.SIGKILL)
    shutil.rmtree(PROFILE_DIR, ignore_errors=True)
    for name in PIPE_FILES:
        with contextlib.suppress(OSError):
            os.unlink(name)
    os._exit(code)


def office_alive():
    try:
        with open(f"/proc/{OFFICE_PID}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def read_requests(inbox):
    for line in sys.stdin:
        inbox.put(line)
    if not _quitting.is_set():  # the owner closed the pipe or died: nobody will ever ask for a quit
        kill_office_and_exit()


def watch_owner():
    while True:
        time.sleep(0.5)
        if os.getppid() != OWNER and not _quitting.is_set():
            kill_office_and_exit()


def connect():
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            return resolver.resolve("uno:pipe,name=" + PIPE + ";urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline or not office_alive():
                raise
            time.sleep(0.1)


def props(**kw):
    return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())


def namespace(ctx, desktop, args):
    """What a script sees (documented in tests/lo_helper.py)."""

    def load(path, **kw):
        kw.setdefault("Hidden", True)
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        doc = desktop.loadComponentFromURL(url, "_blank", 0, props(**kw))
        if doc is None:
            raise RuntimeError("LibreOffice could not open " + path)
        return doc

    def store(doc, path, filter_name):
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)), props(FilterName=filter_name, Overwrite=True))

    return dict(desktop=desktop, ctx=ctx, smgr=ctx.ServiceManager, uno=uno, ARGS=args, props=props, load=load,
                store=store, result=None, __name__="__uno_script__")


def components(desktop):
    found = []
    enum = desktop.Components.createEnumeration()
    while enum.hasMoreElements():
        found.append(enum.nextElement())
    return found


def close_new(desktop, before):
    """Close every document that was not open before the call; False if one stays open."""
    for doc in components(desktop):
        if any(doc == old for old in before):
            continue
        try:
            doc.close(True)
        except Exception:  # a close veto or no XCloseable: dispose it
            with contextlib.suppress(Exception):
                doc.dispose()
    return len(components(desktop)) <= len(before)


def serve(ctx, desktop, request):
    try:
        before = components(desktop)
    except Exception:  # the office died since the last call
        return {"ok": False, "error": "LibreOffice is gone:\n" + traceback.format_exc(), "restart": True}
    reply = {"ok": False}
    output = io.StringIO()
    try:
        code = compile(request["script"], "<uno script>", "exec")
        scope = namespace(ctx, desktop, request.get("args") or {})
        with contextlib.redirect_stdout(output):
            exec(code, scope)
        reply = {"ok": True, "result": json.loads(json.dumps(scope.get("result"), ensure_ascii=False, default=str))}
    except BaseException:  # the script's own failure (SystemExit included): it goes back to the test
        reply["error"] = traceback.format_exc() + output.getvalue()[-1000:]
    try:
        clean = office_alive() and close_new(desktop, before)
    except Exception:
        clean = False
    if not clean:
        reply["restart"] = True
    return reply


def main():
    try:
        serve_requests()
    finally:  # any way out but a quit (a broken answer pipe: the owner died mid-call) ends the office too
        kill_office_and_exit()


def serve_requests():
    inbox = queue.Queue()
    threading.Thread(target=read_requests, args=(inbox,), daemon=True).start()
    threading.Thread(target=watch_owner, daemon=True).start()
    try:
        ctx = connect()
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    except Exception:
        answer({"ok": False, "error": "LibreOffice did not answer on its pipe:\n" + traceback.format_exc(),
                "restart": True})
        kill_office_and_exit()
    answer({"ready": True})
    while True:
        request = json.loads(inbox.get())
        if request.get("quit"):
            _quitting.set()
            with contextlib.suppress(Exception):
                desktop.terminate()
            answer({"ok": True})
            os._exit(0)
        reply = serve(ctx, desktop, request)
        answer(reply)
        if reply.get("restart"):
            kill_office_and_exit()


if __name__ == "__main__":
    main()
