"""``xltool merge``: real department workbooks in, the summary workbook re-read and checked.

Expected counts and totals come from the generator's specs (benchmarks/common.py),
computed here independently of the merge; the summary is read back with openpyxl.
"""

from __future__ import annotations

import re

import functools
import multiprocessing
import os
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    WRITER_OPTIONS,
    IndicatorSpec,
    ProjectSpec,
    WorkbookSpec,
    generate_departments,
    write_department_workbook,
)
from xltool.apps import merge  # noqa: E402
from xltool.cli import main  # noqa: E402
from xltool.write.summary import SHEETS  # noqa: E402

FORMULA_LIKE = {
    "name": '=HYPERLINK("http://example.com","点我")',
    "implementer": "+区财政局",
    "overview": "-压减一般性支出，用于=SUM(A1:A9)项目",
    "indicator": "@全体职工",
    "target": "=1+1",
}


def _formula_project() -> ProjectSpec:
    return ProjectSpec(
        name=FORMULA_LIKE["name"], department="区公式局", implementer=FORMULA_LIKE["implementer"],
        total=12.5, province=None, city=None, district=12.5, other=None,
        overview=FORMULA_LIKE["overview"], long_term_goal="长期保障公式局工作", annual_goal="年度完成公式局任务",
        indicators=(
            IndicatorSpec("产出指标", "产出数量指标", FORMULA_LIKE["indicator"], "定性", FORMULA_LIKE["target"]),
            IndicatorSpec("效果指标", "满意度指标", "服务对象满意率", "≥", "90%"),
        ),
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated department workbooks plus every kind of input a real folder holds."""
    root = tmp_path_factory.mktemp("merge") / "各单位"
    specs = generate_departments(root, 60, per_workbook=(2, 6), workbooks_per_department=4, seed=7)
    good: list[WorkbookSpec] = list(specs)
    # The same project (name + 实施单位) sent again in another file: flagged, both kept.
    duplicate = specs[0].projects[0]
    (root / "补报").mkdir()
    dup_path = write_department_workbook(root / "补报" / "重复报送.xlsx", [duplicate])
    good.append(WorkbookSpec(dup_path, [duplicate]))
    formula_path = write_department_workbook(root / "公式局.xlsx", [_formula_project()])
    good.append(WorkbookSpec(formula_path, [_formula_project()]))

    (root / "坏文件").mkdir()
    empty = root / "坏文件" / "空文件.xlsx"
    empty.write_bytes(b"")
    renamed = root / "坏文件" / "其实是文本.xlsx"
    renamed.write_text("项目名称,金额\n档案整理,12\n", encoding="utf-8")
    no_project = root / "坏文件" / "填报说明.xlsx"
    wb = xlsxwriter.Workbook(str(no_project), WRITER_OPTIONS)
    wb.add_worksheet("说明").write_string(0, 0, "各单位请于3月底前报送。")
    wb.close()
    lock = specs[1].path.parent / f"~${specs[1].path.name}"
    lock.write_bytes(b"\x08zhangsan" + b"\x00" * 150)
    hidden = write_department_workbook(root / ".隐藏副本.xlsx", specs[2].projects)
    word = root / "旧表.docx"
    word.write_bytes(b"PK\x03\x04 not really a docx")
    (root / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    hidden_dir = root / ".git"
    hidden_dir.mkdir()
    shutil.copy(specs[0].path, hidden_dir / "旧版本.xlsx")

    out = root.parent / "汇总.xlsx"
    result = CliRunner().invoke(main, ["merge", str(root), "-o", str(out), "-j", "2"])
    return {
        "root": root, "good": good, "out": out, "result": result, "duplicate": duplicate,
        "failed": [empty, renamed], "skipped": [no_project, word], "silent": [lock, hidden],
        "hidden_dirs": [hidden_dir],
    }


def shown(path: Path, folder: Path) -> str:
    """How outputs name a file found in the folder given by its full path: from the folder's name down."""
    return str(path.relative_to(folder.parent))


@functools.cache
def _load(path: Path, mtime: float, data_only: bool) -> Any:
    """openpyxl is the slow part of these tests: load each summary once per mode."""
    return openpyxl.load_workbook(path, data_only=data_only)


def _rows(path: Path, sheet: str, *, data_only: bool = True) -> list[tuple[Any, ...]]:
    wb = _load(path, path.stat().st_mtime, data_only)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def _table(path: Path, sheet: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    rows = _rows(path, sheet)
    return [str(h).replace("\n", "") for h in rows[0]], rows[1:]  # a long title breaks before its unit


def test_cli_reports_and_exits_1_when_some_inputs_were_skipped(corpus: dict[str, Any]) -> None:
    result = corpus["result"]
    assert result.exit_code == 1, result.output
    projects = sum(len(w.projects) for w in corpus["good"])
    assert f"共 {projects - 1} 个项目" in result.output  # the duplicate counts once
    for path in corpus["failed"] + corpus["skipped"]:
        assert shown(path, corpus["root"]) in result.output  # each problem file is named on stderr
    assert "跳过 2 个、失败 2 个" in result.output
    assert "重复项目：" in result.output and corpus["duplicate"].name in result.output


def test_every_input_is_accounted_for_in_file_list(corpus: dict[str, Any]) -> None:
    headers, rows = _table(corpus["out"], "文件清单")
    assert headers == ["文件", "状态", "原因", "项目数"]
    listed = {r[0]: r for r in rows}
    assert len(listed) == len(rows)  # each file once
    root = corpus["root"]
    expected: dict[str, tuple[str, int]] = {shown(w.path, root): ("已汇总", len(w.projects)) for w in corpus["good"]}
    expected.update({shown(p, root): ("失败", 0) for p in corpus["failed"]})
    expected.update({shown(p, root): ("已跳过", 0) for p in corpus["skipped"] + corpus["silent"] + corpus["hidden_dirs"]})
    assert {k: (v[1], v[3]) for k, v in listed.items()} == expected  # nothing missing, nothing extra
    assert "空" in listed[shown(corpus["failed"][0], root)][2]
    assert "锁文件" in listed[shown(corpus["silent"][0], root)][2]
    assert "隐藏文件" in listed[shown(corpus["silent"][1], root)][2]
    assert "隐藏" in listed[shown(corpus["hidden_dirs"][0], root)][2]  # a hidden folder is named, never passed over
    assert "未找到项目绩效目标表" in listed[shown(corpus["skipped"][0], root)][2]
    assert "xltool import" in listed[shown(corpus["skipped"][1], root)][2]


def _counted(corpus: dict[str, Any]) -> list[ProjectSpec]:
    """The projects every total counts: the duplicate sent again only once."""
    specs = [p for w in corpus["good"] for p in w.projects]
    specs.remove(corpus["duplicate"])
    return specs


def test_project_rows_totals_and_total_row(corpus: dict[str, Any]) -> None:
    headers, rows = _table(corpus["out"], "项目汇总")
    col = {h: i for i, h in enumerate(headers)}
    specs = [p for w in corpus["good"] for p in w.projects]
    counted = _counted(corpus)
    *data, total_row = rows
    assert len(data) == len(specs)
    assert [r[col["序号"]] for r in data] == list(range(1, len(specs) + 1))
    by_key = Counter((p.name, p.implementer, p.total, p.district, len(p.real_indicators)) for p in specs)
    got = Counter(
        (r[col["项目名称"]], r[col["实施单位"]], r[col["总额（万元）"]], r[col["区级（万元）"]], r[col["指标数"]]) for r in data
    )
    assert got == by_key
    assert total_row[0] == "合计" and total_row[1] == f"{len(counted)} 个项目（另有 1 行重复，不计入）"
    for header, attr in (("总额（万元）", "total"), ("部省级（万元）", "province"), ("市级（万元）", "city"), ("区级（万元）", "district")):
        expected = round(sum(getattr(p, attr) or 0 for p in counted), 2)
        assert total_row[col[header]] == pytest.approx(expected, abs=0.005)
    assert total_row[col["指标数"]] == sum(len(p.real_indicators) for p in counted)
    assert sorted(r[col["计入合计"]] for r in data).count("否") == 1
    # The 合计 cells are live formulas (they follow the filter), with the value stored.
    formulas = _rows(corpus["out"], "项目汇总", data_only=False)[-1]
    # Visible (筛选可见) and counted (计入合计 = 是) rows only; tests/test_summary_totals.py filters them in LibreOffice.
    assert str(formulas[col["总额（万元）"]]).startswith('=SUMIFS($E$2:$E$')
    assert ',"是",' in str(formulas[col["总额（万元）"]]) and formulas[-1] is None
    # Errors/warnings per project agree with the findings listed for it.
    fh, findings = _table(corpus["out"], "问题清单")
    errors = Counter((r[fh.index("文件")], r[fh.index("工作表")]) for r in findings if r[fh.index("严重程度")] == "错误")
    for r in data:
        assert r[col["错误数"]] == errors[(r[col["来源文件"]], r[col["来源工作表"]])]


def test_indicator_detail_lists_every_real_indicator(corpus: dict[str, Any]) -> None:
    headers, rows = _table(corpus["out"], "指标明细")
    col = {h: i for i, h in enumerate(headers)}
    specs = [p for w in corpus["good"] for p in w.projects]
    assert len(rows) == sum(len(p.real_indicators) for p in specs)
    expected = Counter((p.name, i.level2, i.name, i.target) for p in specs for i in p.real_indicators)
    got = Counter((r[col["项目名称"]], r[col["二级指标"]], r[col["三级指标"]], r[col["目标值"]]) for r in rows)
    assert got == expected
    rate = next(r for r in rows if r[col["目标值"]] == "90%")
    assert (rate[col["数值"]], rate[col["单位"]], rate[col["定量/定性"]]) == (90, "%", "定量")
    assert all(r[col["单元格"]] and r[col["来源工作表"]] for r in rows)


def test_funding_summary_by_department_and_unit(corpus: dict[str, Any]) -> None:
    headers, rows = _table(corpus["out"], "资金汇总")
    col = {h: i for i, h in enumerate(headers)}
    specs = _counted(corpus)
    units: dict[tuple[str, str], list[ProjectSpec]] = defaultdict(list)
    for p in specs:
        units[(p.department, p.implementer)].append(p)
    total_at = next(i for i, r in enumerate(rows) if r[0] == "合计")
    detail = [r for r in rows[:total_at] if r[1] != "小计"]
    assert {(r[0], r[1]): (r[col["项目数"]], r[col["总额（万元）"]]) for r in detail} == {
        k: (len(v), pytest.approx(round(sum(p.total for p in v), 2), abs=0.005)) for k, v in units.items()
    }
    grand = rows[total_at]
    assert grand[col["项目数"]] == len(specs)
    assert grand[col["总额（万元）"]] == pytest.approx(sum(p.total for p in specs), abs=0.01)
    assert grand[col["差额（万元）"]] == pytest.approx(0, abs=0.01)  # generated sources add up
    # The charts have a sheet of their own, their data under them: the four sources, then the bars.
    share = {r[0]: r[1] for r in _rows(corpus["out"], "资金图表") if r[0] in ("部省级", "市级", "区级", "其他")}
    assert share["区级"] == pytest.approx(sum(p.district or 0 for p in specs), abs=0.01)
    assert len(_load(corpus["out"], corpus["out"].stat().st_mtime, False)["资金图表"]._charts) == 2


def test_department_form_per_department(corpus: dict[str, Any]) -> None:
    rows = _rows(corpus["out"], "部门整体绩效目标")
    specs = _counted(corpus)
    by_dept: dict[str, list[ProjectSpec]] = defaultdict(list)
    for p in specs:
        by_dept[p.department].append(p)
    # The 部门（单位）名称 row heads every page of a form: each form's name once, in order.
    names = list(dict.fromkeys(r[2] for r in rows if r[0] == "部门（单位）名称"))
    assert sorted(names) == sorted(by_dept)
    sums = [r[4] for r in rows if r[1] == "金额合计"]
    for dept, total in zip(names, sums):
        assert total == pytest.approx(round(sum(p.total for p in by_dept[dept]), 2), abs=0.005)
    # 年度总体目标: one numbered item per row, each with the project's whole goal.
    goals = [r[1] for r in rows if isinstance(r[1], str) and r[1].startswith("目标")]
    assert len(goals) == len(specs)
    assert all(any(p.annual_goal in g for g in goals) for p in specs)
    # 年度主要任务: each project with its amount.
    tasks = {(r[1], r[4]) for r in rows if r[1] in {p.name for p in specs}}
    assert {(p.name, p.total) for p in specs} <= tasks
    # Indicator rows (一级 | 二级 | 三级 | 指标值): operator folded into the value as on the form.
    assert any(r[3] == "服务对象满意率" and r[4] == "≥90%" for r in rows)


def test_duplicates_flagged_and_both_kept(corpus: dict[str, Any]) -> None:
    dup: ProjectSpec = corpus["duplicate"]
    headers, rows = _table(corpus["out"], "项目汇总")
    col = {h: i for i, h in enumerate(headers)}
    same = [r for r in rows if r[col["项目名称"]] == dup.name]
    assert len(same) == 2
    # Short pointers that print: each copy names the other's 序号 (the places are in 问题清单).
    assert str(same[0][col["备注"]]) == f"重复，计入；另见序号 {same[1][col['序号']]}"
    assert str(same[1][col["备注"]]) == f"重复，不计入；同序号 {same[0][col['序号']]}"
    assert [r[col["计入合计"]] for r in same] == ["是", "否"]
    assert sum(1 for r in rows if r[col["备注"]]) == 2  # nobody else is marked
    fh, findings = _table(corpus["out"], "问题清单")
    flagged = [r for r in findings if r[fh.index("规则代码")] == merge.CODE_DUPLICATE]
    assert sorted(r[fh.index("文件")] for r in flagged) == sorted(r[col["来源文件"]] for r in same)
    # The copy has the counted copy's content: its findings are listed once, under the counted copy.
    first_file, copy_file = same[0][col["来源文件"]], same[1][col["来源文件"]]
    listed = Counter(r[fh.index("文件")] for r in findings if r[fh.index("规则代码")] != merge.CODE_DUPLICATE)
    assert listed[copy_file] == 0 and listed[first_file] > 0
    copy_flag = next(r for r in flagged if r[fh.index("文件")] == copy_file)
    # HZ001 is worded as validate words it (tests/test_batch_rules_agree.py) and points at the counted copy.
    assert f"另见 {first_file}" in copy_flag[fh.index("问题说明")] and "不计入合计" in copy_flag[fh.index("问题说明")]
    failed = [r for r in findings if r[fh.index("规则代码")] == merge.CODE_FILE_FAILED]
    assert sorted(r[0] for r in failed) == sorted(shown(p, corpus["root"]) for p in corpus["failed"])


def test_formula_like_text_stays_text(corpus: dict[str, Any]) -> None:
    wb = _load(corpus["out"], corpus["out"].stat().st_mtime, False)  # not data_only: a formula shows as one
    texts = set(FORMULA_LIKE.values())
    found: dict[str, str] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in texts:
                    found[cell.value] = cell.data_type
                elif cell.data_type == "f":
                    assert re.match(r"=(SUBTOTAL\((109|103),|SUMIFS\(|SUM\()", cell.value), (ws.title, cell.coordinate, cell.value)
    assert set(found) == texts
    assert set(found.values()) == {"s"}


def test_sheet_layout(corpus: dict[str, Any]) -> None:
    wb = _load(corpus["out"], corpus["out"].stat().st_mtime, False)
    assert wb.sheetnames == list(SHEETS)
    for name in ("项目汇总", "指标明细", "问题清单", "文件清单"):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows.replace("$", "") == "1:1"
    for ws in wb.worksheets:  # A4, one page wide, footer with sheet name and page x/y
        assert ws.page_setup.paperSize == 9 and "&A" in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text
        if ws.title != "资金图表":
            assert ws.page_setup.fitToWidth in (1, None) and ws.sheet_properties.pageSetUpPr.fitToPage
    assert wb["项目汇总"].print_title_cols.replace("$", "") == "A:B" and wb["项目汇总"].page_setup.orientation == "landscape"
    assert wb["部门整体绩效目标"].page_setup.orientation == "portrait"
    ws = wb["项目汇总"]
    assert ws["E2"].number_format == "#,##0.00_ "  # padded: two amounts side by side never touch
    assert 8 < ws.column_dimensions["B"].width <= 60


def test_nothing_merged_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(main, ["merge", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert "没有可汇总的项目表" in result.output and "坏.xlsx" in result.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["坏.xlsx"]


@pytest.mark.parametrize("case", ["output_is_input", "not_xlsx", "missing_input", "empty_folder"])
def test_wrong_arguments_exit_2(tmp_path: Path, case: str) -> None:
    [spec] = generate_departments(tmp_path / "in", 2, per_workbook=(2, 2))
    before = spec.path.read_bytes()
    out = {"output_is_input": spec.path, "not_xlsx": tmp_path / "汇总.csv"}.get(case, tmp_path / "汇总.xlsx")
    source = {"missing_input": tmp_path / "没有这个文件夹", "empty_folder": tmp_path / "空"}.get(case, tmp_path / "in")
    (tmp_path / "空").mkdir()
    result = CliRunner().invoke(main, ["merge", str(source), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("错误：") and "Traceback" not in result.output
    assert spec.path.read_bytes() == before


def test_clean_run_exit_0_rerun_backs_up_and_skips_previous_summary(tmp_path: Path) -> None:
    specs = generate_departments(tmp_path / "in", 6, per_workbook=(3, 3))
    out = tmp_path / "in" / "汇总.xlsx"  # inside the input folder on purpose
    first = merge.merge_workbooks([tmp_path / "in"], out, jobs=1)
    assert not first.has_problems and first.projects == 6 and first.backup is None
    second = merge.merge_workbooks([tmp_path / "in"], out, jobs=1)
    assert not second.has_problems and second.projects == 6  # the old summary was not read as input
    assert second.backup is not None and second.backup.exists()
    files = {r[0]: r[1] for r in _table(out, "文件清单")[1]}
    folder = tmp_path / "in"
    assert files[shown(out, folder)] == "已跳过" and all(files[shown(s.path, folder)] == "已汇总" for s in specs)
    assert not list(tmp_path.rglob("*xltool-tmp*"))


def test_interrupt_leaves_previous_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate_departments(tmp_path / "in", 20, per_workbook=(1, 2))
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"previous summary")
    calls = 0

    def interrupt(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        merge.merge_workbooks([tmp_path / "in"], out, jobs=2, progress=interrupt)
    assert calls == 5
    assert not multiprocessing.active_children()

    import xltool.write.summary.tables as tables

    def broken_writer(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tables, "write_files", broken_writer)
    with pytest.raises(KeyboardInterrupt):
        merge.merge_workbooks([tmp_path / "in"], out, jobs=1)
    assert out.read_bytes() == b"previous summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "汇总.xlsx"]  # no temp file, no backup


def test_too_many_rows_for_excel_is_an_error_not_a_silent_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xltool.write.summary.layout as layout

    generate_departments(tmp_path / "in", 6, per_workbook=(3, 3))
    monkeypatch.setattr(layout, "EXCEL_MAX_ROWS", 40)  # 6 tables hold ~70 indicators
    result = CliRunner().invoke(main, ["merge", str(tmp_path / "in"), "-o", str(tmp_path / "汇总.xlsx"), "-j", "1"])
    assert result.exit_code == 2 and "指标明细" in result.output and "上限" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker crash simulation relies on fork")
def test_a_crashing_or_memory_hungry_file_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = generate_departments(tmp_path / "in", 24, per_workbook=(2, 2))
    shutil.copy(specs[0].path, tmp_path / "in" / "crash.xlsx")
    shutil.copy(specs[1].path, tmp_path / "in" / "hog.xlsx")
    real = merge.reading._read_file

    def misbehave(index: int, path: str, options: merge.ReadOptions, shown: str) -> merge.FileResult:
        name = Path(path).name
        if name == "crash.xlsx":
            os._exit(7)  # the worker dies as on a segfault in a native parser
        if name == "hog.xlsx":
            bytearray(2 * 1024**3)  # 2 GiB: more than the worker may take, though the machine has it
        return real(index, path, options, shown)

    monkeypatch.setattr(merge.reading, "_read_file", misbehave)  # forked workers inherit the patch
    report = merge.merge_workbooks([tmp_path / "in"], tmp_path / "汇总.xlsx", jobs=2, memory_mb=512, validate=False)
    assert report.has_problems
    assert (report.merged, report.failed, report.projects) == (len(specs), 2, 24)
    reasons = {Path(f).name: reason for f, status, reason in report.problems}
    assert "进程异常退出" in reasons["crash.xlsx"]
    assert "内存不足" in reasons["hog.xlsx"]


def test_collect_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / ".svn").mkdir()
    for name in ("a/b/二.xlsx", "a/一.XLSX", "a/三.ods", "a/~$一.XLSX", "a/.svn/x.xlsx", "a/图.png", "a/旧.docx"):
        (tmp_path / name).write_bytes(b"x")
    got = merge.discover([tmp_path / "a", tmp_path / "a" / "一.XLSX"])
    assert [(f.path.relative_to(tmp_path).as_posix(), f.kind) for f in got.files] == [
        ("a/.svn", "hidden"), ("a/~$一.XLSX", "lock"), ("a/一.XLSX", ""), ("a/三.ods", ""), ("a/图.png", "scan"),
        ("a/旧.docx", "noted"), ("a/b/二.xlsx", ""),
    ]
    assert got.ignored == 0  # the picture is listed (a scan of a table), not passed over
    # A folder given by its full path is named in the summary from its own name down (the part a
    # printed page has room for); given relatively, as typed; a file named on its own, as given.
    assert [f.in_summary for f in got.files if not f.skip] == [
        str(Path("a", "一.XLSX")), str(Path("a", "三.ods")), str(Path("a", "b", "二.xlsx")),
    ]
    assert all(f.display == str(f.path) for f in got.files)  # validate and import name files as given
    monkeypatch.chdir(tmp_path)
    relative = merge.discover([Path("a"), tmp_path / "a" / "b" / "二.xlsx"])
    assert [f.in_summary for f in relative.files if not f.skip][0] == str(Path("a", "一.XLSX"))
    assert relative.files[-1].in_summary == str(Path("a", "b", "二.xlsx"))  # found in the folder first


try:
    from tests.lo_helper import need, run_uno_script, uno_available
except ImportError:  # pragma: no cover - run from inside tests/
    from lo_helper import need, run_uno_script, uno_available  # type: ignore[no-redef]


@pytest.mark.libreoffice
def test_summary_opens_in_libreoffice_with_charts(corpus: dict[str, Any]) -> None:
    need(uno_available(), "LibreOffice with python3-uno is not installed")
    info = run_uno_script(
        '''
        doc = load(ARGS["path"])
        sheets = doc.Sheets
        projects = sheets.getByName("项目汇总")
        cursor = projects.createCursor()
        cursor.gotoEndOfUsedArea(False)
        last = cursor.RangeAddress.EndRow
        cached = projects.getCellByPosition(4, last).getValue()
        doc.calculateAll()
        result = {
            "sheets": [sheets.getByIndex(i).Name for i in range(sheets.Count)],
            "charts": {s.Name: s.getCharts().getCount() for s in (sheets.getByIndex(i) for i in range(sheets.Count))},
            "total_label": projects.getCellByPosition(0, last).getString(),
            "cached": cached,
            "recalculated": projects.getCellByPosition(4, last).getValue(),
            "names": [row[0] for row in projects.getCellRangeByPosition(1, 1, 1, last - 1).getDataArray()],
        }
        doc.close(True)
        ''',
        args={"path": str(corpus["out"])},
    )
    assert info["sheets"] == list(SHEETS)
    assert info["charts"]["资金图表"] == 2 and sum(info["charts"].values()) == 2
    specs = _counted(corpus)
    assert info["total_label"] == "合计"
    assert info["recalculated"] == pytest.approx(sum(p.total for p in specs), abs=0.01)
    assert info["cached"] == pytest.approx(info["recalculated"], abs=0.001)
    assert FORMULA_LIKE["name"] in info["names"]  # text, not a formula (a formula would show its result)


@pytest.mark.libreoffice
def test_xls_and_ods_inputs_are_merged(tmp_path: Path) -> None:
    need(uno_available(), "LibreOffice with python3-uno is not installed")
    [xlsx_spec, ods_spec] = generate_departments(tmp_path / "src", 5, per_workbook=(2, 3), seed=11)
    folder = tmp_path / "in"
    folder.mkdir()
    xls, ods = folder / "旧格式.xls", folder / "开放格式.ods"
    run_uno_script(  # both conversions in one script
        """
        for source, target, filter_name in ARGS["jobs"]:
            doc = load(source)
            store(doc, target, filter_name)
            doc.close(True)
        """,
        args={"jobs": [[str(xlsx_spec.path), str(xls), "MS Excel 97"], [str(ods_spec.path), str(ods), "calc8"]]},
    )
    report = merge.merge_workbooks([folder], tmp_path / "汇总.xlsx", jobs=1)
    assert (report.has_problems, report.merged, report.projects) == (False, 2, 5)
    headers, rows = _table(tmp_path / "汇总.xlsx", "项目汇总")
    got = {(r[1], r[4], r[headers.index("来源文件")]) for r in rows[:-1]}
    assert got == {(p.name, p.total, shown(xls, folder)) for p in xlsx_spec.projects} | {
        (p.name, p.total, shown(ods, folder)) for p in ods_spec.projects
    }


def test_hostile_files_cost_one_line_each_and_leak_nothing(tmp_path: Path) -> None:
    try:
        from tests import hostile
    except ImportError:  # pragma: no cover - run from inside tests/
        import hostile  # type: ignore[no-redef]

    corpus = hostile.build_corpus(tmp_path / "in", include_bomb=False)
    [good] = generate_departments(tmp_path / "in" / "good", 3, per_workbook=(3, 3))
    out = tmp_path / "汇总.xlsx"
    report = merge.merge_workbooks([tmp_path / "in"], out, jobs=2)
    assert report.has_problems and report.projects == 3 + len(merge.read_file(0, str(corpus["valid"])).projects)
    files = {r[0]: r[1] for r in _table(out, "文件清单")[1]}
    workbooks = [p for p in corpus.values() if p.is_file() and p.suffix.lower() in merge.WORKBOOK_SUFFIXES]
    folder = tmp_path / "in"
    assert set(files) == {shown(p, folder) for p in workbooks} | {shown(good.path, folder)}
    assert files[shown(corpus["valid"], folder)] == files[shown(good.path, folder)] == "已汇总"
    assert files[shown(corpus["xxe"], folder)] == files[shown(corpus["zip_many_entries"], folder)] == "失败"
    text = repr([_rows(out, name) for name in SHEETS])
    assert hostile.SECRET_MARKER not in text
