"""Every batch rule gives the same findings through ``validate`` and through ``merge`` on the same files.

Both run the same streaming checks (``rules.BatchRun``): validate sees each project, merge
keeps the same items in its workers and runs the rules over them from its store. A drift
(another message, another cell, a finding lost, a rule that fails on what merge hands it)
shows here. The files are built so that every batch rule that runs in both fires at least
once, within a file and across files (duplicates, identical tables, copied and near-copied texts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

import xltool
from tests.conftest import ROOT
from xltool.core.findings import Severity
from xltool.core.model import Project
from xltool.rules import CATALOGUE, RuleContext, RuleInfo, iter_catalogue
from xltool.write.template import write_projects

# Written by merge per input file (a file it could not read or that held no table); validate reports such a file
# as a failed file status instead, so these two have nothing to compare.
PER_FILE_ONLY = {"HZ002", "HZ003"}


Found = set[tuple[str, ...]]


def _compare(files: list[str], folder: Path, codes: set[str]) -> tuple[Found, Found]:
    """(validate's, merge's) findings of the rules ``codes``: code, file, sheet, cell, project, message."""
    validated = {(f.code, f.file, f.sheet, f.cell, f.project, f.message)
                 for f in xltool.validate(files).findings if f.code in codes}
    xltool.merge(files, output=folder / "汇总.xlsx", jobs=1)
    rows = CalamineWorkbook.from_path(str(folder / "汇总.xlsx")).get_sheet_by_name("问题清单").to_python()
    header = rows[0]
    at = {name: header.index(name) for name in ("文件", "工作表", "单元格", "项目名称", "规则代码", "问题说明")}
    merged = {(r[at["规则代码"]], r[at["文件"]], r[at["工作表"]], r[at["单元格"]], r[at["项目名称"]], r[at["问题说明"]])
              for r in rows[1:] if r[at["规则代码"]] in codes}
    return validated, merged


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Found, Found, set[str]]:
    folder = tmp_path_factory.mktemp("batch")
    first = folder / "甲.xlsx"
    shutil.copy(ROOT / "examples" / "区行政审批局_2022.xlsx", first)
    projects = xltool.read([first]).projects
    # 丙: a table copied under another name and unit (JX701 and HZ004 across files), one whose 项目概况
    # differs by a word (JX702 across files) and one sent again by the same unit (HZ001, 甲 and 丙).
    copied = projects[10].model_copy(update={"name": "公共资源交易系统运维项目", "implementer": "区公共资源交易中心"})
    near = projects[12].model_copy(update={"name": "网络安全运维服务", "overview": projects[12].overview[:-4] + "全年运维"})
    write_projects([copied, near, projects[9]], folder / "丙.xlsx")
    for project in projects[:5]:  # the same tables under another unit: same content (HZ004) and copied text
        project.implementer = "区另一个单位"
    goal = "全年办理行政审批事项三万件以上，群众满意度达到百分之九十五以上，窗口服务规范化水平明显提升。"
    projects[6].annual_goal = goal
    projects[7].annual_goal = goal.replace("三万", "四万")  # one word changed: a near copy (JX702)
    write_projects(projects[:8], folder / "乙.xlsx")  # 6–8 keep their unit: the same project twice (HZ001)
    files = [str(first), str(folder / "乙.xlsx"), str(folder / "丙.xlsx")]
    batch = {info.code for info in iter_catalogue() if info.batch} - PER_FILE_ONLY
    validated, merged = _compare(files, folder, batch)
    return validated, merged, batch


def test_every_batch_rule_fires_on_the_files(both: tuple[Found, Found, set[str]]) -> None:
    validated, _, batch = both
    assert {f[0] for f in validated} == batch
    assert {"HZ001", "HZ004", "JX701"} <= {f[0] for f in validated if f[1].endswith("丙.xlsx")}
    # The near copy across files: whichever of the two is named the copy, it names the other.
    assert any(f[0] == "JX702" and ("网络安全运维服务" in f[5] or "“网络安全设备”" in f[5]) for f in validated)


def test_copies_across_files_name_the_other_file(both: tuple[Found, Found, set[str]]) -> None:
    validated, _, _ = both
    (copy,) = [f for f in validated if f[0] == "JX701" and f[4] == "公共资源交易系统运维项目" and "项目概况" in f[5]]
    assert "武进区公共资源交易管理系统升级改造项目" in copy[5]
    assert len([f for f in validated if f[0] == "HZ001" and f[4] == "食堂运行经费"]) == 2


def test_validate_and_merge_report_the_same_batch_findings(both: tuple[Found, Found, set[str]]) -> None:
    validated, merged, _ = both
    assert sorted(validated - merged) == [] and sorted(merged - validated) == []


def _keep_total(project: Project, ctx: RuleContext) -> tuple[float, str, str, str] | None:
    return (project.total, project.file, project.sheet, project.name) if project.total else None


def _largest_total(kept: list[tuple[float, str, str, str]], ctx: RuleContext):  # noqa: ANN202
    total, file, sheet, name = max(kept)
    yield ctx.finding(f"本批总额最大（{total:g} 万元）", file=file, sheet=sheet, project=name)


def test_a_new_batch_rule_reading_any_field_runs_alike_in_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a batch rule keeps comes from the real project in both, so a rule reading 项目总额
    (which merge's old text stub lacked) works in merge as in validate."""
    info = RuleInfo("JX999", Severity.INFO, "测试", "", "", "", _largest_total, True, _largest_total, _keep_total)
    monkeypatch.setitem(CATALOGUE, "JX999", info)
    projects = xltool.read([ROOT / "examples" / "区行政审批局_2022.xlsx"]).projects
    write_projects(projects[:4], tmp_path / "甲.xlsx")
    write_projects(projects[4:9], tmp_path / "乙.xlsx")
    validated, merged = _compare([str(tmp_path / "甲.xlsx"), str(tmp_path / "乙.xlsx")], tmp_path, {"JX999"})
    largest = max(projects[:9], key=lambda p: p.total or 0)
    assert [f[4] for f in validated] == [largest.name]
    assert merged == validated


def test_without_the_rules_merge_still_reports_duplicates_as_validate_does(tmp_path: Path) -> None:
    """``validate=False`` skips the rules, except HZ001: a project sent twice is counted once and said so."""
    projects = xltool.read([ROOT / "examples" / "区行政审批局_2022.xlsx"]).projects
    write_projects(projects[:3], tmp_path / "甲.xlsx")
    write_projects(projects[1:4], tmp_path / "乙.xlsx")
    files = [str(tmp_path / "甲.xlsx"), str(tmp_path / "乙.xlsx")]
    validated = {(f.code, f.file, f.sheet, f.cell, f.project, f.message)
                 for f in xltool.validate(files).findings if f.code == "HZ001"}
    report = xltool.merge(files, output=tmp_path / "汇总.xlsx", jobs=1, validate=False)
    rows = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("问题清单").to_python()
    at = {name: rows[0].index(name) for name in ("文件", "工作表", "单元格", "项目名称", "规则代码", "问题说明")}
    merged = {tuple(r[at[k]] for k in ("规则代码", "文件", "工作表", "单元格", "项目名称", "问题说明")) for r in rows[1:]}
    assert len(validated) == 4 and merged == validated
    assert report.projects == 4
