"""The checklist items asked as questions (xltool/rules/review_questions.py).

Each rule finds its class on a made-up table and stays quiet on the clean one; none is an
error, each message asks (ends in a question), and the words come from data/review.toml.
"""

from __future__ import annotations

import pytest
from test_rules import QUANTITY, SATISFY, TIMELY, clean, codes, with_row

from xltool.core.findings import Severity
from xltool.core.model import Project
from xltool.rules import CATALOGUE, RuleContext
from xltool.rules.readings import review_words

NEW = ("JX112", "JX113", "JX510", "JX707", "JX708", "JX809", "JX907", "JX908")


def _with_extra(project: Project, extra_for: dict[str, dict[str, str]]) -> Project:
    rows = [i.model_copy(update={"extra": extra_for.get(i.name, i.extra)}) for i in project.indicators]
    return project.model_copy(update={"indicators": rows})


def test_the_clean_project_raises_none_of_them() -> None:
    found = codes(clean())
    assert not set(NEW) & set(found), sorted(found)


@pytest.mark.parametrize("code", NEW)
def test_never_an_error_and_the_words_come_from_data(code: str) -> None:
    assert CATALOGUE[code].severity is not Severity.ERROR
    assert review_words(RuleContext.for_profile("district-2022"), "policy_phrases")


def test_instruction_left_in_a_level_name() -> None:
    project = clean()
    rows = [i.model_copy(update={"level2": "产出数量指标(必填硬性指标)"}) if i.level2 == QUANTITY else i
            for i in project.indicators]
    found = codes(project.model_copy(update={"indicators": rows}))["JX113"]
    assert [f.level2 for f in found] == ["产出数量指标(必填硬性指标)"] and found[0].message.endswith("？")


def test_satisfaction_without_a_surveyed_group_is_asked_who() -> None:
    for name in ("群众满意度", "满意度", "社会满意度"):
        generic = codes(with_row(clean(), SATISFY, name, "≥", "90%"))["JX510"]
        assert [f.indicator for f in generic] == [name] and "？" in generic[0].message
    assert "JX510" not in codes(with_row(clean(), SATISFY, "服务对象满意度", "≥", "90%"))  # the template's name
    assert "JX510" not in codes(with_row(clean(), SATISFY, "参训学员满意度", "≥", "90%"))
    assert "JX510" not in codes(with_row(clean(), SATISFY, "对窗口服务的办事企业满意度", "≥", "90%"))


def test_boilerplate_explanations_are_asked_for_a_method() -> None:
    project = clean()
    names = [i.name for i in project.indicators if i.name][:4]
    same = _with_extra(project, {n: {"指标解释": "反映项目实施情况"} for n in names})
    found = codes(same)["JX112"]
    assert len(found) == 1 and "计算方法" in found[0].message and found[0].message.endswith("？")
    specific = _with_extra(project, {n: {"指标解释": f"{n}：完成数÷计划数×100%，数据来源于验收报告"} for n in names})
    assert "JX112" not in codes(specific)
    # one "反映…情况" among specific explanations is not boilerplate of the table
    mixed = _with_extra(project, {**{n: {"指标解释": f"{n}：完成数÷计划数×100%"} for n in names[1:]},
                                  names[0]: {"指标解释": "反映项目实施情况"}})
    assert "JX112" not in codes(mixed)


def test_a_copied_policy_paragraph_as_goal() -> None:
    policy = ("深入贯彻落实党中央、国务院决策部署，按照全面推进乡村振兴的总体要求，推动农业农村高质量发展，"
              "不断增强人民群众获得感")
    found = codes(clean(annual_goal=policy))
    assert "JX707" in found and found["JX707"][0].field == "annual_goal"
    # figures of this project make it more than a copy
    assert "JX707" not in codes(clean(annual_goal=policy + "，完成3个村道路硬化12公里，受益群众5000人"))


def test_a_goal_with_work_and_no_effect_is_asked_for_the_effect() -> None:
    assert "JX708" in codes(clean(annual_goal="开展2个防洪水利设施水毁修复"))
    assert "JX708" not in codes(clean(annual_goal="完成2个水毁设施修复，恢复保护农田500亩"))
    assert "JX708" not in codes(clean(annual_goal="开展防洪设施修复工作"))  # no figure: JX705's


def test_a_multi_year_quantity_in_the_annual_target() -> None:
    for name, target in (("三年累计改造农房数", "1500户"), ("2021-2023年改造农房数", "1500户")):
        found = codes(with_row(clean(), QUANTITY, name, "≥", target))
        assert [f.indicator for f in found["JX907"]] == [name] and "？" in found["JX907"][0].message
    assert "JX907" not in codes(with_row(clean(), QUANTITY, "本年度改造农房数", "≥", "500户"))


def test_a_timeliness_name_dated_after_the_budget_year() -> None:
    found = codes(with_row(clean(), TIMELY, "截至2023年12月底,项目开展率", "≥", "95%"))
    assert [f.indicator for f in found["JX908"]] == ["截至2023年12月底,项目开展率"]
    assert "JX908" not in codes(with_row(clean(), TIMELY, "截至2022年12月底,项目开展率", "≥", "95%"))


def test_cheap_typos() -> None:
    doubled = codes(with_row(clean(), QUANTITY, "培训的的人数", "≥", "100人"))["JX809"]
    assert [f.indicator for f in doubled] == ["培训的的人数"] and "的的" in doubled[0].message
    mixed = codes(with_row(clean(), QUANTITY, "培训人数", "≥", "1０0人"))["JX809"]
    assert "全角、半角" in mixed[0].message and mixed[0].cell == mixed[0].cell
    # one width throughout is not a typo; nor is a word that doubles a character ("普及及时率" is not "的的")
    assert "JX809" not in codes(with_row(clean(), QUANTITY, "培训人数", "≥", "１００人"))
    assert "JX809" not in codes(with_row(clean(), QUANTITY, "在职职工人数", "≥", "100人"))
