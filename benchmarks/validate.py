"""What validation and marking cost per project table, relative to just reading the files.

    python benchmarks/validate.py [--tables 200] [--repeat 3]

Generates ``--tables`` distinct 附件3 tables spread over workbooks (benchmarks/common.py),
then times, in the same run and on the same files:

* baseline — reading every workbook into projects (``reader.read_workbook``);
* rules    — the rule catalogue over all projects at once (``rules.validate_projects``);
* validate — what ``xltool validate`` does (read + rules, ``report.validate_files``);
* mark     — writing a marked copy of every workbook (``xltool.write.marking.mark_file``).

Each figure is the best of ``--repeat`` runs, printed per table and as a ratio to the
baseline, so the numbers compare across machines. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import generate_departments  # noqa: E402

from xltool.write.marking import mark_file  # noqa: E402
from xltool.apps.sources import read_workbook  # noqa: E402
from xltool.write.report import count_line  # noqa: E402
from xltool.apps.validate import validate_files  # noqa: E402
from xltool.rules import validate_projects  # noqa: E402


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="校验与标注的耗时（相对于仅读取文件）")
    parser.add_argument("--tables", type=int, default=200, help="生成的项目表张数（默认 200）")
    parser.add_argument("--repeat", type=int, default=3, help="每项重复次数，取最快一次（默认 3）")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="xltool-bench-") as folder:
        specs = generate_departments(Path(folder) / "in", args.tables)
        files = [spec.path for spec in specs]
        tables = sum(len(spec.projects) for spec in specs)
        projects = [p for f in files for p in read_workbook(f).projects]
        assert len(projects) == tables, (len(projects), tables)

        read_s = best_of(args.repeat, lambda: [read_workbook(f) for f in files])
        rules_s = best_of(args.repeat, lambda: validate_projects(projects))
        run = validate_files(files)
        validate_s = best_of(args.repeat, lambda: validate_files(files))
        out = Path(folder) / "out"
        out.mkdir()
        mark_s = best_of(
            1, lambda: [mark_file(f, run.findings_for(str(f)), output=out / f"{i}.xlsx") for i, f in enumerate(files)]
        )

    def line(label: str, seconds: float) -> str:
        return (f"{label:<10}{seconds:8.3f} s   {seconds / tables * 1000:8.2f} ms/表   "
                f"{seconds / read_s:6.2f} × 读取")

    print(f"{tables} 张项目表，{len(files)} 个工作簿；{count_line(run.findings)}")
    print(line("读取", read_s))
    print(line("规则", rules_s))
    print(line("校验", validate_s))
    print(line("标注", mark_s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
