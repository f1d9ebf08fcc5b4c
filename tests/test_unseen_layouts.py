"""Layouts of forms nobody here had seen (issue 25), each as a grid, text, .docx and .xlsx
(merged cells as Word and Excel write them, tests/corpus_forms.py): operator columns of any
title, one value column per town, the older 投入/产出/效果 form, levels under a spanning
评价内容, titles over two rows, no 三级 column, a 部门整体 table, funding grids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_forms import write_form
from xltool.cli import main
from xltool.core.grid import Grid
from xltool.apps.sources import load_source
from xltool.parse.imported import projects_from_grid
from xltool.rules import validate_projects

N = None

LAYOUTS: dict[str, tuple[list[list[object]], tuple[str, float, int], list[tuple[str, str, str]]]] = {
    "direction_towns": ([
        ["项目支出绩效目标表"], ["(2022年度)"],
        ["项目名称", "农村道路养护", N, N, N, N, N], ["主管部门", "县交通运输局", N, N, N, N, N],
        ["资金总额（万元）", 112, N, N, N, N, N], ["年度绩效目标", "完成养护", N, N, N, N, N],
        ["一级指标", "二级指标", "三级指标", "指标方向", "甲镇", "乙镇", "全县"],
        ["产出指标", "数量指标", "养护里程", "≥", "10公里", "20公里", "30公里"],
        [N, "质量指标", "合格率", "≥", "95%", "95%", "95%"],
        ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90%", "90%", "90%"]],
        ("农村道路养护", 112.0, 2022),
        [("养护里程", "≥", "30公里"), ("合格率", "≥", "95%"), ("群众满意度", "≥", "90%")]),
    "older_provincial": ([
        ["2021年度项目支出绩效目标表"], ["主管部门：市教育局", N, N, N, N, N],
        ["项目名称", "学校维修", N, "实施单位", "区教育局", N], ["项目资金", "100", N, N, N, N],
        ["绩效目标", "改善办学条件", N, N, N, N],
        ["一级指标", "二级指标", "三级指标", "绩效内容", "绩效标准", "全年绩效目标"],
        ["投入", "成本目标", "目标1", "维修单价", "≤300元/平方米", "≤300元/平方米"],
        ["产出", "数量目标", "目标1", "维修面积", "≥1000平方米", "≥1000平方米"],
        [N, N, "目标2", "维修学校数", "=5所", "5所"],
        ["效果", "社会效益目标", "目标1", "安全隐患消除率", "100%", "100%"]],
        ("学校维修", 100.0, 2021),
        [("维修单价", "≤", "300元/平方米"), ("维修面积", "≥", "1000平方米"), ("维修学校数", "", "5所"),
         ("安全隐患消除率", "", "100%")]),
    "evaluation_content": ([
        ["项目支出绩效目标表（2023年度）"],
        ["项目名称", "图书采购", N, N, N, N], ["主管部门", "县文旅局", N, N, N, N], ["项目资金", "20", N, N, N, N],
        ["评价内容", N, N, "绩效内容", "参考标准", "绩效目标值"],
        ["投入", "成本目标", "目标1", "采购成本", "不超过预算", "≤20万元"],
        ["产出", "数量目标", "目标1", "采购册数", "≥5000册", "≥5000册"],
        ["效果", "满意度目标", "目标1", "读者满意度", "≥90%", "≥90%"]],
        ("图书采购", 20.0, 2023),
        [("采购成本", "≤", "20万元"), ("采购册数", "≥", "5000册"), ("读者满意度", "≥", "90%")]),
    "two_row_header": ([
        ["2022年项目支出绩效目标表"],
        ["项目名称", "公园维护", N, N, N], ["主管部门", "县住建局", N, N, N], ["项目总金额", "50", N, N, N],
        ["一级指标", "指标名称", N, "上年度实际水平", "本年度计划水平"],
        [N, "二级指标", "三级指标", N, N],
        ["产出指标", "数量指标", "维护面积", "10万平方米", "≥12万平方米"],
        [N, "质量指标", "绿化成活率", "95%", "≥96%"],
        ["效益指标", "满意度指标", "游客满意度", "88%", "≥90%"]],
        ("公园维护", 50.0, 2022),
        [("维护面积", "≥", "12万平方米"), ("绿化成活率", "≥", "96%"), ("游客满意度", "≥", "90%")]),
    "no_level3": ([
        ["2022年度项目支出绩效目标表"],
        ["项目名称", "环卫保洁", N, N, N], ["主管部门", "县城管局", N, N, N], ["项目总金额", "80", N, N, N],
        ["一级指标", "二级指标", "绩效标准", "当年预期实现值", "保障措施"],
        ["产出指标", "保洁面积", "不少于", "≥100万平方米", "加强监督考核"],
        [N, "保洁频次", "每日", "≥2次", N],
        ["效益指标", "群众满意度", "满意度调查", "≥90%", N]],
        ("环卫保洁", 80.0, 2022),
        [("保洁面积", "≥", "100万平方米"), ("保洁频次", "≥", "2次"), ("群众满意度", "≥", "90%")]),
}


def _padded(rows: list[list[object]]) -> list[list[object]]:
    width = max(len(r) for r in rows)
    return [list(r) + [None] * (width - len(r)) for r in rows]


def _as_text(rows: list[list[object]], path: Path) -> Path:
    """The layout as a copied text: one-cell lines above the table, TAB rows keeping empty cells."""
    width = max(len(r) for r in rows)
    lines = []
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        lines.append(cells[0] if len(row) == 1 else "\t".join(cells + [""] * (width - len(cells))))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _check(projects: list, header: tuple[str, float, int], indicators: list[tuple[str, str, str]]) -> None:  # type: ignore[type-arg]
    [p] = projects
    assert (p.name, p.total, p.year) == header
    assert [(i.name, i.operator, i.target) for i in p.indicators] == indicators


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("form", ["grid", "txt", "docx", "xlsx"])
def test_unseen_layout_reads_name_total_and_every_target(layout: str, form: str, tmp_path: Path) -> None:
    rows, header, indicators = LAYOUTS[layout]
    if form == "grid":
        projects = projects_from_grid(Grid(rows=_padded(rows), name=layout), file="x")
    else:
        source = _as_text(rows, tmp_path / f"{layout}.txt")
        path = source if form == "txt" else write_form(source, tmp_path / f"{layout}.{form}", form)
        projects = load_source(path).projects
    _check(projects, header, indicators)


def test_town_columns_are_all_kept_and_the_county_column_is_the_target() -> None:
    rows, _, _ = LAYOUTS["direction_towns"]
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    first = p.indicators[0]
    assert first.extra == {"甲镇": "10公里", "乙镇": "20公里", "全县": "30公里"}
    assert any("按合计列“全县”读取为年度目标值" in n for n in p.notes)


def test_the_older_framework_is_a_profile_and_numbering_is_kept() -> None:
    rows, _, _ = LAYOUTS["older_provincial"]
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    assert p.profile == "provincial-2013"
    assert [(i.level1, i.level2) for i in p.indicators] == [
        ("投入", "成本目标"), ("产出", "数量目标"), ("产出", "数量目标"), ("效果", "社会效益目标")]
    assert p.indicators[2].extra["三级指标"] == "目标2" and p.annual_goal == "改善办学条件"
    assert any("早期省级" in n for n in p.notes)  # the framework is named


def test_level_names_with_form_notes_choose_the_framework_and_are_not_flagged() -> None:
    rows = _padded([
        ["2022年项目支出绩效目标表"], ["项目名称", "x"], ["主管部门", "y"], ["项目总金额", 5],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标 (必填硬性指标)", "培训人次", "≥100人次"],
        ["效益指标", "经济效益指标 (选填)", "增收", "≥5万元"],
        ["满意度指标", "服务对象满意度指标（必填）", "满意度", "≥90%"]])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert p.profile == "national-2015"
    assert [i.level2 for i in p.indicators] == ["数量指标", "经济效益指标", "服务对象满意度指标"]
    assert not [f for f in validate_projects([p]) if "必填" in f.message or "选填" in f.message]


DEPARTMENT = [
    ["部门整体支出绩效目标表"], ["（2022年度）"],
    ["部门（单位）名称", "县民政局", N, N, N, N, N, N],
    ["年度主要任务", "任务名称", "主要内容", "预算金额（万元）", N, N, N, N],
    [N, N, N, "总额", "财政拨款", "其他资金", N, N],
    [N, "社会救助", "低保发放", 500, 500, 0, N, N],
    [N, "养老服务", "养老机构运营补贴", 200, 180, 20, N, N],
    [N, "金额合计", N, 700, 680, 20, N, N],
    ["年度总体目标", "完成社会救助和养老服务任务", N, N, N, N, N, N],
    ["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值类型", "指标值", "计量单位", "评(扣)分标准"],
    [N, "产出指标", "数量指标", "低保对象人数", "定量", "≥3000", "人", "完成得分"],
    [N, N, "质量指标", "资金发放准确率", "定量", "=100", "%", "100%得满分"],
    [N, "满意度指标", "服务对象满意度指标", "群众满意度", "定量", "≥90", "%", "每低1%扣1分"],
]


def test_a_whole_department_table_is_read_and_marked(tmp_path: Path) -> None:
    [p] = projects_from_grid(Grid(rows=_padded(DEPARTMENT), name="s"), file="x")
    assert (p.name, p.department, p.total, p.year) == ("县民政局", "县民政局", 700.0, 2022)
    assert p.annual_goal == "完成社会救助和养老服务任务"
    assert p.extra["表格类型"] == "部门整体支出绩效目标表"
    assert p.extra["年度主要任务"].splitlines()[0] == "社会救助 | 低保发放 | 500 | 500 | 0"
    assert [(i.name, i.operator, i.target) for i in p.indicators] == [
        ("低保对象人数", "≥", "3000人"), ("资金发放准确率", "=", "100%"), ("群众满意度", "≥", "90%")]
    assert p.notes == ["指标体系按一级、二级指标名称识别为“全国 2015/2020（产出/效益/满意度）”"]
    source = _as_text(DEPARTMENT, tmp_path / "dept.txt")
    xlsx = write_form(source, tmp_path / "dept.xlsx", "xlsx")
    result = CliRunner().invoke(main, ["read", str(xlsx), "--json"])
    assert result.exit_code == 0, result.output
    [listed] = json.loads(result.stdout)
    assert listed["name"] == "县民政局" and listed["extra"]["表格类型"] == "部门整体支出绩效目标表"
    assert listed["total"] == 700 and len(listed["indicators"]) == 3


def test_a_whole_department_table_without_a_year_says_so() -> None:
    """No year in its title or anywhere in its header: the year stays unread (never the clock's)
    and a note says so, as for a project table."""
    rows = [["部门整体绩效目标"], *DEPARTMENT[2:]]  # the title states no year, no "（2022年度）" line
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    assert (p.name, p.year) == ("县民政局", None)
    assert any("年度未读取" in n for n in p.notes)
    assert [i.name for i in p.indicators] == ["低保对象人数", "资金发放准确率", "群众满意度"]


INDICATORS = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "培训人次", "100人次"]]


@pytest.mark.parametrize("funding, total, sources", [
    ([["资金来源", "资金总额", "其中：财政拨款", "其他资金"], [N, 112, 100, 12]], 112.0, (None, None, 100.0, 12.0)),
    ([["本年度预计投入", "财政资金", N, N, N, "其他资金"], [N, "中央", "省级", "市级", "本级", N], [N, 1, 2, 3, 1, 0]],
     7.0, (3.0, 3.0, 1.0, 0.0)),
    ([["上级补助", 100, "其中：中央", 60, "省级", 40]], 100.0, (100.0, None, None, None)),  # a breakdown: no double count
    # a list of sources, a line each: the parts of one bucket add up (中央 + 省级 into 部省级)
    ([["资金来源", "金额（万元）"], ["合计", 100], ["其中：中央补助", 50], ["省级补助", 20], ["县级配套", 30]],
     100.0, (70.0, None, 30.0, None)),
    # the bucket's whole first, its parts on the lines after it: a breakdown, never counted twice
    ([["资金总额", 100], ["上级补助资金", 70], ["中央补助", 50], ["省级补助", 20], ["县级配套", 30]],
     100.0, (70.0, None, 30.0, None)),
    ([["资金总额", 100], ["市级补助", 40], ["市级配套资金", 10], ["本级配套", 50]], 100.0, (None, 50.0, 50.0, None)),
])
def test_funding_in_column_titles_and_grids(funding: list[list[object]], total: float, sources: tuple) -> None:  # type: ignore[type-arg]
    rows = _padded([["2022年项目支出绩效目标表"], ["项目名称", "x"], ["主管部门", "y"], *funding, *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert p.total == total
    f = p.funding
    assert (f.province, f.city, f.district, f.other) == sources


def test_an_imported_workbook_keeps_its_provenance_for_validate(tmp_path: Path) -> None:
    """Saved and read back, an imported table still knows the fields its form lacked (one JX108
    prompt, no error per field) and its year; the lists sheet carries it."""
    from xltool.apps.sources import read_workbook  # noqa: PLC0415
    from xltool.write.template import write_projects  # noqa: PLC0415

    rows, _, _ = LAYOUTS["direction_towns"]
    source = _as_text(rows, tmp_path / "towns.txt")
    [imported] = load_source(source).projects
    assert "implementer" not in imported.layout_fields
    out = write_projects([imported], tmp_path / "imported.xlsx")
    [back] = read_workbook(out).projects
    assert back.layout_fields == imported.layout_fields and back.year == 2022
    findings = validate_projects([back])
    prompts = [f for f in findings if f.code == "JX108"]
    assert len(prompts) == 1 and "实施单位" in prompts[0].message and "项目概况" in prompts[0].message
    assert not [f for f in findings if f.code == "JX103" and f.field in ("implementer", "overview", "start", "end")]


def test_the_tables_own_department_wins_over_the_citys() -> None:
    rows = _padded([["2024年省级重点流域生态保护补偿资金绩效目标表"],
                    ["专项名称", "流域补偿", "市级主管部门", "泉州市生态环境局"],
                    ["补助区域", "德化县", "县级主管部门", "德化县财政局"], ["资金情况（万元）", 331], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert p.department == "德化县财政局" and p.extra["市级主管部门"] == "泉州市生态环境局"
    assert "其他说明" not in p.extra  # the city's department is kept once, under its label
    rows = _padded([["2024年绩效目标表"], ["项目名称", "x", "市级主管部门", "泉州市局"], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert p.department == "泉州市局"  # the only one is the table's


def test_a_layout_file_maps_a_forms_own_wordings(tmp_path: Path) -> None:
    """"项目称谓" and "考核值" are no wordings of the field table: the import refuses the table
    (no 项目名称) until a layout file says what they mean; then it reads, for that run only."""
    from xltool.apps.sources import read_workbook  # noqa: PLC0415
    from xltool.parse.layouts import applied_layout, load_layout  # noqa: PLC0415

    rows = [["2024年项目支出绩效目标表"], ["项目称谓", "河道保洁"], ["主管部门", "县水利局"], ["年度经费额度", 12],
            ["一级指标", "二级指标", "三级指标", "考核值"], ["产出指标", "数量指标", "保洁河长", "≥30公里"]]
    source = _as_text(rows, tmp_path / "own.txt")
    layout = tmp_path / "layout.toml"
    layout.write_text('[header]\n"项目称谓" = "name"\n"年度经费额度" = "total"\n[columns]\n"考核值" = "target"\n',
                      encoding="utf-8")
    out = tmp_path / "out.xlsx"
    refused = CliRunner().invoke(main, ["import", str(source), "-o", str(out)])
    assert refused.exit_code == 2 and not out.exists()
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(out), "--layout", str(layout)])
    assert result.exit_code == 0, result.output
    [p] = read_workbook(out).projects
    assert (p.name, p.total) == ("河道保洁", 12.0)
    assert [(i.name, i.operator, i.target) for i in p.indicators] == [("保洁河长", "≥", "30公里")]
    with pytest.raises(Exception, match="项目名称"):
        load_source(source)  # the wordings held for that run only
    bad = tmp_path / "bad.toml"
    bad.write_text('[header]\n"项目称谓" = "名称"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(tmp_path / "o2.xlsx"), "--layout", str(bad)])
    assert result.exit_code == 2 and "“名称”不存在" in result.output
    with applied_layout(load_layout(layout)):
        assert load_source(source).projects[0].name == "河道保洁"


def test_an_unrecognised_indicator_column_is_named_with_its_cell() -> None:
    rows = _padded([["2024年项目支出绩效目标表"], ["项目名称", "x"], ["主管部门", "y"], ["项目总金额", 5],
                    ["一级指标", "二级指标", "三级指标", "指标值", "考核方式", "权重", "指标解释"],
                    ["产出指标", "数量指标", "培训人次", "≥100人次", "现场核查", 10, "反映培训规模"]])
    [p] = projects_from_grid(Grid(rows=rows, name="表1"), file="x")
    assert p.indicators[0].extra == {"考核方式": "现场核查", "权重": "10", "指标解释": "反映培训规模"}
    [note] = [n for n in p.notes if "指标表中未识别" in n]
    assert "“考核方式”（工作表“表1”E5）" in note and "权重" not in note and "指标解释" not in note


def test_a_department_task_amount_written_out_counts_in_the_sum() -> None:
    """No 合计 row and task amounts written "￥500万" / "200万元整": the 总额 column is summed (700),
    not the first number after it (财政拨款, 680) as when such an amount was not read."""
    rows = [list(r) for r in DEPARTMENT]
    rows[5][3], rows[6][3] = "￥500万", "200万元整"
    del rows[7]
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    assert p.total == 700.0 and "按各项任务金额合计为 700 万元" in p.notes[0]


@pytest.mark.parametrize("amount, shown", [("约五百", "“约五百”"), (N, "为空")])
def test_a_department_task_amount_not_read_is_said_never_taken_from_the_next_column(amount: object,
                                                                                     shown: str) -> None:
    """A task whose 总额 cannot be read (or is empty) while 财政拨款 beside it holds a number: the part
    is not read in the total's place; the task is named in a note with its cell and left out of the sum."""
    rows = [list(r) for r in DEPARTMENT]
    rows[5][3] = amount
    del rows[7]  # no 合计 row: the total is the tasks' sum
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    assert p.total == 200.0  # 养老服务 alone, not 500 (its 财政拨款) + 200
    [note] = [n for n in p.notes if "无法识别" in n]
    assert "社会救助（D6" in note and shown in note
    assert "社会救助" in p.extra["年度主要任务"]
    rows = [list(r) for r in DEPARTMENT]
    rows[7][3] = "见附表"  # an unreadable 合计: the tasks' sum, said
    [p] = projects_from_grid(Grid(rows=_padded(rows), name="s"), file="x")
    assert p.total == 700.0 and any("金额合计（D8“见附表”）" in n for n in p.notes), p.notes


@pytest.mark.parametrize("wording", ["项目（资金）名称", "资金(项目)名称", "专项资金名称"])
def test_name_labels_that_name_a_fund_too(wording: str) -> None:
    """"项目（资金）名称": a table that may be a fund's is still a project table, its name read."""
    rows = _padded([["2024年项目支出绩效目标表"], [wording, "城乡环卫一体化"], ["主管部门", "县城管局"], ["资金总额", 200],
                    *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert (p.name, p.department, p.total) == ("城乡环卫一体化", "县城管局", 200.0)


@pytest.mark.parametrize("year", ["2024", 2024, 2024.0, "2024年", "2024年度"])
def test_a_year_labelled_in_the_header_block_is_the_tables_year(year: object) -> None:
    rows = _padded([["项目绩效目标表"], ["项目名称", "x"], ["主管部门", "y"], ["预算年度", year], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert p.year == 2024 and not any("年度未读取" in n for n in p.notes)


@pytest.mark.parametrize(("written", "level1", "level2"), [
    (("产出指标（50分）", "数量指标（20分）"), "产出指标", "数量指标"),
    (("产出指标(权重50%)", "数量指标(20)"), "产出指标", "数量指标"),
    (("满意度指标（分值：10）", "服务对象满意度指标（必填）"), "满意度指标", "服务对象满意度指标"),
])
def test_a_score_written_after_a_level_name_is_no_part_of_it(written: tuple[str, str], level1: str, level2: str) -> None:
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], ["一级指标（分值）", "二级指标（分值）", "三级指标", "指标值"],
                    [*written, "补助机构数", "≥15个"]])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert [(i.level1, i.level2) for i in p.indicators] == [(level1, level2)]
    assert any(f"如“{written[0]}”" in n for n in p.notes), p.notes  # the score is said, not dropped unseen


@pytest.mark.parametrize(("word", "sign"), [("等于", "="), ("不小于", "≥"), ("大于或等于", "≥"), ("不大于", "≤"),
                                            ("小于或等于", "≤")])
def test_operator_words_in_the_operator_column(word: str, sign: str) -> None:
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], ["一级指标", "二级指标", "三级指标", "计算符号", "指标值"],
                    ["产出指标", "质量指标", "验收合格率", word, "100%"]])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert (p.indicators[0].operator, p.indicators[0].target) == (sign, "100%")


