"""A published table with indicators but no 项目名称 row at all is imported, not refused.

A fund's 附件 under a notice that names the fund, or a title that is the only place the project is
named ("2019年度某县高中助学金项目绩效评价指标表"), used to end import with "没有找到项目名称" and a
layout file in which nothing could be mapped to the name. Now the table is read as one project: the
name from the title when the title names one, else empty, and a note says which. A label that may
hide the name (text beside it) still gets the refusal and its layout file (test_layout_unplaced.py).
Corpus tables 31 (海南) and 40 (河北) are the published cases.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import sheet_rows
from tests import warm_cli
from corpus_forms import tabbed_form
from xltool.apps.sources import load_source, read_workbook
from xltool.core.names import UNNAMED_PROJECT
from xltool.parse.titles import name_in_title
from xltool.rules import validate_projects

ROOT = Path(__file__).resolve().parents[1]
N = None
INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重"],
    ["产出指标", "数量指标", "改造道路长度", "≥", "12", "公里", "30%"],
    [N, "质量指标", "验收合格率", "=", "100", "%", "20%"],
    ["效益指标", "社会效益指标", "群众出行时间缩短", "≥", "10", "分钟", "20%"],
    ["满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥", "90", "%", "10%"],
]
# The header block labels a phone number and a weight the field table does not know: no name can hide there.
HEADER = [
    ["主管部门：", "县交通运输局", "资金总额：", "320.5"],
    ["项目负责人电话：", "6523947", "财政拨款：", "320.5"],
    ["预算执行率权重：", "10%", "其他资金：", N],
    ["总体目标", "完成农村公路提质改造12公里"],
]


def xltool_cli(*args: object) -> subprocess.CompletedProcess[str]:
    """``python -m xltool``, forked warm from tests/warm_cli.py's zygote (a fresh interpreter if it cannot)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    return warm_cli.run(list(map(str, args)), cwd=ROOT, env=env, timeout=120)


def _cli(*args: object) -> subprocess.CompletedProcess[str]:
    return xltool_cli("import", *args)


