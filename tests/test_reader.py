"""The label-based grid parser and the ``read`` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltool.cli import main
from xltool.core.grid import Grid
from xltool.parse.reader import parse_grid, parse_month
from xltool.apps.sources import read_workbook

HEADER = [
    ["附件3"],
    ["2022年度区级预算绩效管理项目绩效目标表"],
    ["项目名称", "大楼物业费", None, "项目总金额（万元）", 38.4],
    ["主管部门", "区行政审批局", None, "其中：部省级财政（万元）", None],
    ["实施单位", "区行政审批局", None, "市级财政（万元）", None],
    ["计划开始时间", "2022.01", None, "区级财政（万元）", 38.4],
    ["计划结束时间", "2022.12", None, "其他（万元）", None],
    ["项目概况", "物业服务"],
    ["中长期绩效目标", "长期"],
    ["年度绩效目标", "年度"],
    ["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"],
    ["产出指标", "产出数量指标", "物业服务面积", "=", "8085.1平方米"],
    [None, "产出质量指标", "楼房管理完好率", ">=", "90%"],
    [None, None, "经费支出合规性", "定性", "严格执行相关财经法规、制度"],
    ["效果指标", "满意度指标", "服务对象满意度", "≧", "80%"],
]


def test_reads_header_and_indicators_with_cells() -> None:
    [p] = parse_grid(Grid(rows=[list(r) for r in HEADER], name="表1"), file="a.xlsx")
    assert (p.name, p.total, p.funding.district, p.funding.city) == ("大楼物业费", 38.4, 38.4, None)
    assert (p.department, p.implementer, p.start, p.end, p.year) == ("区行政审批局", "区行政审批局", "2022.01", "2022.12", 2022)
    assert p.cells["name"] == "B3" and p.cells["total"] == "E3" and p.cells["funding.district"] == "E6"
    assert [i.level2 for i in p.indicators] == ["产出数量指标", "产出质量指标", "产出质量指标", "满意度指标"]
    assert p.indicators[2].level1 == "产出指标"  # merged-cell blanks inherit from above
    assert p.indicators[1].operator == "≥" and p.indicators[1].operator_raw == ">="
    assert p.indicators[3].cell == "E15" and p.indicators[3].cells["name"] == "C15"
    assert p.profile == "district-2022"


def test_inserted_rows_shifted_columns_fullwidth_and_text_numbers() -> None:
    rows: list[list[object]] = [[None, None] + list(r) for r in HEADER]  # two columns inserted on the left
    rows.insert(4, [None, None, "（填表说明：本行是插入的）"])
    rows[2][2 + 0] = "项 目 名 称："  # stray spaces and a colon
    rows[2][2 + 4] = "　38.40 "  # number stored as text with a full-width space
    rows[6][2 + 3] = "区级财政(万元)"  # half-width brackets
    rows[6][2 + 4] = "38.4"
    [p] = parse_grid(Grid(rows=rows, name="s"))
    assert p.name == "大楼物业费" and p.total == pytest.approx(38.4) and p.raw["total"] == "38.40"
    assert p.funding.district == pytest.approx(38.4)
    assert p.cells["name"] == "D3"
    assert len(p.indicators) == 4


def test_several_tables_on_one_sheet_are_separate_projects() -> None:
    second = [list(r) for r in HEADER]
    second[2][1] = "宣传费"
    [a, b] = parse_grid(Grid(rows=[list(r) for r in HEADER] + [[None]] + second, name="s"))
    assert (a.name, b.name) == ("大楼物业费", "宣传费")
    assert len(a.indicators) == len(b.indicators) == 4
    assert b.title.endswith("绩效目标表") and b.year == 2022


def test_other_region_labels_and_period() -> None:
    rows = [
        ["项目支出名称", "某项目", "年度资金总额", "12"],
        ["预算部门", "某局", "项目执行单位", "某中心"],
        ["项目起止时间", "2023年1月-2023年12月"],
        ["年度目标", "完成任务"],
        ["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "指标解释"],
        ["产出指标", "数量指标", "培训人次", "≥100", "人次", "全年累计"],
    ]
    [p] = parse_grid(Grid(rows=rows))
    assert (p.name, p.total, p.department, p.implementer) == ("某项目", 12.0, "某局", "某中心")
    assert (p.start, p.end, p.annual_goal) == ("2023.01", "2023.12", "完成任务")
    [ind] = p.indicators
    assert (ind.operator, ind.value, ind.unit, ind.extra) == ("≥", 100.0, "人次", {"指标解释": "全年累计"})


@pytest.mark.parametrize(
    "value, expected",
    [
        (2022.1, "2022.10"), (2022.01, "2022.01"), ("2022.1", "2022.01"), ("2022年3月", "2022.03"),
        (dt.datetime(2022, 7, 1), "2022.07"), ("2022-12", "2022.12"), ("全年", "全年"), (None, ""),
    ],
)
def test_parse_month(value: object, expected: str) -> None:
    assert parse_month(value) == expected


def _write(rows: list[list[object]], path: Path, *, merge: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业务档案费"
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells("B3:C3")
        ws.merge_cells("A13:A14")
    wb.save(path)
    return path


def test_read_command_json(tmp_path: Path) -> None:
    path = _write([list(r) for r in HEADER], tmp_path / "a.xlsx")
    result = CliRunner().invoke(main, ["read", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [p] = json.loads(result.output)
    assert set(p) >= {"name", "total", "funding", "department", "implementer", "start", "end", "overview",
                      "long_term_goal", "annual_goal", "indicators", "sheet", "file"}
    assert p["funding"] == {"province": None, "city": None, "district": 38.4, "other": None}
    assert set(p["indicators"][0]) >= {"level1", "level2", "name", "operator", "target", "value", "unit",
                                       "qualitative", "cell"}
    assert p["sheet"] == "业务档案费" and p["file"] == str(path)


def test_read_workbook_bounds_and_merged(tmp_path: Path) -> None:
    path = _write([list(r) for r in HEADER], tmp_path / "a.xlsx")
    result = read_workbook(path)
    assert [p.name for p in result.projects] == ["大楼物业费"]


def test_read_rejects_non_workbook_and_workbook_without_project(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(other)
    for path in (text, other, tmp_path / "missing.xlsx"):
        result = CliRunner().invoke(main, ["read", str(path)])
        assert result.exit_code == 2, result.output
        assert path.name in result.output and "错误" in result.output
        assert "Traceback" not in result.output


# A 绩效自评表 sent instead of a 绩效目标表: rows as published by 池州市贵池区棠溪镇 (2022),
# https://www.anthempetcare.com/upload_cz/download?id=502364&siteId=2 (a mirror of the 安徽 notice).
SELF_EVALUATION = [
    ["项目支出绩效自评表"],
    ["(2022年度)"],
    ["项目名称", "委托业务项目"],
    ["主管部门", "219-池州市贵池区棠溪镇人民政府", None, None, "实施单位", "219001-池州市贵池区棠溪镇人民政府"],
    ["项目资金 (万元)", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额:", 0, 0, 0, 10, 0, 0],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    [None, "产出指标(50分)", "数量指标", "基建工程委托业务项目数量", "≥50个", "50", 8, 8],
    [None, None, "质量指标", "委托业务报告合格率", "≥100百分比", "100", 8, 8],
    [None, "满意度指标(10分)", "满意度指标", "公众满意度", "≥90%", "95%", 10, 10],
]


def _self_evaluation_grid(title: str | None = "项目支出绩效自评表") -> Grid:
    rows = [list(r) for r in SELF_EVALUATION]
    rows[0] = [title]
    return Grid(rows=rows, name="自评表")


@pytest.mark.parametrize("title", ["项目支出绩效自评表", "项目支出绩效表", None])
def test_a_self_evaluation_is_named_not_read_as_targets(title: str | None) -> None:
    """By its title, or (title lost in a copy) by its actual-value and score columns."""
    from xltool.parse.reader import projects_from_grids

    read = projects_from_grids([_self_evaluation_grid(title)], file="自评.xlsx")
    assert read.projects == [] and read.self_evaluations == ["自评表"]
    assert "绩效自评表" in read.no_project_message() and "“自评表”" in read.no_project_message()


def test_a_target_table_showing_last_years_actual_value_is_still_read() -> None:
    """黄石's 批复表 has "2021年实际实现值 | 预期2022年实现值" but no score: a 目标表."""
    rows = [
        ["项目支出绩效目标批复表"],
        ["项目名称", "主体班", "项目金额", "164万元"],
        ["一级指标", "二级指标", "三级指标", "上年实际完成值", "年度指标值"],
        ["产出指标", "数量指标", "培训人次", "260人次", "280人次"],
    ]
    projects = parse_grid(Grid(rows=rows, name="批复表"), file="x.xlsx")
    assert [p.name for p in projects] == ["主体班"] and projects[0].indicators[0].target == "280人次"


