"""A table whose 项目名称 label itself is unknown, and list tables with unknown titles (issue 25, item 3).

Import still refuses such a table (exit 2, the file named), but writes a layout file beside the
requested output listing the header block's labels and titles (sheet, cell, text), the unknown
ones empty to fill in; with the label mapped to 项目名称 the table reads fully. The decision that
it is a table rests on the field table (indicator titles, labels of distinct fields)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import sheet_rows
from corpus_forms import tabbed_form
from form_generator import Form, forms
from test_generated_forms import _recovered
from xltool.apps.sources import read_workbook
from xltool.cli import main
from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.parse.imported import projects_from_grid
from xltool.parse.labels import THRESHOLD, match
from xltool.parse.layouts import applied_layout
from xltool.parse.unplaced import unplaced_table

ROOT = Path(__file__).resolve().parents[1]
N = None

# Wordings of a project's name no region here uses: prefix × suffix, each checked unknown below.
UNKNOWN_NAMES = st.builds(lambda a, b: a + b, st.sampled_from(["资金用途", "工程", "事项", "活动", "建设任务", "支出事项"]),
                          st.sampled_from(["名称", "内容", ""]))


def _unknown(text: str) -> bool:
    found = match(text)
    return found is None or found.score < THRESHOLD


def _rename_name_label(form: Form, unknown: str) -> list[list[object]]:
    """The form with its 项目名称 label (as drawn, decorations aside) worded ``unknown``."""
    label = form.layout[3]
    bare = label.rstrip("：:")
    out = []
    for row in form.rows:
        new = []
        for v in row:
            if v == label:
                v = unknown + ("：" if label != bare else "")
            elif isinstance(v, str) and v.startswith(f"{bare}：") and v[len(bare) + 1:] == form.name:
                v = f"{unknown}：{form.name}"
            new.append(v)
        out.append(new)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms(), UNKNOWN_NAMES)
def test_a_table_whose_name_label_is_unknown_is_listed_and_one_mapping_reads_it(form: Form, unknown: str) -> None:
    assume(_unknown(unknown))
    rows = _rename_name_label(form, unknown)
    assume(rows != form.rows)
    assert projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x") == [], form.layout
    mapping = unplaced_table(Grid(rows=[list(r) for r in rows], name="表1"), file="x")
    assert mapping is not None, form.layout
    named = [u for u in mapping.unmapped if u.text == unknown]
    assert named and named[0].section == "header" and named[0].where.startswith("工作表“表1”"), mapping.unmapped
    assert "项目名称" in named[0].hint
    with applied_layout({"header": {"name": (unknown,)}, "columns": {}}):
        _recovered(form, projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x"))


UNKNOWN_NAME = [
    ["2024年项目支出绩效目标表"],
    ["资金用途名称", "河道保洁", N, N],
    ["主管部门", "县水利局", N, N],
    ["项目总金额（万元）", 12, N, N],
    ["年度绩效目标", "完成全县河道保洁", N, N],
    ["一级指标", "二级指标", "三级指标", "指标值"],
    ["产出指标", "数量指标", "保洁河长", "≥30公里"],
    [N, "质量指标", "水面清洁率", "≥95%"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"],
]


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``xltool import …`` run in this process (what is checked is its exit code, messages and files, not the
    process: a Python start each cost a third of a second), with no home folder and no layouts folder of a
    user in its environment, as the command it replaces had."""
    result = CliRunner().invoke(main, ["import", *map(str, args)], env={"HOME": "/nonexistent-home",
                                                                       "XLTOOL_LAYOUTS": None})
    return subprocess.CompletedProcess(["xltool", "import", *map(str, args)], result.exit_code, result.stdout,
                                       result.stderr)


