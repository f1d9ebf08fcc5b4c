"""The generated 附件3 template: committed file up to date, staff features present, readable.

Everything is checked on real files written by the generator and re-opened with
openpyxl (what Excel would see) or read back through ``xltool.parse.reader``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xltool.cli import main
from xltool.core.errors import XltoolError
from xltool.core.frameworks import get_profile, load_profiles
from xltool.core.model import STANDARD_OPERATORS, Project
from xltool.core.names import LISTS_SHEET
from xltool.io.calamine import grids_from_calamine
from xltool.parse.reader import WorkbookRead, projects_from_grids
from xltool.core.names import INSTRUCTIONS_SHEET
from xltool.write.sheet_style import LAYOUT, SPARE_ROWS, sheet_layout
from xltool.write.template import build_template, default_year, new_project_sheet, sheet_title, write_projects

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.import_tables import baseline as one_by_one  # noqa: E402


def read_workbook(path: Path) -> WorkbookRead:
    """Every project sheet as the reader parses it, blank ones included: their layout is what these tests
    check (read, validate and merge pass blank sheets over as 空白项目表; tests/test_summary_blank.py)."""
    grids = grids_from_calamine(Path(path))
    order = {g.name: i for i, g in enumerate(grids)}
    result = projects_from_grids(grids, file=str(path))
    result.projects = sorted(result.projects + result.blank_projects, key=lambda p: order[p.sheet])
    result.skipped_sheets = [s for s in result.skipped_sheets if s not in result.blank_sheets]
    return result
COMMITTED = ROOT / "templates" / "jixiao_template.xlsx"
# The committed template is generated with this fixed year (see xltool/template.py).
COMMITTED_YEAR = 2027


# ---------------------------------------------------------------------------
# A semantic description of a workbook: everything a user or Excel sees, no zip bytes.


def _dv_key(dv: Any) -> tuple[Any, ...]:
    return (
        str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.allow_blank, dv.showInputMessage,
        dv.promptTitle, dv.prompt, dv.showErrorMessage, dv.errorStyle, dv.errorTitle, dv.error,
    )


def _cf_list(ws: Worksheet) -> list[tuple[Any, ...]]:
    out = []
    for cf_range in ws.conditional_formatting:
        for rule in cf_range.rules:
            fill = rule.dxf.fill.fgColor.rgb if rule.dxf and rule.dxf.fill else None
            out.append((str(cf_range.sqref), rule.type, tuple(rule.formula or ()), rule.priority, fill))
    return sorted(out)


def describe(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    book: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
        "active": wb.active.title,
        "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
        "title": wb.properties.title,
        "creator": wb.properties.creator,
    }
    for ws in wb.worksheets:
        prot = ws.protection
        book[ws.title] = {
            "cells": {
                c.coordinate: (c.value, c.data_type, c.number_format, c.protection.locked, c.font.name, c.font.b,
                               c.fill.fgColor.rgb if c.fill and c.fill.fill_type else None,
                               c.alignment.wrap_text, c.border.left.style)
                for row in ws.iter_rows() for c in row
                if c.value is not None or c.has_style
            },
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(_dv_key(dv) for dv in ws.data_validations.dataValidation),
            "cf": _cf_list(ws),
            "protection": (prot.sheet, prot.password, prot.formatCells, prot.formatRows, prot.insertRows,
                           prot.deleteRows, prot.selectLockedCells, prot.selectUnlockedCells),
            "print": (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth,
                      ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage if
                      ws.sheet_properties.pageSetUpPr else None, ws.print_title_rows, ws.print_area,
                      ws.page_margins.left, ws.page_margins.top, ws.oddFooter.left.text, ws.oddFooter.right.text),
            "widths": {k: (d.width, d.min, d.max) for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        }
    return book


# ---------------------------------------------------------------------------
# Fixtures.


@pytest.fixture(scope="module")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("tpl") / "模板.xlsx", year=COMMITTED_YEAR)


@pytest.fixture(scope="module")
def wb(template_path: Path) -> Workbook:
    return openpyxl.load_workbook(template_path)


@pytest.fixture(scope="module")
def ws(wb: Workbook) -> Worksheet:
    return wb["项目1"]


def _covering(ws: Worksheet, ref: str) -> list[Any]:
    return [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]


def _in_range(ref: str, rng: str) -> bool:
    col, row = openpyxl.utils.cell.coordinate_from_string(ref)
    c = openpyxl.utils.column_index_from_string(col)
    min_col, min_row, max_col, max_row = range_boundaries(rng)
    return min_col <= c <= max_col and min_row <= row <= max_row


def _last_row(ws: Worksheet) -> int:
    return LAYOUT.first_indicator_row + len(get_profile(None).pairs()) + 4 + SPARE_ROWS - 1


# ---------------------------------------------------------------------------
# The committed file.


def test_committed_template_matches_the_generator(template_path: Path) -> None:
    assert COMMITTED.is_file(), "运行 xltool template --year 2027 -o templates/jixiao_template.xlsx 生成模板"
    committed, fresh = describe(COMMITTED), describe(template_path)
    assert committed.keys() == fresh.keys()
    for key in fresh:
        assert committed[key] == fresh[key], f"templates/jixiao_template.xlsx 已过期：{key} 不同，请重新生成"


def test_describe_notices_a_change(template_path: Path, tmp_path: Path) -> None:
    """The comparison above is not vacuous: one changed prompt makes it differ."""
    wb = openpyxl.load_workbook(template_path)
    wb["项目1"].data_validations.dataValidation[0].prompt = "改过的提示"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    assert describe(changed)["项目1"]["validations"] != describe(template_path)["项目1"]["validations"]


# ---------------------------------------------------------------------------
# Form layout.


def test_form_layout_and_labels(ws: Worksheet) -> None:
    profile = get_profile(None)
    assert ws["A1"].value == "附件3"
    assert ws["A2"].value == profile.title_for(COMMITTED_YEAR) == "2027年度区级预算绩效管理项目绩效目标表"
    assert ws["A2"].font.b and ws["A2"].font.sz >= 16
    labels = {ref: ws[ref].value for ref in ("A3", "D3", "A4", "D4", "A5", "D5", "A6", "D6", "A7", "D7", "A8", "A9", "A10")}
    assert labels == {
        "A3": "项目名称", "D3": "项目总金额（万元）", "A4": "主管部门", "D4": "其中：部省级财政（万元）",
        "A5": "实施单位", "D5": "市级财政（万元）", "A6": "计划开始时间", "D6": "区级财政（万元）",
        "A7": "计划结束时间", "D7": "其他（万元）", "A8": "项目概况", "A9": "中长期绩效目标", "A10": "年度绩效目标",
    }
    assert [c.value for c in ws[11]][:5] == ["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:E2", "B3:C3", "B4:C4", "B5:C5", "B6:C6", "B7:C7", "B8:E8", "B9:E9", "B10:E10"} == merged
    # No merged cell inside the indicator table, so rows can be inserted anywhere.
    assert not any(r.max_row >= LAYOUT.indicator_header_row for r in ws.merged_cells.ranges)
    for row in (8, 9, 10):
        assert ws.row_dimensions[row].height >= 50 and ws[f"B{row}"].alignment.wrap_text
    assert ws["A3"].font.name == "宋体" and ws["A2"].font.name == "黑体"
    assert ws["C12"].border.left.style == ws["E3"].border.bottom.style == "thin"


def test_prelaid_indicator_rows_then_spare_rows(ws: Worksheet) -> None:
    profile = get_profile(None)
    expected: list[tuple[str, str]] = []
    for l1, l2 in profile.pairs():
        expected += [(l1, l2)] * (2 if l1 == "产出指标" else 1)
    first = LAYOUT.first_indicator_row
    got = [(ws.cell(first + i, 1).value, ws.cell(first + i, 2).value) for i in range(len(expected))]
    assert got == expected
    spare = range(first + len(expected), first + len(expected) + SPARE_ROWS)
    assert all(ws.cell(r, c).value is None for r in spare for c in range(1, 6))
    assert all(ws.cell(r, 3).has_style and not ws.cell(r, 3).protection.locked for r in spare)
    assert ws.cell(spare[-1] + 1, 3).value is None and not ws.cell(spare[-1] + 1, 3).has_style


def test_number_formats_keep_months_as_text_and_amounts_as_numbers(ws: Worksheet) -> None:
    for ref in (LAYOUT.cells["start"], LAYOUT.cells["end"], "C12", "D12", "E12", LAYOUT.cells["name"]):
        assert ws[ref].number_format == "@", ref
    for field in ("total", "funding.province", "funding.city", "funding.district", "funding.other"):
        assert ws[LAYOUT.cells[field]].number_format == "0.00"


def test_print_setup(ws: Worksheet) -> None:
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4) == "9"
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$11:$11"
    assert ws.print_area == f"'项目1'!$A$1:$E${_last_row(ws)}"
    assert 0.3 <= ws.page_margins.left <= 1.0


# ---------------------------------------------------------------------------
# Lists sheet, defined names, dropdowns.


def _name_values(wb: Workbook, name: str) -> list[Any]:
    dest = wb.defined_names[name]
    (sheet, ref), = list(dest.destinations)
    return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]


def test_lists_sheet_is_very_hidden_and_records_the_profile(wb: Workbook) -> None:
    lists = wb[LISTS_SHEET]
    assert lists.sheet_state == "veryHidden"
    assert (lists["A1"].value, lists["B1"].value) == ("profile", "district-2022")
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == ["项目1", INSTRUCTIONS_SHEET]
    assert wb.active.title == "项目1"


def test_defined_names_feed_the_dropdowns(wb: Workbook) -> None:
    profile = get_profile(None)
    assert _name_values(wb, "一级指标列表") == profile.level1_names()
    assert _name_values(wb, "计算符号列表") == list(STANDARD_OPERATORS)
    for l1 in profile.level1:
        # One workbook-scope name per 一级, named exactly the 一级 text (INDIRECT($A12) finds it).
        assert wb.defined_names[l1.name].localSheetId is None
        assert _name_values(wb, l1.name) == [l2.name for l2 in l1.level2]


def test_indicator_dropdowns(ws: Worksheet) -> None:
    first, last = LAYOUT.first_indicator_row, _last_row(ws)
    a, b, d = (_covering(ws, f"{c}{first}") for c in "ABD")
    assert [(v.type, v.formula1, str(v.sqref)) for v in a] == [("list", "一级指标列表", f"A{first}:A{last}")]
    assert [(v.type, v.formula1, str(v.sqref)) for v in b] == [("list", f"INDIRECT($A{first})", f"B{first}:B{last}")]
    assert [(v.type, v.formula1) for v in d] == [("list", "计算符号列表")]
    assert d[0].errorStyle == "stop" and d[0].error and d[0].showErrorMessage


def test_amount_and_month_validations(ws: Worksheet) -> None:
    for field in ("total", "funding.province", "funding.city", "funding.district", "funding.other"):
        (dv,) = _covering(ws, LAYOUT.cells[field])
        assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("decimal", "greaterThanOrEqual", "0", "stop")
    for field in ("start", "end"):
        ref = LAYOUT.cells[field]
        (dv,) = _covering(ws, ref)
        assert dv.type == "custom"
        assert f"LEN({ref})=7" in dv.formula1 and f'MID({ref},5,1)="."' in dv.formula1
        assert "<=12" in dv.formula1 and dv.error


def test_every_input_cell_has_a_chinese_prompt_and_is_unlocked(ws: Worksheet) -> None:
    """Input cells = the header values and the indicator table body; labels are locked."""
    inputs = list(LAYOUT.cells.values()) + [
        f"{c}{r}" for r in range(LAYOUT.first_indicator_row, _last_row(ws) + 1) for c in "ABCDE"
    ]
    for ref in inputs:
        dvs = _covering(ws, ref)
        assert len(dvs) == 1, ref
        assert dvs[0].showInputMessage and dvs[0].promptTitle and re.search(r"[\u4e00-\u9fff]", dvs[0].prompt), ref
        assert len(dvs[0].promptTitle) <= 32 and len(dvs[0].prompt) <= 255
        assert ws[ref].protection.locked is False, ref
    labels = list(LAYOUT.labels.values()) + ["A1", "A2"] + [f"{c}11" for c in "ABCDE"]
    for ref in labels:
        assert ws[ref].protection.locked is True, ref
        assert not _covering(ws, ref), ref


def test_protection_without_password_allows_rows_and_formatting(ws: Worksheet) -> None:
    p = ws.protection
    assert p.sheet and not p.password
    # In OOXML a False flag means "allowed".
    assert (p.formatCells, p.formatRows, p.formatColumns, p.insertRows, p.deleteRows) == (False,) * 5
    assert p.selectUnlockedCells is False
    # Whole rows of the table must be unlocked or Excel refuses to delete them: columns F… carry an unlocked style.
    beyond = [d for d in ws.column_dimensions.values() if d.min and d.min >= 6]
    assert beyond and beyond[0].max == 16384 and beyond[0].protection.locked is False


def test_conditional_formats(ws: Worksheet) -> None:
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    funding = rules["E3:E7"][0]
    assert "SUM($E$4:$E$7)" in funding and "$E$3" in funding and "0.005" in funding and "COUNT(" in funding
    last = _last_row(ws)
    targets = rules[f"E12:E{last}"]
    assert any('"定性"' in f and "$D12" in f and "$E12" in f and "0123456789" in f for f in targets)
    assert any("$C12" in f and "LEN(TRIM($E12))=0" in f for f in targets)
    assert "$B$7<$B$6" in rules["B6:B7"][0]
    # Red fill for the funding rule, orange for 定性-with-a-number.
    fills = {str(cf.sqref): [r.dxf.fill.fgColor.rgb for r in cf.rules] for cf in ws.conditional_formatting}
    assert fills["E3:E7"][0].endswith("FFC7CE") and fills[f"E12:E{last}"][0].endswith("FFD08A")


def test_instructions_sheet(wb: Workbook) -> None:
    text = "\n".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    for phrase in ("计算符号", "达到预期目标", "≥ 95%", "8085.11平方米", "及时", "预算数", "≥ 100%", "万元", "YYYY.MM"):
        assert phrase in text, phrase
    for l1 in get_profile(None).level1:
        assert l1.name in text and "、".join(l2.name for l2 in l1.level2) in text
    assert wb.sheetnames[-1] == INSTRUCTIONS_SHEET


def test_document_properties(wb: Workbook) -> None:
    assert wb.properties.creator == "xltool"
    assert wb.properties.title == "2027年度区级预算绩效管理项目绩效目标表"


# ---------------------------------------------------------------------------
# Reading it back; CLI; adding sheets.


def test_reader_reads_blank_template(template_path: Path) -> None:
    result = read_workbook(template_path)
    assert result.profile == "district-2022"
    assert result.skipped_sheets == []  # xltool's own sheets are not "skipped"
    (project,) = result.projects
    assert (project.name, project.total, project.department, project.start, project.annual_goal) == ("", None, "", "", "")
    assert project.funding.is_empty() and project.year == COMMITTED_YEAR
    assert all(ind.is_blank for ind in project.indicators)
    pairs = [(i.level1, i.level2) for i in project.indicators]
    assert sorted(set(pairs)) == sorted(get_profile(None).pairs())
    assert len(pairs) == len(get_profile(None).pairs()) + 4
    assert project.cells == dict(LAYOUT.cells)
    assert [i.cell for i in project.indicators] == [f"E{12 + n}" for n in range(len(pairs))]
    assert sheet_layout() is LAYOUT


@pytest.mark.parametrize("profile", sorted(load_profiles()))
def test_cli_template_for_each_profile(profile: str, tmp_path: Path) -> None:
    out = tmp_path / f"{profile}.xlsx"
    result = CliRunner().invoke(main, ["template", "-o", str(out), "--profile", profile, "--year", "2025", "--sheets", "2"])
    assert result.exit_code == 0, result.output
    assert "已生成模板" in result.output
    read = read_workbook(out)
    chosen = get_profile(profile)
    assert read.profile == profile and [p.sheet for p in read.projects] == ["项目1", "项目2"]
    for project in read.projects:
        assert project.title == chosen.title_for(2025) and project.profile == profile
        assert {(i.level1, i.level2) for i in project.indicators} == set(chosen.pairs())
    wb = openpyxl.load_workbook(out)
    for l1 in chosen.level1:
        assert _name_values(wb, l1.name) == [l2.name for l2 in l1.level2]


def test_cli_errors_are_chinese_with_exit_code_2(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_profile = runner.invoke(main, ["template", "-o", str(tmp_path / "a.xlsx"), "--profile", "nope"])
    assert bad_profile.exit_code == 2 and "未知的指标体系" in bad_profile.output
    bad_ext = runner.invoke(main, ["template", "-o", str(tmp_path / "a.xls")])
    assert bad_ext.exit_code == 2 and ".xlsx" in bad_ext.output
    no_dir = runner.invoke(main, ["template", "-o", str(tmp_path / "无此目录" / "a.xlsx")])
    assert no_dir.exit_code == 2 and "不存在" in no_dir.output
    assert not list(tmp_path.iterdir())


def test_existing_output_is_backed_up_not_lost(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    out.write_bytes(b"user's own bytes")
    build_template(out, year=2026)
    backups = [p for p in tmp_path.iterdir() if p != out]
    assert len(backups) == 1 and backups[0].read_bytes() == b"user's own bytes"
    assert read_workbook(out).projects[0].year == 2026
    assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]


def test_default_year_is_next_year() -> None:
    import datetime as dt

    assert default_year(dt.date(2026, 11, 27)) == 2027
    assert default_year() == dt.date.today().year + 1


def test_new_project_sheet_on_a_reopened_template(template_path: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template_path)
    ws = new_project_sheet(wb)
    named = new_project_sheet(wb, "办公[设备]/采购?")
    assert ws.title == "项目2" and named.title == "办公设备采购"
    assert wb.sheetnames[:3] == ["项目1", "项目2", "办公设备采购"] and wb.sheetnames[-1] == INSTRUCTIONS_SHEET
    assert [v.formula1 for v in _covering(named, "B12")] == ["INDIRECT($A12)"]
    out = tmp_path / "added.xlsx"
    wb.save(out)
    read = read_workbook(out)
    assert [p.sheet for p in read.projects] == ["项目1", "项目2", "办公设备采购"]
    assert read.projects[2].year == COMMITTED_YEAR and read.projects[2].indicators[0].level1 == "产出指标"


def test_new_project_sheet_refuses_a_foreign_workbook() -> None:
    with pytest.raises(XltoolError, match="不是由 xltool 生成"):
        new_project_sheet(openpyxl.Workbook())


# ---------------------------------------------------------------------------
# Sheet names.


@pytest.mark.parametrize(
    "name, taken, expected",
    [
        ("业务档案费", [], "业务档案费"),
        ("a[b]c:d*e?f/g\\h", [], "abcdefgh"),
        ("[]:*?/\\", [], "项目"),
        ("'引号'", [], "引号"),
        ("History", [], "History项目"),
        ("业务档案费", ["业务档案费"], "业务档案费(2)"),
        ("abc", ["ABC", "abc(2)"], "abc(3)"),
        ("武进区政务服务一体化平台升级改造项目建设费用及其他相关费用合计（二期）", [], "武进区政务服务一体化平台升级改造项目建设费用及其他相关费用合计"),
        ("名称" * 15 + "😀", [], "名称" * 15),  # the emoji counts 2 of Excel's 31
    ],
)
def test_sheet_title(name: str, taken: list[str], expected: str) -> None:
    title = sheet_title(name, taken)
    assert title == expected
    assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)


def test_sheet_titles_stay_unique_within_31_characters() -> None:
    taken: list[str] = []
    long = "武进区政务服务一体化平台升级改造项目建设费用及其他相关费用合计"
    for _ in range(12):
        taken.append(sheet_title(long, taken))
    assert len({t.casefold() for t in taken}) == 12
    assert all(len(t) <= 31 for t in taken) and taken[11].endswith("(12)")


def test_write_projects_names_sheets_and_refuses_empty(tmp_path: Path) -> None:
    with pytest.raises(XltoolError, match="项目列表为空"):
        write_projects([], tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    projects = [Project(name="a/b"), Project(name="A/B"), Project(name=""), Project(name="=SUM(1)")]
    out = write_projects(projects, tmp_path / "x.xlsx", year=2024)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:4] == ["ab", "AB(2)", "项目3", "=SUM(1)"]
    assert wb["=SUM(1)"]["B3"].value == "=SUM(1)" and wb["=SUM(1)"]["B3"].data_type == "s"
    assert [p.name for p in read_workbook(out).projects] == ["a/b", "A/B", "", "=SUM(1)"]


# ---------------------------------------------------------------------------
# Defined-name rules (a region's 一级 text may not be a valid Excel name).


@pytest.mark.parametrize(
    "name, valid",
    [
        ("产出指标", True), ("效益.指标", True), ("_x", True), ("L1_产出_指标_", True),
        ("A1", False), ("XFD100", False), ("R1C1", False), ("r", False), ("C", False), ("R2C3abc", False),
        ("1产出", False), ("产出 指标", False), ("产出（指标）", False), ("TRUE", False), ("", False),
    ],
)
def test_defined_name_rules(name: str, valid: bool) -> None:
    from xltool.write.lists_sheet import _valid_defined_name

    assert _valid_defined_name(name) is valid


def test_invalid_level1_texts_get_sanitised_names_and_a_matching_formula() -> None:
    from xltool.core.frameworks import Level1, Level2, Profile
    from xltool.write.lists_sheet import list_names, _valid_defined_name

    base = get_profile(None)
    odd = Profile(
        name="odd", label="odd", title="{year}", funding_labels=base.funding_labels,
        level1=(Level1(name="产出 指标（一）", level2=(Level2(name="数量", role="quantity"),)),
                Level1(name="效益指标", level2=(Level2(name="社会", role="social"),))),
    )
    names = list_names(odd)
    assert names.level1 == {"产出 指标（一）": "L1_产出_指标_一_", "效益指标": "L1_效益指标"}
    assert all(_valid_defined_name(n) for n in names.level1.values())
    formula = names.level2_formula(12)
    assert formula == 'INDIRECT("L1_"&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE($A12," ","_"),"（","_"),"）","_"))'
    # The formula maps each 一级 text to its name: apply the same substitutions in Python.
    for text, defined in names.level1.items():
        mapped = text
        for ch in names.bad_chars:
            mapped = mapped.replace(ch, "_")
        assert names.prefix + mapped == defined
    assert list_names(base).level2_formula(12) == "INDIRECT($A12)"


def _looks(path: Path) -> dict[str, Any]:
    """Every cell's look as written in the file (its style resolved to the font, fill, border, number
    format, alignment and protection XML) and every merge: what Excel reads, not what openpyxl rebuilds
    on loading (it re-derives merged cells' borders and protection)."""
    import zipfile
    from xml.etree import ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        parts = {name: ET.fromstring(z.read(name)) for name in z.namelist() if name.startswith("xl/worksheets/sheet")}
    pools = {kind: [ET.tostring(e) for e in styles.find(f"{ns}{kind}s")] for kind in ("font", "fill", "border")}
    formats = {e.get("numFmtId"): e.get("formatCode") for e in styles.iter(f"{ns}numFmt")}
    xfs = []
    for xf in styles.find(f"{ns}cellXfs"):
        xfs.append((pools["font"][int(xf.get("fontId", 0))], pools["fill"][int(xf.get("fillId", 0))],
                    pools["border"][int(xf.get("borderId", 0))], formats.get(xf.get("numFmtId"), xf.get("numFmtId")),
                    [ET.tostring(child) for child in xf]))
    looks: dict[str, Any] = {}
    for name, part in sorted(parts.items()):
        merges = sorted(m.get("ref") for m in part.iter(f"{ns}mergeCell"))
        cells = {c.get("r"): (xfs[int(c.get("s", 0))], c.get("t"), c.findtext(f"{ns}v")) for c in part.iter(f"{ns}c")}
        looks[name] = (merges, cells)
    return looks


def test_styles_copied_by_index_look_exactly_as_styles_assigned_one_by_one(tmp_path: Path) -> None:
    """The writer styles a kind of cell once per workbook and copies its style indexes (an import's
    time halved); read back, every cell and merge is what assigning each style object gives."""
    projects = read_workbook(Path(__file__).resolve().parents[1] / "examples" / "区行政审批局_2022.xlsx").projects
    fast = write_projects(projects[:4], tmp_path / "fast.xlsx")
    with one_by_one():  # the benchmark's baseline: each style object assigned, merge_cells then borders
        slow = write_projects(projects[:4], tmp_path / "slow.xlsx")
    fast_looks, slow_looks = _looks(fast), _looks(slow)
    assert fast_looks.keys() == slow_looks.keys() and len(fast_looks) >= 5
    for title in slow_looks:
        assert fast_looks[title][0] == slow_looks[title][0], title
        assert fast_looks[title][1] == slow_looks[title][1], title