def test_header_paragraphs_above_a_word_table_are_read_once(tmp_path: Path) -> None:
    """"项目名称：乡村道路养护" as paragraphs above the Word table: read as fields, not also kept as text that
    "belongs to no field"; a paragraph holding more than was read (a breakdown in brackets) is kept too."""
    import docx

    document = docx.Document()
    for line in ("2024年度项目支出绩效目标表", "项目名称：乡村道路养护", "主管部门：县交通局      实施单位：县公路中心",
                 "资金总额：120万元（其中财政资金100万元，其他资金20万元）", "年度绩效目标：完成养护80公里，优良路率达到85%以上。"):
        document.add_paragraph(line)
    table = document.add_table(rows=len(INDICATORS), cols=4)
    for r, row in enumerate(INDICATORS):
        for c, v in enumerate(row):
            table.cell(r, c).text = v
    document.save(tmp_path / "t.docx")
    [p] = load_source(tmp_path / "t.docx").projects
    assert (p.name, p.department, p.implementer, p.total, p.year) == ("乡村道路养护", "县交通局", "县公路中心", 120.0, 2024)
    assert p.annual_goal.startswith("完成养护80公里")
    assert p.extra == {"其他说明": "资金总额：120万元（其中财政资金100万元，其他资金20万元）"}