@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx"])
def test_the_refusal_writes_a_layout_file_and_the_edited_one_imports(kind: str, tmp_path: Path) -> None:
    source = tabbed_form(UNKNOWN_NAME, tmp_path / "t.txt", kind)
    none = tmp_path / "none"
    out = tmp_path / "out.xlsx"
    done = _cli(source, "-o", out, "--layouts", none)
    assert done.returncode == 2, done.stderr
    draft = tmp_path / "out.版式.toml"
    assert not out.exists() and draft.is_file()
    assert "没有找到“项目名称”栏目" in done.stderr and str(source) in done.stderr and str(draft) in done.stderr
    assert "Traceback" not in done.stderr
    text = draft.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith('"资金用途名称" = ""'))
    assert "未识别" in line and "A2" in line and "项目名称" in line
    assert '# "主管部门" = "department"' in text and '# "指标值" = "target"' in text  # recognised ones, as comments
    draft.write_text(text.replace('"资金用途名称" = ""', '"资金用途名称" = "项目名称"'), encoding="utf-8")
    done = _cli(source, "-o", out, "--layout", draft, "--layouts", none)
    assert done.returncode == 0, done.stderr
    [p] = read_workbook(out).projects
    assert (p.name, p.department, p.total, p.annual_goal) == ("河道保洁", "县水利局", 12.0, "完成全县河道保洁")
    assert [(i.name, i.operator, i.target) for i in p.indicators] == [
        ("保洁河长", "≥", "30公里"), ("水面清洁率", "≥", "95%"), ("群众满意度", "≥", "90%")]
    # kept in the layouts folder, the same table reads by itself, and the notice names the layout
    kept = tmp_path / "kept"
    kept.mkdir()
    shutil.copy(draft, kept / "河道.toml")
    done = _cli(source, "-o", tmp_path / "again.xlsx", "--layouts", kept)
    assert done.returncode == 0 and "河道.toml" in done.stderr, done.stderr
    assert [p.name for p in read_workbook(tmp_path / "again.xlsx").projects] == ["河道保洁"]


def test_a_split_refusal_writes_the_layout_beside_the_folder_it_did_not_make(tmp_path: Path) -> None:
    source = tabbed_form(UNKNOWN_NAME, tmp_path / "t.txt")
    done = _cli(source, "--split", tmp_path / "各项目", "--layouts", tmp_path / "none")
    assert done.returncode == 2 and not (tmp_path / "各项目").exists()
    assert (tmp_path / "各项目.版式.toml").is_file() and str(tmp_path / "各项目.版式.toml") in done.stderr


@pytest.mark.parametrize("rows", [
    [["通讯录"], ["姓名", "电话"], ["张三", "123"], ["李四", "456"]],  # a table, but no 绩效目标表
    [["会议纪要"], ["今天讨论了河道保洁的安排"], ["下周再议"]],
])
def test_what_is_no_performance_table_gets_no_layout_file(rows: list[list[object]], tmp_path: Path) -> None:
    source = tabbed_form(rows, tmp_path / "n.txt")
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layouts", tmp_path / "none")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.toml")) and "版式文件" not in done.stderr


def test_the_library_call_carries_the_layout_file_on_its_refusal(tmp_path: Path) -> None:
    """No output asked (the web page): the refusal carries the layout file's text, nothing is written."""
    import xltool

    source = tabbed_form(UNKNOWN_NAME, tmp_path / "t.txt")
    with pytest.raises(XltoolError) as caught:
        xltool.import_tables([source], layouts=tmp_path / "none")
    [draft] = caught.value.layouts  # type: ignore[attr-defined]
    assert draft.path is None and not list(tmp_path.glob("*.toml"))
    assert '"资金用途名称" = ""' in draft.text and draft.mapping.fingerprint in draft.text
    assert caught.value.exit_code == 2 and "没有找到“项目名称”栏目" in caught.value.message
    with pytest.raises(XltoolError) as caught:  # with an output: written beside it, named in the message
        xltool.import_tables([source], output=tmp_path / "o.xlsx", layouts=tmp_path / "none")
    assert str(tmp_path / "o.版式.toml") in caught.value.describe() and (tmp_path / "o.版式.toml").is_file()
    layout = tmp_path / "l.toml"
    layout.write_text(draft.text.replace('"资金用途名称" = ""', '"资金用途名称" = "name"'), encoding="utf-8")
    result = xltool.import_tables([source], layout=layout, layouts=tmp_path / "none")
    assert [p.name for p in result.projects] == ["河道保洁"] and result.data and not result.layouts


