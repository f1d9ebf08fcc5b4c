"""The offline bundle of tests/test_bundle.py, built in the background from the start of the run.

Building it is mostly waiting for the package index (pip downloads ~30 Windows wheels), which
would hold a test worker idle for tens of seconds. So one process of the run (xdist worker gw0,
or the only process) starts the very same build as soon as collection shows the bundle tests
are selected (tests/conftest.py), in a folder every worker can see; the ``bundle`` fixture then
takes the finished build from there (whichever worker runs it) instead of building its own.
The build is the CLI run exactly as the fixture ran it; only its start time moves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PY = "3.11"
ZIP_NAME = "xltool-离线安装包.zip"
_STARTED, _DONE = "started", "done.json"

# Run in a child process: probe the index, build with the CLI in a folder named in Chinese with a space.
_SCRIPT = r'''
import json, subprocess, sys, zipfile
from pathlib import Path
base, py, zip_name = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
def pip(*args, timeout):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)
result = {}
try:
    probe = pip("download", "--no-deps", "--only-binary=:all:", "--platform", "win_amd64", "--python-version", py,
                "-d", str(base / "probe"), "packaging", timeout=120)
    if probe.returncode != 0:
        result["skip"] = "no package index reachable (pip download failed): " + probe.stderr.strip()[-300:]
    else:
        folder = base / "离线 安装"
        folder.mkdir()
        done = subprocess.run([sys.executable, "-m", "xltool", "bundle", "windows", "-o", zip_name, "--python", py],
                              cwd=folder, capture_output=True, text=True, timeout=540, check=False)
        result.update(returncode=done.returncode, stdout=done.stdout, stderr=done.stderr)
        if done.returncode == 0:
            with zipfile.ZipFile(folder / zip_name) as zf:
                zf.extractall(base / "解压 后")
except BaseException as exc:  # a timeout or a crash: said, not waited for
    result["error"] = repr(exc)
tmp = base / "done.json.tmp"
tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
tmp.replace(base / "done.json")
'''

_running: subprocess.Popen[bytes] | None = None


def run_folder(basetemp: Path) -> Path:
    """The folder of this test run that every xdist worker sees (a worker's basetemp is ``<run>/popen-gwN``)."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def shared_folder(basetemp: Path) -> Path:
    """Where the bundle is built in the background, once per run."""
    return run_folder(basetemp) / "bundle-prebuilt"


def start(folder: Path) -> None:
    """Start the build in the background (once per run: the first caller makes the folder)."""
    global _running
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        return
    (folder / _STARTED).write_text(str(os.getpid()), encoding="utf-8")
    log = open(folder / "build.log", "wb")  # noqa: SIM115 - the child owns it from here
    _running = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(folder), PY, ZIP_NAME], stdout=log, stderr=log,
                                start_new_session=True)
    log.close()


def result(folder: Path, timeout: float = 600) -> dict:
    """The build's outcome (``skip``, ``error`` or the CLI's ``returncode``/``stdout``/``stderr``), waited for."""
    end = time.monotonic() + timeout
    while not (folder / _DONE).is_file():
        if time.monotonic() > end:
            raise AssertionError(f"the background bundle build did not finish in {timeout:.0f} s: "
                                 + (folder / "build.log").read_text(encoding="utf-8", errors="replace")[-2000:])
        if _running is not None and _running.poll() is not None and not (folder / _DONE).is_file():
            raise AssertionError("the background bundle build died: "
                                 + (folder / "build.log").read_text(encoding="utf-8", errors="replace")[-2000:])
        time.sleep(0.2)
    return json.loads((folder / _DONE).read_text(encoding="utf-8"))


def finish(timeout: float = 600, *, kill: bool = False) -> None:
    """At the end of the session: wait for a build still running (another worker may need it), or with
    ``kill`` stop it at once; it never outlives the run."""
    if _running is None or _running.poll() is not None:
        return
    try:
        _running.wait(0 if kill else timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(_running.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _running.wait()