@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx"])
def test_a_table_without_a_name_row_is_imported_with_the_name_left_empty_and_said(kind: str, tmp_path: Path) -> None:
    source = tabbed_form([["附件2"], ["项目绩效目标表"], *HEADER, *INDICATORS], tmp_path / "t.txt", kind)
    out = tmp_path / "导入.xlsx"
    done = _cli(source, "-o", out, "--layouts", tmp_path / "none")
    assert done.returncode == 0, done.stderr
    assert "未找到“项目名称”栏目，项目名称留空，请补填" in done.stderr and "Traceback" not in done.stderr
    [p] = read_workbook(out).projects
    assert (p.name, p.department, p.total) == ("", "县交通运输局", 320.5)
    assert [(i.level1, i.level2, i.name, i.operator, i.target) for i in p.indicators] == [
        ("产出指标", "数量指标", "改造道路长度", "≥", "12公里"), ("产出指标", "质量指标", "验收合格率", "=", "100%"),
        ("效益指标", "社会效益指标", "群众出行时间缩短", "≥", "10分钟"),
        ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥", "90%")]
    assert any(f.field == "name" for f in validate_projects([p])), "the empty name must be a finding to fix"


@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx"])
def test_a_title_that_names_the_project_gives_its_name(kind: str, tmp_path: Path) -> None:
    title = "2024年度城关镇农村公路提质改造项目绩效目标表"
    source = tabbed_form([[title], *INDICATORS], tmp_path / "t.txt", kind)
    [p] = load_source(source).projects
    assert p.name == "城关镇农村公路提质改造项目" and p.year == 2024
    assert any(title in n and "请核对" in n for n in p.notes), p.notes
    assert len(p.indicators) == 4


def test_a_label_with_text_beside_it_may_be_the_name_and_still_gets_the_layout_file(tmp_path: Path) -> None:
    """"资金用途名称 | 河道保洁": the name may hide behind it, so the user is asked (exit 2, layout file)."""
    rows = [["项目绩效目标表"], ["资金用途名称", "河道保洁"], *HEADER[:1], *INDICATORS]
    source = tabbed_form(rows, tmp_path / "t.txt")
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layouts", tmp_path / "none")
    assert done.returncode == 2 and "没有找到“项目名称”栏目" in done.stderr, done.stderr
    assert (tmp_path / "o.版式.toml").is_file() and not (tmp_path / "o.xlsx").exists()


def test_a_column_titled_like_a_list_of_names_still_gets_the_layout_file(tmp_path: Path) -> None:
    """An unknown title left of the indicator columns that says 名称/项目 may be a list's project column."""
    rows = [["项目绩效目标表"], ["工程名称", *INDICATORS[0]], ["河道保洁", *INDICATORS[1]]]
    done = _cli(tabbed_form(rows, tmp_path / "t.txt"), "-o", tmp_path / "o.xlsx", "--layouts", tmp_path / "none")
    assert done.returncode == 2 and (tmp_path / "o.版式.toml").is_file(), done.stderr


def test_indicator_titles_alone_are_no_project(tmp_path: Path) -> None:
    """Column titles with no indicator under them are no table to import."""
    done = _cli(tabbed_form([["项目绩效目标表"], INDICATORS[0]], tmp_path / "t.txt"), "-o", tmp_path / "o.xlsx",
                "--layouts", tmp_path / "none")
    assert done.returncode == 2 and not (tmp_path / "o.xlsx").exists(), done.stderr


@pytest.mark.parametrize(("title", "name"), [
    ("2019年度宁晋县高中助学金项目绩效评价指标表", "宁晋县高中助学金项目"),
    ("乡村道路硬化项目绩效目标表（2023年度）", "乡村道路硬化项目"),
    ("农业产业发展专项资金绩效目标表", "农业产业发展专项资金"),
    ("城区绿化养护项目支出绩效目标表", "城区绿化养护项目"),
    ("项目支出绩效目标表", ""),
    ("2023年度项目绩效目标申报表", ""),
    ("东莞市财政项目支出绩效目标批复表", ""),  # a budget's projects, not one
    ("县交通运输局2023年项目支出绩效目标表", ""),  # a department's projects
    ("县本级项目支出绩效目标表", ""),
    ("附件3", ""),
    ("（2023年度）", ""),
    ("某某项目的绩效目标已经下达，请各单位按表填报并于月底前报送财政局预算股审核", ""),  # a sentence
])
def test_name_in_title(title: str, name: str) -> None:
    assert name_in_title(title) == name


def _workbook(path: Path, title: str) -> Path:
    """Three sheets: a named project, one whose 项目名称 row was deleted (under ``title``), another named one."""
    import openpyxl

    book = openpyxl.Workbook()
    for k, (sheet, name) in enumerate([("甲", "道路养护"), ("乙", None), ("丙", "河道保洁")]):
        ws = book.active if k == 0 else book.create_sheet()
        ws.title = sheet
        ws.append([title if name is None else "项目绩效目标表"])
        if name is not None:
            ws.append(["项目名称", name])
        for row in (["主管部门", "县交通运输局", "项目资金（万元）", 100 + k], ["实施单位", "县公路中心"],
                    ["年度绩效目标", "完成农村公路提质改造12公里，群众出行更方便"], *INDICATORS):
            ws.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(("title", "name"), [("2024年度城关镇农村公路提质改造项目绩效目标表", "城关镇农村公路提质改造项目"),
                                             ("项目支出绩效目标表", "")])
def test_a_department_sheet_whose_name_row_was_deleted_is_counted_in_validate_and_merge(
        title: str, name: str, tmp_path: Path) -> None:
    """Every yuan counted once: the sheet's 101 万元 are in the summary, in sheet order, and the missing name is
    said (a note naming the title, or an empty name reported as a finding)."""
    import xltool

    folder = tmp_path / "各单位"
    folder.mkdir()
    book = _workbook(folder / "交通局.xlsx", title)
    read = read_workbook(book)
    assert [(p.sheet, p.name, p.total) for p in read.projects] == [
        ("甲", "道路养护", 100.0), ("乙", name, 101.0), ("丙", "河道保洁", 102.0)]
    assert read.unnamed_sheets == [] and read.skipped_sheets == []
    report = xltool.validate([book])
    findings = [f for f in report.findings if f.sheet == "乙"]
    if name:
        assert any(title in n for n in read.projects[1].notes)
    else:  # an error to fix, not one more field to fill in after import (JX108); shown in the one wording
        assert any(f.code == "JX103" and f.field == "name" for f in findings), findings
        assert read.projects[1].label == UNNAMED_PROJECT
        done = xltool_cli("validate", book)
        assert f"工作表“乙” 项目“{UNNAMED_PROJECT}”" in done.stdout and "JX103" in done.stdout, done.stdout
        xltool.mark(book, output=tmp_path / "标注.xlsx")  # the marked copy's results list says it in the same words
        results = sheet_rows(tmp_path / "标注.xlsx", "校验结果")
        assert {r[2] for r in results[1:] if r[1] == "乙"} == {UNNAMED_PROJECT}, results
    merged = xltool.merge([folder], output=tmp_path / "汇总.xlsx")
    assert merged.projects == 3 and not [f for f in merged.files if f.status != "ok"]
    rows = sheet_rows(tmp_path / "汇总.xlsx", "项目汇总")
    head = rows[0]
    row = next(r for r in rows[1:] if r[head.index("总额（万元）")] == 101)
    assert row[head.index("计入合计")] == "是"  # counted, and the printed summary says why the name is empty
    assert row[head.index("备注")] == ("无项目名称" if not name else None) and row[head.index("项目名称")] == (name or None)
    problems = sheet_rows(tmp_path / "汇总.xlsx", "问题清单")
    at = problems[0].index("项目名称")
    assert {r[at] for r in problems[1:] if "乙" in r} == {name or UNNAMED_PROJECT}, problems
    done = xltool_cli("merge", folder, "-o", tmp_path / "汇总2.xlsx")
    assert "共 3 个项目" in done.stdout and "Traceback" not in done.stderr, done.stdout + done.stderr


def _two_tables(second_title: bool) -> list[list[object]]:
    """A notice with two tables naming no project; the second under its own title, or straight after the first."""
    second = [["附件2"], ["2024年度河道保洁项目绩效目标表"]] if second_title else []
    return [["关于下达2024年专项资金的通知"], ["附件1"], ["2024年度城关镇农村公路提质改造项目绩效目标表"], *HEADER[:1],
            *INDICATORS, *second, ["主管部门：", "县水利局", "资金总额：", "12"], *INDICATORS[:2]]


@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx"])
@pytest.mark.parametrize("second_title", [True, False])
def test_two_tables_naming_no_project_are_two_projects(kind: str, second_title: bool, tmp_path: Path) -> None:
    """Each indicator table is its own project with its own money: none is swallowed into the one above it."""
    source = tabbed_form(_two_tables(second_title), tmp_path / "t.txt", kind)
    projects = load_source(source).projects
    assert [(p.name, p.department, p.total, len(p.indicators)) for p in projects] == [
        ("城关镇农村公路提质改造项目", "县交通运输局", 320.5, 4),
        ("河道保洁项目" if second_title else "", "县水利局", 12.0, 1)]


def test_an_indicator_that_names_a_field_does_not_start_the_next_table() -> None:
    """"项目资金到位率 | 100%" in the first table names 项目资金, a header label: the second table still begins at
    its own header block, and neither table's money changes."""
    rows = [["2024年度城关镇农村公路提质改造项目绩效目标表"], *HEADER[:1], INDICATORS[0],
            ["产出指标", "质量指标", "项目资金到位率", "=", "100", "%", "20%"], INDICATORS[1],
            ["主管部门：", "县水利局", "资金总额：", "12"], *INDICATORS[:2]]
    from xltool.core.grid import Grid
    from xltool.parse.imported import projects_without_name

    width = max(map(len, rows))
    grid = Grid(rows=[list(r) + [None] * (width - len(r)) for r in rows], name="s")
    projects = projects_without_name(grid, file="x")
    assert [(p.department, p.total, [i.name for i in p.indicators]) for p in projects] == [
        ("县交通运输局", 320.5, ["项目资金到位率", "改造道路长度"]), ("县水利局", 12.0, ["改造道路长度"])]
