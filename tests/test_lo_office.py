"""The tests' shared LibreOffice (tests/lo_office.py, tests/lo_host.py): calls share one office and see
none of each other's documents; a hung office costs a call its timeout, never the run; the office
never outlives the process that started it.

The last three start a stand-in office (a ``sleep``, which never answers on the pipe) instead of
soffice: what they check is the handling of the processes, and a real start would cost 2.4 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from tests import lo_helper, lo_office
except ImportError:  # pragma: no cover - run from inside tests/
    import lo_helper  # type: ignore[no-redef]
    import lo_office  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice
ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

_OPEN_DOCUMENTS = """
found = desktop.Components.createEnumeration()
result = []
while found.hasMoreElements():
    result.append(found.nextElement().URL)
"""


def test_calls_share_one_office_and_see_none_of_each_others_documents(tmp_path: Path) -> None:
    lo_helper.need(lo_helper.uno_available(), "LibreOffice with python3-uno is not installed")
    book = str(shutil.copy(ROOT / "examples" / "broken_demo.xlsx", tmp_path))  # an open document locks its file
    assert lo_helper.run_uno_script("print('to stdout'); doc = load(ARGS['path']); result = doc.Sheets.Count",
                                    args={"path": book}) >= 1  # left open, and a print beside the answer
    starts = lo_office.OFFICE.starts
    assert lo_helper.run_uno_script(_OPEN_DOCUMENTS) == []
    with pytest.raises(lo_helper.LibreOfficeError, match="ZeroDivisionError"):
        lo_helper.run_uno_script("doc = load(ARGS['path'])\n1 / 0", args={"path": book})
    assert lo_helper.run_uno_script(_OPEN_DOCUMENTS) == []
    # the filters the conversions name exist in this LibreOffice
    known = lo_helper.run_uno_script(
        "f = smgr.createInstanceWithContext('com.sun.star.document.FilterFactory', ctx)\n"
        "result = [n for n in ARGS['names'] if f.hasByName(n)]",
        args={"names": sorted(set(lo_helper.CALC_EXPORT.values()))},
    )
    assert known == sorted(set(lo_helper.CALC_EXPORT.values()))
    assert lo_office.OFFICE.starts == starts  # no office started after the first call


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lo_helper.need(lo_helper.uno_available(), "LibreOffice with python3-uno is not installed")
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexec sleep 300\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(lo_office, "soffice_path", lambda: str(fake))
    return fake


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _wait_gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def test_an_office_that_does_not_answer_costs_the_call_its_timeout_and_leaves_nothing(stand_in: Path) -> None:
    office = lo_office.Office()
    began = time.monotonic()
    with pytest.raises(lo_office.LibreOfficeError, match="timed out"):
        office.run("result = 1", {}, timeout=0.5)
    assert time.monotonic() - began < 15
    assert office.starts == 1 and office._host is None and office._office is None
    with pytest.raises(lo_office.LibreOfficeError, match="timed out"):  # the next call starts a new pair
        office.run("result = 1", {}, timeout=0.5)
    assert office.starts == 2
    office.shutdown()


_OWNER = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import lo_office
lo_office.soffice_path = lambda: sys.argv[2]
office = lo_office.Office()
office._start()
print(json.dumps({"office": office._office.pid, "host": office._host.pid, "profile": str(office._profile)}),
      flush=True)
if sys.argv[3] == "exit":
    os._exit(0)  # no atexit, no shutdown: how a process ended by a signal or by os._exit goes
time.sleep(300)
"""


@pytest.mark.parametrize("end", ["killed", "exit"])
def test_the_office_ends_with_its_owner(stand_in: Path, end: str) -> None:
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, str(TESTS), str(stand_in), end],
                             stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    started = json.loads(owner.stdout.readline())
    try:
        assert Path(started["profile"]).is_dir() and not _gone(started["office"])
        if end == "killed":
            os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=30)
        assert _wait_gone([started["office"], started["host"]]), "the office outlived its owner"
        deadline = time.monotonic() + 5
        while Path(started["profile"]).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(started["profile"]).exists()
    finally:  # whatever the outcome, nothing of it stays
        owner.stdout.close()
        for pid, group in ((owner.pid, False), (started["host"], False), (started["office"], True)):
            with contextlib.suppress(OSError):
                (os.killpg if group else os.kill)(pid, signal.SIGKILL)
        owner.wait(timeout=30)
        shutil.rmtree(started["profile"], ignore_errors=True)
