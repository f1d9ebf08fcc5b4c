"""How long a ribbon click waits for ``import xltool.addin.ribbon``, next to ``import xlwings``.

    python benchmarks/import_time.py [--repeat 9]

RunPython starts a fresh Python for every click, so the module the ribbon imports
must stay lean (xlwings and the parser are imported inside the functions). Each
command runs in a new interpreter ``--repeat`` times; the median is printed with
its ratio to ``import xlwings`` measured in the same run, and to an empty start.

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

COMMANDS = {
    "python（空）": "pass",
    "import xlwings": "import xlwings",
    "import xltool.addin.ribbon": "import xltool.addin.ribbon",
    "校验所需全部模块": "import xltool.addin.ribbon, xlwings, xltool.parse.reader, xltool.rules, xltool.write.marking.xlwings_backend",
    "一次“校验全部”": CLICK_CODE,
    # The CLI's help must stay instant: it loads click and the command table, no parser, no rules.
    "xltool --help": "import sys, runpy; sys.argv = ['xltool', '--help']; runpy.run_module('xltool', run_name='__main__')",
}


def median_seconds(code: str, repeat: int, env: dict[str, str]) -> float:
    subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)  # warm-up: writes the bytecode
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入 xltool.addin.ribbon 与 xlwings 的耗时对比")
    parser.add_argument("--repeat", type=int, default=9, help="每条命令的运行次数，取中位数（默认 9）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xltool-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        results = {label: median_seconds(code, args.repeat, env) for label, code in COMMANDS.items()}
    base = results["import xlwings"]
    empty = results["python（空）"]
    for label, seconds in results.items():
        print(f"{label:<24}{seconds * 1000:8.1f} ms   {seconds / base:5.2f} × xlwings   "
              f"导入本身 {max(seconds - empty, 0) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
