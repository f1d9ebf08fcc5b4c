"""Layout recognition on tables written here, not taken from the corpus (a hold-out check).

Each case is one pattern of issue 11 the reader has to meet in tables it has never seen:
other wordings, values below or inside the label's cell, amounts in 元, web copies whose
merged cells vanished, list layouts, sentence targets, footers, bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xltool.cli import main
from xltool.core.grid import Grid
from xltool.apps.sources import load_source, read_workbook
from xltool.io.text import text_to_grids
from xltool.parse import text_hints
from xltool.parse.reader import parse_grid


def tsv(*rows: str) -> str:
    """Rows written with "|" for a tab, as a web page copies them."""
    return "\n".join(r.replace(" | ", "\t").replace("|", "\t") for r in rows) + "\n"


def read(tmp_path: Path, text: str, name: str = "表.txt") -> list[Any]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_source(path).projects


def ops(project: Any) -> list[tuple[str, str, str]]:
    return [(i.name, i.operator, i.target) for i in project.indicators if not i.is_blank]


def test_other_wordings_amount_in_yuan_and_web_copy_rows(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv(
        "2021年度专项资金绩效目标表",
        "专项名称 | 城乡环境综合治理补助",
        "主管预算部门 | 县住建局 | 项目实施单位 | 县环卫所",
        "年度金额(元) | 1,250,000.00",
        "实施期绩效目标 | 三年内完成全县环境整治",
        "本年度绩效目标 | 完成12个村环境整治",
        "绩效指标 | 一级指标 | 二级指标 | 三级指标内容 | 指标值(年度) | 评分标准",
        "绩效指标 | 产出指标 | 数量指标 | 整治村数 | ≥12个 | 每少1个扣2分",
        "质量指标 | 验收合格率 | 100% | 未达标不得分",
        "时效指标 | 完成时间 | 2021年12月底前完成全部整治工作 | ",
        "效益指标 | 社会效益指标 | 群众生活环境 | 明显改善 | ",
        "满意度指标 | 服务对象满意度指标 | 群众满意度 | 95%以上。 | ",
        "财政部门审核意见 | 同意",
        "填报人:李四 联系电话:12345",
    ))
    assert (p.name, p.department, p.implementer) == ("城乡环境综合治理补助", "县住建局", "县环卫所")
    assert p.total == pytest.approx(125.0) and any("万元" in n and "元" in n for n in p.notes)
    assert (p.long_term_goal, p.annual_goal) == ("三年内完成全县环境整治", "完成12个村环境整治")
    assert ops(p) == [
        ("整治村数", "≥", "12个"), ("验收合格率", "", "100%"),
        ("完成时间", "", "2021年12月底前完成全部整治工作"), ("群众生活环境", "", "明显改善"),
        ("群众满意度", "", "95%以上。"),
    ]
    assert [i.level2 for i in p.indicators] == ["数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标"]
    sentence = p.indicators[2]
    assert sentence.value is None and sentence.unit == ""  # a sentence is no number with a unit
    assert p.indicators[0].extra == {"评分标准": "每少1个扣2分"}  # kept aside, not lost
    assert "财政部门审核意见 | 同意" in p.extra["其他说明"]


def test_value_below_titles_label_and_value_in_one_cell(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv(
        "项目绩效目标表",
        "项目名称 | 乡村道路养护",
        "主管部门及其编码 | 区交通局 301001 | 执行单位 | 区公路站",
        "资金情况(万元) | 年度资金总额:80",
        "其中 :上级资金50",
        "中期目标 | 年度目标 | 年度总体目标完成情况",
        "道路优良率稳步提升 | 完成80公里养护 | ",
        "一级指标 | 二级指标 | 三级指标 | 指标值",
        "产出指标 | 数量指标 | 养护里程 | ≥80公里",
    ))
    assert p.total == 80 and p.funding.province == 50
    assert (p.long_term_goal, p.annual_goal) == ("道路优良率稳步提升", "完成80公里养护")
    assert ops(p) == [("养护里程", "≥", "80公里")]


def test_operator_and_unit_columns_are_joined_into_the_target() -> None:
    grid = Grid(rows=[
        ["项目名称", "图书购置"],
        ["一级指标", "二级指标", "三级指标", "计算符号", "指标值", "计量单位"],
        ["产出指标", "数量指标", "购置册数", "≥", "5000", "册"],
        [None, "质量指标", "验收合格率", "=", "100", "%"],
        ["满意度指标", "服务对象满意度指标", "读者满意度", "定性", "较好", None],
    ])
    from xltool.parse.imported import projects_from_grid

    [p] = projects_from_grid(grid, file="x")
    assert [(i.operator, i.target, i.value, i.unit) for i in p.indicators] == [
        ("≥", "5000册", 5000.0, "册"), ("=", "100%", 100.0, "%"), ("定性", "较好", None, ""),
    ]


def test_short_web_rows_align_from_the_right_and_levels_written_upright(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv(
        "项目名称 | 社区医疗服务",
        "预算金额 | 300万元",
        "绩 效 指 标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | 备注",
        "数量指标 | 服务人次 | ≥10000人次 | ",
        "质量指标 | 诊疗规范率 | ≥98% | ",
        "产\u3000出\u3000指\u3000标 | 成本指标 | 人均服务成本 | ≤300元/人次 | ",
        "满意度指标 | 服务对象满意度指标 | 患者满意度 | ≥90% | ",
    ))
    assert p.total == 300
    assert ops(p) == [("服务人次", "≥", "10000人次"), ("诊疗规范率", "≥", "98%"),
                      ("人均服务成本", "≤", "300元/人次"), ("患者满意度", "≥", "90%")]
    assert [i.level2 for i in p.indicators] == ["数量指标", "质量指标", "成本指标", "服务对象满意度指标"]
    assert p.indicators[2].level1 == "产出指标"


def test_list_layout_one_project_per_distinct_name(tmp_path: Path) -> None:
    projects = read(tmp_path, tsv(
        "部门项目绩效目标表",
        "单位:万元",
        "项目名称 | 预算数 | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标值",
        "合计 |  |  |  |  |  | ",
        "食堂运行 | 20 | 保障就餐 | 产出指标 | 数量指标 | 就餐人数 | 300人",
        "食堂运行 | 20 | 保障就餐 | 满意度指标 | 服务对象满意度指标 | 满意度 | ≥90%",
        "车辆维护 | 8 | 保障出行 | 产出指标 | 数量指标 | 车辆数 | 5辆",
        " |  |  | 产出指标 | 成本指标 | 单车成本 | ≤1.6万元",
        "档案整理 | 12 | 整理档案 | 产出指标 | 数量指标 | 整理卷数 | 2000卷",
    ))
    assert [(p.name, p.total, len(p.indicators)) for p in projects] == [
        ("食堂运行", 20, 2), ("车辆维护", 8, 2), ("档案整理", 12, 1),
    ]
    assert projects[1].indicators[1].target == "1.6万元" and projects[0].annual_goal == "保障就餐"


def test_word_copy_and_web_copy_in_one_file(tmp_path: Path) -> None:
    word = "附件3\n2022年度项目绩效目标表\n\t项目名称\n\t甲项目\n\n\t一级指标\n\t二级指标\n\t三级指标\n\t年度目标值\n\n" \
           "\t产出指标\n\t数量指标\n\t户数\n\t10户\n\n"
    web = tsv("2022年度项目绩效目标表", "项目名称 | 乙项目", "一级指标 | 二级指标 | 三级指标 | 指标值",
              "产出指标 | 数量指标 | 人数 | 20人")
    assert len(text_to_grids(word + web, hints=text_hints)) == 2
    projects = read(tmp_path, word + web)
    assert [(p.name, ops(p)) for p in projects] == [("甲项目", [("户数", "", "10户")]), ("乙项目", [("人数", "", "20人")])]


def test_layout_fields_record_what_the_source_had(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv("项目名称 | 丙项目", "主管部门 | 区教育局", "年度目标 | 完成",
                             "一级指标 | 二级指标 | 三级指标 | 指标值", "产出指标 | 数量指标 | 学校数 | 3所"))
    assert p.layout_fields == ["name", "department", "annual_goal"]
    assert "未找到“项目概况”栏目" in p.notes and "未找到“实施单位”栏目" in p.notes  # one notice per field


def test_a_new_wording_is_one_line_in_the_field_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from xltool.core import fields
    from xltool.parse.indicators import reset_caches

    grid = Grid(rows=[["项目名称", "丁项目", "年度经费额度", 42],
                      ["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "场次", "3场"]])
    assert parse_grid(grid)[0].total is None
    data = fields._data()
    patched = {**data, "header": {**data["header"], "total": {
        **data["header"]["total"], "labels": [*data["header"]["total"]["labels"], "年度经费额度"]}}}
    monkeypatch.setattr(fields, "_data", lambda: patched)
    reset_caches()
    try:
        assert parse_grid(Grid(rows=[["项目名称", "丁项目", "年度经费额度", 42]]))[0].total == 42
    finally:
        monkeypatch.undo()
        reset_caches()


def test_indicators_without_a_name_label_are_imported_with_the_name_to_fill_in(tmp_path: Path) -> None:
    """Only an indicator table (tests/test_nameless.py): imported, the empty name said; column titles alone
    (no indicator under them) still say what was found."""
    source = tmp_path / "只有指标.txt"
    source.write_text(tsv("一级指标 | 二级指标 | 三级指标 | 指标值", "产出指标 | 数量指标 | 户数 | 10户"), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(out)])
    assert result.exit_code == 0 and "项目名称留空，请补填" in result.stderr, result.stderr
    [p] = read_workbook(out).projects
    assert (p.name, [(i.name, i.target) for i in p.indicators]) == ("", [("户数", "10户")])
    source.write_text(tsv("一级指标 | 二级指标 | 三级指标 | 指标值"), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 2 and "找到了指标表，但没有找到“项目名称”栏目" in result.stderr
    assert not (tmp_path / "none.xlsx").exists()


def test_label_and_value_in_one_cell_and_a_first_level_written_late() -> None:
    from xltool.parse.imported import projects_from_grid

    grid = Grid(rows=[
        ["2023年项目绩效目标表"],
        ["项目名称：乡村道路养护", "主管部门：区交通局"],
        ["项目资金：120万元"],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "计量单位"],
        [None, "数量指标", "养护里程", "定量", "80", "公里"],
        ["产出指标", None, "桥梁巡查次数", "≥", "12", "次"],
    ])
    [p] = projects_from_grid(grid, file="x")
    assert (p.name, p.department, p.total) == ("乡村道路养护", "区交通局", 120.0)
    assert [(i.level1, i.level2, i.operator, i.target) for i in p.indicators] == [
        ("产出指标", "数量指标", "", "80公里"), ("产出指标", "数量指标", "≥", "12次"),
    ]
    assert p.indicators[0].extra == {"指标性质": "定量"}


def test_vertical_labels_copied_one_character_per_line(tmp_path: Path) -> None:
    text = "项目名称\t丁项目\n年度\n目标\t完成十件事\n产\n出\n指\n标\t一级指标\t二级指标\t三级指标\t指标值\n" \
           "\t产出指标\t数量指标\t件数\t10件\n"
    [p] = read(tmp_path, text)
    assert (p.name, p.annual_goal, ops(p)) == ("丁项目", "完成十件事", [("件数", "", "10件")])


def test_medium_term_amounts_and_twin_columns_keep_the_year(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv(
        "项目支出绩效目标申报表",
        "项目名称 | 社区卫生服务补助",
        "中期资金总额 | 300 | 年度资金总额 | 100",
        "绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | 二级指标 | 三级指标 | 指标值",
        "产出指标 | 数量指标 | 服务人次 | 30000人次 | 数量指标 | 服务人次 | 10000人次",
    ))
    assert p.total == 100 and p.extra["中期资金总额"] == "300"
    assert ops(p) == [("服务人次", "", "10000人次")] and p.indicators[0].extra["中长期指标值"] == "30000人次"


def test_a_wrapped_text_cell_in_a_web_copy_stays_one_value(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv("项目名称 | 戊项目", "年度目标 | 1.完成十件事；", "2.再完成五件事。",
                             "一级指标 | 二级指标 | 三级指标 | 指标值", "产出指标 | 数量指标 | 件数 | 15件"))
    assert p.annual_goal == "1.完成十件事；\n2.再完成五件事。" and ops(p) == [("件数", "", "15件")]


def test_list_layout_copied_from_the_web_drops_merged_project_cells(tmp_path: Path) -> None:
    projects = read(tmp_path, tsv(
        "项目名称 | 预算数 | 一级指标 | 二级指标 | 三级指标 | 指标值",
        "食堂运行 | 20 | 产出指标 | 数量指标 | 就餐人数 | 300人",
        "满意度指标 | 服务对象满意度指标 | 满意度 | ≥90%",
        "车辆维护 | 8 | 产出指标 | 数量指标 | 车辆数 | 5辆",
        "成本指标 | 单车成本 | ≤1.6万元",
    ))
    assert [(p.name, p.total, ops(p)) for p in projects] == [
        ("食堂运行", 20, [("就餐人数", "", "300人"), ("满意度", "≥", "90%")]),
        ("车辆维护", 8, [("车辆数", "", "5辆"), ("单车成本", "≤", "1.6万元")]),
    ]


def test_a_title_like_line_inside_a_word_cell_starts_no_table() -> None:
    text = "2022年度项目绩效目标表\n\t项目名称\n\t甲项目\n\n\t项目概况\n\t依据\n2021年度项目绩效目标表\n\n" \
           "\t一级指标\n\t二级指标\n\t三级指标\n\t年度目标值\n\n"
    [grid] = text_to_grids(text, hints=text_hints)
    assert grid.rows[2] == ["项目概况", "依据\n2021年度项目绩效目标表"]


def test_values_under_titles_right_aligned_when_a_merged_caption_vanished(tmp_path: Path) -> None:
    [p] = read(tmp_path, tsv("项目名称 | 甲项目", "项目资金(万元) | 年度资金总额 | 财政拨款 | 其他资金", "100 | 80 | 20",
                             "一级指标 | 二级指标 | 三级指标 | 指标值", "产出指标 | 数量指标 | 户数 | 1个"))
    assert (p.total, p.funding.district, p.funding.other) == (100, 80, 20)


def test_title_row_ending_in_a_weaker_label_reads_values_below(tmp_path: Path) -> None:
    """A row of titles whose last title only contains a label (执行单位负责人 ⊃ 执行单位) is
    a title row when the next row holds values: no title is paired with its neighbour."""
    [p] = read(tmp_path, tsv(
        "项目绩效目标表",
        "项目名称 | 主管部门 | 执行单位负责人",
        "社区养老服务补助 | 县民政局 | 张三",
        "资金总额(万元) | 45",
        "年度目标 | 为120名老人提供上门服务",
        "一级指标 | 二级指标 | 三级指标 | 指标值",
        "产出指标 | 数量指标 | 服务人数 | ≥120人",
    ))
    assert (p.name, p.department, p.total) == ("社区养老服务补助", "县民政局", 45)
    assert "执行单位负责人" not in (p.department, p.implementer)