def test_merge_and_validate_say_a_self_evaluation_workbook_is_not_a_target_table(tmp_path: Path) -> None:
    import xlsxwriter

    from xltool.apps.merge import merge_workbooks

    folder = tmp_path / "各单位"
    folder.mkdir()
    wb = xlsxwriter.Workbook(str(folder / "棠溪镇自评.xlsx"))
    ws = wb.add_worksheet("自评表")
    for r, row in enumerate(SELF_EVALUATION):
        ws.write_row(r, 0, row)
    wb.close()
    _write_target(folder / "目标表.xlsx")

    report = merge_workbooks([folder], tmp_path / "汇总.xlsx", jobs=1)
    assert report.has_problems and report.merged == 1
    ((file, status, reason),) = report.problems
    assert file.endswith("棠溪镇自评.xlsx") and status == "已跳过" and "绩效自评表" in reason

    result = CliRunner().invoke(main, ["validate", str(folder / "棠溪镇自评.xlsx")])
    assert result.exit_code == 2 and "绩效自评表" in result.output and "Traceback" not in result.output


def _write_target(path: Path) -> None:
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.common import make_project, write_department_workbook

    write_department_workbook(path, [make_project(0, department="区某局", implementer="区某局", rng=random.Random(1))])


def test_hunan_funding_block_with_sub_amounts_and_a_year_as_period() -> None:
    """湖南宁乡 2021 项目绩效目标表 (https://renrendoc.com/paper/307484460.html; rows rebuilt from the
    page's flattened text): "资金总额及构成 | 总额 | …", 财政拨款 with its 其中 parts, 自有资金 and 其他
    as two 其他 sources, and "项目起止时间 2021年度"."""
    n = None
    rows = [
        ["项目绩效目标表(2021年度)"],
        ["填报单位(盖章):宁乡市坝塘镇人民政府"],
        ["项目名称", "镇域内基础设施建设", n, "项目属性", "新增项目□延续项目√"],
        ["主管部门", "坝塘镇", n, "主管部门编码"],
        ["项目单位", "坝塘镇", n, "项目负责人", "蒋建华", "联系电话"],
        ["项目起止时间", "2021年度"],
        ["资金总额及构成", "总额", "10606.7522万元"],
        [n, "财政拨款:6923.3552万元(其中:上级财政资金:6923.3552万元;本级财政:0万元)"],
        [n, "二、自有资金:0万元"],
        [n, "三、其他:3683.3970万元"],
        ["项目概况", "镇域内水利、道路、机关、学校及乡村振兴等基础设施建设"],
        ["项目绩效目标", "长期目标", n, "年度目标"],
        [n, "改善镇域内基础设施,振兴乡村经济", n, "全面完成集镇立面改造、机关、学校、乡村振兴等项目,搞好提质改造"],
        ["年度绩效指标", "一级指标", "二级指标", "指标内容", "指标值", "备注"],
        [n, "产出指标", "数量指标", "完成项目数", "5个"],
        [n, "满意度指标", "社会公众或服务对象满意度指标", "群众满意度", "≥90%"],
    ]
    (p,) = parse_grid(Grid(rows=rows, name="项目表"), file="x.xlsx")
    assert (p.total, p.department, p.implementer) == (10606.7522, "坝塘镇", "坝塘镇")
    f = p.funding
    assert (f.province, f.city, f.district, f.other) == (6923.3552, None, 0.0, 3683.397)  # the parts, once each
    assert abs(f.total() - p.total) < 1e-6
    assert (p.start, p.end) == ("2021.01", "2021.12")
    assert p.annual_goal.startswith("全面完成") and [i.name for i in p.indicators] == ["完成项目数", "群众满意度"]


