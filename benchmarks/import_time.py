"""How long a ribbon click waits for ``import xltool.addin.ribbon``, next to ``import xlwings``.

    python benchmarks/import_time.py [--repeat 9]

RunPython starts a fresh Python for every click, so the module the ribbon imports
must stay lean (xlwings and the parser are imported inside the functions). Each
command runs in a new interpreter ``--repeat`` times; the median is printed with
its ratio to ``import xlwings`` measured in the same run, and to an empty start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python（空）": "pass",
    "import xlwings": "import xlwings",
    "import xltool.addin.ribbon": "import xltool.addin.ribbon",
    "校验所需全部模块": "import xltool.addin.ribbon, xlwings, xltool.parse.reader, xltool.rules, xltool.write.marking.xlwings_backend",
    # What one 校验全部 click really loads: the facade's grid path and every rule module (registered on first use).
    "一次“校验全部”": "import xlwings, xltool.addin.ribbon, xltool.api.reading, xltool.apps.validate, "
                    "xltool.write.marking.xlwings_backend, xltool.write.report, xltool.rules; xltool.rules._load_rule_modules()",
}


def median_seconds(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入 xltool.addin.ribbon 与 xlwings 的耗时对比")
    parser.add_argument("--repeat", type=int, default=9, help="每条命令的运行次数，取中位数（默认 9）")
    args = parser.parse_args(argv)
    results = {label: median_seconds(code, args.repeat) for label, code in COMMANDS.items()}
    base = results["import xlwings"]
    empty = results["python（空）"]
    for label, seconds in results.items():
        print(f"{label:<24}{seconds * 1000:8.1f} ms   {seconds / base:5.2f} × xlwings   "
              f"导入本身 {max(seconds - empty, 0) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
