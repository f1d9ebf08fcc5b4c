"""The template in a real spreadsheet program: LibreOffice headless through UNO.

One soffice run inspects the template (sheets, validations, protection), evaluates
the template's own conditional-format and validation formulas on sample inputs,
and fills a copy the way a person would before saving it as xlsx; a second run
converts the template to PDF. What LibreOffice saved is read back by xltool.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xltool.core.model import Indicator
from xltool.core.names import LISTS_SHEET
from xltool.apps.sources import read_workbook
from xltool.core.names import INSTRUCTIONS_SHEET
from xltool.write.sheet_style import LAYOUT
from xltool.write.template import build_template

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests.lo_helper import XLSX_FILTER, convert, need, run_uno_script, uno_available
except ImportError:  # pragma: no cover
    from lo_helper import XLSX_FILTER, convert, need, run_uno_script, uno_available  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module", autouse=True)
def _office() -> None:
    need(uno_available(), "需要 LibreOffice（soffice）和 python3-uno")


YEAR = 2027

_SCRIPT = r'''
CLEAR = 1 | 2 | 4 | 16  # VALUE | DATETIME | STRING | FORMULA

def put(sheet, ref, value):
    cell = sheet.getCellRangeByName(ref)
    if value is None:
        cell.clearContents(CLEAR)
    elif isinstance(value, (int, float)):
        cell.setValue(value)
    else:
        cell.setString(value)  # as typed into a text cell; setFormula would parse numbers

doc = load(ARGS["template"])
names = list(doc.Sheets.ElementNames)
sheet = doc.Sheets.getByName(ARGS["sheet"])
out = {
    "sheets": names,
    "visible": {n: doc.Sheets.getByName(n).IsVisible for n in names},
    "protected": sheet.isProtected(),
    "locked": {r: sheet.getCellRangeByName(r).CellProtection.IsLocked for r in ARGS["lock_refs"]},
    "validation": {},
}
for ref in ARGS["validation_refs"]:
    v = sheet.getCellRangeByName(ref).Validation
    out["validation"][ref] = {"type": v.Type.value, "formula1": v.Formula1, "show_input": v.ShowInputMessage,
                              "title": v.InputTitle, "message": v.InputMessage}
sheet.unprotect("")
evaluated = []
for case in ARGS["cases"]:
    for ref, value in case["set"].items():
        put(sheet, ref, value)
    probe = sheet.getCellRangeByName(ARGS["probe"])
    probe.setFormula("=" + case["formula"])
    doc.calculateAll()
    evaluated.append([probe.getValue(), probe.getString(), probe.getError()])
    probe.clearContents(CLEAR)
    for ref in case["set"]:
        put(sheet, ref, None)
out["evaluated"] = evaluated
doc.close(True)

doc = load(ARGS["fill_in"])
sheet = doc.Sheets.getByName(ARGS["sheet"])
for ref, value in ARGS["fill"]:
    put(sheet, ref, value)
store(doc, ARGS["fill_out"], ARGS["filter"])
doc.close(True)
result = out
'''


def _api_formula(formula: str) -> str:
    """Excel's ',' argument separator → LibreOffice API ';' (outside string literals)."""
    parts = formula.split('"')
    return '"'.join(p.replace(",", ";") if i % 2 == 0 else p for i, p in enumerate(parts))


def _cf_formula(ws: Any, sqref: str, needle: str) -> str:
    for cf in ws.conditional_formatting:
        if str(cf.sqref) == sqref:
            for rule in cf.rules:
                if needle in rule.formula[0]:
                    return rule.formula[0]
    raise AssertionError(f"no conditional format on {sqref} with {needle}")


