"""How long a ribbon click waits for ``import xltool.addin.ribbon``, next to ``import xlwings``.

    python benchmarks/import_time.py [--repeat 9]

Without xlwings' UDF server RunPython starts a fresh Python for every click, so the
module the ribbon imports must stay lean (xlwings and the parser are imported inside
the functions). Each command runs in a new interpreter ``--repeat`` times; the median
is printed with its ratio to ``import xlwings`` measured in the same run, and to an
empty start, for wall time and for CPU time (the steadier figure on a busy machine).

On Windows the add-in runs its clicks in xlwings' persistent Python (``USE UDF SERVER``,
:mod:`xltool.addin.udfserver`): only the first click pays the imports. The row
"以后的点击（常驻进程）" measures a later click honestly in one process: the click's
imports run once, then the same statements run again and only that second run is
timed (wall and CPU, inside the child), as the ratio to a fresh ``import xlwings``.

Modules are timed as an installed copy runs them: from bytecode. The children may
write it (into a temporary ``PYTHONPYCACHEPREFIX``, so the worktree stays clean) and
one unmeasured warm-up run compiles it, even where ``PYTHONDONTWRITEBYTECODE`` is set;
otherwise every xltool module would be compiled on every run while xlwings' site-packages
copy is not. ``CLICK_MODULES`` is what one click really loads: ``tests/test_excel.py``
runs a click on xlwings' remote engine and checks that this list covers it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# Every module a 校验全部 click imports (besides xlwings): the ribbon, the facade's grid path, the
# parser, the marking engine over xlwings, the results sheet and every rule module (registered on first use).
CLICK_MODULES = ("xltool.addin.ribbon", "xltool.api.reading", "xltool.apps.validate", "xltool.parse.reader",
                 "xltool.parse.columns", "xltool.write.marking.xlwings_backend",
                 "xltool.write.report", "xltool.rules")
CLICK_CODE = f"import xlwings, {', '.join(CLICK_MODULES)}; xltool.rules._load_rule_modules()"

LATER = "以后的点击（常驻进程）"
# Prints the (wall, CPU) seconds of a click's imports run again after a first click in the same process.
LATER_CODE = (f"import time; exec({CLICK_CODE!r}); w, c = time.perf_counter(), time.process_time(); "
              f"exec({CLICK_CODE!r}); print(time.perf_counter() - w, time.process_time() - c)")

COMMANDS = {
    "python（空）": "pass",
    "import xlwings": "import xlwings",
    "import xltool.addin.ribbon": "import xltool.addin.ribbon",
    "一次“校验全部”": CLICK_CODE,
    # The CLI's help must stay instant: it loads click and the command table, no parser, no rules.
    "xltool --help": "import sys, runpy; sys.argv = ['xltool', '--help']; runpy.run_module('xltool', run_name='__main__')",
}


def run_once(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_later(env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a later click's imports, timed inside one process after a first click."""
    out = subprocess.run([sys.executable, "-c", LATER_CODE], check=True, env=env, capture_output=True, text=True).stdout
    wall, cpu = (float(x) for x in out.split())
    return wall, cpu


def measure(commands: dict[str, str], repeat: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) per command. The commands take turns within each round, so a load that comes and
    goes on a shared machine falls on all of them alike; CPU time barely depends on that load at all."""
    for code in commands.values():
        run_once(code, env)  # warm-up: writes the bytecode
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    runs[LATER] = []
    for _ in range(repeat):
        for label, code in commands.items():
            runs[label].append(run_once(code, env))
        runs[LATER].append(run_later(env))
    return {label: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for label, r in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入 xltool.addin.ribbon 与 xlwings 的耗时对比")
    parser.add_argument("--repeat", type=int, default=9, help="每条命令的运行次数，取中位数（默认 9）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xltool-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        results = measure(COMMANDS, args.repeat, env)
    base_wall, base_cpu = results["import xlwings"]
    empty_wall, _ = results["python（空）"]
    later = results.pop(LATER)
    for label, (wall, cpu) in results.items():
        print(f"{label:<24}{wall * 1000:8.1f} ms   {wall / base_wall:5.2f} × xlwings   "
              f"导入本身 {max(wall - empty_wall, 0) * 1000:7.1f} ms   CPU {cpu * 1000:7.1f} ms  {cpu / base_cpu:5.2f} ×")
    wall, cpu = later
    print(f"{LATER:<20}{wall * 1000:8.3f} ms   {wall / base_wall:7.5f} × xlwings   （同一进程中再次执行第一次点击的导入）"
          f"   CPU {cpu * 1000:7.3f} ms  {cpu / base_cpu:7.5f} ×")
    from xltool.addin.udfserver import mode_summary

    print(mode_summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
