"""Classes of wrong advice found on the held-out tables of issue 26 (round 2), one test each.

* a grade word the one classification knows ("优良") told "not graded" by JX307;
* a ceiling on a cost row ("成本控制率 ≤ 100%") told to turn round by JX204;
* a unit written in the name's brackets ("开展修复工程(个)" 1) told "no unit" by JX302;
* a satisfaction row without 二级 reported as "no satisfaction indicator" (error) by JX102;
* another indicator system (发改 投资计划绩效目标表: 一级 实施效果/过程管理, 二级 产出/效益/满意度)
  told on every row that its names are not in our system, its 过程管理 rows that they are
  process indicators, and that 产出质量/时效/成本 and all effects are missing (errors);
* a goal figure spread over one target column per town ("2个" = 1 + 1) told it has no indicator.
"""

from __future__ import annotations

from test_rules import COST, QUANTITY, SATISFY, SOCIAL, clean, codes, with_row
from test_rules_advice import at, contradictions

from xltool.core.model import Indicator, Project
from xltool.rules import RuleContext
from xltool.rules._targets import GRADE, classify
from xltool.rules.readings import name_unit, shifted_levels


def test_jx307_reads_the_one_classification_of_a_grade() -> None:
    ctx = RuleContext.for_profile("district-2022")
    for grade in ("优良", "良好", "效果良好", "较好"):
        ind = Indicator.from_typed(name="空气质量", operator="定性", target=grade)
        assert classify(ind, ctx).kind == GRADE
        found = codes(with_row(clean(), SOCIAL, "服务周期内空气质量", "定性", grade))
        assert not [f for f in found.get("JX307", []) if f.indicator == "服务周期内空气质量"], grade
    # a list of every grade picks none: still not graded
    found = codes(with_row(clean(), SOCIAL, "食品安全整体状况", "定性", "高中低"))
    assert [f.indicator for f in found.get("JX307", [])] == ["食品安全整体状况"]


def test_a_ceiling_on_a_cost_row_is_not_told_to_turn_round() -> None:
    project = with_row(clean(), COST, "成本控制率", "≤", "100%")
    cell = next(i.cells.get("operator", i.cell) for i in project.indicators if i.name == "成本控制率")
    found = [f for f in codes(project).get("JX204", []) if f.indicator == "成本控制率"]
    assert not found, cell
    assert not contradictions(at(project, cell))
    # a quantity with a ceiling is still asked about
    found = codes(with_row(clean(), QUANTITY, "车位数", "≤", "135个"))
    assert [f.indicator for f in found["JX204"]] == ["车位数"]


def test_a_unit_in_the_names_brackets_is_the_targets_unit() -> None:
    ctx = RuleContext.for_profile("district-2022")
    assert name_unit(Indicator.from_typed(name="开展修复工程(个)", target="1"), ctx) == "个"
    assert name_unit(Indicator.from_typed(name="成本控制率（%）", target="100"), ctx) == "%"
    assert name_unit(Indicator.from_typed(name="宗教管理经费补助县(市、区)数量", target="2"), ctx) == ""
    assert name_unit(Indicator.from_typed(name="培训(第一期)", target="2"), ctx) == ""
    with_unit = codes(with_row(clean(), QUANTITY, "开展修复工程(个)", "≥", "1"))
    assert "开展修复工程(个)" not in {f.indicator for f in with_unit.get("JX302", [])}
    without = codes(with_row(clean(), QUANTITY, "开展修复工程", "≥", "1"))
    assert "开展修复工程" in {f.indicator for f in without.get("JX302", [])}


def test_a_satisfaction_row_without_levels_is_not_reported_missing() -> None:
    project = clean()
    bare = project.model_copy(update={"indicators": [
        i.model_copy(update={"level1": "", "level2": ""}) for i in project.indicators]})
    found = codes(bare)
    assert "JX109" in found and "JX102" not in found
    # with levels, a satisfaction indicator that is truly missing is still an error
    missing = project.model_copy(update={"indicators": [i for i in project.indicators if i.level2 != SATISFY]})
    assert "JX102" in codes(missing)


def _investment_plan(output_rows: list[tuple[str, str]]) -> Project:
    """A 发改 投资计划绩效目标表: 一级 实施效果/过程管理, our 一级 names in its 二级 column."""
    rows = [("实施效果指标", "产出指标", name, target) for name, target in output_rows] + [
        ("实施效果指标", "效益指标", "项目区农村基础设施条件", "持续改善"),
        ("实施效果指标", "满意度指标", "参与工程建设的群众满意度", "≥90%"),
        ("过程管理指标", "计划管理指标", "投资计划分解用时", "≤20工作日"),
        ("过程管理指标", "资金管理指标", "中央预算内投资支付率", "≥95%"),
        ("过程管理指标", "项目管理指标", "项目开工率", "≥95%"),
    ]
    indicators = [
        Indicator.from_typed(level1=l1, level2=l2, name=name, target=target, row=10 + k, cell=f"D{10 + k}",
                             cells={"level1": f"A{10 + k}", "level2": f"B{10 + k}", "name": f"C{10 + k}",
                                    "target": f"D{10 + k}"})
        for k, (l1, l2, name, target) in enumerate(rows)
    ]
    return clean().model_copy(update={"indicators": indicators, "profile": "district-2022"})


def test_another_indicator_system_is_read_as_such() -> None:
    project = _investment_plan([("劳务报酬占中央投资比例", "≥32.68%")])
    assert shifted_levels(project, RuleContext.for_profile("district-2022"))
    found = codes(project)
    assert not {"JX505", "JX104", "JX105"} & set(found), sorted(found)
    assert "中央预算内投资支付率" not in {f.indicator for f in found.get("JX501", [])}
    # which of our 二级 are "missing" is only the question every system asks: a quantity, as a warning
    assert [f.severity.value for f in found["JX101"]] == ["warning"] and "？" in found["JX101"][0].message
    counted = codes(_investment_plan([("治理河道长度", "≥3.2公里")]))
    assert "JX101" not in counted


def test_a_table_in_our_system_with_one_odd_level_name_is_still_told() -> None:
    project = clean()
    odd = project.model_copy(update={"indicators": [
        i.model_copy(update={"level2": "资金管理指标"}) if i.level2 == SOCIAL else i for i in project.indicators]})
    assert not shifted_levels(odd, RuleContext.for_profile("district-2022"))
    assert [f.level2 for f in codes(odd)["JX505"]] == ["资金管理指标"]


def test_a_goal_figure_spread_over_town_columns_is_their_sum() -> None:
    project = with_row(clean(), QUANTITY, "开展修复工程", "≥", "1个")
    goal = "开展2个防洪水利设施水毁修复，修复后防洪能力恢复率100%。"

    def spread(extra: dict[str, str]) -> Project:
        rows = [i.model_copy(update={"extra": extra}) if i.name == "开展修复工程" else i for i in project.indicators]
        return project.model_copy(update={"indicators": rows, "annual_goal": goal})

    assert "JX706" not in codes(spread({"笏石街道办": "1个", "埭头镇": "1个", "指标解释": "反映开展情况"}))
    assert "JX706" in codes(spread({"笏石街道办": "1个", "指标解释": "反映开展情况"}))
    assert "JX706" in codes(spread({"权重": "1", "分值": "1"}))  # weights are not towns