def _cases(ws: Any) -> list[tuple[str, dict[str, Any], str, Any]]:
    """(label, cells to set, formula from the template, expected result)."""
    last = max(int(str(cf.sqref).split(":")[-1][1:]) for cf in ws.conditional_formatting
               if str(cf.sqref).startswith("E12"))
    funding = _cf_formula(ws, "E3:E7", "SUM(")
    qualitative = _cf_formula(ws, f"E12:E{last}", "定性")
    missing = _cf_formula(ws, f"E12:E{last}", "LEN(TRIM($E12))=0")
    order = _cf_formula(ws, "B6:B7", "$B$7<$B$6")
    (month_dv,) = [dv for dv in ws.data_validations.dataValidation if "B6" in dv.sqref]
    month = month_dv.formula1
    n = None
    cases: list[tuple[str, dict[str, Any], str, Any]] = [
        ("split adds up", {"E3": 100, "E4": n, "E5": n, "E6": 100, "E7": n}, funding, False),
        ("split short", {"E3": 100, "E5": 30, "E6": 60}, funding, True),
        ("no split given", {"E3": 100}, funding, False),
        ("within tolerance", {"E3": 100, "E6": 100.004}, funding, False),
        ("beyond tolerance", {"E3": 100, "E6": 100.01}, funding, True),
        ("split without total", {"E6": 5}, funding, True),
        ("定性 with number", {"D12": "定性", "E12": "5年"}, qualitative, True),
        ("定性 with full-width number", {"D12": "定性", "E12": "５年"}, qualitative, True),
        ("定性 graded phrase", {"D12": "定性", "E12": "达到预期目标"}, qualitative, False),
        ("≥ with number", {"D12": "≥", "E12": "95%"}, qualitative, False),
        ("定性 empty", {"D12": "定性"}, qualitative, False),
        ("三级 without target", {"C12": "服务对象满意率"}, missing, True),
        ("placeholder without target", {"C12": "……"}, missing, False),
        ("三级 with target", {"C12": "服务对象满意率", "E12": "90%"}, missing, False),
        ("empty row", {}, missing, False),
        ("end before start", {"B6": "2022.03", "B7": "2022.01"}, order, True),
        ("start before end", {"B6": "2022.01", "B7": "2022.12"}, order, False),
        ("month 2022.01", {"B6": "2022.01"}, month, True),
        ("month 2022.12", {"B6": "2022.12"}, month, True),
        ("month 2022.1", {"B6": "2022.1"}, month, False),
        ("month number 2022.1", {"B6": 2022.1}, month, False),
        ("month 2022.13", {"B6": "2022.13"}, month, False),
        ("month 2022.00", {"B6": "2022.00"}, month, False),
        ("month 2022-01", {"B6": "2022-01"}, month, False),
        ("month abcd.01", {"B6": "abcd.01"}, month, False),
        ("INDIRECT finds a 一级 name", {}, 'ROWS(INDIRECT("产出指标"))', 4.0),
        ("dependent list of A12", {"A12": "效果指标"}, "INDEX(INDIRECT($A12),5)", "满意度指标"),
    ]
    return [(label, values, _api_formula(formula), expected) for label, values, formula, expected in cases]


# What a person types into a fresh template copy (strings as typed into text cells).
_FILL: list[tuple[str, Any]] = [
    ("B3", "档案数字化加工费"), ("E3", 50), ("B4", "区档案馆"), ("E4", 10), ("B5", "区档案馆"), ("E6", 40),
    ("B6", "2023.01"), ("B7", "2023.10"), ("B8", "加工20000卷，单价25元/卷，合计50万元。"),
    ("B9", "馆藏档案全部数字化"), ("B10", "完成20000卷档案数字化"),
    ("C12", "数字化档案数量"), ("D12", "≥"), ("E12", "20000卷"),
    ("C13", "新增目录条数"), ("D13", "="), ("E13", "=3"),
    ("C14", "数字化准确率"), ("D14", ">="), ("E14", "99%"),
    ("C24", "服务对象满意率"), ("D24", "定性"), ("E24", "达到预期目标"),
    ("A25", "产出指标"), ("B25", "产出成本指标"), ("C25", "单位成本"), ("D25", "≤"), ("E25", "25元/卷"),
]


@pytest.fixture(scope="module")
def lo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("lo")
    template = build_template(folder / "模板.xlsx", year=YEAR)
    fill_in = folder / "待填.xlsx"
    shutil.copyfile(template, fill_in)
    ws = openpyxl.load_workbook(template)["项目1"]
    cases = _cases(ws)
    args = {
        "template": str(template),
        "sheet": "项目1",
        "lock_refs": ["A3", "D3", "A11", "B3", "E3", "B8", "C12", "E30", "H40"],
        "validation_refs": ["A12", "B12", "B25", "D12", "E3", "B6", "C12", "E12", "B3"],
        "probe": "H12",
        "cases": [{"set": values, "formula": formula} for _, values, formula, _ in cases],
        "fill_in": str(fill_in),
        "fill_out": str(folder / "LibreOffice已填.xlsx"),
        "fill": _FILL,
        "filter": XLSX_FILTER,
    }
    report = run_uno_script(_SCRIPT, timeout=300, args=args)
    return {"report": report, "cases": cases, "template": template, "filled": Path(args["fill_out"]),
            "folder": folder}


def test_libreoffice_sees_the_sheets(lo_run: dict[str, Any]) -> None:
    report = lo_run["report"]
    assert report["sheets"] == ["项目1", LISTS_SHEET, INSTRUCTIONS_SHEET]
    assert report["visible"] == {"项目1": True, LISTS_SHEET: False, INSTRUCTIONS_SHEET: True}


