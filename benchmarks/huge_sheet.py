"""What reading a sheet far taller than the 5,000 rows xltool keeps costs, cut or whole.

    python benchmarks/huge_sheet.py [--rows 1000000] [--repeat 3]

Writes one table on top of ``--rows`` rows of three numbers (as tests/test_hostile_cli.py does),
then reads it with ``xltool.read`` in the same run two ways, each in a fresh process:

* baseline — python-calamine loads the whole sheet (what the reader did before);
* cut      — the gate cuts the sheet after the kept rows and calamine loads only those
  (``xltool.io.extents.rows_cut``); both give the same projects (tests/test_rows_cut.py).

Each figure is the best of ``--repeat`` runs: CPU seconds and peak memory (max RSS) of the
reading process; the ratios are cut / baseline. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import itertools
import resource
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
    """(CPU seconds, max RSS in MB, what was read) of one fresh process reading ``path``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", READ, str(path), how], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss // 1024, done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="读取远超 5000 行的工作表：截断后读取与整表读取的对比")
    parser.add_argument("--rows", type=int, default=1_000_000, help="工作表的行数（默认 1000000）")
    parser.add_argument("--repeat", type=int, default=3, help="每种方式运行的次数，取最好的一次（默认 3）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xltool-huge-") as folder:
        path = write_sheet(Path(folder) / "超长工作表.xlsx", args.rows)
        best: dict[str, float] = {}
        read: dict[str, str] = {}
        for _ in range(args.repeat):
            for how in ("baseline", "cut"):
                cpu, _, what = run(path, how)
                best[how] = min(best.get(how, cpu), cpu)
                read[how] = what
    # Peak memory: RUSAGE_CHILDREN keeps the largest child's, so each way is measured in a run of its own.
    memory = {how: _peak(how, args.rows) for how in ("baseline", "cut")}
    assert read["baseline"] == read["cut"], read
    print(f"{args.rows:,} 行的工作表，读出 {read['cut']}（项目数、指标数）")
    for how in ("baseline", "cut"):
        print(f"{'整表读取' if how == 'baseline' else '截断读取':<8} CPU {best[how]:6.2f} s   峰值内存 {memory[how]:5d} MB")
    print(f"截断 / 整表：CPU {best['cut'] / best['baseline']:.2f}×，峰值内存 {memory['cut'] / memory['baseline']:.2f}×")
    return 0


def _peak(how: str, rows: int) -> int:
    code = (f"import sys, tempfile, resource; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
            f"import huge_sheet as h; from pathlib import Path\n"
            f"with tempfile.TemporaryDirectory(prefix='xltool-huge-') as d:\n"
            f"    p = h.write_sheet(Path(d) / 'x.xlsx', {rows}); h.run(p, {how!r})\n"
            f"    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
