"""Quiet imports (issue 25, item 4): what xltool caused, not the table, never reaches validate.

Each point on a fresh form: the year wherever the title block states it (or a note that none was
read, never the clock's), the framework chosen by its level names and named, the provenance kept
in the saved workbook so that validate asks once for the fields the form lacked, a lone 总体目标
read as the year's goal, a 项目期 in whole years read as such."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import main
from xltool.core.grid import Grid
from xltool.parse.imported import projects_from_grid

N = None
INDICATORS = [["一级指标", "二级指标", "三级指标", "指标值"],
              ["产出指标", "数量指标", "培训人次", "≥100人次"],
              ["效益指标", "社会效益指标", "受益人数", "≥500人"],
              ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"]]


def _read(*rows: list[object]) -> object:
    width = max(len(r) for r in [*rows, *INDICATORS])
    padded = [list(r) + [N] * (width - len(r)) for r in [*rows, *INDICATORS]]
    [project] = projects_from_grid(Grid(rows=padded, name="表1"), file="x")
    return project


@pytest.mark.parametrize("above, year", [
    ([["2022年项目支出绩效目标表"]], 2022),
    ([["项目支出绩效目标表"], ["(2022年度)"]], 2022),
    ([["项目支出绩效目标表"], ["（ 2022 年度 ）"]], 2022),
    ([["项目支出绩效目标表"], ["年度：2022", N, "单位：万元"]], 2022),
    ([["项目支出绩效目标表"], ["填报单位：县民政局", N, "2022年度"]], 2022),
    ([["项目支出绩效目标申报表（2021年度）"]], 2021),
])
def test_the_year_is_read_wherever_the_title_block_states_it(above: list[list[object]], year: int) -> None:
    p = _read(*above, ["项目名称", "社区服务"], ["主管部门", "县民政局"], ["项目总金额", 10])
    assert p.year == year  # type: ignore[attr-defined]
    assert not any("年度未读取" in n for n in p.notes)  # type: ignore[attr-defined]


def test_no_year_stated_is_said_and_never_the_clocks() -> None:
    p = _read(["项目支出绩效目标表"], ["项目名称", "社区服务"], ["主管部门", "县民政局"], ["项目总金额", 10])
    assert p.year is None  # type: ignore[attr-defined]
    assert any("年度未读取" in n for n in p.notes)  # type: ignore[attr-defined]


def test_the_framework_is_chosen_by_level_names_with_form_notes_stripped_and_named() -> None:
    p = _read(["2022年项目支出绩效目标表"], ["项目名称", "社区服务"], ["主管部门", "县民政局"], ["项目总金额", 10])
    assert p.profile == "national-2015"  # 产出/效益/满意度, not the default district framework  # type: ignore[attr-defined]
    assert any("指标体系按一级、二级指标名称识别为" in n for n in p.notes)  # type: ignore[attr-defined]


@pytest.mark.parametrize("label, annual, long_term", [
    ("总体目标", "完成全年培训任务", ""),
    ("年度总体目标", "完成全年培训任务", ""),
    ("中长期目标", "", "完成全年培训任务"),  # a label that says 中长期 keeps its meaning
])
def test_a_lone_overall_goal_is_the_years_goal(label: str, annual: str, long_term: str) -> None:
    p = _read(["2022年项目支出绩效目标表"], ["项目名称", "社区服务"], ["项目总金额", 10], [label, "完成全年培训任务"])
    assert (p.annual_goal, p.long_term_goal) == (annual, long_term)  # type: ignore[attr-defined]


@pytest.mark.parametrize("cells, start, end", [
    (["项目期", "2019-2021"], "2019.01", "2021.12"),
    (["项目期", "2019年—2021年"], "2019.01", "2021.12"),
    (["项目起止时间", "2022年度"], "2022.01", "2022.12"),
])
def test_a_period_in_whole_years_is_read_as_such(cells: list[object], start: str, end: str) -> None:
    p = _read(["2022年项目支出绩效目标表"], ["项目名称", "社区服务"], ["项目总金额", 10], cells)
    assert (p.start, p.end) == (start, end)  # type: ignore[attr-defined]


def test_validate_on_the_saved_import_asks_once_and_finds_nothing_the_import_caused(tmp_path: Path) -> None:
    """Through the CLI: import a form lacking 实施单位/项目概况/计划起止时间 with its year on its own
    line, a period in whole years and a lone 总体目标; validate the saved workbook."""
    rows = ["项目支出绩效目标表", "(2022年度)", "项目名称\t社区服务\t\t", "主管部门\t县民政局\t\t",
            "项目总金额（万元）\t10\t\t", "项目期\t2022\t\t", "总体目标\t完成全年培训任务，服务500人\t\t",
            *("\t".join(str(v) for v in r) for r in INDICATORS)]
    source = tmp_path / "表.txt"
    source.write_text("\n".join(rows), encoding="utf-8")
    out = tmp_path / "导入.xlsx"
    done = CliRunner().invoke(main, ["import", str(source), "-o", str(out), "--layouts", str(tmp_path / "无")])
    assert done.exit_code == 0, done.output
    result = CliRunner().invoke(main, ["validate", str(out), "--json"])
    findings = json.loads(result.stdout)["findings"]
    prompts = [f for f in findings if f["code"] == "JX108"]
    assert len(prompts) == 1 and "实施单位" in prompts[0]["message"]
    caused = [f for f in findings if f["code"].startswith("JX9") or f["code"] == "JX103"
              and f["field"] in ("implementer", "overview", "start", "end", "annual_goal", "long_term_goal")
              or "2027" in f["message"] or "必填" in f["message"]]
    assert caused == []
