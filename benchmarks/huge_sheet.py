"""What reading a sheet far taller than the 5,000 rows xltool keeps costs, cut or whole.

    python benchmarks/huge_sheet.py [--rows 1000000] [--repeat 3]

Writes one table on top of ``--rows`` rows of three numbers (as tests/test_hostile_cli.py does),
then reads it with ``xltool.read`` in the same run two ways, each in a fresh process:

* baseline — python-calamine loads the whole sheet (what the reader did before);
* cut      — the gate cuts the sheet after the kept rows and calamine loads only those
  (``xltool.io.extents.rows_cut``); both give the same projects (tests/test_rows_cut.py).

Each figure is over ``--repeat`` runs: the least CPU time and the largest peak memory (max RSS)
of the reading process itself; the ratios are cut / baseline. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

READ = """
import sys
from xltool.io import gate
if sys.argv[2] == "baseline":
    gate.rows_cut = lambda *args: None
import xltool
projects = xltool.read(sys.argv[1]).projects
print(len(projects), sum(len(p.indicators) for p in projects))
"""


def write_sheet(path: Path, rows: int) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import hostile

    header = [f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{text}</t></is></c>'
              f'<c r="B{r}" t="inlineStr"><is><t>{value}</t></is></c></row>'
              for r, (text, value) in enumerate([("项目名称", "档案整理项目"), ("主管部门", "区档案局"),
                                                 ("实施单位", "区档案馆"), ("项目资金（万元）", "100")], start=1)]
    body = (f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 7 % 1000}</v></c><c r="C{r}"><v>1</v></c></row>'
            for r in range(len(header) + 1, rows + 1))
    return hostile.write_sheet_xlsx(path, itertools.chain(header, body))


def run(path: Path, how: str) -> tuple[float, int, str]:
    """(CPU seconds, peak memory in MB, what was read) of one fresh process reading ``path``: its own
    resource usage (``os.wait4``), not the largest of all children so far."""
    proc = subprocess.Popen([sys.executable, "-c", READ, str(path), how], stdout=subprocess.PIPE, text=True)
    try:
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # Ctrl+C: the reading process does not outlive the benchmark
        proc.kill()
        proc.wait()
        raise
    finally:
        if proc.stdout:
            proc.stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"读取失败（{how}），退出码 {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, out.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="读取远超 5000 行的工作表：截断后读取与整表读取的对比")
    parser.add_argument("--rows", type=int, default=1_000_000, help="工作表的行数（默认 1000000）")
    parser.add_argument("--repeat", type=int, default=3, help="每种方式运行的次数，取最好的一次（默认 3）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xltool-huge-") as folder:
        path = write_sheet(Path(folder) / "超长工作表.xlsx", args.rows)
        runs: dict[str, list[tuple[float, int]]] = {"baseline": [], "cut": []}
        read: dict[str, str] = {}
        for _ in range(args.repeat):
            for how in runs:
                cpu, memory, read[how] = run(path, how)
                runs[how].append((cpu, memory))
    best = {how: (min(c for c, _ in r), max(m for _, m in r)) for how, r in runs.items()}
    assert read["baseline"] == read["cut"], read
    print(f"{args.rows:,} 行的工作表，读出 {read['cut']}（项目数、指标数）")
    for how in ("baseline", "cut"):
        print(f"{'整表读取' if how == 'baseline' else '截断读取':<8} CPU {best[how][0]:6.2f} s   峰值内存 {best[how][1]:5d} MB")
    print(f"截断 / 整表：CPU {best['cut'][0] / best['baseline'][0]:.2f}×，峰值内存 {best['cut'][1] / best['baseline'][1]:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
