"""The warm CLI runner (tests/warm_cli.py) against real ``python -m`` runs: same code, stdout, stderr.

Each case runs once forked from the zygote and once as a fresh interpreter; a case that could not
run warm fails (the comparison would be of two real runs). A probe module written here covers what
xltool's commands rarely do: ``sys.exit(None/str/int)``, an uncaught exception's traceback, atexit
handlers, a non-daemon thread, an unhandled Ctrl+C, a death by signal, TMPDIR, the C locale.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

try:
    from tests import warm_cli
    from tests.lo_helper import need
except ImportError:  # pragma: no cover  (tests/ as a plain directory)
    import warm_cli  # type: ignore[no-redef]
    from lo_helper import need  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "broken_demo.xlsx"
MEMORY = 2 << 30



@pytest.fixture(autouse=True, scope="module")
def _runner_available() -> None:
    """Skipped only when turned off on purpose; a platform without it fails where every tool is promised
    (scripts/test.sh, CI), as a missing tool does."""
    if os.environ.get("XLTOOL_WARM_CLI") == "0":
        pytest.skip("XLTOOL_WARM_CLI=0：已关闭预加载的命令行运行器")
    need(warm_cli.enabled(), "预加载的命令行运行器需要 fork、pidfd_open 和 SCM_RIGHTS（Linux）")

PROBE = textwrap.dedent('''
    import atexit, os, resource, sys, tempfile, threading, time

    what = sys.argv[1]
    print("argv", sys.argv[1:], "path0 is cwd", sys.path[0] == os.getcwd(), "main", __name__, __spec__.name)
    print("own session", os.getsid(0) == os.getpid() == os.getpgid(0), "stdin", repr(sys.stdin.read()))
    print("cwd", os.getcwd(), "tmp", tempfile.gettempdir(), "env", os.environ.get("WARM_PROBE"),
          "LC_CTYPE", os.environ.get("LC_CTYPE"), "limit", resource.getrlimit(resource.RLIMIT_AS))
    print("encoding", sys.stdout.encoding, sys.stderr.encoding, sys.stdout.line_buffering, sys.stderr.line_buffering)
    print("中文", file=sys.stderr)
    if what == "exit-none":
        sys.exit()
    if what == "exit-str":
        sys.exit("错误：中文消息")
    if what == "exit-int":
        sys.exit(int(sys.argv[2]))
    if what == "raise":
        raise ValueError("坏了")
    if what == "interrupt":
        raise KeyboardInterrupt
    if what == "kill":
        sys.stdout.flush()
        os.kill(os.getpid(), 9)
    if what == "atexit":
        atexit.register(lambda: print("atexit ran", flush=True))
    if what == "thread":
        threading.Thread(target=lambda: (time.sleep(0.2), print("thread finished"))).start()
    if what == "sleep":
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print("sleeping", flush=True)
        time.sleep(60)
    print("end of module")
''')


def both(args: list[str], **kw: Any) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """(warm, real) runs of the same command."""
    proc = warm_cli.popen(args, **kw)
    assert warm_cli.describe(proc) == "warm", "the runner fell back to a real subprocess"
    out, err = proc.communicate(timeout=60)
    warm = subprocess.CompletedProcess(args, proc.returncode, out, err)
    real = warm_cli.run(args, warm=False, timeout=60, **kw)
    return warm, real


def same(warm: subprocess.CompletedProcess[str], real: subprocess.CompletedProcess[str]) -> None:
    assert (warm.returncode, warm.stdout, warm.stderr) == (real.returncode, real.stdout, real.stderr)


def user_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_BACKTRACE", "XLTOOL_DEBUG")}
    return {**env, **extra}


XLTOOL_CASES = {
    "read": ["read", str(EXAMPLE)],
    "missing-file": ["read", "/不存在/绩效目标表.xlsx"],
    "validate-findings": ["validate", str(EXAMPLE)],
    "help": ["--help"],
    "usage-error": ["merge", "--no-such-option"],
}
PROBE_CASES = {
    "exit-none": (["exit-none"], 0), "exit-str": (["exit-str"], 1), "exit-3": (["exit-int", "3"], 3),
    "exit-256": (["exit-int", "256"], 0), "raise": (["raise"], 1), "interrupt": (["interrupt"], -signal.SIGINT),
    "kill": (["kill"], -signal.SIGKILL), "atexit": (["atexit"], 0), "thread": (["thread"], 0), "end": (["end"], 0),
}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case, warm and real, run concurrently (the real interpreters are what costs)."""
    work = tmp_path_factory.mktemp("warm")
    probe = work / "probe"
    probe.mkdir()
    (probe / "warm_probe.py").write_text(PROBE, encoding="utf-8")
    jobs: dict[str, Any] = {}
    for key, args in XLTOOL_CASES.items():
        jobs[key] = lambda args=args: both(args, cwd=work, env=user_env(), memory=MEMORY)
    for key, (args, _) in PROBE_CASES.items():
        jobs[key] = lambda args=args: both(args, cwd=probe, env=user_env(WARM_PROBE="探针"), memory=MEMORY,
                                           module="warm_probe")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {"runs": {key: f.result() for key, f in futures.items()}, "probe": probe, "work": work}


