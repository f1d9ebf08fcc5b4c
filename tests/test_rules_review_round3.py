"""Classes found on the held-out and blind tables of issue 26 (round 3), one test each.

* a satisfaction row with no 二级 told both "fill in the levels" (JX109) and "move it" (JX502):
  one diagnosis, JX109's, which now says where the row belongs;
* a satisfaction name that only restates its 二级 heading ("服务对象满意度" under
  "服务对象满意度指标") names no surveyed group (JX510);
* a yes/no question as a name ("是否按时足额发放 ≥95%") is not a measure (JX806);
* a cost row whose name is a work requirement ("按照物价部门定价标准采购") is asked for a cost
  name, in words that agree with JX402's "write an amount";
* money spent as the measure of a row with no levels ("发放金额 ≥ 9.31万元") is an input (JX506);
* a slogan behind an adverb ("进一步提高…科学化、规范化") is still a slogan (JX806).
"""

from __future__ import annotations

from test_rules import COST, QUANTITY, SATISFY, clean, codes, with_row
from test_rules_advice import contradictions

from xltool.core.model import Project
from xltool.rules.satisfaction import restates_heading


def _without_levels(project: Project, name: str) -> Project:
    rows = [i.model_copy(update={"level1": "", "level2": ""}) if i.name == name else i for i in project.indicators]
    return project.model_copy(update={"indicators": rows})


def test_a_satisfaction_row_without_levels_gets_one_diagnosis_that_says_where_it_belongs() -> None:
    project = _without_levels(with_row(clean(), SATISFY, "本土人才满意度", "≥", "95%"), "本土人才满意度")
    found = codes(project)
    assert "JX502" not in found
    assert "“本土人才满意度”填在“满意度指标”下" in found["JX109"][0].message
    # under a wrong 二级 it is still told to move
    moved = codes(with_row(clean(), QUANTITY, "本土人才满意度", "≥", "95%"))
    assert [f.indicator for f in moved["JX502"]] == ["本土人才满意度"]


def test_a_satisfaction_name_that_restates_its_heading_names_no_group() -> None:
    assert restates_heading("服务对象满意度", "服务对象满意度指标(必填)")
    assert restates_heading("服务对象满意度", "服务对象满意度指标")
    assert not restates_heading("服务对象满意度", "满意度指标")
    assert not restates_heading("参训学员满意度", "服务对象满意度指标")
    project = clean()
    rows = [i.model_copy(update={"level2": "服务对象满意度指标(必填)", "name": "服务对象满意度"})
            if i.level2 == SATISFY else i for i in project.indicators]
    asked = codes(project.model_copy(update={"indicators": rows}))["JX510"]
    assert [f.indicator for f in asked] == ["服务对象满意度"] and "？" in asked[0].message
    rows = [i.model_copy(update={"level2": "服务对象满意度指标", "name": "接种群众满意度"})
            if i.level2 == SATISFY else i for i in project.indicators]
    assert "JX510" not in codes(project.model_copy(update={"indicators": rows}))


def test_a_yes_no_question_as_a_name_is_not_a_measure() -> None:
    for name, target in (("是否按时足额发放", "95%"), ("已建工程是否存在质量问题", "0个"), ("有无安全事故", "0次")):
        found = codes(with_row(clean(), QUANTITY, name, "≥", target))
        assert [f.indicator for f in found.get("JX806", [])] == [name] and "是非问题" in found["JX806"][0].message
    assert "JX806" not in codes(with_row(clean(), QUANTITY, "工程验收合格率", "≥", "95%"))
    # a "是否… 否" row filled only to say the 二级 does not apply stays JX111's
    leftover = codes(with_row(clean(), QUANTITY, "是否对当地生态环境造成影响", "定性", "否"))
    assert "JX111" in leftover and "JX806" not in leftover


def test_a_cost_row_named_as_a_work_requirement_is_asked_for_a_cost_name_without_contradiction() -> None:
    project = with_row(clean(), COST, "按照物价部门定价标准采购", "=", "100%")
    found = codes(project)
    named = [f for f in found.get("JX806", []) if f.indicator == "按照物价部门定价标准采购"]
    assert named and "成本" in named[0].message and "…率" not in named[0].message
    assert "JX402" in found
    row = [f for fs in found.values() for f in fs if f.indicator == "按照物价部门定价标准采购"]
    assert not contradictions(row)
    assert "JX806" not in codes(with_row(clean(), COST, "疫苗采购成本", "≤", "20万元"))


def test_money_spent_on_a_row_without_levels_is_an_input() -> None:
    project = _without_levels(with_row(clean(), QUANTITY, "发放金额", "≥", "9.31万元"), "发放金额")
    found = codes(project)
    assert [f.indicator for f in found.get("JX506", [])] == ["发放金额"] and "成本指标" in found["JX506"][0].message
    # the same money under 成本 is a cost; a unit cost without levels is not an amount spent
    assert "JX506" not in codes(with_row(clean(), COST, "发放金额", "≤", "9.31万元"))
    unit_cost = _without_levels(with_row(clean(), QUANTITY, "补助资金", "≤", "300元/人"), "补助资金")
    assert "JX506" not in codes(unit_cost)
    assert "JX506" not in codes(with_row(clean(), QUANTITY, "发放人数", "≥", "100人"))


def test_a_slogan_behind_an_adverb_is_still_a_slogan() -> None:
    for name in ("进一步提高食品安全工作科学化、规范化", "不断提升群众获得感"):
        found = codes(with_row(clean(), QUANTITY, name, "≥", "1次"))
        assert [f.indicator for f in found.get("JX806", [])] == [name], name
    assert "JX806" not in codes(with_row(clean(), QUANTITY, "持续监测点位数", "≥", "10个"))