@pytest.mark.parametrize(("period", "start", "end"), [
    ("2021年度", "2021.01", "2021.12"), ("2022年", "2022.01", "2022.12"), ("2023", "2023.01", "2023.12"),
    ("2021年1月-12月", "2021.01", "2021.12"), ("2021年3月至2022年6月", "2021.03", "2022.06"),
])
def test_period_forms(period: str, start: str, end: str) -> None:
    rows = [["项目名称", "档案数字化"], ["项目起止时间", period], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "数字化卷数", "1000卷"]]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.start, p.end) == (start, end)


def test_the_same_other_source_twice_is_not_added_up() -> None:
    rows = [["项目名称", "档案数字化"], ["项目总金额", 10], ["其他资金", 4], ["资金来源", "其他资金:4"],
            ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "数字化卷数", "1000卷"]]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert p.funding.other == 4


def test_shanxi_goal_block_captioned_on_the_left() -> None:
    """山西阳泉 2021 申报表 (http://jtysj.yq.gov.cn/yjsgk/202104/t20210422_1152890.html; the page's
    excerpt ends inside the indicator table, so only the header is checked): "中期目标 | 年度目标"
    titles the row "总体目标 | … | …" below them, whose caption must not hide the two texts."""
    n = None
    rows = [
        ["山西省阳泉市市级预算部门(单位)项目支出绩效目标申报表"],
        ["2021年"],
        ["项目名称", "“四好农村路”、“三个一号旅游路”工作经费"],
        ["主管部门及代码", "经济建设科", n, "实施单位", "阳泉市公路服务中心"],
        ["项目属性", "延续性项目(阶段开展)", n, "项目期限", "3年"],
        ["项目预算资金(万元)", "中期预算资金总额", n, "年度预算资金总额", 25],
        ["项目概况", "“四好农村路”、“三大板块旅游路”项目开工前期项目勘察设计审批;进度督导检查、工程质量监督检查。"],
        [n, "中期目标", n, "年度目标"],
        ["总体目标", "“四好农村路”、“三大板块旅游路”项目开工前期项目勘察设计审批;进度督导检查。", n,
         "工程前期施工图设计批复 81个"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
        [n, "产出指标", "数量指标", "工程前期施工图设计批复", "81个"],
    ]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.total, p.department, p.implementer) == (25, "经济建设科", "阳泉市公路服务中心")
    assert p.long_term_goal.startswith("“四好农村路”") and p.annual_goal == "工程前期施工图设计批复 81个"


