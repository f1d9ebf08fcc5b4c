"""The rule catalogue against the 22 real 2022 tables of one bureau (the seed).

The seed is read through the importer (``conftest.seed_projects``). The assertions are what a careful reviewer finds in these tables, and that
nothing correct is called an error.
"""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import SEED_PATH

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.rules import validate_projects


@pytest.fixture(scope="module")
def seed(seed_projects: list[Project]) -> tuple[list[Project], list[Finding]]:
    return seed_projects, validate_projects(seed_projects)


def of(findings: list[Finding], project: str, code: str | None = None) -> list[Finding]:
    return [f for f in findings if f.project == project and (code is None or f.code == code)]


def test_the_text_dump_becomes_22_tables_read_by_the_real_reader(seed: tuple[list[Project], list[Finding]]) -> None:
    projects, _ = seed
    assert len(projects) == 22 == len({p.name for p in projects})
    assert all(p.year == 2022 and p.profile == "district-2022" for p in projects)
    assert all(p.total is not None and p.funding.district == p.total for p in projects)
    # every table lists the nine 二级 rows of the district form
    assert all({i.level2 for i in p.indicators} >= {"产出数量指标", "满意度指标", "生态效益指标"} for p in projects)
    (rent,) = [p for p in projects if p.name == "大楼年租金"]
    assert rent.overview.endswith("大楼租金600万元。") and rent.cells["overview"] == "B8"
    (parking,) = [p for p in projects if p.name == "停车场费"]
    assert "\n" in parking.overview and "每天每车10元" in parking.overview  # continuation lines kept


def test_a_careful_reviewers_findings_are_all_there(seed: tuple[list[Project], list[Finding]]) -> None:
    _, findings = seed
    # 宣传费 carries 大楼物业费's 项目概况 word for word; the original is not blamed.
    (copied,) = of(findings, "宣传费", "JX701")
    assert copied.field == "overview" and "大楼物业费" in copied.message and copied.severity is Severity.ERROR
    assert not of(findings, "大楼物业费", "JX701")
    platform = "武进区政务服务一体化平台升级改造项目建设费用"
    # 45.6万元 + 148万元 = 193.6万元 ("共计193.6万元") against 164: JX606 shows the sum, JX602 stays quiet.
    (amount,) = of(findings, platform, "JX606")
    assert "193.6万元" in amount.message and "164万元" in amount.message and not of(findings, platform, "JX602")
    (satisfaction,) = of(findings, platform, "JX102")
    assert satisfaction.indicator == "对保障机关正常运转的持续影响程度" and satisfaction.severity is Severity.ERROR
    assert [f.indicator for f in of(findings, platform, "JX504")] == ["服务事项办理时限压缩度"]
    assert [f.indicator for f in of(findings, platform, "JX304")] == ["全年"]  # 定性 "12月"
    # 定性 "预算数" / "序时进度" / "合理使用" as the cost: every such table, nothing else.
    cost_not_amount = {f.project for f in findings if f.code == "JX401"}
    assert cost_not_amount == {
        "业务档案费", "大楼运行经费", "专家评审费", "宣传费", "停车场费", "大楼运行经费-保安保洁厨师帮工",
        "食堂运行经费", "网络安全设备", "社会化用工公用经费", "专项业务费", platform, "大宗资料印刷费",
        "EMS快递寄件费", "网络信息费", "《武进政风热线》《问政面对面》费", "办公设备采购及母婴室改造费",
    }
    not_judgeable = {(f.project, f.indicator) for f in findings if f.code == "JX305"}
    assert ("大楼年租金", "经费支出时效性") in not_judgeable  # 及时
    assert ("法律顾问律师费", "提供法律事务次数") in not_judgeable  # 按需提供
    assert ("网络信息费", "云服务器租用费及技术防护服务") in not_judgeable  # 正常使用
    assert ("办公设备采购及母婴室改造费", "经费支出时效性") in not_judgeable  # 合规
    assert [f.indicator for f in of(findings, "业务档案费", "JX205")] == ["档案查询执行率"]  # ≧100%
    assert [f.indicator for f in of(findings, "大宗资料印刷费", "JX802")] == ["印刷册数、份数"]  # 100000册、份
    assert {f.indicator for f in of(findings, "工作服费用")} >= {"制服配发人数/制服换装数量"}
    assert [f.indicator for f in of(findings, "武进区公共资源交易管理系统升级改造项目", "JX304")] == ["系统正常使用年限"]
    (empty_goal,) = of(findings, "窗口考核奖", "JX103")
    assert empty_goal.field == "annual_goal" and empty_goal.cell == "B10"
    assert [f.level2 for f in of(findings, "网络安全设备", "JX105")] == ["可持续影响指标"]
    assert not of(findings, "网络安全设备", "JX106")
    assert len(of(findings, "业务档案费", "JX106")) == 2  # the "……" rows
    assert [f.indicator for f in of(findings, "停车场费", "JX204")] == ["车位数"]
    assert [f.indicator for f in of(findings, "大楼运行经费", "JX303")] == ["电梯、消防、维保（护）及时率"]  # 3天
    assert [f.indicator for f in of(findings, "大楼运行经费", "JX206")] == ["水电费全额缴费及时率"]  # =95%
    assert of(findings, "食堂运行经费", "JX104") and of(findings, "网络信息费", "JX104")
    assert of(findings, "窗口考核奖", "JX502") and of(findings, "大楼年租金", "JX703")
    assert [f.severity for f in of(findings, "大楼物业费", "JX207")] == [Severity.INFO]  # 满意度 ≥80%


