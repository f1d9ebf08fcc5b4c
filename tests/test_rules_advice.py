"""No wrong advice: one cell, every rule, no two findings telling opposite fixes.

Each class of wrong advice the review of other regions' tables found (issue 26) has a
test: a unit-only target, a form without an operator column, a period read as a number,
a reverse indicator, rows without 一级/二级, a unit cost in 元, and unit checks on rows
without an operator. A sweep then applies all rules to one cell at a time, over many
targets, operators, names and forms, and fails when two findings on that cell contradict.
"""

from __future__ import annotations

import itertools
import re

import pytest
from test_rules import COST, QUALITY, QUANTITY, SATISFY, SOCIAL, SUSTAIN, TIMELY, clean, codes, with_row

from xltool.core.findings import Finding
from xltool.core.model import Project
from xltool.rules import RuleContext
from xltool.rules._targets import DATE, GRADE, NUMBER, SENTENCE, UNIT_ONLY, classify


def without_operator_column(project: Project) -> Project:
    """The project as a form with no 计算符号 column lays it out (operators only inside values)."""
    rows = [i.model_copy(update={"cells": {k: v for k, v in i.cells.items() if k != "operator"}})
            for i in project.indicators]
    return project.model_copy(update={"indicators": rows})


def at(project: Project, cell: str) -> list[Finding]:
    return [f for found in codes(project).values() for f in found if f.cell == cell]


# ---------------------------------------------------------------------------
# What the advice of a finding asks for
# ---------------------------------------------------------------------------

_UP_RE = re.compile(r"(?:改为|填写)“[≥>]")
_DOWN_RE = re.compile(r"(?:改为|填写)“[≤<]")


def asks(finding: Finding) -> set[str]:
    """The fixes a message asks for: grade (定性), number, up (≥), down (≤), =100%, time."""
    m = finding.message
    found: set[str] = set()
    if "分级表述" in m or "填写“定性”" in m or "改为“定性”" in m or "中的一档" in m:
        found.add("grade")
    if any(s in m for s in ("数值加单位", "数值+单位", "定量目标", "写成数值", "只写一个数值")) or _UP_RE.search(m) \
            or _DOWN_RE.search(m):
        found.add("number")
    if _UP_RE.search(m):
        found.add("up")
    if _DOWN_RE.search(m):
        found.add("down")
    if "“=100%”" in m:
        found.add("eq100")
    if "完成时限" in m:
        found.add("time")
    return found


_OPPOSITES = [("grade", "number"), ("up", "down"), ("eq100", "down"), ("grade", "time")]