def test_shaanxi_funding_lines_and_vertical_captions() -> None:
    """陕西清涧 2021 绩效目标申报表 (http://qjzhf.gov.cn/Government/PublicInfoShow.aspx?ID=15161; cut
    after 效益指标 in the page's excerpt): "资金情况 | 年度资金总额: | 500", "其中:财政拨款 | 500",
    and the vertical captions "总(体目标)" and "绩(效指标)" left of the goal and the table."""
    n = None
    rows = [
        ["绩效目标申报表"], ["(2021年度)"],
        ["项目名称", "2021年交通局寨山石坪、鲍家沟果园路", n, "项目负责人及联系电话", "刘志龙09125222043"],
        ["主管部门", "清涧县交通运输局", n, "实施单位", "清涧县交通运输局"],
        ["资金情况", "年度资金总额:", 500],
        [n, "其中:财政拨款", 500],
        [n, "其他资金", n],
        ["总", "年度目标"],
        [n, "1、改善基础实施建设,呼家河至鲍家沟果园路建设2公里、寨山石坪果园路2公里"],
        ["绩", "一级指标", "二级指标", "三级指标", "指标值"],
        [n, "产出指标", "数量指标", "寨山石坪村新建水泥路1条", "2km"],
        [n, n, n, "呼家河至鲍家沟新建水泥路1条", "2km"],
        [n, n, "成本指标", "硬化水泥砼公路补助标准", "≤120万元"],
    ]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.total, p.funding.district, p.funding.other) == (500, 500, None)
    assert p.annual_goal.startswith("1、改善基础实施建设")
    assert [(i.level2, i.name, i.operator, i.target) for i in p.indicators] == [
        ("数量指标", "寨山石坪村新建水泥路1条", "", "2km"), ("数量指标", "呼家河至鲍家沟新建水泥路1条", "", "2km"),
        ("成本指标", "硬化水泥砼公路补助标准", "≤", "≤120万元"),
    ]


