"""What reading costs now against a baseline tree of the code, in the same sitting.

    python benchmarks/parse_cost.py --baseline /tmp/base [--tables 200] [--repeat 5]

``--baseline`` is a copy of the code to compare with (e.g. ``git archive <commit> | tar -x -C
/tmp/base``). The same files are read by both trees, each in its own interpreter, in turns:
the corpus tables (text, .docx, .xlsx forms), examples/ (the seed and its workbooks) and ``--tables`` generated 附件3
workbooks. Prints the best CPU time of each (wall time on a shared machine measures the
neighbours) and the ratio now/baseline. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_WORKER = r"""
import json, sys, time
from pathlib import Path
from xltool.apps.sources import load_source
files = json.loads(sys.argv[1])
for f in files:  # warm-up: imports, data tables, caches as a long run has them
    load_source(f)
best = None
for _ in range(int(sys.argv[2])):
    start = time.process_time()  # CPU time: the machine is shared, wall time measures the neighbours
    for f in files:
        load_source(f)
    t = time.process_time() - start
    best = t if best is None else min(best, t)
print(best)
"""


def _files(folder: Path, tables: int) -> list[str]:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE / "benchmarks"))
    sys.path.insert(0, str(HERE / "tests"))
    from common import generate_departments  # noqa: PLC0415
    from corpus_forms import write_form  # noqa: PLC0415

    files: list[str] = []
    for source in sorted((HERE / "tests" / "corpus").glob("*/source.txt")):
        files.append(str(source))
        for form in ("docx", "xlsx"):
            files.append(str(write_form(source, folder / f"{source.parent.name}.{form}", form)))
    files.append(str(HERE / "examples" / "source" / "区行政审批局_2022.txt"))
    files += [str(p) for p in sorted((HERE / "examples").glob("*.xlsx"))]
    files += [str(spec.path) for spec in generate_departments(folder / "gen", tables)]
    return files


def _time(tree: Path, files: list[str], repeat: int) -> float:
    out = subprocess.run([sys.executable, "-c", _WORKER, json.dumps(files), str(repeat)], cwd=tree,
                         env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="读取耗时：当前代码与基线代码在同一次运行中比较")
    parser.add_argument("--baseline", type=Path, required=True, help="基线代码目录")
    parser.add_argument("--tables", type=int, default=200, help="生成的项目表张数（默认 200）")
    parser.add_argument("--repeat", type=int, default=5, help="每轮重复次数，取最快一次（默认 5）")
    parser.add_argument("--rounds", type=int, default=3, help="两套代码轮流测量的轮数（默认 3）")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xltool-parse-cost-") as folder:
        files = _files(Path(folder), args.tables)
        now = base = float("inf")
        for _ in range(args.rounds):
            base = min(base, _time(args.baseline, files, args.repeat))
            now = min(now, _time(HERE, files, args.repeat))
    print(f"文件 {len(files)} 个；基线 {base:.3f} 秒，当前 {now:.3f} 秒，比值 {now / base:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