@pytest.mark.parametrize(("line", "total", "sources"), [
    ("资金总额：120万元（其中财政资金100万元，其他资金20万元）", 120.0, (None, None, 100.0, 20.0)),
    ("项目资金120万元，其中：财政资金100万元，自筹资金20万元", 120.0, (None, None, 100.0, 20.0)),
    ("资金总额:1,200万元(其中财政拨款1,000万元,自筹资金200万元)", 1200.0, (None, None, 1000.0, 200.0)),
    ("资金总额：120万元（其中：中央补助：70万元；县级配套：50万元）", 120.0, (70.0, None, 50.0, None)),
])
def test_a_total_and_its_breakdown_in_one_line(line: str, total: float, sources: tuple) -> None:  # type: ignore[type-arg]
    """The whole and its parts after "其中", with colons or without, in brackets or after a comma."""
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], [line], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    f = p.funding
    assert (p.total, (f.province, f.city, f.district, f.other)) == (total, sources)


def test_a_sentence_with_qizhong_is_no_amount_and_a_goal_keeps_its_whole_text() -> None:
    """"本项目总投资500万元，其中中央资金300万元": a sentence, not the table's amounts (the 资金总额 label is);
    "年度绩效目标：…，其中县道30公里" stays whole."""
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], ["资金总额（万元）", 600],
                    ["本项目总投资500万元，其中中央资金300万元，省级资金200万元"],
                    ["年度绩效目标：完成养护80公里，其中县道30公里"], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert (p.total, p.funding.province) == (600.0, None)
    assert p.annual_goal.endswith("其中县道30公里")