@pytest.mark.parametrize("case", XLTOOL_CASES)
def test_xltool_runs_the_same_warm_and_fresh(compared: dict[str, Any], case: str) -> None:
    warm, real = compared["runs"][case]
    same(warm, real)
    if case == "missing-file":
        assert warm.returncode == 2 and "不存在" in warm.stderr and "错误" in warm.stderr
    if case == "usage-error":
        assert warm.returncode == 2 and warm.stderr


def test_a_warm_import_writes_the_same_workbook(tmp_path: Path) -> None:
    warm, real = both(["import", str(EXAMPLE), "-o", "导入.xlsx"], cwd=tmp_path, env=user_env(), memory=MEMORY)
    same(warm, real)
    assert (tmp_path / "导入.xlsx").is_file()


@pytest.mark.parametrize("case", PROBE_CASES)
def test_the_interpreter_exit_is_the_same(compared: dict[str, Any], case: str) -> None:
    warm, real = compared["runs"][case]
    same(warm, real)
    assert warm.returncode == PROBE_CASES[case][1]
    assert "探针" in warm.stdout and "中文" in warm.stderr
    if case in ("atexit", "thread"):
        assert warm.stdout.rstrip().endswith({"atexit": "atexit ran", "thread": "thread finished"}[case])


@pytest.fixture
def probe(compared: dict[str, Any]) -> Path:
    return compared["probe"]


def test_another_tmpdir_and_no_locale_are_seen_as_by_a_fresh_interpreter(probe: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "临时"
    elsewhere.mkdir()
    warm, real = both(["end"], cwd=probe, env=user_env(TMPDIR=str(elsewhere)), module="warm_probe")
    same(warm, real)
    assert f"tmp {elsewhere}" in warm.stdout
    bare = {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))}  # C locale: coerced
    warm, real = both(["end"], cwd=probe, env=bare, module="warm_probe")
    same(warm, real)


def test_a_cwd_with_its_own_xltool_runs_a_real_interpreter(tmp_path: Path) -> None:
    own = tmp_path / "xltool"
    own.mkdir()
    (own / "__init__.py").write_text("")
    (own / "__main__.py").write_text("print('the copy in the folder')")
    proc = warm_cli.popen(["read"], cwd=tmp_path, env=user_env(PYTHONPATH=""))
    out, _ = proc.communicate(timeout=60)
    assert warm_cli.describe(proc) == "real" and out == "the copy in the folder\n"


def test_a_timeout_kills_the_whole_session(probe: Path) -> None:
    proc = warm_cli.popen(["sleep"], cwd=probe, env=user_env(), module="warm_probe")
    assert warm_cli.describe(proc) == "warm"
    with pytest.raises(subprocess.TimeoutExpired):
        proc.communicate(timeout=0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)  # end of file: the grandchild holding stdout is dead too
    assert "sleeping" in out and proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while not warm_cli.session_gone(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warm_cli.session_gone(proc.pid)


_ORPHAN = textwrap.dedent('''
    import sys, time
    sys.path.insert(0, sys.argv[1])
    import warm_cli
    warm_cli.PRELOAD = ("json",)  # what is preloaded does not matter here; a light zygote starts faster
    proc = warm_cli.popen(["sleep"], cwd=sys.argv[2], module="warm_probe")
    assert warm_cli.describe(proc) == "warm"
    print(proc.pid, warm_cli.zygote_pids()[0], flush=True)
    time.sleep(60)
''')


def test_the_zygote_and_its_runs_end_with_their_parent(probe: Path) -> None:
    """kill -9 of the test process: the zygote sees the socket close, kills the run's session, exits."""
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN, str(ROOT / "tests"), str(probe)],
                              stdout=subprocess.PIPE, text=True, env=user_env())
    try:
        run_pid, zygote_pid = map(int, parent.stdout.readline().split())  # type: ignore[union-attr]
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 10
    while not (warm_cli.session_gone(run_pid) and not Path(f"/proc/{zygote_pid}").exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warm_cli.session_gone(run_pid), "the run outlived the test process"
    assert not Path(f"/proc/{zygote_pid}").exists(), "the zygote outlived the test process"


def test_shutdown_leaves_no_process(probe: Path) -> None:
    warm, _ = both(["end"], cwd=probe, env=user_env(), module="warm_probe")
    pids = warm_cli.zygote_pids()
    assert pids
    warm_cli.shutdown()
    assert warm_cli.zygote_pids() == []
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    assert not [pid for pid in children if int(pid) in pids]