LIST = [
    ["2024年项目支出绩效目标表"],
    ["项目名称", "安排资金", "一级指标", "二级指标", "考核内容", "指标值"],
    ["河道保洁", 12, "产出指标", "数量指标", "保洁河长", "≥30公里"],
    [N, N, "效益指标", "社会效益指标", "水质达标", "≥95%"],
    ["道路养护", 8, "产出指标", "数量指标", "养护里程", "≥10公里"],
]


@pytest.mark.parametrize("kind", ["txt", "xlsx"])
def test_a_list_tables_unknown_columns_are_named_and_the_edited_layout_maps_them(kind: str, tmp_path: Path) -> None:
    """One project per row: an unknown project column (left of the indicators) is offered as a
    header label, an unknown indicator column as a column; both mapped, every value is read."""
    source = tabbed_form(LIST, tmp_path / "list.txt", kind)
    none = tmp_path / "none"
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layouts", none)
    assert done.returncode == 0, done.stderr
    assert "“安排资金”" in done.stderr and "“考核内容”" in done.stderr
    draft = tmp_path / "o.版式.toml"
    text = draft.read_text(encoding="utf-8")
    header, columns = text.split("\n[columns]\n")
    assert '"安排资金" = ""' in header and '"考核内容" = ""' in columns  # each in the section it can mean
    assert '# "项目名称" = "name"' in header
    first = read_workbook(tmp_path / "o.xlsx").projects
    assert [p.total for p in first] == [None, None] and not any(i.name for p in first for i in p.indicators)
    draft.write_text(text.replace('"安排资金" = ""', '"安排资金" = "total"').replace('"考核内容" = ""', '"考核内容" = "name"'),
                     encoding="utf-8")
    done = _cli(source, "-o", tmp_path / "o2.xlsx", "--layout", draft, "--layouts", none)
    assert done.returncode == 0 and not (tmp_path / "o2.版式.toml").exists(), done.stderr
    projects = read_workbook(tmp_path / "o2.xlsx").projects
    assert [(p.name, p.total) for p in projects] == [("河道保洁", 12.0), ("道路养护", 8.0)]
    assert [[i.name for i in p.indicators] for p in projects] == [["保洁河长", "水质达标"], ["养护里程"]]


TREE = ROOT / "tests" / "corpus" / "11_ningxia_shizuishan_yimiao_tree" / "source.txt"


def test_an_outline_tables_unknown_column_is_named_kept_and_mapped(tmp_path: Path) -> None:
    """The outline table (单位 → 项目 → 一级 → 二级 → 三级 in one column) with its amount column
    titled in words the field table does not know: named, its values kept, mapped by the layout."""
    import xltool

    text = TREE.read_text(encoding="utf-8")
    assert "\t绩效金额" in text
    source = tmp_path / "tree.txt"
    source.write_text(text.replace("\t绩效金额", "\t安排资金"), encoding="utf-8")
    result = xltool.import_tables([source], layouts=tmp_path / "none")
    [p] = result.projects
    assert p.total is None and p.extra.get("安排资金") == "3000000"  # kept under its title, not lost
    [draft] = result.layouts
    assert '"安排资金" = ""' in draft.text.split("\n[columns]\n")[0]
    assert any("“安排资金”" in n for n in p.notes)
    layout = tmp_path / "l.toml"
    layout.write_text(draft.text.replace('"安排资金" = ""', '"安排资金" = "total"'), encoding="utf-8")
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layout", layout, "--layouts", tmp_path / "none")
    assert done.returncode == 0 and not (tmp_path / "o.版式.toml").exists(), done.stderr
    [p] = read_workbook(tmp_path / "o.xlsx").projects
    assert p.total == 300.0 and len(p.indicators) == 13