def test_libreoffice_reports_the_validations(lo_run: dict[str, Any]) -> None:
    v = lo_run["report"]["validation"]
    assert v["A12"]["type"] == v["B12"]["type"] == v["D12"]["type"] == v["B25"]["type"] == "LIST"
    assert "INDIRECT" in v["B12"]["formula1"] and "$A12" in v["B12"]["formula1"]
    assert "INDIRECT" in v["B25"]["formula1"]
    assert v["A12"]["formula1"] == "一级指标列表" and v["D12"]["formula1"] == "计算符号列表"
    assert v["E3"]["type"] == "DECIMAL" and v["B6"]["type"] == "CUSTOM"
    for ref in ("A12", "B12", "D12", "E3", "B6", "C12", "E12", "B3"):
        assert v[ref]["show_input"] and v[ref]["title"] and v[ref]["message"], ref


def test_libreoffice_sees_locked_labels_and_open_inputs(lo_run: dict[str, Any]) -> None:
    report = lo_run["report"]
    assert report["protected"] is True
    assert report["locked"] == {
        "A3": True, "D3": True, "A11": True, "B3": False, "E3": False, "B8": False, "C12": False,
        "E30": False, "H40": False,
    }


def test_template_formulas_behave_in_libreoffice(lo_run: dict[str, Any]) -> None:
    """Each conditional format / validation formula, evaluated by LibreOffice itself."""
    results = lo_run["report"]["evaluated"]
    assert len(results) == len(lo_run["cases"])
    for (label, _, formula, expected), (value, text, error) in zip(lo_run["cases"], results):
        assert error == 0, f"{label}: {formula} → error {error}"
        got: Any = text if isinstance(expected, str) else (value if isinstance(expected, float) else bool(value))
        assert got == expected, f"{label}: {formula} → {value!r}/{text!r}"


def test_a_sheet_filled_and_saved_by_libreoffice_reads_back(lo_run: dict[str, Any]) -> None:
    # The untouched template is a blank project sheet (read passes it over); its parsed layout is the baseline.
    from xltool.io.calamine import grids_from_calamine
    from xltool.parse.reader import projects_from_grids

    blank = projects_from_grids(grids_from_calamine(lo_run["template"]), file="模板.xlsx").blank_projects[0]
    result = read_workbook(lo_run["filled"])
    assert result.profile == "district-2022"
    (project,) = result.projects
    expected = blank.model_copy(deep=True)
    expected.name, expected.department, expected.implementer = "档案数字化加工费", "区档案馆", "区档案馆"
    expected.total, expected.funding.province, expected.funding.district = 50.0, 10.0, 40.0
    expected.start, expected.end = "2023.01", "2023.10"
    expected.overview, expected.long_term_goal = "加工20000卷，单价25元/卷，合计50万元。", "馆藏档案全部数字化"
    expected.annual_goal = "完成20000卷档案数字化"
    typed = {ref: value for ref, value in _FILL}
    first = LAYOUT.first_indicator_row
    rows = sorted({int(ref[1:]) for ref in typed if int(ref[1:]) >= first})
    by_row = {i.row: i for i in expected.indicators}
    for row in rows:
        base = by_row.get(row)
        indicator = Indicator.from_typed(
            level1=typed.get(f"A{row}", base.level1 if base else ""),
            level2=typed.get(f"B{row}", base.level2 if base else ""),
            name=typed.get(f"C{row}", ""), operator=typed.get(f"D{row}", ""), target=typed.get(f"E{row}", ""),
            cell=f"E{row}", row=row, cells={k: f"{c}{row}" for k, c in LAYOUT.columns.items()},
        )
        if base:
            expected.indicators[expected.indicators.index(base)] = indicator
        else:
            expected.indicators.append(indicator)
    got, want = project.to_json_dict(), expected.to_json_dict()
    for key in ("file", "sheet"):
        got.pop(key), want.pop(key)
    assert got == want
    assert project.indicators[1].target == "=3" and project.indicators[2].operator_raw == ">="
    # The dropdowns survive LibreOffice's save.
    ws = openpyxl.load_workbook(lo_run["filled"])["项目1"]
    b_lists = [dv.formula1 for dv in ws.data_validations.dataValidation if "B12" in dv.sqref]
    assert b_lists and "INDIRECT" in b_lists[0]


def test_template_converts_to_pdf_with_chinese_text(lo_run: dict[str, Any]) -> None:
    pdf = convert(lo_run["template"], "pdf", lo_run["folder"] / "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    need(shutil.which("pdftotext") is not None, "pdftotext not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    for phrase in ("附件3", f"{YEAR}年度区级预算绩效管理项目绩效目标表", "项目名称", "年度目标值", "产出数量指标", "填写说明"):
        assert phrase in text.replace(" ", ""), phrase
