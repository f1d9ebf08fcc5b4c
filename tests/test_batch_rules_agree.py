"""Every batch rule gives the same findings through ``validate`` and through ``merge`` on the same files.

Merge runs the cross-project rules over its store instead of over projects in memory;
a rule that drifts there (another message, another cell, a finding lost) shows here.
The files are built so that every batch rule that runs in both fires at least once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

import xltool
from tests.conftest import ROOT
from xltool.rules import iter_catalogue
from xltool.write.template import write_projects

# Written by merge per input file (a file it could not read or that held no table); validate reports such a file
# as a failed file status instead, so these two have nothing to compare.
PER_FILE_ONLY = {"HZ002", "HZ003"}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]], set[str]]:
    folder = tmp_path_factory.mktemp("batch")
    first = folder / "甲.xlsx"
    shutil.copy(ROOT / "examples" / "区行政审批局_2022.xlsx", first)
    projects = xltool.read([first]).projects
    for project in projects[:5]:  # the same tables under another unit: same content (HZ004) and copied text
        project.implementer = "区另一个单位"
    goal = "全年办理行政审批事项三万件以上，群众满意度达到百分之九十五以上，窗口服务规范化水平明显提升。"
    projects[6].annual_goal = goal
    projects[7].annual_goal = goal.replace("三万", "四万")  # one word changed: a near copy (JX702)
    write_projects(projects[:8], folder / "乙.xlsx")  # 6–8 keep their unit: the same project twice (HZ001)
    files = [str(first), str(folder / "乙.xlsx")]
    batch = {info.code for info in iter_catalogue() if info.batch} - PER_FILE_ONLY

    validated = {(f.code, f.file, f.sheet, f.cell, f.project, f.message)
                 for f in xltool.validate(files).findings if f.code in batch}
    xltool.merge(files, output=folder / "汇总.xlsx", jobs=1)
    rows = CalamineWorkbook.from_path(str(folder / "汇总.xlsx")).get_sheet_by_name("问题清单").to_python()
    header = rows[0]
    at = {name: header.index(name) for name in ("文件", "工作表", "单元格", "项目名称", "规则代码", "问题说明")}
    merged = {(r[at["规则代码"]], r[at["文件"]], r[at["工作表"]], r[at["单元格"]], r[at["项目名称"]], r[at["问题说明"]])
              for r in rows[1:] if r[at["规则代码"]] in batch}
    return validated, merged, batch


def test_every_batch_rule_fires_on_the_files(both: tuple[set[tuple[str, ...]], set[tuple[str, ...]], set[str]]) -> None:
    validated, _, batch = both
    assert {f[0] for f in validated} == batch


def test_validate_and_merge_report_the_same_batch_findings(
    both: tuple[set[tuple[str, ...]], set[tuple[str, ...]], set[str]],
) -> None:
    validated, merged, _ = both
    assert sorted(validated - merged) == [] and sorted(merged - validated) == []