def test_every_non_standard_operator_is_flagged_once(seed: tuple[list[Project], list[Finding]]) -> None:
    path = SEED_PATH
    typed = Counter(
        line.split("\t", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("\t") and line.split("\t", 1)[1].strip() in (">=", "<=", "≧", "≦", "＞", "＜")
    )
    flagged = Counter(f.message.split("“")[1].split("”")[0] for f in seed[1] if f.code == "JX201")
    assert flagged == typed and sum(typed.values()) >= 50


def test_nothing_correct_is_called_an_error(seed: tuple[list[Project], list[Finding]]) -> None:
    _, findings = seed
    assert not [f for f in findings if f.code in ("JX601", "JX603")]  # every funding split adds up
    assert not [f for f in findings if f.code.startswith("JX9")]  # all 2022.01–2022.12
    assert not of(findings, "法律顾问律师费", "JX602")  # 8万元 + 约2万元, total 8
    assert not of(findings, "大楼年租金", "JX602")
    assert not [f for f in findings if f.code == "JX505"]  # the form's 一级/二级 names are standard
    unit_costs = {("窗口考核奖", "考核标准"), ("工作服费用", "人均服装费")}
    assert not [f for f in findings if (f.project, f.indicator) in unit_costs and f.code != "JX201"]
    # 384000元 is 38.4万元: a style note, not an error
    assert [(f.code, f.severity) for f in of(findings, "大楼物业费") if f.indicator == "项目总成本" and f.code != "JX201"] == [
        ("JX403", Severity.INFO)
    ]
    errors = Counter((f.project, f.code) for f in findings if f.severity is Severity.ERROR)
    assert {code for _, code in errors} == {"JX401", "JX701", "JX103", "JX102"}
    assert all(count == 1 for count in errors.values())


def test_every_finding_says_where_and_how_to_fix(seed: tuple[list[Project], list[Finding]]) -> None:
    projects, findings = seed
    by_name = {p.name: p for p in projects}
    for f in findings:
        assert f.file == str(SEED_PATH)
        assert f.sheet == by_name[f.project].sheet and "：" in f.message
        if f.field == "indicator" and f.indicator:
            project = by_name[f.project]
            rows = [i for i in project.indicators if i.name == f.indicator and i.level2 == f.level2]
            assert rows and f.cell in {*rows[0].cells.values(), rows[0].cell}, f
        elif f.field and f.field != "indicator":
            assert f.cell == by_name[f.project].cells.get(f.field, ""), f


def test_findings_per_project_are_few_enough_to_read(seed: tuple[list[Project], list[Finding]]) -> None:
    projects, findings = seed
    per_project = Counter(f.project for f in findings)
    assert set(per_project) == {p.name for p in projects}  # every one of these real tables has something
    assert max(per_project.values()) <= 15
