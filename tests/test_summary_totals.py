"""Every 合计 of the summary under filters, recalculated by LibreOffice (UNO).

A reviewer filters 项目汇总 by 计入合计, by a project or by an 实施单位 and reads the
合计 row: it must be the sum of the rows left visible that count (计入合计 = 是), never
a duplicate, never negative; with no filter, the sum of every counted row. 资金汇总's
小计/合计 follow its filter the same way. The workbook is written by a real merge,
with a project sent twice, and recalculated by LibreOffice after each filter.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import generate_departments, write_department_workbook  # noqa: E402
from xltool.apps.merge import merge_workbooks  # noqa: E402
from xltool.write.summary.columns import PROJECT_HEADERS, SUMMARY_COLUMNS  # noqa: E402

try:
    from tests.lo_helper import need, run_uno_script, uno_available
except ImportError:  # pragma: no cover - run from inside tests/
    from lo_helper import need, run_uno_script, uno_available  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice

_FILTER_SCRIPT = '''
import uno
from com.sun.star.sheet.FilterOperator import EQUAL

def table(sheet):
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    last_row, last_col = cursor.RangeAddress.EndRow, cursor.RangeAddress.EndColumn
    return sheet.getCellRangeByPosition(0, 0, last_col, last_row), last_row, last_col

def apply(sheet, column, value, data_last):
    rng = sheet.getCellRangeByPosition(0, 0, sheet_cols[sheet.Name], data_last)
    fd = rng.createFilterDescriptor(True)
    if column is not None:
        field = uno.createUnoStruct("com.sun.star.sheet.TableFilterField")
        field.Field, field.Operator, field.IsNumeric, field.StringValue = column, EQUAL, False, value
        fd.FilterFields = (field,)
        fd.ContainsHeader = True
    rng.filter(fd)

result = []
for case in ARGS["cases"]:
    doc = load(ARGS["path"])
    sheet = doc.Sheets.getByName(case["sheet"])
    rng, last_row, last_col = table(sheet)
    sheet_cols = {sheet.Name: case["filter_cols"] - 1}
    if case["column"] is not None:
        apply(sheet, case["column"], case["value"], last_row - 1)
    doc.calculateAll()
    # the whole table in two calls (a cell at a time costs a call per property): DataArray holds a number
    # where the cell shows one (its value) and the text elsewhere; FormulaArray tells formulas apart
    data = rng.getDataArray()
    formulas = rng.getFormulaArray()
    rows = []
    for r in range(last_row + 1):
        values, strings = [], []
        for c in range(last_col + 1):
            datum, formula = data[r][c], formulas[r][c]
            number = isinstance(datum, float)
            if formula.startswith("=") and not number:  # a formula of a text result: its value is 0
                values.append(sheet.getCellByPosition(c, r).getValue())
            else:
                values.append(datum)
            # what the cell shows: a text is itself; a number as formatted, asked of the cell
            strings.append(sheet.getCellByPosition(c, r).getString() if number else datum)
        rows.append({"visible": bool(sheet.Rows.getByIndex(r).IsVisible), "values": values, "strings": strings})
    result.append(rows)
    doc.close(True)
'''


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need(uno_available(), "LibreOffice with python3-uno is not installed")
    root = tmp_path_factory.mktemp("totals")
    specs = generate_departments(root / "in", 14, per_workbook=(2, 4), workbooks_per_department=2, seed=21)
    duplicate = specs[0].projects[0]
    write_department_workbook(root / "in" / "补报.xlsx", [duplicate])  # the same project sent twice
    out = root / "汇总.xlsx"
    merge_workbooks([root / "in"], out, jobs=1)
    return {"out": out, "specs": specs, "duplicate": duplicate}


def _run(summary: dict[str, Any], cases: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return run_uno_script(_FILTER_SCRIPT, args={"path": str(summary["out"]), "cases": cases}, timeout=240)


def _project_cases(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    col = {h: i for i, h in enumerate(PROJECT_HEADERS)}
    dup = summary["duplicate"]
    other_unit = next(p.implementer for s in summary["specs"] for p in s.projects if p.implementer != dup.implementer)
    filters = [
        ("无筛选", None, ""), ("计入合计=是", col["计入合计"], "是"), ("计入合计=否", col["计入合计"], "否"),
        ("项目名称=重复项目", col["项目名称"], dup.name), ("实施单位=重复项目的单位", col["实施单位"], dup.implementer),
        ("实施单位=另一单位", col["实施单位"], other_unit),
    ]
    return [(label, {"sheet": "项目汇总", "column": c, "value": v, "filter_cols": len(PROJECT_HEADERS)})
            for label, c, v in filters]


def _funding_cases(summary: dict[str, Any]) -> list[dict[str, Any]]:
    departments = sorted({p.department for s in summary["specs"] for p in s.projects})
    return [{"sheet": "资金汇总", "column": None, "value": "", "filter_cols": 10}] + [
        {"sheet": "资金汇总", "column": 0, "value": d, "filter_cols": 10} for d in departments[:2]
    ]


@pytest.fixture(scope="module")
def filtered(summary: dict[str, Any]) -> dict[str, Any]:
    """Every filter of both tests in one LibreOffice script."""
    projects, funding = _project_cases(summary), _funding_cases(summary)
    results = _run(summary, [case for _, case in projects] + funding)
    return {"projects": (projects, results[: len(projects)]), "funding": (funding, results[len(projects):])}


def test_project_totals_follow_every_filter(summary: dict[str, Any], filtered: dict[str, Any]) -> None:
    cases, results = filtered["projects"]
    col = {h: i for i, h in enumerate(PROJECT_HEADERS)}
    summed = [i for i, c in enumerate(SUMMARY_COLUMNS) if c.total]
    assert {PROJECT_HEADERS[i] for i in summed} >= {"总额（万元）", "指标数", "错误数"}
    seen_duplicate = False
    for (label, _), rows in zip(cases, results):
        header, *data, total = rows
        assert total["strings"][0] == "合计" and total["visible"], label
        visible = [r for r in data if r["visible"]]
        counted = [r for r in visible if r["strings"][col["计入合计"]] == "是"]
        seen_duplicate |= any(r["strings"][col["计入合计"]] == "否" for r in visible)
        assert visible, label  # every filter (and no filter) leaves something to add up
        for c in summed:
            expected = sum(r["values"][c] for r in counted if isinstance(r["values"][c], float))
            assert total["values"][c] == pytest.approx(expected, abs=0.005), (label, PROJECT_HEADERS[c])
            assert total["values"][c] >= 0, (label, PROJECT_HEADERS[c])
    assert seen_duplicate  # the duplicate row was on screen, and left out of the totals above
    unfiltered = results[0]
    specs = [p for s in summary["specs"] for p in s.projects]
    assert unfiltered[-1]["values"][col["总额（万元）"]] == pytest.approx(sum(p.total for p in specs), abs=0.01)
    by_name = next(rows for (label, _), rows in zip(cases, results) if label == "项目名称=重复项目")
    dup_rows = [r for r in by_name[1:-1] if r["visible"]]
    assert len(dup_rows) == 2  # both copies shown, counted once
    assert by_name[-1]["values"][col["总额（万元）"]] == pytest.approx(summary["duplicate"].total, abs=0.005)


def test_funding_subtotals_follow_the_filter(summary: dict[str, Any], filtered: dict[str, Any]) -> None:
    cases, results = filtered["funding"]
    specs = [p for s in summary["specs"] for p in s.projects]
    for case, rows in zip(cases, results):
        header, *data, total = rows
        assert total["strings"][0] == "合计"
        details = [r for r in data if r["visible"] and r["strings"][1] != "小计"]
        for c in range(2, 10):
            expected = sum(r["values"][c] for r in details)
            assert total["values"][c] == pytest.approx(expected, abs=0.005), (case["value"], header["strings"][c])
        for r in data:  # each visible 小计 adds its own units only
            if r["visible"] and r["strings"][1] == "小计":
                units = [d for d in details if d["strings"][0] == r["strings"][0]]
                assert r["values"][3] == pytest.approx(sum(d["values"][3] for d in units), abs=0.005)
    assert results[0][-1]["values"][3] == pytest.approx(sum(p.total for p in specs), abs=0.01)
    assert results[0][-1]["values"][2] == len(specs)
