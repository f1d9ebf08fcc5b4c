"""Every rule of the catalogue on a failing and a passing example.

A clean reference project (``clean()``) passes every rule; each case changes one
thing to make one rule fire and changes it back the right way to make it pass. A
test checks that every registered code has a case, so a new rule cannot ship
untested. Further tests cover locations, messages, settings and profiles, an xlsx
round trip through the real reader, and properties over random input.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltool.core.findings import Finding, Severity
from xltool.core.grid import Grid
from xltool.core.model import Funding, Indicator, Project
from xltool.parse.reader import parse_grid
from xltool.rules import CATALOGUE, RuleContext, iter_catalogue, validate_projects
from xltool.rules.copied import compact
from xltool.rules.money import overview_amounts

REPO = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r"^JX[1-9]\d{2}$")

# ---------------------------------------------------------------------------
# A clean project and small ways to spoil it
# ---------------------------------------------------------------------------

ROWS: list[tuple[str, str, str, str, str]] = [
    ("产出指标", "产出数量指标", "完成评审项目数量", "≥", "100个"),
    ("产出指标", "产出质量指标", "评审报告质量合格率", "≥", "95%"),
    ("产出指标", "产出时效指标", "项目按期完成率", "≥", "95%"),
    ("产出指标", "产出成本指标", "项目总成本", "≤", "20万元"),
    ("效果指标", "经济效益指标", "", "", ""),
    ("效果指标", "社会效益指标", "减少企业跑动次数", "≥", "3000次"),
    ("效果指标", "生态效益指标", "", "", ""),
    ("效果指标", "可持续影响指标", "对单位履职的持续影响程度", "定性", "较高"),
    ("效果指标", "满意度指标", "服务对象满意度", "≥", "90%"),
]
FIRST_ROW = 12


def row(level1: str, level2: str, name: str, operator: str, target: str, r: int) -> Indicator:
    """One indicator row as the reader makes it: cells A–E of sheet row ``r``."""
    return Indicator.from_typed(
        level1=level1,
        level2=level2,
        name=name,
        operator=operator,
        target=target,
        cell=f"E{r}",
        row=r,
        cells={"level1": f"A{r}", "level2": f"B{r}", "name": f"C{r}", "operator": f"D{r}", "target": f"E{r}"},
    )


def clean(name: str = "专家评审费", **changes: Any) -> Project:
    """A project a reviewer would pass as it is."""
    project = Project(
        name=name,
        total=20.0,
        funding=Funding(district=20.0),
        department="区行政审批局",
        implementer="区行政审批局",
        start="2022.01",
        end="2022.12",
        overview=f"{name}：全年组织专家评审会约200场，每场约1000元，合计20万元。",
        long_term_goal=f"建立{name}支撑的专家评审机制，为审批事项提供专业、有效的审查意见。",
        annual_goal=f"2022年通过{name}完成不少于100个项目的专家评审，评审报告合格率不低于95%。",
        indicators=[row(*values, FIRST_ROW + i) for i, values in enumerate(ROWS)],
        sheet="项目1",
        file="测试.xlsx",
        title="2022年度区级预算绩效管理项目绩效目标表",
        year=2022,
        profile="district-2022",
        cells={
            "name": "B3", "total": "D3", "department": "B4", "funding.province": "D4", "implementer": "B5",
            "funding.city": "D5", "start": "B6", "funding.district": "D6", "end": "B7", "funding.other": "D7",
            "overview": "B8", "long_term_goal": "B9", "annual_goal": "B10",
        },
    )
    return project.model_copy(update=changes)


def with_row(project: Project, level2: str, name: str, operator: str, target: str, *, add: bool = False) -> Project:
    """The project with the first row of ``level2`` replaced (or a row added under it)."""
    rows = list(project.indicators)
    index = next(i for i, ind in enumerate(rows) if ind.level2 == level2)
    if add:
        index += 1
        while index < len(rows) and rows[index].level2 == level2:
            index += 1
    level1 = rows[min(index, len(rows) - 1)].level1
    new = row(level1, level2, name, operator, target, FIRST_ROW + index)
    if add:
        rows.insert(index, new)
        rows = [r.model_copy(update={"row": FIRST_ROW + i, "cell": f"E{FIRST_ROW + i}"}) for i, r in enumerate(rows)]
    else:
        rows[index] = new
    return project.model_copy(update={"indicators": rows})


def codes(projects: Project | list[Project], profile: str | None = None) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    batch = projects if isinstance(projects, list) else [projects]
    for finding in validate_projects(batch, profile=profile):
        found.setdefault(finding.code, []).append(finding)
    return found


# ---------------------------------------------------------------------------
# One failing and one passing example per rule
# ---------------------------------------------------------------------------

Case = tuple[str, Callable[[], Project | list[Project]], Callable[[], Project | list[Project]]]

QUALITY = "产出质量指标"
TIMELY = "产出时效指标"
COST = "产出成本指标"
SOCIAL = "社会效益指标"
ECO = "生态效益指标"
SUSTAIN = "可持续影响指标"
SATISFY = "满意度指标"
QUANTITY = "产出数量指标"


def renamed_level2(project: Project, old: str, new: str) -> Project:
    rows = [i.model_copy(update={"level2": new}) if i.level2 == old else i for i in project.indicators]
    return project.model_copy(update={"indicators": rows})


def copy_pair(text_a: str, text_b: str, field: str = "overview") -> list[Project]:
    """Two projects with their own goals; only ``field`` is set to the given texts."""
    property_fee = clean(
        "大楼物业费", sheet="表6",
        long_term_goal="由物业公司对办公用房进行保洁绿化管理，维护区域内的公共秩序。",
        annual_goal="2022年完成8085.11平方米办公用房的物业服务，楼房管理完好率不低于90%。",
    )
    publicity = clean(
        "宣传费", sheet="表7",
        long_term_goal="利用各种宣传方式为部门工作提供直观高效的宣传保障，提升公众知晓度。",
        annual_goal="全年在网站、微信公众号推送政务信息不少于100条，公众知晓率不低于90%。",
    )
    return [property_fee.model_copy(update={field: text_a}), publicity.model_copy(update={field: text_b})]


def with_extra(project: Project, level2: str, **extra: str) -> Project:
    """The project with extra columns (权重, 指标方向 …) on the first row of ``level2``."""
    rows = list(project.indicators)
    index = next(i for i, ind in enumerate(rows) if ind.level2 == level2)
    rows[index] = rows[index].model_copy(update={"extra": {**rows[index].extra, **extra}})
    return project.model_copy(update={"indicators": rows})


def with_weights(project: Project, weights: list[str]) -> Project:
    """Weights on the real rows, in order (a 权重 column as other regions' forms have it)."""
    rows, it = [], iter(weights)
    for ind in project.indicators:
        rows.append(ind.model_copy(update={"extra": {"权重": next(it)}}) if ind.name else ind)
    return project.model_copy(update={"indicators": rows})


def priced(unit_cost: str) -> Project:
    """200 review meetings priced per meeting next to the total cost."""
    project = with_row(clean(), QUANTITY, "组织评审会场次", "≥", "200场", add=True)
    return with_row(project, COST, "每场评审成本", "≤", unit_cost, add=True)


PROPERTY = "行政审批局租用亚泰财富中心8085.11平方米办公用房，物业公司为常州威弘物业管理有限公司，收费为4元/平方米/月。"
PUBLICITY = "通过网站、微信公众号和APP发布政策解读和办事指南，全年推送信息不少于100条。"

CASES: list[Case] = [
    ("JX101", lambda: with_row(clean(), TIMELY, "……", "", ""), lambda: with_row(clean(), TIMELY, "完成时间", "≤", "12月")),
    (
        "JX102",
        lambda: with_row(clean(), SATISFY, "对保障机关正常运转的持续影响程度", "定性", "较高"),
        lambda: with_row(clean(), SATISFY, "窗口服务对象满意率", "≥", "95%"),
    ),
    ("JX103", lambda: clean(annual_goal=""), lambda: clean(annual_goal="全年完成4次窗口考核。")),
    (
        "JX104",
        lambda: with_row(clean(), SOCIAL, "", "", ""),
        lambda: with_row(with_row(clean(), SOCIAL, "", "", ""), "经济效益指标", "交易成本节约率", "≥", "15%"),
    ),
    ("JX105", lambda: with_row(clean(), SUSTAIN, "", "", ""), lambda: clean()),
    ("JX106", lambda: with_row(clean(), QUANTITY, "完成评审项目数量", "≥", "XX个"), lambda: clean()),
    ("JX107", lambda: with_row(clean(), QUANTITY, "完成评审项目数量", "≥", ""), lambda: clean()),
    (
        "JX108",
        lambda: clean(start="", overview="", layout_fields=["name", "total", "department", "implementer", "end"]),
        lambda: clean(layout_fields=["name", "total", "department", "implementer", "start", "end", "overview"]),
    ),
    ("JX201", lambda: with_row(clean(), QUALITY, "评审报告质量合格率", ">=", "95%"), lambda: clean()),
    ("JX202", lambda: with_row(clean(), QUALITY, "评审报告质量合格率", "", "95%"), lambda: clean()),
    ("JX203", lambda: with_row(clean(), QUALITY, "评审报告质量合格率", "约", "95%"), lambda: clean()),
    (
        "JX204",
        lambda: with_row(clean(), QUANTITY, "车位数", "≤", "135个"),
        lambda: with_row(clean(), QUANTITY, "车位数", "=", "135个"),
    ),
    (
        "JX205",
        lambda: with_row(clean(), SOCIAL, "档案查询执行率", "≥", "100%"),
        lambda: with_row(clean(), SOCIAL, "档案查询执行率", "=", "100%"),
    ),
    (
        "JX206",
        lambda: with_row(clean(), TIMELY, "水电费缴费及时率", "=", "95%"),
        lambda: with_row(clean(), TIMELY, "水电费缴费及时率", "≥", "95%"),
    ),
    (
        "JX207",
        lambda: with_row(clean(), SATISFY, "服务对象满意度", "≥", "80%"),
        lambda: with_row(clean(), SATISFY, "服务对象满意度", "≥", "90%"),
    ),
    (
        "JX301",
        lambda: with_row(clean(), QUALITY, "档案查询率", "≥", "较高"),
        lambda: with_row(clean(), QUALITY, "档案查询率", "定性", "较高"),
    ),
    (
        "JX302",
        lambda: with_row(clean(), QUANTITY, "档案库房租赁数", "=", "3"),
        lambda: with_row(clean(), QUANTITY, "档案库房租赁数", "=", "3间"),
    ),
    (
        "JX303",
        lambda: with_row(clean(), TIMELY, "电梯维保及时率", "≤", "3天"),
        lambda: with_row(clean(), TIMELY, "电梯维保响应时间", "≤", "3天"),
    ),
    (
        "JX304",
        lambda: with_row(clean(), SUSTAIN, "系统正常使用年限", "定性", "5年"),
        lambda: with_row(clean(), SUSTAIN, "系统正常使用年限", "≥", "5年"),
    ),
    (
        "JX305",
        lambda: with_row(clean(), TIMELY, "项目完成时效", "定性", "及时"),
        lambda: with_row(clean(), TIMELY, "项目完成时效", "定性", "达到预期目标"),
    ),
    (
        "JX306",
        lambda: with_row(clean(), SUSTAIN, "网上政务服务能力", "定性", "持续提高"),
        lambda: with_row(clean(), SUSTAIN, "网上政务服务能力", "定性", "较高"),
    ),
    (
        "JX307",
        lambda: with_row(clean(), SUSTAIN, "改善停车秩序", "定性", "停车更有序"),
        lambda: with_row(clean(), SUSTAIN, "改善停车秩序", "定性", "较好"),
    ),
    (
        "JX401",
        lambda: with_row(clean(), COST, "项目总成本", "定性", "预算数"),
        lambda: with_row(clean(), COST, "人均服装费", "≤", "1500元/人"),
    ),
    (
        "JX402",
        lambda: with_row(clean(), COST, "年度维护成本增长率", "<", "10%"),
        lambda: with_row(clean(), COST, "年度维护成本", "≤", "20万元"),
    ),
    (
        "JX403",
        lambda: with_row(clean(), COST, "项目总成本", "≤", "200000元"),
        lambda: with_row(clean(), COST, "考核标准", "=", "750元/人/月"),
    ),
    (
        "JX404",
        lambda: with_row(clean(), COST, "设备采购成本", "≤", "200万元"),
        lambda: with_row(clean(), COST, "设备采购成本", "≤", "200000元"),
    ),
    (
        "JX405",
        lambda: with_row(clean(), COST, "项目总成本", "=", "15万元"),
        lambda: with_row(clean(), COST, "设备采购成本", "=", "15万元"),
    ),
    (
        "JX501",
        lambda: with_row(clean(), QUALITY, "经费支出合规性", "定性", "严格执行相关财经法规、制度"),
        lambda: with_row(clean(), QUALITY, "印刷物合格率", "≥", "95%"),
    ),
    (
        "JX502",
        lambda: with_row(clean(), SOCIAL, "促进服务效能带来的社会满意度", "≥", "90%"),
        lambda: with_row(clean(), SOCIAL, "窗口办件差错率", "≤", "1%"),
    ),
    (
        "JX503",
        lambda: with_row(clean(), SATISFY, "对保障机关正常运转的持续影响程度", "定性", "较高", add=True),
        lambda: with_row(clean(), SATISFY, "企业满意度", "≥", "90%", add=True),
    ),
    (
        "JX504",
        lambda: with_row(clean(), ECO, "服务事项办理时限压缩度", "≥", "10%"),
        lambda: with_row(clean(), ECO, "纸质材料减少率", "≥", "30%"),
    ),
    ("JX505", lambda: renamed_level2(clean(), SOCIAL, "服务效益指标"), lambda: clean()),
    (
        "JX601",
        lambda: clean(funding=Funding(district=18.0, other=1.0)),
        lambda: clean(funding=Funding(district=19.0, other=1.0)),
    ),
    (
        "JX602",
        lambda: clean(overview="二期建设费用193.6万元，一期145.6万元。"),
        lambda: clean(overview="法律顾问年度顾问费20万元，行政诉讼年预估约2万元。"),
    ),
    (
        "JX610",  # 元 written in the 万元 cell: 200 000 beside a source of 20
        lambda: clean(total=200000.0, overview="专家评审费：全年约200场。"),
        lambda: clean(),
    ),
    (
        "JX603",
        lambda: clean(total=None, raw={"total": "约20万"}),
        lambda: clean(raw={"total": "20"}),
    ),
    (
        "JX604",
        lambda: clean(overview="租用8085.11平方米办公用房，收费为4元/平方米/月，全年12个月。"),
        lambda: clean(overview="租用4000平方米办公用房，收费为5元/平方米/月，租用10个月。"),
    ),
    (
        "JX605",
        lambda: clean(overview="1、设备费12万元；2、安装费5万元；共计20万元。"),
        lambda: clean(overview="1、设备费12万元；2、安装费8万元；共计20万元。"),
    ),
    (
        "JX606",
        lambda: clean(overview="1、设备费12万元；2、安装费10万元。"),
        lambda: clean(overview="1、设备费12万元；2、安装费8万元。"),
    ),
    (
        "JX607",
        lambda: clean(overview="服务合同期3年，合同总价20万元。"),
        lambda: clean(overview="服务合同期3年，合同总价60万元，2022年支付20万元。"),
    ),
    ("JX701", lambda: copy_pair(PROPERTY, PROPERTY), lambda: copy_pair(PROPERTY, PUBLICITY)),
    (
        "JX702",
        lambda: copy_pair(PROPERTY, PROPERTY.replace("4元", "5元")),
        lambda: copy_pair(PROPERTY, PUBLICITY),
    ),
    (
        "JX703",
        lambda: clean(long_term_goal="通过项目为行政审批工作提供办公场所，保证行政审批工作正常开展。",
                      annual_goal="为行政审批工作提供办公场所，保证行政审批工作正常开展。"),
        lambda: clean(),
    ),
    (
        "JX704",
        lambda: clean(overview="现有在岗社会化用工数13人，按财政局核定标准进行公用经费补助。",
                      long_term_goal="现有在岗社会化用工数13人，按财政局核定标准进行公用经费补助。提高单位管理效能。"),
        lambda: clean(overview="现有在岗社会化用工数13人，按财政局核定标准进行公用经费补助。"),
    ),
    (
        "JX801",
        lambda: with_row(clean(), QUANTITY, "制服配发人数/制服换装数量", "≥", "78人"),
        lambda: with_row(clean(), QUANTITY, "制服配发人数", "≥", "78人"),
    ),
    (
        "JX802",
        lambda: with_row(clean(), QUANTITY, "印刷数量", "≥", "100000册、份"),
        lambda: with_row(clean(), QUANTITY, "印刷数量", "≥", "100,000册"),
    ),
    ("JX803", lambda: clean(implementer="区行政\u3000审批局"), lambda: clean()),
    (
        "JX804",
        lambda: with_row(clean(), QUANTITY, "制服数量", "≥", "78套(含配件）"),
        lambda: with_row(clean(), QUANTITY, "制服数量", "≥", "78套（含配件）"),
    ),
    (
        "JX805",
        lambda: with_row(clean(), QUANTITY, "1-2层", "=", "8085.11平方米"),
        lambda: with_row(clean(), QUANTITY, "租用办公面积", "=", "8085.11平方米"),
    ),
    ("JX901", lambda: clean(start="明年初"), lambda: clean(start="2022.03")),
    ("JX902", lambda: clean(end="2022.13"), lambda: clean(end="2022.11")),
    ("JX903", lambda: clean(start="2022.12", end="2022.01"), lambda: clean(start="2022.01", end="2022.01")),
    ("JX904", lambda: clean(end="2023.06"), lambda: clean(end="2022.06")),
    # Issue 26: what a reviewer checks beyond the seed's form
    ("JX109", lambda: renamed_level2(clean(), SOCIAL, ""), lambda: clean()),
    ("JX110", lambda: with_weights(clean(), ["10"] * 7), lambda: with_weights(clean(), ["10", "20", "10", "10", "20", "10", "20"])),
    (
        "JX111",
        lambda: with_row(clean(), ECO, "本项目不适用此指标", "定性", "无"),
        lambda: clean(),
    ),
    (
        "JX208",
        lambda: with_extra(with_row(clean(), QUALITY, "评审报告质量合格率", "≤", "95%"), QUALITY, 指标方向="正向指标"),
        lambda: with_extra(clean(), QUALITY, 指标方向="正向指标"),
    ),
    (
        "JX308",
        lambda: with_row(clean(), QUANTITY, "村内道路硬化里程", "≥", "公里"),
        lambda: with_row(clean(), QUANTITY, "村内道路硬化里程", "≥", "100公里"),
    ),
    (
        "JX309",
        lambda: with_row(with_row(clean(), QUALITY, "评审报告质量", "定性", "较好"), SOCIAL, "企业办事便利程度", "定性", "较高"),
        lambda: clean(),
    ),
    (
        "JX808",
        lambda: with_row(clean(), QUANTITY, "培训人数", "≥", "3场"),
        lambda: with_row(clean(), QUANTITY, "培训人数", "≥", "300人"),
    ),
    (
        "JX807",
        lambda: with_row(clean(), SATISFY, "满意度95%以上", "≥", "95%"),
        lambda: clean(),
    ),
    (
        "JX906",
        lambda: with_row(clean(), TIMELY, "项目完成时间", "定性", "全年"),
        lambda: with_row(clean(), TIMELY, "项目完成时间", "≤", "2022年12月底前"),
    ),
    ("JX406", lambda: clean(overview="专家评审费用于组织专家评审会。"), lambda: clean()),
    (
        "JX407",
        lambda: with_row(clean(), COST, "评审费标准", "≤", "1000元", add=True),
        lambda: priced("1000元/场"),
    ),
    ("JX408", lambda: priced("1500元/场"), lambda: priced("1000元/场")),
    (
        "JX506",
        lambda: with_row(clean(), SUSTAIN, "持续提供人力物力保障", "定性", "较高"),
        lambda: clean(),
    ),
    (
        "JX507",
        lambda: with_row(clean(), SOCIAL, "打造品牌赛事", "≥", "1场"),
        lambda: clean(),
    ),
    (
        "JX508",
        lambda: with_row(clean(), QUALITY, "居民生活质量得到改善", "≥", "95%"),
        lambda: clean(),
    ),
    (
        "JX509",
        lambda: with_row(clean("高标准农田建设项目"), QUANTITY, "村内道路硬化里程", "≥", "100公里"),
        lambda: with_row(clean("高标准农田建设项目"), QUANTITY, "新建高标准农田面积", "≥", "5000亩"),
    ),
    ("JX705", lambda: clean(annual_goal="打造品牌赛事，提升城市知名度和美誉度。"), lambda: clean()),
    (
        "JX706",
        lambda: clean(annual_goal="2022年完成不少于100个项目的专家评审，组织评审会200场，评审报告合格率不低于95%。"),
        lambda: clean(),
    ),
    (
        "JX806",
        lambda: with_row(clean(), SOCIAL, "促进经济社会协调发展", "定性", "较好"),
        lambda: clean(),
    ),
    (
        "JX905",
        lambda: with_row(clean(), TIMELY, "项目完成时间", "≤", "2023年6月底前"),
        lambda: with_row(clean(), TIMELY, "项目完成时间", "≤", "2022年12月底前"),
    ),
    # issue 26, round 2: checklist items asked as questions (their own cases: tests/test_rules_review_questions.py)
    (
        "JX112",
        lambda: clean().model_copy(update={"indicators": [
            i.model_copy(update={"extra": {"指标解释": "反映项目实施情况"}}) for i in clean().indicators]}),
        lambda: clean().model_copy(update={"indicators": [
            i.model_copy(update={"extra": {"指标解释": f"{i.name}：完成数÷计划数×100%"}}) for i in clean().indicators]}),
    ),
    (
        "JX113",
        lambda: with_row(clean(), QUANTITY, "评审项目数(必填)", "≥", "100个"),
        lambda: with_row(clean(), QUANTITY, "评审项目数", "≥", "100个"),
    ),
    ("JX510", lambda: with_row(clean(), SATISFY, "群众满意度", "≥", "90%"), lambda: clean()),
    (
        "JX707",
        lambda: clean(annual_goal="深入贯彻落实党中央、国务院决策部署，按照全面推进乡村振兴的总体要求，推动高质量发展。"),
        lambda: clean(),
    ),
    ("JX708", lambda: clean(annual_goal="2022年组织专家评审100个项目。"), lambda: clean()),
    ("JX809", lambda: with_row(clean(), QUANTITY, "评审的的项目数", "≥", "100个"), lambda: clean()),
    (
        "JX907",
        lambda: with_row(clean(), QUANTITY, "三年累计评审项目数", "≥", "300个"),
        lambda: with_row(clean(), QUANTITY, "评审项目数", "≥", "100个"),
    ),
    (
        "JX908",
        lambda: with_row(clean(), TIMELY, "截至2023年6月底评审完成率", "≥", "95%"),
        lambda: with_row(clean(), TIMELY, "截至2022年12月底评审完成率", "≥", "95%"),
    ),
]


def test_the_clean_project_passes_every_rule() -> None:
    assert validate_projects([clean()]) == []


def test_every_registered_rule_has_a_case() -> None:
    registered = {info.code for info in iter_catalogue() if CODE_RE.match(info.code)}
    assert registered == {code for code, _, _ in CASES}


@pytest.mark.parametrize(("code", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_rule_fails_the_bad_example_and_passes_the_good_one(
    code: str, bad: Callable[[], Any], good: Callable[[], Any]
) -> None:
    found = codes(bad())
    assert code in found, f"{code} missed: {sorted(found)}"
    for finding in found[code]:
        assert finding.severity in (CATALOGUE[code].severity, Severity.WARNING, Severity.ERROR)
        assert re.search(r"[\u4e00-\u9fff]", finding.message) and "：" in finding.message  # what + how to fix
    assert code not in codes(good()), codes(good())[code][0].message


# ---------------------------------------------------------------------------
# Where and what a finding says
# ---------------------------------------------------------------------------


def test_indicator_finding_names_its_cell_field_level2_and_indicator_and_quotes_the_value() -> None:
    project = with_row(clean(), COST, "项目总成本", "定性", "预算数")
    (finding,) = codes(project)["JX401"]
    assert (finding.cell, finding.field, finding.level2, finding.indicator) == ("E15", "indicator", COST, "项目总成本")
    assert "“预算数”" in finding.message and "≤20万元" in finding.message
    assert (finding.file, finding.sheet, finding.project) == ("测试.xlsx", "项目1", "专家评审费")


def test_operator_findings_point_at_the_operator_cell() -> None:
    project = with_row(clean(), QUALITY, "评审报告质量合格率", "≧", "95%")
    (finding,) = codes(project)["JX201"]
    assert finding.cell == "D13" and "“≧”" in finding.message and "“≥”" in finding.message


def test_header_findings_name_the_field_and_its_cell() -> None:
    found = codes(clean(funding=Funding(district=15.0, other=4.0)))["JX601"]
    assert [(f.cell, f.field) for f in found] == [("D3", "total")]
    assert "19万元" in found[0].message and "20万元" in found[0].message and "少1万元" in found[0].message


def test_funding_split_tolerates_rounding_but_not_more() -> None:
    assert "JX601" not in codes(clean(total=20.01, funding=Funding(district=15.005, other=5.0)))
    assert "JX601" in codes(clean(total=20.01, funding=Funding(district=15.0, other=5.0)))


def test_no_funding_split_given_is_not_a_mismatch() -> None:
    assert "JX601" not in codes(clean(funding=Funding()))


def test_unit_cost_is_not_compared_as_a_total_but_may_not_exceed_it() -> None:
    fine = codes(with_row(clean(), COST, "考核标准", "=", "750元/人/月"))
    assert not {"JX401", "JX402", "JX403", "JX404", "JX405"} & set(fine)
    too_big = codes(with_row(clean(), COST, "人均费用", "≤", "30万元/人"))
    assert "JX404" in too_big


def test_a_cost_equal_to_the_total_is_fine_in_either_unit() -> None:
    assert not codes(with_row(clean(), COST, "项目总成本", "=", "20万元"))
    found = codes(with_row(clean(), COST, "项目总成本", "≤", "200000元"))
    assert set(found) == {"JX403"} and "20万元" in found["JX403"][0].message


def test_placeholder_alone_in_an_empty_row_is_a_warning_inside_a_value_an_error() -> None:
    empty_row = codes(with_row(clean(), "经济效益指标", "……", "", ""))["JX106"]
    assert [f.severity for f in empty_row] == [Severity.WARNING]
    in_text = codes(clean(overview="全年组织专家评审会XX场。"))["JX106"]
    assert [(f.severity, f.field) for f in in_text] == [(Severity.ERROR, "overview")]


def test_ellipsis_in_prose_is_not_a_placeholder() -> None:
    assert "JX106" not in codes(clean(overview="包括水费、电费、维修费……等日常支出，合计20万元。"))


def test_satisfaction_under_another_heading_is_named_when_the_section_is_empty() -> None:
    project = with_row(with_row(clean(), SATISFY, "", "", ""), SOCIAL, "社会公众满意度", "≥", "90%")
    found = codes(project)
    assert "社会公众满意度" in found["JX102"][0].message
    assert "JX502" in found


def test_direction_exceptions_are_respected() -> None:
    for name, operator, target in [
        ("平均无故障时间", ">", "2920小时"),
        ("交易成本节约率", "≥", "15%"),
        ("减少服务对象跑动次数", "≥", "3000次"),
        ("系统故障响应时间", "<", "1小时"),
        ("上级安全通报次数", "<", "2次"),
        ("服务天数", "≥", "250天"),
    ]:
        assert "JX204" not in codes(with_row(clean(), QUALITY, name, operator, target)), name
    assert "JX204" in codes(with_row(clean(), QUALITY, "系统故障响应时间", "≥", "1小时"))
    assert "JX204" in codes(with_row(clean(), COST, "项目总成本", "≥", "20万元"))


def test_growth_may_exceed_one_hundred_percent() -> None:
    assert "JX205" not in codes(with_row(clean(), SOCIAL, "线上办件量增长率", "≥", "120%"))
    assert "JX205" in codes(with_row(clean(), SOCIAL, "线上办件率", "≥", "120%"))


def test_overview_amounts_allow_estimates_and_parts_that_add_up() -> None:
    assert "JX602" not in codes(clean(overview="设备费12万元，安装费8万元。"))
    assert "JX602" not in codes(clean(overview="预计约19.5万元。"))
    assert "JX602" in codes(clean(overview="设备费12万元，安装费5万元。"))
    assert overview_amounts("年预估约2万元，1,234.5万元，3万元左右") == [
        (2.0, True, "预估约2万元"), (1234.5, False, "1,234.5万元"), (3.0, True, "3万元左右")
    ]


def test_copied_text_flags_the_project_whose_name_the_text_does_not_mention() -> None:
    found = codes(copy_pair(PROPERTY, PROPERTY))["JX701"]
    assert [(f.project, f.sheet, f.field) for f in found] == [("宣传费", "表7", "overview")]
    assert "大楼物业费" in found[0].message
    # Neither name in the text: the later one is the copy.
    text = "保障单位正常运转，对单位履职提供坚实的后勤保障。"
    found = codes([clean("甲项目", annual_goal=text), clean("乙项目", annual_goal=text)])["JX701"]
    assert [f.project for f in found] == ["乙项目"]


def test_the_same_project_read_twice_is_not_a_copy() -> None:
    assert "JX701" not in codes([clean(), clean(file="另一份.xlsx")])


def test_near_copy_is_found_in_a_large_batch_without_comparing_everything() -> None:
    projects = [
        clean(f"项目{i}", overview=f"第{i}号项目：" + "".join(chr(0x4E00 + (i * 37 + k * 11) % 20000) for k in range(60)))
        for i in range(400)
    ]
    near = projects[123].overview.replace(projects[123].overview[20:23], "修改过")
    projects.append(clean("改写项目", overview=near))
    found = [f for f in validate_projects(projects) if f.code == "JX702" and f.field == "overview"]
    assert len(found) == 1 and {found[0].project} <= {"改写项目", "项目123"}
    assert "项目123" in found[0].message or "改写项目" in found[0].message


# ---------------------------------------------------------------------------
# Settings and profiles
# ---------------------------------------------------------------------------


def test_settings_from_rules_toml_change_what_a_rule_reports() -> None:
    from xltool.rules.operators import satisfaction_level

    project = with_row(clean(), SATISFY, "服务对象满意度", "≥", "92%")
    ctx = RuleContext.for_profile("district-2022")
    assert list(satisfaction_level(project, ctx)) == []
    ctx = ctx.with_settings(satisfaction_min_percent=95)
    (finding,) = satisfaction_level(project, ctx)
    assert "95%" in finding.message and finding.severity is Severity.INFO


def test_profile_overrides_decide_which_effect_rows_are_expected() -> None:
    project = with_row(clean(), SUSTAIN, "", "", "")
    assert "JX105" in codes(project, profile="district-2022")
    national = national_2021_project()  # no 可持续影响指标 row at all: fine in that framework
    assert validate_projects([national], profile="national-2021") == []


def national_2021_project() -> Project:
    rows = [
        ("成本指标", "经济成本指标", "项目总成本", "≤", "20万元"),
        ("产出指标", "数量指标", "完成评审项目数量", "≥", "100个"),
        ("产出指标", "质量指标", "评审报告质量合格率", "≥", "95%"),
        ("产出指标", "时效指标", "项目按期完成率", "≥", "95%"),
        ("效益指标", "社会效益指标", "减少企业跑动次数", "≥", "3000次"),
        ("满意度指标", "服务对象满意度指标", "服务企业满意度", "≥", "90%"),  # names whom it surveys (JX510)
    ]
    indicators = [row(*values, FIRST_ROW + i) for i, values in enumerate(rows)]
    return clean(indicators=indicators, profile="national-2021", title="2022年度项目支出绩效目标表")


def test_satisfaction_heading_of_older_national_forms_is_recognised() -> None:
    national = national_2021_project()
    older = national.model_copy(update={"indicators": [
        i.model_copy(update={"level1": "效益指标", "level2": "社会公众或服务对象满意度指标"}) if "满意" in i.level2 else i
        for i in national.indicators]})
    found = codes(older, profile="national-2015")
    # the older 申报表's heading is recognised as satisfaction and, being that form's own wording, not reported
    assert not found


# ---------------------------------------------------------------------------
# The catalogue and its document
# ---------------------------------------------------------------------------


def test_catalogue_entries_are_complete_grouped_and_in_chinese() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for info in iter_catalogue():
        if not CODE_RE.match(info.code):
            continue
        assert all(cjk.search(text) for text in (info.title, info.why, info.bad, info.good)), info.code
        module = info.func.__module__.rsplit(".", 1)[-1]
        group = {"completeness": "1", "operators": "2", "measurability": "3", "cost": "4", "classification": "5",
                 "money": "6", "copied": "7", "hygiene": "8", "dates": "9", "overview_math": "6",
                 "layout": "1", "forms": "1", "unit_cost": "4", "misfiled": "5", "goals": "7", "naming": "8",
                 "timeliness": "9", "explanations": "1", "satisfaction": "5", "goal_text": "7", "typos": "8",
                 "period": "9", "amount_scale": "6"}[module]
        assert info.code[2] == group, (info.code, module)


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_rules_doc.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for code, _, _ in CASES:
        assert f"### {code}" in text


# ---------------------------------------------------------------------------
# Through a real workbook
# ---------------------------------------------------------------------------


def write_table(path: Path, project_rows: list[tuple[str, str, str, str, str]]) -> None:
    """A 附件3 sheet laid out like the seed's form (header grid, then the indicator table)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工作服费用"
    ws["A1"] = "附件3"
    ws["A2"] = "2022年度区级预算绩效管理项目绩效目标表"
    header = [
        ("项目名称", "工作服费用", "项目总金额（万元）", 11.7),
        ("主管部门", "区行政审批局", "其中：部省级财政（万元）", None),
        ("实施单位", "区行政审批局", "市级财政（万元）", None),
        ("计划开始时间", "2022.01", "区级财政（万元）", 11.7),
        ("计划结束时间", "2022.12", "其他（万元）", None),
    ]
    for r, values in enumerate(header, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
    ws["A8"], ws["B8"] = "项目概况", "用于在职职工工作服更换，78人，每人1500元，合计11.7万元。"
    ws["A9"], ws["B9"] = "中长期绩效目标", "规范仪容仪表，统一着装，展现工作人员良好精神面貌。"
    ws["A10"], ws["B10"] = "年度绩效目标", "2022年为78名职工配发工作服，验收合格率不低于90%。"
    for c, title in enumerate(["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"], start=1):
        ws.cell(11, c, title)
    for r, values in enumerate(project_rows, start=12):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value or None)
    wb.save(path)


def test_findings_point_at_the_cells_that_hold_the_defects_in_a_real_workbook(tmp_path: Path) -> None:
    rows = [
        ("产出指标", "产出数量指标", "制服配发人数/制服换装数量", ">=", "78人(件/套）"),
        ("", "产出质量指标", "制服验收合格率", ">=", "90%"),
        ("", "产出时效指标", "经费支出时效性", "定性", "及时"),
        ("", "产出成本指标", "人均服装费", "<=", "1500元/人"),
        ("效果指标", "经济效益指标", "", "", ""),
        ("", "社会效益指标", "对外良好形象塑造度", ">=", "90%"),
        ("", "生态效益指标", "", "", ""),
        ("", "可持续影响指标", "对提升部门形象的持续影响程度", "定性", "良好"),
        ("", "满意度指标", "工作人员满意度", ">=", "95%"),
    ]
    path = tmp_path / "工作服.xlsx"
    write_table(path, rows)
    ws = openpyxl.load_workbook(path).active
    grid = Grid(rows=[list(r) for r in ws.iter_rows(values_only=True)], name=ws.title)
    (project,) = parse_grid(grid, file=path.name)
    found = codes(project)
    assert set(found) == {"JX201", "JX801", "JX802", "JX804", "JX501", "JX305"}
    reopened = openpyxl.load_workbook(path).active
    assert reopened[found["JX801"][0].cell].value == "制服配发人数/制服换装数量"
    assert reopened[found["JX802"][0].cell].value == "78人(件/套）"
    assert {reopened[f.cell].value for f in found["JX201"]} == {">=", "<="}
    assert reopened[found["JX305"][0].cell].value == "及时"
    assert not [f for fs in found.values() for f in fs if f.severity is Severity.ERROR]


# ---------------------------------------------------------------------------
# Properties over random input
# ---------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("率度数量满意成本时间年月天次个%…X元万/、()（）≥≤>=< 0123456789.较高及时定性")),
                max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([r[1] for r in ROWS] + ["未知指标", ""]), _TEXT, _TEXT, _TEXT), max_size=12),
       _TEXT, _TEXT)
def test_rules_never_crash_and_only_report_registered_codes(
    rows: list[tuple[str, str, str, str]], start: str, overview: str
) -> None:
    indicators = [row("产出指标", l2, name, op, target, FIRST_ROW + i) for i, (l2, name, op, target) in enumerate(rows)]
    project = clean(indicators=indicators, start=start, overview=overview)
    for finding in validate_projects([project, clean("另一个项目", overview=overview)]):
        assert finding.code in CATALOGUE and finding.message and finding.project


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=4), st.integers(-2, 2))
def test_funding_split_is_an_error_exactly_when_it_misses_the_total(parts_cents: list[int], offset: int) -> None:
    parts = [p / 100 for p in parts_cents]
    total = round(sum(parts_cents) / 100 + offset * 0.01, 2)
    funding = Funding(**dict(zip(("province", "city", "district", "other"), parts)))
    found = "JX601" in codes(clean(total=total, funding=funding))
    assert found == (offset != 0)


@given(st.text(alphabet=st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
                                  st.sampled_from(list("abcXYZ019，。、 !?"))), max_size=40))
def test_compact_ignores_spacing_and_punctuation(text: str) -> None:
    assert compact(text) == compact(" ，".join(text) + "。")


def test_an_empty_indicator_table_is_reported_once() -> None:
    project = clean(indicators=[row(l1, l2, "", "", "", FIRST_ROW + i) for i, (l1, l2, *_) in enumerate(ROWS)])
    found = codes(project)
    assert set(found) == {"JX101"} and len(found["JX101"]) == 1 and found["JX101"][0].cell == "C12"
    assert codes(clean(indicators=[]))["JX101"][0].cell == ""


@settings(max_examples=300, deadline=None)
@given(a=st.text(alphabet="abcde项目资金", max_size=30), b=st.text(alphabet="abcde项目资金", max_size=30),
       at_least=st.floats(0, 1))
def test_similarity_bounds_are_difflibs_own(a: str, b: str, at_least: float) -> None:
    """The near-copy check skips difflib's matcher below a bound: the same bounds and ratio difflib gives."""
    from difflib import SequenceMatcher

    from xltool.rules.copied import similarity

    if not a or not b:
        assert similarity(a, b, at_least) == 0.0
        return
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    expected = matcher.ratio()
    if at_least:
        for bound in (matcher.real_quick_ratio(), matcher.quick_ratio()):
            if bound < at_least:
                expected = bound
                break
    assert similarity(a, b, at_least) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(a=st.text(alphabet="abcdef项目资金服务", min_size=1, max_size=40),
       b=st.text(alphabet="abcdef项目资金服务", min_size=1, max_size=40))
def test_the_letters_bound_never_falls_below_difflibs_ratio(a: str, b: str) -> None:
    """The near-copy index rejects a pair on this bound: it must not reject a pair difflib would keep."""
    from difflib import SequenceMatcher

    from xltool.rules.copied import letters_bound

    bound = letters_bound(a, b)
    assert bound >= SequenceMatcher(None, a, b, autojunk=False).quick_ratio() - 1e-12
    assert bound <= 2 * min(len(a), len(b)) / (len(a) + len(b)) + 1e-12  # so no length check is needed first
    if set(a) == set(b):
        assert bound == 2 * min(len(a), len(b)) / (len(a) + len(b))


def test_rule_memos_are_per_project_and_by_name() -> None:
    """``per_project`` computes once per project object, never hands one project's answer to another."""
    from xltool.rules._common import per_project

    ctx = RuleContext.for_profile(None)
    calls: list[str] = []
    first, second = Project(name="甲"), Project(name="乙")
    for project in (first, second, first, second):
        per_project(ctx, "probe", project, lambda p=project: calls.append(p.name) or p.name)
    assert calls == ["甲", "乙"]
    assert per_project(ctx, "probe", first, lambda: "别的") == "甲"
    assert RuleContext.for_profile(None).memo["probe"] == {}  # a new context starts empty


def test_a_cost_in_bare_wan_is_money() -> None:
    """"≤ 250万" on a cost row is 250万元: no "not money" advice, and it is checked against the total like 万元."""
    project = clean()
    total = project.total
    assert total is not None and total < 250
    found = codes(with_row(clean(), COST, "项目总成本", "≤", "250万"))
    assert "JX402" not in found
    assert "JX404" in found and "250" in found["JX404"][0].message
    assert "JX402" not in codes(with_row(clean(), COST, "项目总成本", "≤", f"{total:g}万"))
