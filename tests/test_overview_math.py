"""Redoing 项目概况's arithmetic (JX604–JX607), imported layouts (JX108) and empty names in messages.

The reader of the text (xltool.rules.arithmetic) is tested on each way the seed and
real filings state their working: area × price × months, head counts × a standard,
prices written before the number, written-out formulas, listed items, 共计/其中, other
years and multi-year contracts. The rules are tested on severities and messages, the
seed on what a careful reviewer finds, and properties on arbitrary and random input.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules import ROWS, SATISFY, clean, codes, row, with_row

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.rules import RuleContext, validate_projects
from xltool.rules.arithmetic import Analysis, Lexicon, Tolerance, analyse, cn_number, default_lexicon

ARITHMETIC = ("JX604", "JX605", "JX606", "JX607")
PROPERTY = (
    "行政审批局租用亚泰财富中心8085.11平方米办公用房，物业公司为常州威弘物业管理有限公司，根据物价局规定，"
    "收费为4元/平方米/月。"
)
LAWYER = (
    "按照有关文件和上级要求，费用总计 1、法律顾问年度顾问费8万元。 "
    "2、发生行政诉讼，收费按江苏省律师收费标准收取，年预估约2万元。"
)
PARKING = (
    "(1) 地下停车费用：使用常州市武晋城市资源运营有限公司购买的亚泰财富中\n心地下停车位需要115个，"
    "租金200元/个/月，管理费50元/个/月.\n（2）根据省政府一门通办的要求，2021年7月止，各部门进驻窗口及人\n"
    "员增加，现有车位不能满足工作人员的停车需求，需租用地面停车位20个，每天每车10元."
)
PLATFORM = (
    "武进区政务服务一体化平台升级改造项目二期建设费用193.6万元\n明细依据：武进区政务服务一体化平台改造升级项目于"
    "2020年11月9日完成开标，并以293.6万元中标，分两期实施，其中一期145.6万元，二期148万元。2021年，区政府共下达"
    "该项目预算100万元，2021年7月，一期项目通过预验收。按照项目建设进度，2021年应支付一期项目费用145.6万元，"
    "预算缺口45.6万元，考虑到部门预算追加有一定难度，建议与二期的148万元合并，共计193.6万元列入2022年度项目预算。"
)


def read(text: str, **kwargs: object) -> Analysis:
    options: dict[str, object] = {"year": 2022, "months": 12.0}
    options.update(kwargs)
    return analyse(text, **options)  # type: ignore[arg-type]


def value(text: str, **kwargs: object) -> float:
    analysis = read(text, **kwargs)
    assert analysis.reading is not None, text
    return round(analysis.reading.value, 4)


def project(overview: str, total: float = 20.0, **changes: object) -> Project:
    return clean(overview=overview, total=total, **changes).model_copy(
        update={"funding": clean().funding.model_copy(update={"district": total})}
    )


def found(overview: str, total: float = 20.0, **changes: object) -> dict[str, list[Finding]]:
    return codes(project(overview, total, **changes))


# ---------------------------------------------------------------------------
# Reading the text
# ---------------------------------------------------------------------------


def test_area_times_monthly_price_takes_the_months_from_the_plan_when_the_text_has_none() -> None:
    analysis = read(PROPERTY)
    assert analysis.reading is not None
    assert analysis.reading.working == "8085.11平方米 × 4元/平方米/月 × 12个月 = 38.81万元"
    assert round(analysis.reading.value, 4) == 38.8085
    assert not analysis.reading.certain and analysis.reading.notes == ("月数按计划起止时间计",)
    assert value(PROPERTY, months=6.0) == 19.4043  # a half-year plan halves it
    assert read(PROPERTY, months=None).reading.notes == ("月数按全年计",)  # type: ignore[union-attr]


def test_a_written_period_is_used_and_makes_the_reading_certain() -> None:
    for text in (
        "租用8085.11平方米，收费为4元/平方米/月，全年12个月。",
        "租用8085.11㎡办公用房，物业费4元/㎡/月，全年。",
        "租用8085.11平米，每平米每月4元，共12个月。",
    ):
        analysis = read(text, months=3.0)
        assert analysis.reading is not None and round(analysis.reading.value, 2) == 38.81, text
    certain = read("租用8085.11平方米，收费为4元/平方米/月，租期12个月。").reading
    assert certain is not None and certain.certain and "㎡" not in certain.working
    assert "8085.11㎡ × 4元/㎡/月" in read("8085.11㎡，4元/㎡/月").reading.working  # type: ignore[union-attr]


def test_a_span_of_months_is_a_period() -> None:
    text = "支付2022年1-12月物业费，面积8085.11平方米，收费标准4元/平方米/月，合计38.81万元。"
    reading = read(text, months=3.0).reading
    assert reading is not None and reading.certain and "× 12个月（1-12月）" in reading.working
    assert value("2022年3月至8月租用场地，每月租金2万元。") == 12.0
    assert not [f for f in read("2021年7月止，需租用地面停车位20个").figures if f.unit == "月"]


def test_head_counts_times_a_standard() -> None:
    assert value("现有保安10人，每人每月3000元，保洁6人，每人每月2500元。") == 54.0
    assert value("考核标准为人均每月750元，窗口人员97人。") == 87.3
    # The head count in another sentence: found, but the reading is marked uncertain.
    spread = read("窗口人员97人。考核标准为人均每月750元。").reading
    assert spread is not None and round(spread.value, 2) == 87.3 and not spread.certain
    assert value("用于在职职工工作服更换，78人，每人1500元，合计11.7万元。") == 11.7
    assert value("购置服务器2台，单价5万元。") == 10.0


def test_prices_per_day_and_per_car_and_lines_wrapped_by_word() -> None:
    analysis = read(PARKING)
    assert analysis.reading is not None and round(analysis.reading.value, 2) == 41.8
    assert "20个 × 10元/天/车 × 365天 = 7.3万元" in analysis.reading.working
    assert "115个 × 200元/个/月 × 12个月 = 27.6万元" in analysis.reading.working  # "中\n心" joined
    assert analysis.reading.notes == ("月数按计划起止时间计", "天数按计划起止时间计")


def test_written_out_formulas_are_checked_against_their_result() -> None:
    assert not read("物业费：8085.11㎡×4元/㎡/月×12月=38.81万元").mismatches
    assert not read("8085.11×4×12=38.81万元").mismatches  # bare numbers, prices in 元
    assert not read("8085.11*4*12=388085元").mismatches
    (wrong,) = read("物业费：8085.11㎡×4元/㎡/月×12月=39.81万元").mismatches
    assert wrong.kind == "product" and wrong.stated.text == "39.81万元" and round(wrong.value, 2) == 38.81
    reading = read("测算：115个×250元/个/月×12个月=345000元，20个×10元×250天=50000元，合计39.5万元。").reading
    assert reading is not None and reading.value == 39.5
    (off,) = read("测算：115个×250元/个/月×12个月=345000元，20个×10元×250天=50000元，合计40万元。").mismatches
    assert off.kind == "sum" and off.value == 39.5


def test_listed_items_add_up_with_estimates_read_as_such() -> None:
    analysis = read(LAWYER)
    assert analysis.reading is not None
    assert analysis.reading.working == "8万元 + 约2万元 = 10万元"
    assert (analysis.reading.firm, analysis.reading.approx) == (8.0, 2.0)
    assert value("(一)设备费12万元；(二)安装费8万元。") == 20.0
    assert value("1.设备费12万元\n2.安装费8万元\n3.培训费2万元") == 22.0
    (sum_off,) = read("1、设备费12万元；2、安装费5万元；共计20万元。").mismatches
    assert sum_off.kind == "sum" and sum_off.value == 17.0 and sum_off.stated.value == 20.0
    # An item without an amount makes the sum a lower bound.
    partial = read("1、设备费12万元；2、安装调试；3、培训费2万元。").reading
    assert partial is not None and partial.partial and partial.value == 14.0
    # Items without money are no computation at all.
    assert read("包括1、企业登记档案扫描费。2．企业登记档案整理维护费。3. 审批业务档案整理费。").reading is None


def test_a_total_is_checked_against_the_amounts_just_before_it() -> None:
    analysis = read(PLATFORM)
    assert analysis.reading is not None and analysis.reading.working == "45.6万元 + 148万元 = 193.6万元"
    assert analysis.reading.certain
    assert not analysis.mismatches  # 145.6 + 148 = 293.6 after 其中, 45.6 + 148 = 193.6
    (parts,) = read("项目总投资293.6万元，其中一期145.6万元，二期168万元。").mismatches
    assert parts.kind == "parts" and parts.value == 313.6
    assert read("共需20万元").reading is None  # a total alone is no computation (JX602's case)


def test_amounts_of_another_year_and_contracts_over_several_years() -> None:
    analysis = read(PLATFORM)
    assert [(f.year, f.text) for f in analysis.other_year(2022)] == [(2021, "100万元"), (2021, "145.6万元")]
    assert [(c.amount.text, c.count, c.unit) for c in analysis.contracts] == [("293.6万元", 2, "期")]
    assert [f.previous_year for f in read("上年安排30万元，今年增加设备。").other_year(2022)] == [True]
    assert not read("共计193.6万元列入2022年度项目预算").other_year(2022)
    (contract,) = read("服务合同期3年，合同总价90万元。").contracts
    assert (contract.amount.value, contract.count, contract.unit, contract.text) == (90.0, 3, "年", "3年")
    assert read("三年服务合同，总价90万元").contracts[0].count == 3
    assert not read("二期建设费用148万元").contracts  # "二期" names a phase, "分两期" counts them
    assert not read("使用年限3年，采购费用90万元").contracts  # no contract word
    assert not read("培训班4期，合计费用10万元").contracts  # "4期" alone is not a phased contract


def test_a_price_per_year_next_to_its_working_is_the_result_not_an_addend() -> None:
    text = "租赁办公用房面积1200平方米，租金每平方米每天1.5元，年租金{}万元。"
    agreed = read(text.format("65.7"))
    assert agreed.reading is not None and agreed.reading.value == 65.7 and not agreed.mismatches
    (off,) = read(text.format("60")).mismatches
    assert off.kind == "product" and round(off.value, 2) == 65.7 and off.stated.value == 60.0


def test_a_closing_total_adds_up_every_sentence_before_it() -> None:
    text = "采购台式电脑20台，单价0.6万元；打印机5台，单价0.3万元，合计{}万元。"
    agreed = read(text.format("13.5"))
    assert agreed.reading is not None and agreed.reading.value == 13.5 and not agreed.mismatches
    (off,) = read(text.format("15")).mismatches
    assert off.kind == "sum" and off.value == 13.5 and off.stated.value == 15.0
    assert value("1、人员经费：聘用人员5人，每人每月3000元，计18万元；2、办公经费2万元。") == 20.0
    assert value("(1)设备50万元；(2)开发30万元。合计：80万元") == 80.0
    assert value("全年印刷各类证照10万份，单价0.4元，共计4万元") == 4.0  # 10万份


def test_counts_are_not_guessed_across_kinds() -> None:
    # Priced per 人次 with only 个 and 人 written: no product rather than a wrong one.
    assert read("预计评审项目200个，每个项目平均邀请专家3人，每人次500元。").reading is None
    assert value("预计全年召开评审会50次，每次专家5人，专家费每人每次800元，共计20万元。") == 20.0
    assert read("流转土地50亩，800元/亩/年。").reading is None  # a unit the vocabulary does not know


def test_a_period_in_the_prices_own_unit_wins_and_more_prices_per_unit_are_an_alternative() -> None:
    meeting = read("会议费：全年召开会议6次，每次参会人数100人，标准为每人每天400元，会期1天，共计24万元。")
    assert meeting.reading is not None and "× 1天 = 4万元" in meeting.reading.working and not meeting.mismatches
    trips = read("差旅费：预计出差20人次，每人次住宿费450元、伙食补助100元，交通费平均1000元。")
    assert trips.reading is not None and any(abs(a - 3.1) < 1e-6 for a in trips.alternatives)
    assert not found("差旅费：预计出差20人次，每人次住宿费450元、伙食补助100元，交通费平均1000元。", 3.1).get("JX604")


def test_counts_no_price_uses_make_the_reading_uncertain_with_their_alternatives() -> None:
    guards = read("保安10人，保洁6人，每人每月3000元。")
    assert guards.reading is not None and not guards.reading.certain
    assert any(abs(a - 57.6) < 1e-6 for a in guards.alternatives)  # (10 + 6) × 3000 × 12
    courses = read("培训班4期，每期培训50人，人均培训费500元。")
    assert courses.reading is not None and not courses.reading.certain and 10.0 in courses.alternatives
    assert not read("培训班4期，每期培训50人，人均培训费500元，共计10万元。").mismatches
    assert not found("保安10人，保洁6人，每人每月3000元。", 57.6).get("JX604")
    (finding,) = found("保安10人，保洁6人，每人每月3000元。", 30.0)["JX604"]
    assert finding.severity is Severity.WARNING  # never an error on an unclear reading


def test_only_a_contract_total_is_taken_for_several_years() -> None:
    assert not read("根据合同，每年支付软件运维费用25万元，合同期3年（2021-2023年）。").contracts
    (split,) = read("项目总预算120万元，分三年实施，2022年安排40万元。").contracts
    assert (split.amount.value, split.count, split.text) == (120.0, 3, "分三年")


def test_dates_document_numbers_and_versions_are_not_quantities() -> None:
    analysis = read(
        "2021年7月止，依据苏办发〔2017〕27号，等级保护2.0标准于2019年发布，FM886每周一至周五10:00播出1小时。"
    )
    assert [(f.kind, f.text) for f in analysis.figures] == [("quantity", "1小时")]
    assert analysis.reading is None and not analysis.other_year(2022)


def test_cost_indicator_prices_are_used_with_the_head_count_of_the_text() -> None:
    reading = read("现有窗口工作人员97人。", extra_rates=("750元/人/月",)).reading
    assert reading is not None and round(reading.value, 2) == 87.3 and not reading.certain
    assert read("现有窗口工作人员。", extra_rates=("750元/人/月",)).reading is None


def test_the_vocabulary_is_data() -> None:
    lexicon = default_lexicon()
    assert ("平米", "平方米") in lexicon.units and ("万元", 1.0) in lexicon.money
    assert read("流转土地50亩，每亩每年800元。").reading is None
    data = {"money": {"元": 0.0001, "万元": 1}, "units": {"亩": "亩", "年": "年"},
            "time_in_months": {"月": 1, "年": 12}, "words": {"window": 8}}
    custom = Lexicon.from_mapping(data)
    assert round(analyse("流转土地50亩，每亩每年800元。", custom, months=12.0).reading.value, 2) == 4.0  # type: ignore[union-attr]
    assert cn_number("十二") == 12 and cn_number("两") == 2 and cn_number("三十") == 30 and cn_number("元") is None


def test_tolerance_covers_rounding_and_estimates() -> None:
    tol = Tolerance(absolute=0.005, relative=0.003, approx=0.1)
    assert tol.allowance(38.4) == pytest.approx(0.1152)
    assert not read("租用8000平方米，收费为4元/平方米/月，全年共计38.4万元。").mismatches
    assert not read("租用8085.11平方米，收费为4元/平方米/月，全年共计38.8万元。").mismatches  # rounded
    assert read("租用8085.11平方米，收费为4元/平方米/月，全年共计38.4万元。").mismatches


# ---------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------


def test_property_fee_shows_the_computation_and_the_difference() -> None:
    (finding,) = found(PROPERTY, 38.4)["JX604"]
    assert finding.message.startswith("按项目概况测算约：8085.11平方米 × 4元/平方米/月 × 12个月 = 38.81万元")
    assert "与项目总金额38.4万元相差0.41万元" in finding.message and "：请核对" in finding.message
    assert finding.severity is Severity.WARNING and finding.field == "overview" and finding.cell == "B8"
    assert "JX602" not in found(PROPERTY, 38.4)


def test_severity_follows_the_size_of_the_difference_and_the_certainty_of_the_reading() -> None:
    written = "租用8000平方米，收费为4元/平方米/月，租期12个月。"  # 38.4万元, every figure written
    assert not found(written, 38.4).get("JX604")
    assert not found(written, 38.3).get("JX604")  # 0.26 %: rounding
    assert found(written, 38.2)["JX604"][0].severity is Severity.INFO  # 0.52 %
    assert found(written, 36.0)["JX604"][0].severity is Severity.WARNING  # 6.7 %
    assert found(written, 20.0)["JX604"][0].severity is Severity.ERROR  # 92 %, certain
    assumed = "租用8000平方米，收费为4元/平方米/月。"  # months from the plan dates
    assert found(assumed, 20.0)["JX604"][0].severity is Severity.WARNING  # never an error
    rough = "租用约8000平方米，收费为4元/平方米/月，租期12个月。"
    assert found(rough, 20.0)["JX604"][0].severity is Severity.WARNING
    assert found(rough, 20.0)["JX604"][0].message.startswith("按项目概况测算约：")


def test_severity_thresholds_come_from_the_settings() -> None:
    from xltool.rules.overview_math import product_matches_total

    ctx = RuleContext.for_profile("district-2022")
    (finding,) = product_matches_total(project(PROPERTY, 38.4), ctx)
    assert finding.severity is Severity.WARNING
    ctx = RuleContext.for_profile("district-2022").with_settings(arithmetic_info=0.02)
    (finding,) = product_matches_total(project(PROPERTY, 38.4), ctx)
    assert finding.severity is Severity.INFO
    ctx = RuleContext.for_profile("district-2022").with_settings(arithmetic_agree=0.02)
    assert list(product_matches_total(project(PROPERTY, 38.4), ctx)) == []


def test_the_text_disagreeing_with_its_own_result_is_reported() -> None:
    (finding,) = found("物业费：8085.11㎡×4元/㎡/月×12月=39.81万元", 39.81)["JX604"]
    assert "= 38.81万元" in finding.message and "概况中写的39.81万元" in finding.message
    (total,) = found("保安10人，每人每月3000元，保洁6人，每人每月2500元，合计55万元。", 55.0)["JX604"]
    assert "合计54万元" in total.message and "55万元" in total.message


def test_consistent_statements_are_not_flagged() -> None:
    for text, total in (
        (LAWYER, 8.0),  # 8万元 + 约2万元 (contingent), total 8
        (LAWYER, 10.0),
        ("每年需支付武晋城市资源运营有限公司大楼租金600万元。", 600.0),
        ("租用8000平方米，收费为4元/平方米/月，租期12个月。", 38.4),
        ("1、设备费12万元；2、安装费8万元；共计20万元。", 20.0),
        ("全年组织专家评审会约200场，每场约1000元，合计20万元。", 20.0),
        ("现有在岗社会化用工数13人，按财政局核定标准进行公用经费补助。", 3.9),
        ("租用8085.11平方米，收费为4元/平方米/月，全年38.81万元，本年安排38.4万元。", 38.4),
    ):
        assert not set(found(text, total)) & set(ARITHMETIC), (text, found(text, total))


def test_listed_items_against_the_total() -> None:
    (less,) = found("1、设备费12万元；2、安装费5万元。", 20.0)["JX605"]
    assert "12万元 + 5万元 = 17万元" in less.message and "少3万元" in less.message
    (more,) = found("1、设备费12万元；2、安装费10万元。", 20.0)["JX606"]
    assert "多2万元" in more.message and more.severity is Severity.WARNING
    (stated,) = found("1、设备费12万元；2、安装费5万元；共计20万元。", 20.0)["JX605"]
    assert "合计20万元" in stated.message and "相差3万元" in stated.message
    # Only a lower bound when an item carries no amount: "less" says nothing, "more" still holds.
    assert not found("1、设备费12万元；2、安装调试。", 20.0).get("JX605")
    assert found("1、设备费12万元；2、安装调试；3、培训费10万元。", 20.0)["JX606"]
    (parts,) = found("项目总投资20万元，其中设备费15万元，安装费8万元。", 20.0)["JX605"]
    assert "超过前面写的20万元" in parts.message


def test_other_years_and_multi_year_contracts() -> None:
    (past,) = found("2021年，区政府下达该项目预算15万元。本年度继续实施。", 20.0)["JX607"]
    assert "2021年的15万元" in past.message and past.severity is Severity.INFO
    (same,) = found("2021年，区政府下达该项目预算20万元。", 20.0)["JX607"]
    assert same.severity is Severity.WARNING  # the total is last year's figure
    (contract,) = found("服务合同期3年，合同总价60万元。", 60.0)["JX607"]
    assert "3年" in contract.message and "约20万元" in contract.message and contract.severity is Severity.WARNING
    assert not found("服务合同期3年，合同总价60万元。", 20.0).get("JX607")
    # A past figure next to a budget-year computation or amount that agrees is background, not a finding.
    assert not found("2021年支付10万元。租用5000平方米，收费为4元/平方米/月，租期10个月。", 20.0).get("JX607")
    assert not found("2021年实际支出35万元，2022年预计需20万元。", 20.0).get("JX607")
    assert not found("根据合同，每年支付软件运维费用20万元，合同期3年。", 20.0).get("JX607")
    (split,) = found("项目总预算60万元，分三年实施。", 60.0)["JX607"]
    assert "分三年" in split.message and split.severity is Severity.WARNING


def test_jx602_stays_for_amounts_without_a_computation() -> None:
    assert "JX602" in found("二期建设费用193.6万元，一期145.6万元。", 20.0)
    assert "JX602" not in found("1、设备费12万元；2、安装费10万元。", 20.0)  # JX606 shows the sum
    # A lower bound that settles nothing leaves the plain check to JX602.
    assert set(found("1、设备费12万元；2、安装调试。", 20.0)) & {"JX602", *ARITHMETIC} == {"JX602"}


# ---------------------------------------------------------------------------
# Imported layouts (JX108) and empty names
# ---------------------------------------------------------------------------

ALL_FIELDS = ["name", "total", "department", "implementer", "funding", "start", "end", "overview",
              "long_term_goal", "annual_goal"]


def test_fields_an_imported_layout_lacked_are_listed_once_not_reported_one_by_one() -> None:
    layout = [f for f in ALL_FIELDS if f not in ("start", "end", "overview")]
    imported = clean(start="", end="", overview="", layout_fields=layout)
    result = codes(imported)
    assert "JX103" not in result and set(ARITHMETIC).isdisjoint(result)
    (finding,) = result["JX108"]
    assert finding.severity is Severity.INFO
    assert finding.message == "导入的表原版式中没有以下栏目，请导入后补填：计划开始时间、计划结束时间、项目概况。"
    # A field the layout had but left empty is still an error.
    (empty,) = codes(clean(annual_goal="", layout_fields=ALL_FIELDS))["JX103"]
    assert empty.field == "annual_goal"
    assert "JX108" not in codes(clean(annual_goal="", layout_fields=ALL_FIELDS))
    # Unknown layout (our own template): nothing changes.
    assert [f.field for f in codes(clean(start="", overview=""))["JX103"]] == ["start", "overview"]
    assert "JX108" not in codes(clean(start="", overview=""))


def test_layout_fields_are_not_part_of_the_json_shape() -> None:
    assert "layout_fields" not in clean(layout_fields=["name"]).to_json_dict()
    assert Project().layout_fields is None


def test_dates_a_layout_lacked_are_not_judged() -> None:
    assert "JX904" in codes(clean(end="2023.06"))
    assert "JX904" not in codes(clean(end="2023.06", layout_fields=[f for f in ALL_FIELDS if f != "end"]))


def test_no_message_quotes_an_empty_name() -> None:
    rows = [row("", "", name, op, target, 12 + i) for i, (_, _, name, op, target) in enumerate(ROWS)]
    rows += [
        row("", "", "", "≥", "3", 30),  # a target without a name
        row("", "", "……", "", "", 31),  # a placeholder without a 二级
        row("", "", "窗口服务满意度", "≥", "95%", 32),  # satisfaction without a 二级
        row("效果指标", SATISFY, "", "定性", "较高", 33),  # not satisfaction, no name
        row("产出指标", "产出成本指标", "", "定性", "预算数", 34),
    ]
    messages = [f.message for f in validate_projects([clean(indicators=rows)])]
    assert messages and not [m for m in messages if "“”" in m]
    # a satisfaction row without levels: one diagnosis (JX109 says where it goes), no quoted empty level
    assert any("“窗口服务满意度”填在“满意度指标”下" in m for m in messages)
    assert not any("却写在（未填二级指标）下" in m for m in messages)
    assert any(m.startswith("（未填二级指标）一行残留占位符") for m in messages)
    assert any("（未填三级指标）" in m for m in messages)
    moved = with_row(clean(), SATISFY, "", "", "")
    moved = moved.model_copy(update={"indicators": [*moved.indicators, row("", "", "企业满意度", "≥", "90%", 40)]})
    found = codes(moved)
    (jx109,) = found["JX109"]  # one diagnosis for the row, saying where it goes; no second one from JX102
    assert "“企业满意度”填在“满意度指标”下" in jx109.message and "JX102" not in found


# ---------------------------------------------------------------------------
# The seed
# ---------------------------------------------------------------------------


def test_the_seed_projects_whose_overview_figures_disagree_get_the_computation(seed_projects: list[Project]) -> None:
    findings = [f for f in validate_projects(seed_projects) if f.code in (*ARITHMETIC, "JX602")]
    by_project = {(f.project, f.code): f for f in findings}
    assert Counter(f.project for f in findings) == {
        "大楼物业费": 1, "宣传费": 1, "停车场费": 1, "武进区政务服务一体化平台升级改造项目建设费用": 2,
    }
    assert "38.81万元" in by_project["大楼物业费", "JX604"].message
    assert "38.4万元" in by_project["大楼物业费", "JX604"].message
    assert "与项目总金额4.32万元相差34.49万元" in by_project["宣传费", "JX604"].message
    assert "合计41.8万元" in by_project["停车场费", "JX604"].message
    platform = "武进区政务服务一体化平台升级改造项目建设费用"
    assert "45.6万元 + 148万元 = 193.6万元" in by_project[platform, "JX606"].message
    assert by_project[platform, "JX607"].severity is Severity.INFO
    assert all(f.severity is not Severity.ERROR for f in findings)  # every seed reading assumes the months


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_is_read_without_crashing(text: str) -> None:
    analysis = read(text)
    assert all(f.start <= f.end for f in analysis.figures)
    for finding in validate_projects([project(text)]):
        assert finding.message


_NO_NUMBERS = st.text(
    alphabet=st.characters(
        blacklist_categories=("Nd", "No", "Nl", "Cs"), blacklist_characters="一二两三四五六七八九十〇零"
    ),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(_NO_NUMBERS)
def test_text_without_numbers_gives_no_figure_and_no_finding(text: str) -> None:
    analysis = read(text)
    assert not analysis.figures and not analysis.has_computation
    assert set(found(text)).isdisjoint(ARITHMETIC)


def _two(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=9_999_999).map(lambda n: n / 100),
    st.integers(min_value=1, max_value=99_999).map(lambda n: n / 100),
    st.integers(min_value=1, max_value=36),
    st.sampled_from(["平方米", "㎡", "平米"]),
)
def test_area_times_price_times_months_is_found(area: float, price: float, months: int, unit: str) -> None:
    text = f"租用办公用房{_two(area)}{unit}，物业费{_two(price)}元/{unit}/月，租期{months}个月。"
    analysis = read(text)
    assert analysis.reading is not None and analysis.reading.certain
    assert analysis.reading.value == pytest.approx(area * price * months / 10_000)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=5000), st.integers(min_value=1, max_value=20_000),
       st.sampled_from(["每人每月{p}元", "人均每月{p}元", "{p}元/人/月"]))
def test_head_count_times_monthly_standard_is_found(people: int, price: int, written: str) -> None:
    text = f"现有工作人员{people}人，补助标准{written.format(p=price)}，全年发放。"
    assert value(text) == pytest.approx(people * price * 12 / 10_000, abs=1e-4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=100_000).map(lambda n: n / 100), min_size=2, max_size=8))
def test_listed_amounts_add_up(amounts: list[float]) -> None:
    text = "；".join(f"{i + 1}、第{i + 1}项费用{_two(a)}万元" for i, a in enumerate(amounts)) + "。"
    analysis = read(text)
    assert analysis.reading is not None and analysis.reading.value == pytest.approx(sum(amounts))
    assert set(found(text, round(sum(amounts), 2))).isdisjoint(ARITHMETIC)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1×" * 50_000,
        "8085.11平方米，4元/平方米/月，" * 5_000,
        "".join(f"{i % 9 + 1}、设备费{i}万元；" for i in range(8_000)),
        "2021年，" * 16_000 + "100万元",
        "(1)" * 33_000,
        "1=1万元" * 14_000,
        "分两期三年合同" * 14_000,
        "其中1万元" * 20_000,
        "1\n" * 50_000,
        "每人每月3000元" * 11_000,
    ],
    ids=["digits", "times", "prices", "items", "years", "parens", "equals", "contracts", "parts", "lines", "rates"],
)
def test_a_100_kb_overview_is_read_fast(text: str) -> None:
    start = time.perf_counter()
    analyse(text + "。", year=2022, months=12.0)
    assert time.perf_counter() - start < 3.0  # linear: well under a second on an idle machine
