"""The reviewer's folder, end to end: what departments sent plus what xltool itself left there.

Every extra file is made by the CLI itself (``validate --mark`` backups, ``--mark-to``
copies, an earlier ``merge`` output) or by Excel (a ``~$`` lock file); the merge must
count every yuan once and account for every file, and ``validate FOLDER`` must skip
the same files for the same reasons.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import sheet_rows  # noqa: E402
from benchmarks.common import ProjectSpec, generate_departments, write_department_workbook  # noqa: E402
from xltool.cli import main  # noqa: E402
from xltool.io.discovery import discover  # noqa: E402


ROOT = Path(__file__).resolve().parents[1]


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def folder(tmp_path: Path) -> dict[str, Any]:
    specs = generate_departments(tmp_path / "src", 9, per_workbook=(3, 3), seed=21)
    root = tmp_path / "收件"
    root.mkdir()
    books = []
    for spec in specs:
        books.append(Path(shutil.copy(spec.path, root / spec.path.name)))
    total = round(sum(p.total for s in specs for p in s.projects), 2)
    return {"root": root, "books": books, "specs": specs, "total": total}


def test_a_folder_with_backups_marked_copies_an_old_summary_and_a_lock_counts_every_yuan_once(
    folder: dict[str, Any], tmp_path: Path
) -> None:
    root, books = folder["root"], folder["books"]
    assert cli("validate", books[0], "--mark").exit_code == 0  # warnings only; leaves a .bak- copy beside it
    assert cli("validate", books[1], "--mark-to", root / "标注副本.xlsx").exit_code == 0
    first = cli("merge", root, "-o", root / "汇总.xlsx")
    assert first.exit_code == 0, first.output
    (root / f"~${books[2].name}").write_bytes(b"\x08zhangsan" + b"\x00" * 150)
    backups = list(root.glob("*.bak-*.xlsx"))
    assert len(backups) == 1

    out = tmp_path / "新汇总.xlsx"
    run = cli("merge", root, "-o", out)
    assert run.exit_code == 0, run.output
    rows = sheet_rows(out, "项目汇总")
    assert rows[-1][0] == "合计" and rows[-1][4] == pytest.approx(folder["total"], abs=0.01)
    assert len(rows) - 2 == 9
    funding = sheet_rows(out, "资金汇总")
    assert next(r for r in funding if r[0] == "合计")[3] == pytest.approx(folder["total"], abs=0.01)

    listed = {Path(r[0]).name: (r[1], r[2]) for r in sheet_rows(out, "文件清单")[1:]}
    assert set(listed) == {p.name for p in root.iterdir()}  # every file accounted for
    assert all(listed[b.name][0] == "已汇总" for b in books)
    assert "备份" in listed[backups[0].name][1] and books[0].name in listed[backups[0].name][1]
    assert "标注副本" in listed["标注副本.xlsx"][1] and books[1].name in listed["标注副本.xlsx"][1]
    assert "汇总表" in listed["汇总.xlsx"][1]
    assert "锁文件" in listed[f"~${books[2].name}"][1]
    for name in listed:  # the console names each skipped file with its reason
        if listed[name][0] == "已跳过":
            assert name in run.output

    checked = cli("validate", root)
    assert checked.exit_code == 0, checked.output  # the generated tables hold warnings only
    for name in (backups[0].name, "标注副本.xlsx", "汇总.xlsx", f"~${books[2].name}"):
        assert f"已跳过 {root / name}" in checked.output
    refused = cli("validate", root / "汇总.xlsx")
    assert refused.exit_code == 2 and "汇总表" in refused.output and "问题清单" in refused.output


def test_a_project_sent_twice_is_listed_twice_counted_once_and_named(folder: dict[str, Any], tmp_path: Path) -> None:
    root, specs = folder["root"], folder["specs"]
    again = specs[0].projects[0]
    (root / "补报").mkdir()
    write_department_workbook(root / "补报" / "补报.xlsx", [again])
    out = tmp_path / "汇总.xlsx"
    run = cli("merge", root, "-o", out)
    assert run.exit_code == 1, run.output
    assert "重复项目" in run.output and again.name in run.output and "补报.xlsx" in run.output
    rows = sheet_rows(out, "项目汇总")
    header = tuple(str(h).replace("\n", "") for h in rows[0])
    same = [r for r in rows if r[1] == again.name]
    assert len(same) == 2 and [r[header.index("计入合计")] for r in same] == ["是", "否"]
    assert str(same[1][header.index("备注")]).startswith("重复，不计入")
    assert rows[-1][4] == pytest.approx(folder["total"], abs=0.01)
    codes = [r[4] for r in sheet_rows(out, "问题清单")]
    assert codes.count("HZ001") == 2

    checked = cli("validate", root, "--json")
    assert '"HZ001"' in checked.output


def test_identical_tables_from_different_units_are_a_finding(tmp_path: Path) -> None:
    [spec] = generate_departments(tmp_path / "src", 1, per_workbook=(1, 1), seed=3)
    base = spec.projects[0]
    root = tmp_path / "in"
    root.mkdir()
    for k, unit in enumerate(("区民政局", "区残联", "区老龄办")):
        copy = ProjectSpec(**{**base.__dict__, "department": unit, "implementer": unit})
        write_department_workbook(root / f"{unit}.xlsx", [copy])
    out = tmp_path / "汇总.xlsx"
    assert cli("merge", root, "-o", out).exit_code == 0
    findings = [r for r in sheet_rows(out, "问题清单") if r[4] == "HZ004"]
    assert len(findings) == 3 and "逐字相同" in findings[0][6]
    assert '"HZ004"' in cli("validate", root, "--json").output


def test_a_stale_lock_file_names_itself_and_the_way_out(folder: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "汇总.xlsx"
    lock = tmp_path / "~$汇总.xlsx"
    lock.write_bytes(b"\x08zhangsan")
    first = cli("merge", folder["root"], "-o", out)  # no workbook: the lock cannot be live
    assert first.exit_code == 0 and out.exists(), first.output
    run = cli("merge", folder["root"], "-o", out)  # a workbook behind the lock: may be open
    assert run.exit_code == 2 and str(lock) in run.output and "删除" in run.output
    assert not list(tmp_path.glob("*.bak-*"))


def test_discovery_is_one_for_every_command(folder: dict[str, Any]) -> None:
    root, books = folder["root"], folder["books"]
    (root / f"~${books[0].name}").write_bytes(b"x")
    (root / "单位.bak-20260101-120000.xlsx").write_bytes(b"x")  # no 单位.xlsx beside it: a unit's own file
    shutil.copy(books[0], root / f"{books[0].stem}.bak-20260101-120000.xlsx")  # identical to its original: ours
    found = discover([root])
    assert [f.path.name for f in found.to_read] == sorted([b.name for b in books] + ["单位.bak-20260101-120000.xlsx"])
    assert {f.kind for f in found.skipped} == {"lock", "own"}
    assert "旁边没有原文件" in next(f.note for f in found.to_read if f.path.name.startswith("单位.bak-"))
    (root / "单位.bak-20260101-120000.xlsx").unlink()
    # validate of the lock file named on the command line (a shell's *.xlsx): skipped, not exit 2
    run = cli("validate", *sorted(root.iterdir()))
    assert run.exit_code == 0 and "锁文件" in run.output


def test_ods_marking_says_what_to_do(tmp_path: Path) -> None:
    ods = tmp_path / "表.ods"
    ods.write_bytes(b"PK\x03\x04")
    for option in (["--mark-to", tmp_path / "x.xlsx"], ["--mark-to", tmp_path / "x.ods"], ["--mark"]):
        run = cli("validate", ods, *option)
        assert run.exit_code == 2
        assert "另存为" in run.output and "表.xlsx" in run.output and "扩展名必须" not in run.output


def test_one_indicator_count_everywhere(folder: dict[str, Any], tmp_path: Path) -> None:
    spec = folder["specs"][0]
    project = spec.projects[0]
    real = len(project.real_indicators)
    assert real < len(project.indicators)  # the generator lays a "……" row
    read = cli("read", folder["books"][0])
    assert f"{project.name}" in read.output and f"指标 {real} 条" in read.output.split(project.name, 1)[1].split("\n")[0]
    out = tmp_path / "汇总.xlsx"
    cli("merge", folder["books"][0], "-o", out)
    rows = sheet_rows(out, "项目汇总")
    row = next(r for r in rows if r[1] == project.name)
    assert row[rows[0].index("指标数")] == real


def test_each_error_is_printed_once(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_text("不是工作簿", encoding="utf-8")
    run = cli("validate", bad)
    assert run.exit_code == 2
    assert run.output.count("不是有效的 Excel 工作簿") == 1, run.output  # the reason once, on stderr
    assert "不是有效的 Excel 工作簿" in run.stderr and "原因见下方" in run.stdout


def test_template_announces_its_backup_and_follows_its_year(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    assert cli("template", "-o", out, "--year", "2027").exit_code == 0
    again = cli("template", "-o", out, "--year", "2027")
    assert again.exit_code == 0 and "已备份为" in again.output and ".bak-" in again.output
    wb = openpyxl.load_workbook(out)
    text = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    prompts = " ".join(dv.prompt or "" for ws in wb.worksheets for dv in ws.data_validations.dataValidation)
    assert "2027.01" in text and "2022.01" not in text
    assert "2027.01" in prompts and "2022." not in prompts


def test_many_projects_are_charted_by_department_each_bar_labelled(tmp_path: Path) -> None:
    specs = generate_departments(tmp_path / "in", 60, per_workbook=(4, 6), workbooks_per_department=2, seed=9)
    out = tmp_path / "汇总.xlsx"
    assert cli("merge", tmp_path / "in", "-o", out).exit_code == 0
    rows = sheet_rows(out, "资金图表")
    title = next(i for i, r in enumerate(rows) if str(r[0]).startswith("各主管部门金额"))
    bars = [r for r in rows[title + 2 :] if r[0]]
    departments = {p.department for s in specs for p in s.projects}
    assert {r[0] for r in bars} == departments  # one labelled bar per department, not 60 crowded ones
    assert sum(r[1] for r in bars) == pytest.approx(sum(p.total for s in specs for p in s.projects), abs=0.05)


def test_a_backup_named_without_its_original_is_read(tmp_path: Path) -> None:
    """A proven backup is passed over only when its original is read too: named alone, it is the money."""
    folder = tmp_path / "民政局"
    folder.mkdir()
    original = folder / "民政局.xlsx"
    shutil.copy(ROOT / "examples" / "split" / "宣传费.xlsx", original)
    backup = folder / "民政局.bak-20240315-101010.xlsx"
    shutil.copy(original, backup)

    alone = discover([backup])
    assert [f.path for f in alone.to_read] == [backup]
    assert "没有原文件" in alone.to_read[0].note
    both = discover([folder])
    assert [f.path for f in both.to_read] == [original]  # the folder holds the original: the copy is xltool's
    assert [f.path for f in both.skipped] == [backup]
    run = cli("merge", backup, "-o", tmp_path / "汇总.xlsx")
    assert run.exit_code == 0, run.output
    projects = sheet_rows(tmp_path / "汇总.xlsx", "项目汇总")
    assert [r[1] for r in projects[1:-1]] == ["宣传费"]


def _merge_file_list(root: Path, tmp_path: Path, *, exit_code: int) -> tuple[Any, dict[str, tuple[Any, ...]]]:
    """``merge root`` with the exit code asserted; its 文件清单 rows by file name."""
    out = tmp_path / "汇总.xlsx"
    result = cli("merge", root, "-o", out)
    assert result.exit_code == exit_code, result.output
    return result, {Path(r[0]).name: r for r in sheet_rows(out, "文件清单")[1:]}


def test_archives_are_listed_with_the_tables_they_hold_and_fail_the_run(folder: dict[str, Any], tmp_path: Path) -> None:
    """A unit's zipped workbooks are money the summary lacks: named in 文件清单 with what is inside, exit 1.
    A zip with no table in it stays among the other files; a damaged one and a .rar are listed as unread."""
    import zipfile

    root = folder["root"]
    gbk = "民政局/说明.docx".encode("gbk")  # a name in GBK bytes without the UTF-8 flag, as Chinese Windows zips write
    stand_in = "_" * (len(gbk) - 5) + ".docx"
    with zipfile.ZipFile(root / "民政局报送.zip", "w") as zf:
        zf.write(folder["books"][0], "民政局/项目表.xlsx")
        zf.writestr(stand_in, b"x")
        zf.writestr("__MACOSX/._项目表.xlsx", b"x")
    data = (root / "民政局报送.zip").read_bytes()
    assert data.count(stand_in.encode()) == 2  # local header and central directory
    (root / "民政局报送.zip").write_bytes(data.replace(stand_in.encode(), gbk))
    with zipfile.ZipFile(root / "照片.zip", "w") as zf:
        zf.writestr("a.jpg", b"x")
    (root / "坏包.zip").write_bytes(b"PK\x03\x04broken")
    (root / "财政局.rar").write_bytes(b"Rar!\x1a\x07\x00")
    result, rows = _merge_file_list(root, tmp_path, exit_code=1)
    assert rows["民政局报送.zip"][1] == "已跳过"
    assert "内含 2 个工作簿或文档（项目表.xlsx、说明.docx）" in rows["民政局报送.zip"][2]
    assert "解压" in rows["财政局.rar"][2] and "损坏" in rows["坏包.zip"][2]
    assert "照片.zip" not in rows and "照片.zip" in result.output  # no table inside: among the other files
    assert sum(r[1] == "已汇总" for r in rows.values()) == len(folder["books"])


def test_a_stamped_pdf_or_scan_is_listed_without_failing_the_run(folder: dict[str, Any], tmp_path: Path) -> None:
    """The stamped PDF or photo that comes with a unit's workbook is accounted for in 文件清单, but it is
    no missing money: the run still exits 0. ``validate`` of the folder names it the same way."""
    root = folder["root"]
    (root / "民政局（盖章）.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "签字页.JPG").write_bytes(b"\xff\xd8\xff")
    result, rows = _merge_file_list(root, tmp_path, exit_code=0)
    assert rows["民政局（盖章）.pdf"][1] == "已跳过" and "PDF" in rows["民政局（盖章）.pdf"][2]
    assert "扫描件" in rows["签字页.JPG"][2]
    assert "已跳过" in result.output and "签字页.JPG" in result.output
    kinds = {f.path.name: f.kind for f in discover([root]).files}
    assert kinds["民政局（盖章）.pdf"] == kinds["签字页.JPG"] == "scan"
    checked = cli("validate", root)
    assert "民政局（盖章）.pdf" in checked.output and "扫描件" in checked.output
