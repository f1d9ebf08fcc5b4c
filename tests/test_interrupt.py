"""Ctrl+C in the middle of a write, and marking a user's workbook in place.

Ctrl+C in a terminal sends SIGINT to the whole foreground process group, so these tests
start the real ``xltool`` in its own session and signal the group, at moments chosen by
watching the disk (the merge's temporary folder, the temporary output file, the backup)
rather than by sleeping. Whatever the moment, the user must be left with either the old
file or the complete new one, never a partial file or stray temporary files, and the
interrupted command says so in Chinese and exits non-zero.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import WRITER_OPTIONS, generate_departments, make_project, write_project_sheet  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests.conftest import terminal_signals
except ImportError:  # pragma: no cover
    from conftest import terminal_signals  # type: ignore[no-redef]

XLTOOL = [sys.executable, "-m", "xltool"]  # this interpreter's xltool, never another copy on PATH
MEMORY = 2 << 30

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")


def limit_memory() -> None:
    """In the child before exec: a memory cap, and the signal state a terminal gives a foreground command
    (conftest.terminal_signals), whatever the test runner's process inherited or set."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    terminal_signals()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(*args: Any, tmpdir: Path) -> subprocess.Popen[str]:
    """The real command in its own session, with its temporary files kept in ``tmpdir``."""
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_BACKTRACE", "XLTOOL_DEBUG")}
    env["TMPDIR"] = str(tmpdir)
    return subprocess.Popen([*XLTOOL, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # type: ignore[list-item]
                            text=True, env=env, preexec_fn=limit_memory, start_new_session=True)


def ctrl_c_when(proc: subprocess.Popen[str], ready: Callable[[], bool], *, limit: float = 120) -> bool:
    """Send SIGINT to the process group as soon as ``ready()``; False if the command ended first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            os.killpg(proc.pid, signal.SIGINT)
            SENT[proc.pid] = time.monotonic()
            return True
        time.sleep(0.001)
    return False


SENT: dict[int, float] = {}  # pid → when Ctrl+C was sent (for the message of a failing test)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the interrupted command did not stop within 120 s\n{err[-800:]}")
    if proc.pid in SENT:
        err += f"\n[test: exited {time.monotonic() - SENT.pop(proc.pid):.2f} s after Ctrl+C was sent]"
    return proc.returncode, out, err


def group_gone(pgid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def assert_interrupted(code: int, out: str, err: str) -> None:
    assert code != 0, (code, out, err)
    assert "已中断" in err, err
    assert "Traceback" not in out + err and "KeyboardInterrupt" not in out + err, err


# ---------------------------------------------------------------------------
# merge


@pytest.fixture(scope="module")
def departments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 tables in 200 workbooks (~4 s to write, ~5 s to merge on two cores)."""
    root = tmp_path_factory.mktemp("interrupt") / "各单位"
    generate_departments(root, 600, per_workbook=(3, 3), seed=5)
    return root


def _dirs(tmp_path: Path) -> tuple[Path, Path]:
    out, tmp = tmp_path / "输出", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    return out, tmp


def test_ctrl_c_while_reading_leaves_no_output_and_no_temporary_files(departments: Path, tmp_path: Path) -> None:
    out, tmp = _dirs(tmp_path)
    proc = start("merge", departments, "-o", out / "汇总.xlsx", "-j", "2", tmpdir=tmp)
    seen: list[float] = []

    def reading() -> bool:  # the merge's working folder exists from the start of the read stage
        if not seen and any(tmp.iterdir()):
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.5

    assert ctrl_c_when(proc, reading), "merge ended before it could be interrupted"
    code, stdout, stderr = finish(proc)
    assert_interrupted(code, stdout, stderr)
    assert list(out.iterdir()) == []
    assert list(tmp.rglob("*")) == [], "the merge's temporary folder was left behind"
    assert group_gone(proc.pid), "worker processes outlived the interrupted merge"


def test_ctrl_c_while_writing_keeps_the_previous_summary_intact(departments: Path, tmp_path: Path) -> None:
    out, tmp = _dirs(tmp_path)
    previous = out / "汇总.xlsx"
    shutil.copy(next(departments.rglob("*.xlsx")), previous)  # stands for last month's summary
    old = sha(previous)
    proc = start("merge", departments, "-o", previous, "-j", "2", tmpdir=tmp)

    def writing() -> bool:  # atomic_output's temporary file beside the target
        return any(p.name.startswith(".汇总.xltool-tmp-") for p in out.iterdir())

    assert ctrl_c_when(proc, writing), "merge ended before its output could be caught mid-write"
    code, stdout, stderr = finish(proc)
    assert_interrupted(code, stdout, stderr)
    assert sha(previous) == old
    others = [p for p in out.iterdir() if p != previous]
    assert not [p.name for p in others if p.name.startswith(".")], "temporary output left behind"
    for backup in others:  # a backup may already exist; it must be the old file, whole
        assert backup.name.startswith("汇总.bak-") and sha(backup) == old, backup.name
    assert list(tmp.rglob("*")) == []
    assert group_gone(proc.pid)


# ---------------------------------------------------------------------------
# SIGTERM, SIGHUP (timeout, kill, a service manager, a closed terminal) and kill -9


def _reading(tmp: Path, proc: subprocess.Popen[str]) -> Callable[[], bool]:
    seen: list[float] = []

    def ready() -> bool:  # the merge's working folder exists from the start of the read stage …
        if not seen and any(tmp.iterdir()):
            seen.append(time.monotonic())
        # … and its two workers have started (on a busy machine that can take longer than 0.5 s)
        return bool(seen) and time.monotonic() - seen[0] > 0.5 and len(_children(proc.pid)) >= 2

    return ready


def signal_main_when(proc: subprocess.Popen[str], signum: int, ready: Callable[[], bool], *, limit: float = 120
                     ) -> list[int] | None:
    """Send ``signum`` to the main process only (not its group), as ``timeout`` or ``kill`` do,
    once ``ready()``; returns the pids of its children at that moment (None if it ended first)."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            children = _children(proc.pid)
            os.kill(proc.pid, signum)
            return children
        time.sleep(0.001)
    return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it is gone for every purpose)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone(pids: list[int], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list the workers")
@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_stop_signal_to_the_main_process_ends_the_merge_like_ctrl_c(
    departments: Path, tmp_path: Path, name: str, code: int
) -> None:
    """Exit 128 + the signal (143, 129; Ctrl+C is 130), workers stopped, temporary files removed."""
    out, tmp = _dirs(tmp_path)
    proc = start("merge", departments, "-o", out / "汇总.xlsx", "-j", "2", tmpdir=tmp)
    workers = signal_main_when(proc, getattr(signal, name), _reading(tmp, proc))
    assert workers, "merge ended before it could be signalled"
    returncode, stdout, stderr = finish(proc)
    assert returncode == code, (returncode, stderr)
    assert_interrupted(returncode, stdout, stderr)
    assert gone(workers), "worker processes outlived the signalled merge"
    assert list(out.iterdir()) == []
    assert list(tmp.rglob("*")) == [], "the merge's temporary folder was left behind"
    assert group_gone(proc.pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list the workers")
def test_kill_9_of_the_main_process_leaves_no_worker_and_frees_the_callers_pipe(
    departments: Path, tmp_path: Path
) -> None:
    """The workers notice their parent's death (PR_SET_PDEATHSIG, the lifeline pipe) and exit,
    so a script reading the merge's output sees end-of-file instead of waiting forever."""
    out, tmp = _dirs(tmp_path)
    proc = start("merge", departments, "-o", out / "汇总.xlsx", "-j", "2", tmpdir=tmp)
    workers = signal_main_when(proc, signal.SIGKILL, _reading(tmp, proc))
    assert workers is not None and len(workers) >= 2, f"merge had no workers to orphan: {workers}"
    try:
        proc.communicate(timeout=10)  # EOF on stdout/stderr: no orphan holds the caller's pipe
        held = False
    except subprocess.TimeoutExpired:
        held = True
    survived = not gone(workers)
    for pid in workers:  # cleanup only after the verdict
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    if held:
        proc.communicate()
    assert not held, "an orphaned worker held the caller's stdout after kill -9 of the main process"
    assert not survived, "orphaned workers survived kill -9 of the main process"
    # What kill -9 cannot clean up (its temporary output) the next run writing there removes.
    assert all(p.name.startswith(".汇总.xltool-tmp-") for p in out.iterdir()), list(out.iterdir())  # never a half 汇总.xlsx
    again = subprocess.run([*XLTOOL, "template", "-o", out / "汇总.xlsx"], capture_output=True, text=True,
                           preexec_fn=limit_memory, timeout=120)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == ["汇总.xlsx"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list the workers")
def test_the_folder_of_a_merge_killed_outright_is_swept_by_the_next_merge_and_a_live_ones_is_not(
    departments: Path, tmp_path: Path
) -> None:
    """kill -9 leaves the merge's working folder; it is named after its owner (pid and start time),
    so the next merge removes it, never the folder of a merge still running (here: stopped with
    SIGSTOP, so it is alive for certain), nor a folder whose name only looks like one."""
    out, tmp = _dirs(tmp_path)
    killed = start("merge", departments, "-o", out / "汇总.xlsx", "-j", "2", tmpdir=tmp)
    workers = signal_main_when(killed, signal.SIGKILL, _reading(tmp, killed))
    assert workers is not None, "merge ended before it could be killed"
    killed.communicate(timeout=30)
    assert gone(workers)
    # Its working folder is left, and any other folder it owned at that moment (the summary writer's
    # one-off probe of xlsxwriter, "xltool-rows-…", when the kill lands while it runs): all its own.
    left = [p.name for p in tmp.iterdir()]
    owned = re.compile(rf"xltool-[a-z]+-{killed.pid}-")
    assert any(n.startswith(f"xltool-merge-{killed.pid}-") for n in left), left
    assert all(owned.match(n) for n in left), left
    # The same pid number with another start time (a recycled pid): stale too.
    recycled = tmp / f"xltool-merge-{os.getpid()}-zzzz-0123abcd"
    recycled.mkdir()
    (recycled / "merge.sqlite").write_bytes(b"x" * 1000)
    mine = tmp / "xltool-merge-说明"  # not the owned pattern: somebody else's, left alone
    mine.mkdir()

    # a fifth of the folder: alive long enough to be paused, then finished quickly
    live = start("merge", *sorted(departments.rglob("*.xlsx"))[:40], "-o", out / "汇总2.xlsx", "-j", "2", tmpdir=tmp)
    live_prefix = f"xltool-merge-{live.pid}-"
    try:
        assert folder_made(live, tmp, live_prefix), "the second merge ended before it could be paused"
        os.killpg(live.pid, signal.SIGSTOP)
        one = next(departments.rglob("*.xlsx"))
        env = {**os.environ, "TMPDIR": str(tmp)}
        again = subprocess.run([*XLTOOL, "merge", one, "-o", out / "汇总3.xlsx"], capture_output=True, text=True,
                               env=env, preexec_fn=limit_memory, timeout=120)
        assert again.returncode in (0, 1), again.stderr
        after = sorted(p.name for p in tmp.iterdir())
        assert [n for n in after if n.startswith(live_prefix)], f"the live merge's folder was removed: {after}"
        assert not [n for n in after if owned.match(n)], after
        assert not recycled.exists()
        assert mine.is_dir()
    finally:
        os.killpg(live.pid, signal.SIGCONT)
    code, stdout, stderr = finish(live)
    assert code in (0, 1), stderr
    assert openpyxl.load_workbook(out / "汇总2.xlsx", read_only=True).sheetnames  # the live merge completed
    assert sorted(p.name for p in tmp.iterdir()) == ["xltool-merge-说明"]


def folder_made(proc: subprocess.Popen[str], tmp: Path, prefix: str, limit: float = 120) -> bool:
    """Wait until ``proc`` has made its working folder (True), or ended first (False)."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(prefix) for p in tmp.iterdir()):
            return True
        time.sleep(0.005)
    return False


def start_in_place_mark(tmp_path: Path) -> tuple[Path, str, subprocess.Popen[str]]:
    """``validate --mark`` started on a 40-table workbook in ``tmp_path`` (long enough to be caught
    mid-save), its temporary folder kept apart; the workbook, its original sha and the process."""
    book = write_book(tmp_path / "区档案局.xlsx", tables=40)
    original_sha = sha(book)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return book, original_sha, start("validate", "--mark", book, tmpdir=tmp)


@pytest.mark.parametrize("name, code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_stop_signal_during_in_place_mark_leaves_the_original_or_the_marked_file(
    tmp_path: Path, name: str, code: int
) -> None:
    book, original_sha, proc = start_in_place_mark(tmp_path)

    def saving() -> bool:
        return any(p.name.startswith(".区档案局.xltool-tmp-") for p in tmp_path.iterdir())

    hit = signal_main_when(proc, getattr(signal, name), saving) is not None
    returncode, stdout, stderr = finish(proc)
    assert hit, "validate --mark ended before it could be signalled while saving"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left behind"
    if returncode in (0, 1):  # the signal came after the final replace: a complete marked file
        assert "校验结果" in openpyxl.load_workbook(book, read_only=True).sheetnames
    else:
        assert returncode == code, (returncode, stderr)
        assert_interrupted(returncode, stdout, stderr)
        assert sha(book) == original_sha, "the user's workbook was changed by an interrupted run"


# ---------------------------------------------------------------------------
# validate --mark in place


def write_book(path: Path, tables: int) -> Path:
    """Project tables plus a sheet of every value type a user's workbook may hold."""
    import random

    rng = random.Random(3)
    wb = xlsxwriter.Workbook(str(path), WRITER_OPTIONS)
    fmt = {
        "title": wb.add_format({"bold": True, "align": "center"}),
        "label": wb.add_format({"bold": True, "border": 1}),
        "cell": wb.add_format({"border": 1, "text_wrap": True}),
        "amount": wb.add_format({"border": 1, "num_format": "0.00"}),
    }
    notes = wb.add_worksheet("填报说明")
    notes.write_string(0, 0, "=这不是公式，是以等号开头的说明文字")
    notes.write_number(1, 0, 0.1 + 0.2)
    notes.write_number(2, 0, -1234567.891)
    notes.write_boolean(3, 0, True)
    notes.write_formula(4, 0, "=A2*2", None, 0.6)
    notes.write_datetime(5, 0, __import__("datetime").datetime(2022, 1, 31), wb.add_format({"num_format": "yyyy-mm-dd"}))
    notes.write_string(6, 0, "全角ＡＢＣ　１２３，带\n换行和\t制表符")
    notes.write_string(7, 0, "长" * 3000)
    notes.merge_range(8, 0, 8, 3, "合并单元格的说明", fmt["cell"])
    notes.write_comment(0, 0, "用户自己的批注")
    for i in range(tables):
        spec = make_project(i, department="区档案局", implementer=f"区档案馆{i % 3}", rng=rng)
        write_project_sheet(wb, f"项目{i + 1}", spec, fmt)
    wb.close()
    return path


def cell_values(path: Path, sheets: list[str] | None = None) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)  # formulas as written, not cached results
    values = {
        (ws.title, cell.coordinate): cell.value
        for ws in wb.worksheets
        if sheets is None or ws.title in sheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }
    merged = {(ws.title, str(r)) for ws in wb.worksheets if sheets is None or ws.title in sheets for r in ws.merged_cells.ranges}
    values[("__merged__", "")] = sorted(merged)
    return values


def test_in_place_mark_keeps_a_backup_and_every_value_of_every_sheet(tmp_path: Path) -> None:
    book = write_book(tmp_path / "区档案局.xlsx", tables=3)
    original_sha = sha(book)
    original = cell_values(book)
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    done = subprocess.run([*XLTOOL, "validate", "--mark", str(book)], capture_output=True, text=True,  # type: ignore[list-item]
                          preexec_fn=limit_memory, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr  # marked; the tables have warnings only
    assert "Traceback" not in done.stdout + done.stderr
    backups = sorted(tmp_path.glob("区档案局.bak-*.xlsx"))
    assert len(backups) == 1 and sha(backups[0]) == original_sha
    assert sha(book) != original_sha  # it really was marked …
    marked_wb = openpyxl.load_workbook(book, read_only=True)
    assert set(sheets) < set(marked_wb.sheetnames) and "校验结果" in marked_wb.sheetnames
    marked_wb.close()
    assert cell_values(book, sheets) == original  # … and kept every value, formula and merge
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([book.name, backups[0].name])


@pytest.mark.parametrize("moment", ["backup_written", "saving"])
def test_ctrl_c_during_in_place_mark_leaves_the_original_or_the_marked_file_and_its_backup(
    tmp_path: Path, moment: str
) -> None:
    book, original_sha, proc = start_in_place_mark(tmp_path)

    def ready() -> bool:
        names = [p.name for p in tmp_path.iterdir()]
        if moment == "backup_written":
            return any(n.startswith("区档案局.bak-") for n in names)
        return any(n.startswith(".区档案局.xltool-tmp-") for n in names)

    hit = ctrl_c_when(proc, ready)
    code, stdout, stderr = finish(proc)
    assert "Traceback" not in stdout + stderr
    assert hit, f"validate --mark ended before the moment {moment!r} could be caught"
    backups = sorted(tmp_path.glob("区档案局.bak-*.xlsx"))
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary file left behind"
    if code in (0, 1):  # the signal came after the final replace: a complete marked file
        assert len(backups) == 1 and sha(backups[0]) == original_sha
        assert "校验结果" in openpyxl.load_workbook(book, read_only=True).sheetnames
    else:
        assert_interrupted(code, stdout, stderr)
        assert sha(book) == original_sha, "the user's workbook was changed by an interrupted run"
        assert all(sha(b) == original_sha for b in backups)


FINALISER = """
import os, signal, sys
from xltool.core.interrupt import install_stop_signals

class Archive:  # stands for a ZipFile whose save a Ctrl+C cut short: closing it in __del__ fails
    def __del__(self):
        raise ValueError("Can't close the ZIP file while there is an open writing handle on it")

install_stop_signals()
keep = Archive()
if sys.argv[1] == "stop":
    try:
        os.kill(os.getpid(), signal.SIGINT)
        signal.pause()
    except KeyboardInterrupt:
        print("已中断")
del keep
"""


# The same through the CLI: the interrupted call's frame holds the archive, so the exception that
# reaches the CLI keeps it alive past the point where the CLI gives the default hook back.
FINALISER_CLI = """
import os, signal
from xltool.cli import main

class Archive:  # openpyxl's ZipFile whose save a Ctrl+C cut short: closing it in __del__ fails
    def __del__(self):
        raise ValueError("Can't close the ZIP file while there is an open writing handle on it")

@main.command("probe-stop")
def probe() -> None:
    archive = Archive()  # a local of the frame the stop cuts short, as in openpyxl's save_workbook
    os.kill(os.getpid(), signal.SIGINT)
    signal.pause()

main(["probe-stop"], prog_name="xltool")
"""


def test_a_half_written_archive_held_by_the_interrupted_command_prints_no_english_traceback() -> None:
    """Seen again in CI (Ctrl+C during an in-place mark's save): the interrupted frames, still held by the
    exception, kept openpyxl's archive alive until the interpreter ended, after the CLI had given the default
    hook back; its __del__ then printed an English traceback under the Chinese message."""
    done = subprocess.run([sys.executable, "-c", FINALISER_CLI], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1], preexec_fn=limit_memory)
    assert done.returncode == 130, done.stderr
    assert done.stderr == "已中断：未写出任何不完整的文件。\n", done.stderr


@pytest.mark.parametrize("stopped", [True, False])
def test_a_finaliser_failing_after_a_stop_prints_no_english_traceback(stopped: bool) -> None:
    """Seen once in CI: Ctrl+C during an in-place mark's save left openpyxl's ZipFile open, and its
    __del__ printed "Exception ignored in ... Traceback" after the Chinese message. After a stop signal
    such failures are not printed; without one, Python reports them as ever (nothing is hidden)."""
    # The terminal's signal state (limit_memory): a Ctrl+C the runner's process ignores or holds would
    # otherwise be ignored or held in the child too, and it would wait in signal.pause() for ever.
    done = subprocess.run([sys.executable, "-c", FINALISER, "stop" if stopped else "run"], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parents[1], preexec_fn=limit_memory)
    assert done.returncode == 0, done.stderr
    if stopped:
        assert done.stdout.strip() == "已中断" and done.stderr == "", done.stderr
    else:
        assert "Exception ignored" in done.stderr and "Traceback" in done.stderr