def test_a_skipped_table_among_read_ones_gets_its_layout_file_too(tmp_path: Path) -> None:
    """Two tables in one text, the first naming its project in unknown words: the second is imported,
    the first is skipped (exit 1) and listed in the layout file; mapped, both are imported."""
    named = [[("项目名称" if v == "资金用途名称" else "道路养护" if v == "河道保洁" else v) for v in row]
             for row in UNKNOWN_NAME]
    source = tabbed_form(UNKNOWN_NAME + [[N]] + named, tmp_path / "two.txt")
    none = tmp_path / "none"
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layouts", none)
    assert done.returncode == 1 and "第 1 张表中没有“项目名称”栏目" in done.stderr, done.stderr
    assert [p.name for p in read_workbook(tmp_path / "o.xlsx").projects] == ["道路养护"]
    draft = tmp_path / "o.版式.toml"
    assert "“资金用途名称”（第 1 张表 A2）" in done.stderr and str(draft) in done.stderr
    draft.write_text(draft.read_text(encoding="utf-8").replace('"资金用途名称" = ""', '"资金用途名称" = "name"'),
                     encoding="utf-8")
    done = _cli(source, "-o", tmp_path / "o2.xlsx", "--layout", draft, "--layouts", none)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in read_workbook(tmp_path / "o2.xlsx").projects] == ["河道保洁", "道路养护"]


def two_sheet_workbook(path: Path) -> Path:
    """Sheet 甲: a 绩效目标表 (12 万元) naming its project in unknown words; sheet 乙: the same table named."""
    from openpyxl import Workbook

    named = [[("项目名称" if v == "资金用途名称" else "道路养护" if v == "河道保洁" else v) for v in row]
             for row in UNKNOWN_NAME]
    workbook = Workbook()
    workbook.active.title = "甲"
    for row in UNKNOWN_NAME:
        workbook.active.append(row)
    second = workbook.create_sheet("乙")
    for row in named:
        second.append(row)
    workbook.save(path)
    return path


def test_a_workbook_sheet_naming_no_project_is_skipped_not_passed_over(tmp_path: Path) -> None:
    """A workbook whose first sheet is a 绩效目标表 (12 万元) naming its project in unknown words: it is
    counted as skipped (exit 1, not "no performance table"), and the layout file lists it."""
    source = two_sheet_workbook(tmp_path / "two.xlsx")
    done = _cli(source, "-o", tmp_path / "o.xlsx", "--layouts", tmp_path / "none")
    assert done.returncode == 1 and "工作表“甲”中没有“项目名称”栏目，未导入" in done.stderr, done.stderr
    assert [p.name for p in read_workbook(tmp_path / "o.xlsx").projects] == ["道路养护"]
    assert "“资金用途名称”（工作表“甲”A2）" in done.stderr and str(tmp_path / "o.版式.toml") in done.stderr
    read = read_workbook(source)  # validate and merge read it this way: the sheet is said to hold money not read
    assert read.unnamed_sheets == ["甲"] and "甲（像项目绩效目标表，但没有找到“项目名称”栏目" in read.skipped_note()


def test_merge_of_a_workbook_with_a_sheet_naming_no_project_exits_1_and_says_so(tmp_path: Path) -> None:
    """The named sheet is merged, the other one's 12 万元 are not in the totals: that is a problem of the run
    (exit 1, a console line naming file and sheet, 文件清单 says it), never a quiet exit 0."""
    import json

    import xltool

    folder = tmp_path / "各单位"
    folder.mkdir()
    two_sheet_workbook(folder / "两张表.xlsx")
    out = tmp_path / "汇总.xlsx"
    done = subprocess.run([sys.executable, "-m", "xltool", "merge", str(folder), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "部分未读取：" in done.stderr and "两张表.xlsx" in done.stderr and "工作表“甲”" in done.stderr
    assert "1 个文件中有未读取的工作表" in done.stdout
    listing = [row for row in sheet_rows(out, "文件清单") if row and "两张表" in str(row[0])]
    assert listing and "像项目绩效目标表" in " ".join(map(str, listing[0])), listing
    report = xltool.merge([folder], output=tmp_path / "汇总2.xlsx")
    entry = next(f for f in report.files if f.file.endswith("两张表.xlsx"))
    assert entry.status == "ok" and entry.error_code == "input.partial" and "“甲”" in entry.message
    assert report.has_problems and report.projects == 1
    json.dumps([f.to_dict() for f in report.files], ensure_ascii=False)
