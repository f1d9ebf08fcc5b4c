"""Print what the rule catalogue finds in the seed's 22 real tables, project by project.

Usage: python scripts/seed_report.py [seed.txt]
The seed is read by the importer, as `xltool import` would read it.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from xltool.core.findings import Severity
from xltool.apps.sources import load_source
from xltool.rules import validate_projects

SEED = Path(__file__).resolve().parent.parent / "examples" / "source" / "区行政审批局_2022.txt"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else SEED
    if path is None or not path.is_file():
        print("找不到样例文件；请把路径作为参数传入。", file=sys.stderr)
        return 2
    projects = load_source(path).projects
    findings = validate_projects(projects)
    total: Counter[Severity] = Counter()
    for project in projects:
        own = [f for f in findings if f.sheet == project.sheet and f.project == project.name]
        counts = Counter(f.severity for f in own)
        total.update(counts)
        summary = "，".join(f"{s.label}{counts[s]}" for s in Severity)
        amount = "未填" if project.total is None else f"{project.total:g}万元"
        print(f"\n== {project.sheet} {project.name}（{amount}）：{summary}")
        for f in own:
            print(f"  {f.code} {f.severity.label} {f.cell or '-':>5}  {f.message}")
    summary = "，".join(f"{s.label}{total[s]}" for s in Severity)
    print(f"\n合计 {len(projects)} 个项目：{summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
