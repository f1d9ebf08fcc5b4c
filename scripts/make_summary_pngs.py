"""Render the summary as it prints (LibreOffice → PDF → PNG) for docs/.

    python scripts/make_summary_pngs.py

Writes docs/summary-projects.png (first page of 项目汇总) and docs/summary-department.png
(first page of 部门整体绩效目标) from 25 generated tables in 3 departments, the same
input the print test (tests/test_summary_print.py) checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from benchmarks.common import ProjectSpec, generate_departments, write_department_workbook  # noqa: E402
from lo_helper import convert  # noqa: E402
from test_summary_print import LONG_GOAL, _pages  # noqa: E402
from xltool.apps.merge import merge_workbooks  # noqa: E402

TARGETS = {"项目汇总": "summary-projects.png", "部门整体绩效目标": "summary-department.png"}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="xltool-png-") as tmp:
        root = Path(tmp)
        specs = generate_departments(root / "in", 24, per_workbook=(3, 4), workbooks_per_department=3, seed=5)
        base = specs[0].projects[0]
        long = ProjectSpec(**{**base.__dict__, "name": "社会救助资金发放项目", "annual_goal": LONG_GOAL})
        write_department_workbook(root / "in" / "民政局.xlsx", [long])
        merge_workbooks([root / "in"], root / "汇总.xlsx", jobs=1)
        pdf = convert(root / "汇总.xlsx", "pdf", root / "pdf")
        pages = _pages(pdf)
        per_sheet: dict[str, int] = {}
        for p in pages:
            per_sheet[p["sheet"]] = per_sheet.get(p["sheet"], 0) + 1
        print(f"共 {len(pages)} 页：" + "，".join(f"{k} {v} 页" for k, v in per_sheet.items()))
        for sheet, name in TARGETS.items():
            number = next(i for i, p in enumerate(pages, start=1) if p["sheet"] == sheet)
            prefix = root / name.removesuffix(".png")
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile",
                            str(pdf), str(prefix)], check=True)
            shutil.copy(prefix.with_suffix(".png"), REPO / "docs" / name)
            print(f"docs/{name}: 第 {number} 页（{sheet}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
