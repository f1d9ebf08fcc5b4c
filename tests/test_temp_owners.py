"""Temporary outputs of killed runs (atomic_output): swept by who wrote them — pid and start time — never by pid alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xltool.io import files
from xltool.io.files import atomic_output

ROOT = Path(__file__).resolve().parents[1]
WRITER = ("import sys, time; from pathlib import Path; from xltool.io.files import atomic_output\n"
          "with atomic_output(Path(sys.argv[1])) as temp:\n"
          "    temp.write_bytes(b'half'); print('writing', flush=True); time.sleep(600)\n")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills a writer with SIGKILL (POSIX signals)")


def writer(target: Path) -> subprocess.Popen[str]:
    """A run in the middle of writing ``target`` (its temp file exists and is locked)."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


def temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".xltool-tmp-" in p.name)


def with_pid(temp: Path, pid: int, old: int) -> Path:
    """The same temp file, named as if its writer had had ``pid`` (the start time in the name unchanged)."""
    moved = temp.with_name(temp.name.replace(f".xltool-tmp-{old}", f".xltool-tmp-{pid}", 1))
    temp.rename(moved)
    return moved


def write(target: Path) -> None:
    with atomic_output(target) as temp:
        temp.write_bytes(b"done")


def test_an_orphan_whose_pid_was_reused_is_swept(tmp_path: Path) -> None:
    """kill -9 left a temp file; its pid now belongs to another, live program: the file must still go."""
    target = tmp_path / "汇总.xlsx"
    killed = writer(target)
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    [orphan] = temps(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # the pid's new owner
    try:
        with_pid(orphan, other.pid, killed.pid)
        write(target)
        assert temps(tmp_path) == [] and target.read_bytes() == b"done"
    finally:
        other.kill()
        other.wait(30)


def test_a_live_writers_file_is_kept_even_where_its_pid_is_not_seen(tmp_path: Path) -> None:
    """A writer in another pid namespace (a container sharing the folder) has a pid this process cannot see:
    its file is held by its lock, not swept as an orphan."""
    target = tmp_path / "汇总.xlsx"
    live = writer(target)
    try:
        [temp] = temps(tmp_path)
        unseen = 4_000_000
        while Path(f"/proc/{unseen}").exists() or unseen == os.getpid():
            unseen += 1
        moved = with_pid(temp, unseen, live.pid)
        write(target)
        assert temps(tmp_path) == [moved] and moved.read_bytes() == b"half"
    finally:
        live.kill()
        live.wait(30)


def test_where_the_writer_cannot_be_told_apart_only_an_old_file_goes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows without access to the process (or a system without /proc): the start time reads "0"; an unlocked
    temp file is then removed only when untouched for a day."""
    target = tmp_path / "汇总.xlsx"
    recent = tmp_path / f".汇总.xltool-tmp-{os.getppid()}.abc-recent1.xlsx"
    old = tmp_path / f".汇总.xltool-tmp-{os.getppid()}.abc-old00001.xlsx"
    for path in (recent, old):
        path.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    monkeypatch.setattr(files, "start_token", lambda pid: "0")
    write(target)
    assert temps(tmp_path) == [recent]
