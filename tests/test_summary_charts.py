"""资金图表: the pie shows only the sources that hold money, labels outside their slices."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl

from xltool.apps.merge import merge_workbooks
from xltool.write.summary import FUNDING_SOURCES

ROOT = Path(__file__).resolve().parents[1]


def test_pie_leaves_out_empty_sources(tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    merge_workbooks([ROOT / "examples" / "区行政审批局_2022.xlsx"], out, jobs=1)
    wb = openpyxl.load_workbook(out, data_only=True)
    header, *_, total = list(wb["资金汇总"].iter_rows(values_only=True))
    sources = {s: total[header.index(next(h for h in header if h and h.startswith(s)))] for s in FUNDING_SOURCES}
    held = [s for s, v in sources.items() if v]
    assert held and len(held) < len(FUNDING_SOURCES)  # the example funds some sources, not all
    charts = wb["资金图表"]
    with zipfile.ZipFile(out) as zf:
        names = sorted(n for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        pie = next(zf.read(n).decode() for n in names if "<c:pieChart>" in zf.read(n).decode())
    first, last = re.search(r"<c:cat>.*?\$A\$(\d+)(?::\$A\$(\d+))?<", pie, re.S).groups()
    first, last = int(first), int(last or first)
    listed = [charts.cell(r, 1).value for r in range(first, last + 1)]
    assert listed == held  # the legend lists exactly the sources with money
    assert '<c:dLblPos val="outEnd"/>' in pie and "<c:showLeaderLines" in pie  # labels beside, not over, slices


def test_pie_says_when_the_sources_miss_the_total(tmp_path: Path) -> None:
    # broken_demo: 总额 50 万元, sources 30 + 10. The pie can only show the 40; the 10 is said in words.
    out = tmp_path / "汇总.xlsx"
    merge_workbooks([ROOT / "examples" / "broken_demo.xlsx"], out, jobs=1)
    with zipfile.ZipFile(out) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    pie = next(c for c in charts if "<c:pieChart>" in c)
    assert "资金来源构成（合计 40.00 万元）" in pie  # the slices' sum, not the 50 they cannot show
    texts = [v for row in openpyxl.load_workbook(out)["资金图表"].iter_rows(values_only=True) for v in row]
    assert "各资金来源之和比总额少 10.00 万元（见“资金汇总”差额列）" in texts
