"""Rows of wrapped text in the summary are as tall as LibreOffice lays the text out: never cut, no big gaps.

LibreOffice sizes each row itself (optimal height) in the summary's column widths as Excel has
them (7 px a character: the widths a spreadsheet with the workbook's fonts uses; this machine's
LibreOffice lacks 宋体 and Calibri and would otherwise widen every column by a third). The
summary's written heights are compared with those.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import openpyxl
import pytest

import xltool

try:
    from tests.lo_helper import lo_available, need, run_uno_script, uno_available
except ImportError:  # pragma: no cover - run from inside tests/
    from lo_helper import lo_available, need, run_uno_script, uno_available  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice
ROOT = Path(__file__).resolve().parents[1]
SHEETS = ("项目汇总", "指标明细", "问题清单", "文件清单")  # list sheets (the 部门整体 form has merged cells,
# which LibreOffice does not size)

_SCRIPT = '''
doc = load(ARGS["path"])
out = {}
for name, widths in ARGS["widths"].items():
    sheet = doc.Sheets.getByName(name)
    for i, px in enumerate(widths):
        sheet.Columns.getByIndex(i).Width = int(px * 2540 / 96)
    rows = sheet.Rows
    n = min(rows.Count, ARGS["rows"][name])
    ours = [rows.getByIndex(i).Height for i in range(n)]
    # one call for the whole block of rows (the same optimal heights as row by row, a third of the time)
    sheet.getCellRangeByPosition(0, 0, 0, n - 1).Rows.OptimalHeight = True
    out[name] = [ours, [rows.getByIndex(i).Height for i in range(n)]]
doc.close(True)
result = out
'''


def test_wrapped_rows_fit_their_text_without_gaps(tmp_path: Path) -> None:
    need(lo_available() and uno_available(), "LibreOffice with python3-uno is not installed")
    summary = tmp_path / "汇总.xlsx"
    xltool.merge([ROOT / "examples"], output=summary)
    book = openpyxl.load_workbook(summary)
    widths, last = {}, {}
    for name in SHEETS:
        stored = {c: d.width for d in book[name].column_dimensions.values() for c in range(d.min, d.max + 1)}
        widths[name] = [int((stored.get(c) or 8.43) * 7 + 0.5) for c in range(1, max(stored) + 1)]
        # the first 400 rows, up to the last one with a value or a height of its own: past it a row is empty
        # at the default height in both (never over one line), and each row read through UNO costs 1.5 ms
        last[name] = min(400, max([book[name].max_row, *book[name].row_dimensions]))
    heights = run_uno_script(_SCRIPT, args={"path": str(summary), "widths": widths, "rows": last})
    for name, (ours, lo) in heights.items():
        wrapped = [(o, l) for o, l in list(zip(ours, lo))[1:] if max(o, l) > 600]  # over one line (6 mm)
        assert len(wrapped) >= 5, name
        cut = [(i, o / 35.28, l / 35.28) for i, (o, l) in enumerate(wrapped) if o < l - 20]
        assert not cut, (name, cut[:5])  # a row lower than its text hides the last line
        assert statistics.median(o / l for o, l in wrapped) <= 1.15, name
