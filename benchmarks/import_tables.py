"""What writing imported tables as 附件3 sheets costs, against styling each cell one by one.

    python benchmarks/import_tables.py [--repeat 5]

Imports ``examples/区行政审批局_2022.xlsx`` (22 tables) into a template workbook with
``xltool.import_tables``, in the same run two ways:

* baseline — every cell given its font, fill, border, alignment and protection objects one by one,
  and merged ranges made by ``ws.merge_cells`` and then bordered cell by cell (the documented
  openpyxl way, and what the writer did before);
* writer   — what xltool does: a kind of cell styled once per workbook, later ones copy its style
  indexes (``xltool.write.sheet_style.stamp``); both write the same file (tests/test_template.py).

Each figure is the best CPU time of ``--repeat`` imports; the ratio is writer / baseline.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import xltool
from xltool.write import instructions, sheet_style, template

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "区行政审批局_2022.xlsx"


def _one_by_one(cell: Any, **styles: Any) -> None:
    for name, value in styles.items():
        setattr(cell, name, value)


def _merge_then_border(ws: Any, first: str, last: str) -> None:
    ws.merge_cells(f"{first}:{last}")
    for row in ws[f"{first}:{last}"]:
        for cell in row:
            cell.border = sheet_style.BORDER


@contextmanager
def baseline() -> Iterator[None]:
    saved = sheet_style.stamp, instructions.stamp, template.merge_range
    sheet_style.stamp = instructions.stamp = _one_by_one  # type: ignore[assignment]
    template.merge_range = _merge_then_border  # type: ignore[assignment]
    try:
        yield
    finally:
        sheet_style.stamp, instructions.stamp, template.merge_range = saved  # type: ignore[assignment]


def best_cpu(repeat: int, folder: Path) -> float:
    times = []
    for n in range(repeat):
        start = time.process_time()
        xltool.import_tables([EXAMPLE], output=folder / f"导入{n}.xlsx")
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xltool-bench-") as tmp:
        folder = Path(tmp)
        xltool.import_tables([EXAMPLE], output=folder / "预热.xlsx")  # imports and caches, not timed
        (folder / "基线").mkdir()
        (folder / "写出").mkdir()
        with baseline():
            base = best_cpu(args.repeat, folder / "基线")
        mine = best_cpu(args.repeat, folder / "写出")
    print(f"逐格设置样式（基线）  {base * 1000:8.1f} ms CPU / 次导入（22 张表）")
    print(f"xltool 写出          {mine * 1000:8.1f} ms CPU / 次导入   {mine / base:.2f} × 基线")


if __name__ == "__main__":
    main()