def contradictions(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    """Pairs of findings on one cell whose fixes exclude each other (an either/or message excludes nothing)."""
    bad = []
    for a, b in itertools.permutations(findings, 2):
        fa, fb = asks(a), asks(b)
        for x, y in _OPPOSITES:
            if x in fa and y not in fa and y in fb and x not in fb:
                bad.append((a.code, a.message, b.code, b.message))
    return bad


def test_the_advice_reader_sees_a_contradiction_when_there_is_one() -> None:
    """The sweep below can fail: two made-up findings with opposite fixes are caught."""
    grade = Finding(code="JX307", severity="info", message="目标值不是分级表述：建议写成“好/较好/一般”中的一档。")
    number = Finding(code="JX308", severity="warning", message="目标值是一段文字：请写成数值加单位（如“≥100人”）。")
    down = Finding(code="JX204", severity="warning", message="越小越好：请改为“≤”或“<”。")
    eq100 = Finding(code="JX205", severity="warning", message="“≥100%”没有意义：请改为“=100%”。")
    assert contradictions([grade, number]) and contradictions([down, eq100])
    either = Finding(code="JX301", severity="error", message="请写成数值+单位，确属定性描述的，把计算符号改为“定性”。")
    assert not contradictions([either, grade]) and not contradictions([either, number])


# ---------------------------------------------------------------------------
# Each class of wrong advice
# ---------------------------------------------------------------------------


def test_a_target_is_classified_once_for_every_rule() -> None:
    ctx = RuleContext.for_profile("district-2022")
    kinds = {
        "100个": NUMBER, "220": NUMBER, "95%": NUMBER, "公里": UNIT_ONLY, "人次": UNIT_ONLY, "2021年全年": DATE,
        "2021年1月-12月": DATE, "2023.07-2024.01": DATE, "2025年年底前": DATE, "每年12月底前": DATE, "全年": DATE,
        "较好": GRADE, "达到预期目标": GRADE, "优良": GRADE, "效果良好": GRADE, "按需提供": SENTENCE,
        "显著提升了对民办幼儿园的扶持力度": SENTENCE, "5年": NUMBER, "12月": NUMBER, "2000.5吨": NUMBER,
        "2021人": NUMBER, "2022.12": DATE,
    }
    for target, kind in kinds.items():
        ind = with_row(clean(), QUANTITY, "x", "", target).indicators[0]
        assert classify(ind, ctx).kind == kind, target
    assert not classify(with_row(clean(), QUANTITY, "x", "", "全年").indicators[0], ctx).concrete


def test_a_unit_alone_is_an_error_asking_for_the_number_and_never_for_grades() -> None:
    for operator in ("", "≥", "定性"):
        found = at(with_row(clean(), QUANTITY, "村内道路硬化里程", operator, "公里"), "E12")
        assert "JX308" in {f.code for f in found}, found
        assert not {"JX305", "JX306", "JX307", "JX301"} & {f.code for f in found}
        assert not [f for f in found if "grade" in asks(f)]


def test_a_form_without_an_operator_column_is_not_told_to_fill_one() -> None:
    project = with_row(clean(), QUALITY, "评审报告质量合格率", "", "95%")
    project = with_row(project, SOCIAL, "企业办事便利程度", "", "较高")
    assert len(codes(project)["JX202"]) == 2  # our template has the column: fill it
    assert "JX202" not in codes(without_operator_column(project))


def test_a_period_is_not_a_number_to_put_an_operator_before() -> None:
    project = without_operator_column(with_row(clean(), TIMELY, "按时保质完成物业管理工作", "", "2021年全年"))
    found = at(project, "E14")
    assert not [f for f in found if "up" in asks(f) or "grade" in asks(f)], found
    assert "JX302" not in {f.code for f in found}  # "年全年" is not a unit to complete
    assert [f.code for f in found if f.code == "JX905"] == ["JX905"]  # 2021 is not the 2022 budget year
    with_column = at(with_row(clean(), TIMELY, "项目完成时间", "", "2022年12月底前"), "D14")
    assert [f.message for f in with_column if f.code == "JX202"][0].count("“≤”") == 1


def test_a_reverse_indicator_is_told_one_direction() -> None:
    project = with_row(clean(), QUALITY, "安全事故发生率", "≥", "100%")
    found = [f for f in codes(project).values() for f in f if f.indicator == "安全事故发生率"]
    assert "JX204" in {f.code for f in found} and "JX205" not in {f.code for f in found}
    assert not contradictions(found)
    # a 指标方向 column decides: 反向 with ≥ is JX208's, and JX204 agrees
    marked = project.model_copy(update={"indicators": [
        i.model_copy(update={"extra": {"指标方向": "反向指标"}}) if i.name == "安全事故发生率" else i
        for i in project.indicators]})
    found = [f for f in codes(marked).values() for f in f if f.indicator == "安全事故发生率"]
    assert {"JX204", "JX208"} <= {f.code for f in found} and not contradictions(found)


def test_rows_without_levels_are_asked_for_their_levels_not_reported_as_missing_indicators() -> None:
    project = clean()
    project = project.model_copy(update={"indicators": [
        i.model_copy(update={"level1": "", "level2": ""}) for i in project.indicators]})
    found = codes(project)
    assert "JX109" in found
    assert not {"JX101", "JX104", "JX105"} & set(found), sorted(found)
    # where the satisfaction row belongs is said inside "fill in the levels", not as a second diagnosis
    assert "JX502" not in found
    assert "“服务对象满意度”填在“满意度指标”下" in found["JX109"][0].message


def test_a_unit_cost_in_yuan_is_told_its_unit_is_wrong_not_that_the_number_is_right() -> None:
    found = at(with_row(clean(), COST, "补贴标准", "≤", "71.86元"), "E15")
    assert "JX407" in {f.code for f in found}
    assert not [f for f in found if "数值没错" in f.message]
    # a total cost in 元 is still only a matter of style
    style = at(with_row(clean(), COST, "项目总成本", "≤", "200000元"), "E15")
    assert [f.code for f in style] == ["JX403"] and "数值没错" in style[0].message


def test_unit_checks_run_on_rows_without_an_operator() -> None:
    project = without_operator_column(with_row(clean(), QUANTITY, "开设课程数量", "", "220"))
    assert [f.indicator for f in codes(project)["JX302"]] == ["开设课程数量"]
    project = without_operator_column(with_row(clean(), TIMELY, "维保及时率", "", "3天"))
    assert [f.indicator for f in codes(project)["JX303"]] == ["维保及时率"]


# ---------------------------------------------------------------------------
# The sweep: every rule on one cell at a time
# ---------------------------------------------------------------------------

ROWS = [
    (QUANTITY, "完成评审项目数量"), (QUALITY, "安全事故发生率"), (TIMELY, "项目完成时间"), (COST, "补贴标准"),
    (SOCIAL, "促进社会和谐发展"), (SUSTAIN, "非营利性民办园租房受益期限"), (SATISFY, "群众满意度"),
    (QUALITY, "经费支出时效性"),
]
TARGETS = [
    "100个", "公里", "2021年全年", "2022年12月底前", "100%", "120%", "95%", "较好", "按需提供", "及时",
    "显著提升了扶持力度", "71.86元", "71.86元/平方米", "220", "3天", "有效", "全年", "12月",
]
OPERATORS = ["", "≥", "≤", "=", "定性"]


@pytest.mark.parametrize(("level2", "name"), ROWS, ids=[n for _, n in ROWS])
def test_no_two_findings_on_one_cell_contradict(level2: str, name: str) -> None:
    failures = []
    for target, operator, column in itertools.product(TARGETS, OPERATORS, (True, False)):
        project = with_row(clean(), level2, name, operator, target)
        if not column:
            project = without_operator_column(project)
        by_cell: dict[str, list[Finding]] = {}
        for found in codes(project).values():
            for f in found:
                if f.indicator == name:
                    by_cell.setdefault(f.cell, []).append(f)
        for cell, found in by_cell.items():
            # the operator cell and the target cell are one decision for the reader
            found = found + [f for c, fs in by_cell.items() if c != cell for f in fs]
            failures += [(target, operator, column, *c) for c in contradictions(found)]
    assert not failures, failures[:3]


def test_a_sentence_where_a_number_belongs_is_said_once() -> None:
    """"≥ 按需提供服务" on a 数量指标 row: one finding on the cell (JX308), not JX301 beside it."""
    from tests.test_rules import clean, codes, with_row

    found = codes(with_row(clean(), "产出数量指标", "服务次数", "≥", "按需提供服务"))
    on_cell = [code for code, fs in found.items() for f in fs if f.cell and "按需提供服务" in f.message]
    assert "JX301" not in on_cell and on_cell.count("JX308") == 1