@pytest.mark.parametrize(("wording", "value", "start", "end"), [
    ("执行期限", "2024/1/1-2024/12/31", "2024.01", "2024.12"),
    ("起止年限", "2024-2026", "2024.01", "2026.12"),
    ("实施期间", "2024年3月1日至2024年11月30日", "2024.03", "2024.11"),
])
def test_more_wordings_of_the_period(wording: str, value: str, start: str, end: str) -> None:
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], [wording, value], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize(("wording", "field_name"), [("申报单位", "implementer"), ("项目申报单位", "implementer"),
                                                    ("资金使用单位", "implementer"), ("实施主体", "implementer"),
                                                    ("归口管理部门", "department")])
def test_more_wordings_of_the_units(wording: str, field_name: str) -> None:
    rows = _padded([["项目名称", "x"], ["资金总额", 10], [wording, "县农技站"], *INDICATORS])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert getattr(p, field_name) == "县农技站"


@pytest.mark.parametrize(("written", "name", "operator", "target"), [
    ("养护里程≥300公里", "养护里程", "≥", "300公里"),
    ("群众满意度不低于90%", "群众满意度", "≥", "90%"),
    ("完成时间≤2024年12月", "完成时间", "≤", "2024年12月"),
    ("开展培训≥3次，覆盖≥100人", "开展培训≥3次，覆盖≥100人", "", ""),  # two values: left as written
    ("低于标准的路段整改", "低于标准的路段整改", "", ""),
])
def test_a_value_written_into_the_name_column_is_split_off(written: str, name: str, operator: str, target: str) -> None:
    """A "三级指标及指标值" column without a value column of its own: the comparison and value move to their
    columns, the name as written is kept beside it."""
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], ["一级指标", "二级指标", "三级指标及指标值"],
                    ["产出指标", "数量指标", written]])
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    [i] = p.indicators
    assert (i.name, i.operator, i.target) == (name, operator, target)
    assert i.extra.get("三级指标原文") == (written if operator else None)


def test_a_long_name_is_not_searched_for_a_value() -> None:
    """A hostile name cell (a long run of spaces before a sign) costs no quadratic search: read as written, fast."""
    import time

    written = "养护" + " " * 20000 + "里程≥300公里"
    rows = _padded([["项目名称", "x"], ["主管部门", "y"], ["一级指标", "二级指标", "三级指标及指标值"],
                    ["产出指标", "数量指标", written]])
    started = time.process_time()
    [p] = projects_from_grid(Grid(rows=rows, name="s"), file="x")
    assert time.process_time() - started < 2.0  # the unguarded pattern took 13.9 s on this cell
    assert p.indicators[0].target == ""
