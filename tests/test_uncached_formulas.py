"""A formula saved without its result (files written by programs other than Excel, WPS or LibreOffice).

calamine reads such a cell as empty; a total written as ``=SUM(…)`` would then vanish from the
summary without a word. The cell is shown with its formula and what to do instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import xlsxwriter

from tests.conftest import sheet_rows
from xltool.io.calamine import grids_from_calamine
from xltool.io.numfmt import UNCACHED

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "examples" / "split" / "停车场费.xlsx"


def _with_formula(tmp_path: Path) -> Path:
    wb = openpyxl.load_workbook(SOURCE)  # openpyxl stores formulas without a result
    ws = wb["停车场费"]
    ws["E3"] = "=SUM(E4:E7)"
    ws["E13"] = "=E12*2"  # an indicator's target
    out = tmp_path / "程序生成.xlsx"
    wb.save(out)
    return out


def test_a_formula_without_its_result_is_shown_not_read_as_empty(tmp_path: Path) -> None:
    [grid] = [g for g in grids_from_calamine(_with_formula(tmp_path)) if g.name == "停车场费"]
    assert grid.rows[2][4] == f"=SUM(E4:E7){UNCACHED}"
    assert grid.rows[12][4] == f"=E12*2{UNCACHED}"
    assert grid.rows[5][4] == 36.9  # plain values untouched


def test_a_formula_with_its_result_reads_the_result(tmp_path: Path) -> None:
    out = tmp_path / "有结果.xlsx"
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("表")
    sheet.write_string(0, 0, "项目总金额")
    sheet.write_formula(0, 1, "=SUM(B2:B3)", None, 36.9)
    sheet.write_formula(1, 1, "=1", None, 0)  # a result of 0 is a result
    book.close()
    [grid] = grids_from_calamine(out)
    assert grid.rows[0][1] == 36.9 and grid.rows[1][1] == 0


def test_merge_names_the_total_that_is_an_unsaved_formula(tmp_path: Path) -> None:
    source = _with_formula(tmp_path)
    out = tmp_path / "汇总.xlsx"
    done = subprocess.run([sys.executable, "-m", "xltool", "merge", source, "-o", out], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = sheet_rows(out, "项目汇总")
    total = rows[0].index("总额（万元）")
    assert rows[1][total] == f"=SUM(E4:E7){UNCACHED}"  # written as text, never as a live formula
    problems = sheet_rows(out, "问题清单")
    assert any("E3" in map(str, r) and "JX603" in map(str, r) for r in problems)
