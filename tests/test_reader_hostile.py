"""The reader on what issue 23 found losing money or stalling: units and their factors,
capital numerals, side-by-side tables, labels inside indicator names, percent formats,
hostile 32 767-character cells (values, not times: the times are benchmarks/adversarial_parse.py),
and the title block's year and whole-year periods (issue 25)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xltool.core.fields import money_units
from xltool.core.grid import Grid
from xltool.apps.sources import read_workbook
from xltool.apps.sources import load_source
from xltool.parse.amounts import parse_amount, parse_capital
from xltool.parse.imported import projects_from_grid
from xltool.parse.labels import split_label
from xltool.parse.reader import parse_grid
from xltool.rules import validate_projects

INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "计算符号", "指标值"],
    ["产出指标", "数量指标", "培训人次", "≥", "100人次"],
    ["效益指标", "社会效益指标", "项目名称公示率", "=", "100%"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90%"],
]


def _table(*header: list[object], title: str = "2024年项目支出绩效目标表") -> list[list[object]]:
    return [[title], ["项目名称", "道路养护"], ["主管部门", "区交通局"], *[list(r) for r in header],
            *[list(r) for r in INDICATORS]]


def _workbook(header: list[object], *satisfaction: tuple[str, str, object]) -> openpyxl.Workbook:
    """The table in a workbook, with 满意度 indicators (name, operator, stored value) added below, to be formatted."""
    wb = openpyxl.Workbook()
    for row in _table(header):
        wb.active.append(row)
    for name, operator, value in satisfaction:
        wb.active.append(["满意度指标", "服务对象满意度指标", name, operator, value])
    return wb


def _one(rows: list[list[object]]):  # type: ignore[no-untyped-def]
    [project] = projects_from_grid(Grid(rows=rows, name="表1"), file="t.xlsx")
    return project


# --- units: every recognised unit has its factor, in one place ---------------------------


@pytest.mark.parametrize("header, total", [
    ([["项目总金额（千元）", 1500]], 150.0),
    ([["单位：千元"], ["项目总金额", 1500]], 150.0),
    ([["金额单位: 元"], ["项目总金额", "3,309,840.00"]], 330.984),
    ([["项目总金额", "250万"]], 250.0),
    ([["项目总金额", "250 千元"]], 25.0),
    ([["项目总金额（亿元）", 1.5]], 15000.0),
    ([["项目总金额（百万元）", 2]], 200.0),
])
def test_units_give_the_right_total(header: list[list[object]], total: float) -> None:
    assert _one(_table(*header)).total == pytest.approx(total)


def test_a_unit_a_label_names_always_has_a_factor() -> None:
    for unit in money_units():
        assert split_label(f"项目总金额（{unit}）")[1] == unit
        assert parse_amount(2, unit)[0] == pytest.approx(2 * money_units()[unit])


def test_the_unit_line_applies_only_where_the_row_states_none() -> None:
    project = _one(_table(["单位：元"], ["资金情况（万元）", "资金总额", 112], ["其中：财政拨款", 1120000],
                          title="项目支出绩效目标表（2022年度）"))
    assert project.total == pytest.approx(112)  # the row says 万元: not 0.0112
    assert project.funding.district == pytest.approx(112)  # the unit line's 元 for a row that states none
    assert project.year == 2022


# --- capital numerals and implausible amounts -----------------------------------------------


@pytest.mark.parametrize("text, amount", [
    ("壹佰伍拾万元", 150.0), ("人民币壹佰伍拾万元整", 150.0), ("壹亿贰仟万元", 12000.0),
    ("叁万伍仟元", 3.5), ("壹仟贰佰叁拾肆元伍角陆分", 0.123456), ("伍拾万", 50.0), ("壹佰零伍万元", 105.0),
])
def test_capital_numerals(text: str, amount: float) -> None:
    assert parse_capital(text) == pytest.approx(amount)


def test_a_capital_total_is_read_not_replaced_by_the_sources() -> None:
    project = _one(_table(["项目总金额", "壹佰伍拾万元"], ["其中：财政拨款", 100]))
    assert project.total == pytest.approx(150) and project.funding.district == pytest.approx(100)
    assert not any("未找到项目总金额" in n for n in project.notes)


def test_an_unreadable_total_is_reported_never_silently_summed() -> None:
    project = _one(_table(["项目总金额", "壹佰伍拾"], ["其中：财政拨款", 100]))
    assert project.total is None and project.raw["total"] == "壹佰伍拾"
    assert any("无法识别为金额" in n for n in project.notes)
    messages = [f.message for f in validate_projects([project])]
    assert any("壹佰伍拾" in m and "不是数字" in m for m in messages), messages


def test_an_amount_beyond_any_district_budget_is_noted() -> None:
    project = _one(_table(["单位：元"], ["项目总金额", 20_000_000_000]))
    assert project.total == pytest.approx(2_000_000)
    assert any("超出任何区县预算" in n for n in project.notes)
    assert not any("超出" in n for n in _one(_table(["项目总金额", 120])).notes)


# --- where tables and blocks start ---------------------------------------------------------


def test_an_indicator_named_after_a_header_label_starts_no_project() -> None:
    project = _one(_table(["项目总金额", 10]))
    assert [i.name for i in project.indicators] == ["培训人次", "项目名称公示率", "群众满意度"]
    assert [i.target for i in project.indicators][1] == "100%"


SIDE = [
    ["项目支出绩效目标表(2024年度)"] + [None] * 10,
    ["项目名称", "道路养护", None, None, None, None, "项目名称", "校舍维修", None, None, None],
    ["主管部门", "交通局", None, None, None, None, "主管部门", "教育局", None, None, None],
    ["项目总金额", 120, None, None, None, None, "项目总金额", "80万元", None, None, None],
    ["一级指标", "二级指标", "三级指标", "计算符号", "指标值", None, "一级指标", "二级指标", "三级指标", "计算符号", "指标值"],
    ["产出指标", "数量指标", "养护里程", "≥", "30公里", None, "产出指标", "数量指标", "维修面积", "≥", "500平方米"],
    ["效益指标", "社会效益指标", "通行率", "≥", "95%", None, "效益指标", "满意度指标", "满意度", "≥", "90%"],
]


def _check_side(projects: list) -> None:  # type: ignore[type-arg]
    assert [(p.name, p.department, p.total, p.year) for p in projects] == [
        ("道路养护", "交通局", 120.0, 2024), ("校舍维修", "教育局", 80.0, 2024)]
    assert [[(i.name, i.target) for i in p.indicators] for p in projects] == [
        [("养护里程", "30公里"), ("通行率", "95%")], [("维修面积", "500平方米"), ("满意度", "90%")]]
    assert projects[1].cells["name"] == "H2" and projects[1].indicators[0].cell == "K6"
    assert not projects[0].extra and not projects[1].extra  # nothing of one folded into the other


def test_side_by_side_tables_split_into_their_projects(tmp_path: Path) -> None:
    _check_side(projects_from_grid(Grid(rows=[list(r) for r in SIDE], name="S"), file="x"))
    _check_side(parse_grid(Grid(rows=[list(r) for r in SIDE], name="S"), file="x"))
    wb = openpyxl.Workbook()
    for row in SIDE:
        wb.active.append(row)
    wb.active.merge_cells("A1:K1")
    wb.save(tmp_path / "side.xlsx")
    _check_side(read_workbook(tmp_path / "side.xlsx").projects)
    _check_side(load_source(tmp_path / "side.xlsx").projects)


# --- percent formats ---------------------------------------------------------------------


def test_percent_formatted_cells_read_as_the_user_sees_them(tmp_path: Path) -> None:
    wb = _workbook(["项目总金额", 10], ("达标率", "≥", 0.955), ("覆盖率", "=", 0.9), ("系数", "=", 0.95))
    ws = wb.active
    ws["E7"] = 0.95  # "95%" typed into a General cell: Excel stores 0.95 with the 0% format
    ws["E7"].number_format = "0%"
    ws["E9"].number_format = "0%"
    ws["E10"].number_format = "0.00%"
    wb.save(tmp_path / "pct.xlsx")
    [project] = read_workbook(tmp_path / "pct.xlsx").projects
    got = {i.name: (i.target, i.value, i.unit) for i in project.indicators}
    assert got["项目名称公示率"] == ("95%", 95.0, "%")
    assert got["达标率"] == ("95.5%", 95.5, "%")  # the stored value, no digit rounded away
    assert got["覆盖率"] == ("90.00%", 90.0, "%")
    assert got["系数"] == ("0.95", 0.95, "")  # a General number stays the number it is
    assert not any("0.95%" in f.message for f in validate_projects([project]))


# --- hostile cells keep their values --------------------------------------------------------

N = 32767


def test_hostile_cells_keep_their_values() -> None:
    spaces = "1" + " " * (N - 2) + "x"
    project = _one(_table(["项目总金额", spaces], ["项目概况", "1" + " " * (N - 2) + "项"]))
    assert project.total is None and project.raw["total"] == spaces.strip()
    assert len(project.overview) == N
    colons = ("资金总额:" * N)[:N]
    project = _one(_table(["项目总金额", 5], ["备注", colons]))
    assert project.total == 5
    assert parse_amount("1" + " " * (N - 6) + "万元 x")[0] is None
    assert parse_amount("12" + " " * (N - 10) + "万元")[0] == 12.0


# --- the title block's year and whole-year periods (issue 25) ------------------------------


@pytest.mark.parametrize("line, year", [
    ("(2022年度)", 2022), ("年度：2023", 2023), ("（2021年）", 2021), ("填报单位：区财政局  2020年度", 2020),
])
def test_the_year_on_its_own_line(line: str, year: int) -> None:
    rows = _table(["项目总金额", 10], title="项目支出绩效目标申报表")
    rows.insert(1, [line])
    project = _one(rows)
    assert project.year == year and not any("年度未读取" in n for n in project.notes)


def test_no_year_is_said_not_guessed() -> None:
    rows = _table(["项目总金额", 10], title="项目支出绩效目标申报表")
    rows.insert(1, ["完成时限：2024年12月底前"])  # a date in a sentence is no year line
    project = _one(rows)
    assert project.year is None and any("年度未读取" in n for n in project.notes)


@pytest.mark.parametrize("period, start, end", [
    ("2019-2021", "2019.01", "2021.12"), ("2019年—2021年", "2019.01", "2021.12"), ("2022年度", "2022.01", "2022.12"),
])
def test_a_period_in_whole_years(period: str, start: str, end: str) -> None:
    project = _one(_table(["项目总金额", 10], ["项目期", period]))
    assert (project.start, project.end) == (start, end)
    assert not any(f.code in ("JX901", "JX902") for f in validate_projects([project]))


def test_an_amount_under_a_percent_format_keeps_its_money(tmp_path: Path) -> None:
    """Only indicator values are read as the percent a user sees; an amount cell keeps its number."""
    wb = _workbook(["项目总金额", 120], ("达标率", "≥", 0.95))
    ws = wb.active
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == 120 or cell.value == 0.95:
                cell.number_format = "0%"
    wb.save(tmp_path / "pct_amount.xlsx")
    [project] = read_workbook(tmp_path / "pct_amount.xlsx").projects
    assert project.total == 120
    assert {i.name: i.target for i in project.indicators}["达标率"] == "95%"


@pytest.mark.parametrize("value", ["1" + "0" * 400, "1" + "0" * 400 + "万元", 10**400, float("inf"), float("nan"),
                                   "1e999"])
def test_a_number_too_large_to_hold_is_no_amount(value: object) -> None:
    """Never summed as infinity (JX601 said "资金来源合计inf万元"): the cell is reported as not a number."""
    number, text = parse_amount(value)
    assert number is None and text


@pytest.mark.parametrize("text, unit, amount", [
    ("￥3,309,840.00", "元", 330.984), ("¥ 12.5万", "", 12.5), ("人民币120万元", "", 120.0),
    ("250万元整", "", 250.0), ("3,000元整", "", 0.3), ("￥500万元整", "元", 500.0),
])
def test_an_amount_written_out_with_its_currency_sign_or_zheng_is_read(text: str, unit: str, amount: float) -> None:
    assert parse_amount(text, unit)[0] == pytest.approx(amount)
    assert parse_amount(text.replace("万", "").replace("元", "").replace("整", "") + "整", unit)[0] is None  # 整 needs its unit