def test_guangdong_approval_form_with_medium_term_and_year_tables_side_by_side() -> None:
    """东莞 2019 财政项目支出绩效目标批复表 (https://gdyinping.com/wwwgdyinpingcom/007329896/0801/201904/
    fdb5a052be7e4616a3536a4af16269b8.htm, a copy of the 东莞市交通运输局 notice; the excerpt ends after
    效果指标): 预算单位 above the table, this year's amount beside the medium-term one, goals titled
    中期滚动目标 | 年度目标, and the medium-term and year's indicator tables side by side."""
    n = None
    rows = [
        ["东莞市财政项目支出绩效目标批复表"],
        ["( 2019 年度)"],
        ["预算单位:东莞市交通运输局"],
        ["项目 名称", "镇际联网路升级改造工程一期", "中期市财政预算(万元)", "284500.00",
         "本年度申请市财政预算资金(万元)", "919.00"],
        ["总体目标", "中期滚动目标(2019年--2021年)", n, "年度目标"],
        [n, "新建或改造道路,共29个项目,规划里程169公里。", n,
         "督促勘察设计单位、咨询单位完成勘察设计费、审查咨询费结算532万元。"],
        ["绩效指标", "一级 指标", "二级 指标", "三级 指标", "指标值(或计划水平)", "二级 指标", "三级 指标",
         "计划指标值(或计划水平)"],
        [n, "预期产出指标", "数量指标(或建筑规模指标)", "镇街补助款完成结算项目数", "30", "数量指标(或建筑规模指标)",
         "镇街补助款完成结算项目数", "3"],
        [n, n, "质量指标", "补助款结算误差率", "±3%以内", "质量指标", "补助款结算误差率", "±2%以内"],
    ]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.total, p.department) == (919, "东莞市交通运输局")
    assert p.long_term_goal.startswith("新建或改造道路") and p.annual_goal.startswith("督促勘察设计单位")
    assert [(i.name, i.target, i.cell) for i in p.indicators] == [
        ("镇街补助款完成结算项目数", "3", "H8"), ("补助款结算误差率", "±2%以内", "H9"),
    ]
    assert p.indicators[0].extra.get("中长期指标值") == "30"


def test_fujian_special_fund_header_and_per_town_values_kept() -> None:
    """安溪 2022 省级第七批水利专项资金绩效目标表 (http://fjax.gov.cn/zwgk/zdgkxx/sl/slgcjs/202403/
    t20240304_3010568.htm): "主管部门(单位)名称", "资金情况(万元) | 资金总额 | 100 | 其中:财政拨款 | 100",
    and one value column per town instead of one 指标值: each town's value kept beside the row,
    the first read as the target."""
    n = None
    rows = [
        ["2022年省级第七批水利专项资金绩效目标表"],
        ["项目名称", "省级第七批水利专项资金", n, "主管部门(单位)名称", "安溪县水利局"],
        ["资金情况(万元)", "资金总额", 100, "其中:财政拨款", 100, "其他资金", n],
        ["总 体 目 标", "开展7个小型水利工程建设"],
        ["绩效 指标", "一级指标", "二级指标", "三级指标", "指 标 解 释", "西坪镇尧山村", "桃舟乡吾培村"],
        [n, "产出 指标", "数量指标", "开展小型水利工程建设(个)", "反映小型水利工程建设项目开展情况", 1, 1],
    ]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.total, p.department, p.funding.district) == (100, "安溪县水利局", 100)
    # a one-year table's lone 总体目标 is the year's goal (issue 25)
    assert p.annual_goal == "开展7个小型水利工程建设" and p.long_term_goal == ""
    (ind,) = p.indicators
    assert ind.name == "开展小型水利工程建设(个)" and ind.extra["西坪镇尧山村"] == "1" and ind.extra["桃舟乡吾培村"] == "1"
    # no 合计 column: the first town's value is the target, and a note says which column was read
    assert ind.target == "1" and any("按第一列“西坪镇尧山村”" in n for n in p.notes)


def test_other_sources_of_the_funding_lines_add_up() -> None:
    """The 陕西佳县 申报表's funding lines (labels from https://docx.baby/p/20793843881926.html, a blank
    template; the amounts here are made up): 自有资金, 事业收入, 经营性收入 and 其他 all belong to 其他."""
    n = None
    rows = [["项目名称", "档案数字化"], ["项目资金申请(万元)", "资金总额:", 100], [n, "财政拨款:", 60], [n, "自有资金:", 10],
            [n, "事业收入:", 20], [n, "经营性收入:", 10], [n, "其他:", n],
            ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "数字化卷数", "1000卷"]]
    (p,) = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (p.total, p.funding.district, p.funding.other) == (100, 60, 40)


def test_a_previous_tables_footer_does_not_name_the_next_tables_units() -> None:
    """Only an exact unit label on a line above the table counts ("预算单位:…"), never the last
    table's "主管部门意见:同意" or "实施单位负责人:张三"."""
    rows = [["项目名称", "甲项目"], ["实施单位", "甲单位"], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "完成数", "1个"], ["主管部门意见:同意"], ["实施单位负责人:张三"],
            ["预算单位:乙局"], ["项目名称", "乙项目"], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "完成数", "2个"]]
    first, second = parse_grid(Grid(rows=rows, name="s"), file="x.xlsx")
    assert (first.department, first.implementer) == ("", "甲单位")
    assert (second.department, second.implementer) == ("乙局", "")


def test_a_goal_reading_project_name_colon_does_not_start_a_second_table() -> None:
    """Found by the round-trip property test: a 年度绩效目标 cell that reads "项目名称：…" (or "项目名0")
    is that goal's value, not a new table; "项目名称：…" in a row's first cell still starts one."""
    for goal in ("项目名称：乡村道路，年度完成硬化5公里", "项目名0"):
        rows = [list(r) for r in HEADER]
        rows[9][1] = goal
        [p] = parse_grid(Grid(rows=rows, name="表1"), file="a.xlsx")
        assert (p.name, p.annual_goal, len(p.indicators)) == ("大楼物业费", goal, 4)
    inline = [list(r) for r in HEADER]
    inline[2] = ["项目名称：宣传费", None, None, "项目总金额（万元）", 12]
    [p] = parse_grid(Grid(rows=inline, name="表1"), file="a.xlsx")
    assert (p.name, p.total) == ("宣传费", 12)
