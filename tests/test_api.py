"""The library API (``xltool.validate`` …): paths and uploads alike, the CLI's JSON, threads, grids.

The facade is what a web handler and the WPS add-in call, so each promise is checked
against the real thing: the CLI run as ``python -m xltool``, real workbooks written
and re-read, several threads at once.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import xltool
from tests import hostile
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "区行政审批局_2022.xlsx"
REL = "examples/区行政审批局_2022.xlsx"
SMALL = ROOT / "examples" / "broken_demo.xlsx"  # one table with errors: quick to mark


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xltool", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def example_report() -> xltool.ValidationReport:
    return xltool.validate([REL])


def _where(report: xltool.ValidationReport) -> list[tuple[str, str, str, str, str]]:
    return [(f.code, f.severity.value, f.sheet, f.cell, f.message) for f in report.findings]


def test_import_xltool_is_light() -> None:
    code = "import sys, xltool; print(sorted(m for m in ('xltool.api', 'pydantic', 'openpyxl', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "[]"


def test_every_exported_name_resolves() -> None:
    import xltool.api as api

    for name in api.__all__:
        assert getattr(xltool, name) is getattr(api, name)
    with pytest.raises(AttributeError):
        xltool.no_such_name  # noqa: B018


def test_paths_bytes_and_file_objects_give_the_same_report(example_report: xltool.ValidationReport) -> None:
    data = EXAMPLE.read_bytes()
    as_upload = xltool.validate([xltool.Upload(REL, data)])
    handle = io.BytesIO(data)
    handle.name = REL
    as_file_object = xltool.validate(handle)
    assert example_report.findings and example_report.errors > 0
    assert as_upload.to_dict() == example_report.to_dict()
    assert as_file_object.to_dict() == example_report.to_dict()
    assert [f.file for f in as_upload.files] == [REL]


def test_upload_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    report = xltool.validate([xltool.Upload("表.xlsx", EXAMPLE.read_bytes()), xltool.Upload("坏.xlsx", b"junk")])
    assert [f.status for f in report.files] == ["ok", "failed"]
    assert list(tmp_path.iterdir()) == []
    # the failure names the user's file, never the staged copy
    assert report.files[1].file == "坏.xlsx" and str(tmp_path) not in json.dumps(report.to_dict(), ensure_ascii=False)


def test_to_dict_is_exactly_the_cli_json(example_report: xltool.ValidationReport, tmp_path: Path) -> None:
    done = _cli("validate", "--json", REL)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == example_report.to_dict()
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    both = [REL, str(bad)]
    done = _cli("validate", "--json", *both)
    assert done.returncode == 2
    report = xltool.validate(both)
    assert json.loads(done.stdout) == report.to_dict()
    assert report.files[1].error_code == "file.not_workbook"


def test_read_to_dict_is_exactly_the_cli_json() -> None:
    done = _cli("read", "--json", REL)
    assert done.returncode == 0, done.stderr
    report = xltool.read([REL])
    assert json.loads(done.stdout) == report.to_dict()
    assert len(report.projects) == 22 and report.files[0].projects == 22


def test_errors_carry_stable_codes(tmp_path: Path) -> None:
    sources = {
        "file.encrypted": hostile.make_encrypted_xlsx(tmp_path),
        "file.not_workbook": hostile.make_pdf_xlsx(tmp_path),
        "file.damaged": hostile.make_truncated_xlsx(tmp_path),
        "file.empty": hostile.make_empty_xlsx(tmp_path),
        "file.too_large": hostile.make_zip_bomb_declared(tmp_path),
        "input.no_table": hostile.make_unrelated_xlsx(tmp_path),
        "file.not_found": tmp_path / "缺失.xlsx",
    }
    report = xltool.validate(list(sources.values()))
    assert {f.file: f.error_code for f in report.files} == {str(p): code for code, p in sources.items()}
    with pytest.raises(xltool.XltoolError) as caught:
        xltool.import_tables([sources["file.encrypted"]])
    assert caught.value.to_dict() == {"code": "file.encrypted", "message": caught.value.message,
                                      "file": str(sources["file.encrypted"]), "sheet": None, "cell": None}
    with pytest.raises(xltool.XltoolError) as caught:
        xltool.make_template(profile="没有这个体系")
    assert caught.value.code == "args.invalid"


def test_eight_threads_at_once_match_a_serial_run(tmp_path: Path) -> None:
    data = EXAMPLE.read_bytes()
    unrelated = hostile.make_unrelated_xlsx(tmp_path).read_bytes()
    jobs = [
        [REL],
        [xltool.Upload("上传.xlsx", data)],
        [xltool.Upload("上传.xlsx", data), xltool.Upload("无表.xlsx", unrelated)],
        [REL, str(ROOT / "examples" / "broken_demo.xlsx")],
    ] * 2

    def run(sources: list[object]) -> dict[str, object]:
        return xltool.validate(sources).to_dict()

    serial = [run(s) for s in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(run, jobs))
    assert parallel == serial
    assert len({json.dumps(s, ensure_ascii=False, sort_keys=True) for s in serial}) == 4


def test_validate_grid_matches_validate_on_the_file(example_report: xltool.ValidationReport) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(EXAMPLE))
    sheets = [{"name": name, "values": book.get_sheet_by_name(name).to_python(skip_empty_area=False)}
              for name in book.sheet_names]
    grid = xltool.validate_grid(REL, sheets)
    assert grid.files[0].status == "ok" and grid.files[0].projects == example_report.files[0].projects
    assert _where(grid) == _where(example_report)
    assert {f.file for f in grid.findings} == {REL}


def test_validate_grid_without_a_project_sheet_says_so() -> None:
    report = xltool.validate_grid("空.xlsx", [{"name": "Sheet1", "values": [["你好", ""], [1, 2]]}])
    assert report.files[0].status == "failed" and report.files[0].error_code == "input.no_table"
    assert report.findings == []


def test_mark_returns_bytes_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from xltool.core.names import RESULTS_SHEET

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = xltool.mark(xltool.Upload("表.xlsx", SMALL.read_bytes()))
    assert result.output is None and result.marked_cells > 0
    assert list(tmp_path.iterdir()) == []
    workbook = openpyxl.load_workbook(io.BytesIO(result.data))
    assert RESULTS_SHEET in workbook.sheetnames


def test_mark_to_output_and_template_bytes(tmp_path: Path) -> None:
    out = tmp_path / "标注.xlsx"
    result = xltool.mark(SMALL, output=out)
    assert result.output == out and out.is_file() and result.data is None
    data = xltool.make_template(sheets=2)
    assert isinstance(data, bytes) and data[:2] == b"PK"
    report = xltool.validate([xltool.Upload("模板.xlsx", data)])
    # An untouched template's sheets are blank project sheets, not projects (issue 21): said, not counted.
    blank = report.files[0]
    assert (blank.status, blank.projects, blank.error_code) == ("failed", 0, "input.no_table")
    assert "空白项目表" in blank.message and "项目1" in blank.message and "项目2" in blank.message


def test_import_tables_from_an_upload() -> None:
    source = ROOT / "examples" / "source" / "区行政审批局_2022.txt"
    result = xltool.import_tables([xltool.Upload("旧表.txt", source.read_bytes())])
    assert len(result.projects) == 22 and result.data is not None and result.output is None
    assert {p.file for p in result.projects} == {"旧表.txt"}
    again = xltool.read([xltool.Upload("导入.xlsx", result.data)])
    assert [p.name for p in again.projects] == [p.name for p in result.projects]


def test_merge_reports_every_file_and_progress(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"junk")
    calls: list[tuple[int, int]] = []
    report = xltool.merge([REL, bad], output=tmp_path / "汇总.xlsx", jobs=1,
                          progress=lambda done, total: calls.append((done, total)))
    assert report.output.is_file() and report.projects == 22
    assert {(f.file, f.status) for f in report.files} == {(REL, "ok"), (str(bad), "failed")}
    assert report.has_problems
    assert calls[-1] == (2, 2)


@pytest.mark.parametrize("command", [["read"], ["validate", "--mark"], ["import", "-o", "{out}"]])
def test_a_refused_file_never_loads_the_parser_or_the_model(tmp_path: Path, command: list[str]) -> None:
    """The gate answers first: a file it refuses costs the interpreter, click and the gate, nothing more."""
    bad = tmp_path / "文件.xlsx"
    bad.write_bytes(b"%PDF-1.4 not a workbook")
    argv = [a.replace("{out}", str(tmp_path / "输出.xlsx")) for a in command] + [str(bad)]
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['xltool', *{argv!r}]\n"
        "try:\n    runpy.run_module('xltool', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "heavy = [m for m in ('pydantic', 'xltool.parse.reader', 'xltool.rules', 'openpyxl') if m in sys.modules]\n"
        "print(code, heavy, file=sys.__stderr__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "2 []", done.stderr
    assert "PDF" in done.stderr and str(bad) in done.stderr


def test_every_error_code_raised_is_in_the_published_list() -> None:
    """Front ends branch on these codes: a new one is added to ``core.errors.CODES`` (and so documented) first."""
    import re

    from xltool.core.errors import CODES

    used: set[str] = set()
    for path in (ROOT / "xltool").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bcode="([a-z_]+\.[a-z_]+)"', text))
        used |= set(re.findall(r'refuse\([^\n]*, p, "([a-z_]+\.[a-z_]+)"\)', text))
        used |= set(re.findall(r'^\s+"([a-z_]+\.[a-z_]+)",\n\s+\)', text, re.M))  # refuse(...) over several lines
    assert len(used) >= 15
    assert used - CODES == set()
    assert xltool.XltoolError("x", file="a.xlsx").code == "file.unreadable"
    assert xltool.XltoolError("x").code == "args.invalid"


def test_discovery_lists_every_file_it_passed_over(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "报送"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "表.xlsx")
    hostile.make_lock_file(folder, "~$表.xlsx")
    calls: list[tuple[int, int]] = []
    report = xltool.validate([folder], discover=True, progress=lambda done, total: calls.append((done, total)))
    assert [(Path(f.file).name, f.status, f.error_code) for f in report.files] == [
        ("表.xlsx", "ok", ""), ("~$表.xlsx", "skipped", "quiet")]
    assert report.notices and "~$表.xlsx" in report.notices[0]
    assert calls == [(1, 1)]
    assert [f["file"] for f in report.to_dict()["files"]] == [str(folder / "表.xlsx")]


def test_merge_of_uploads_names_them_never_a_temporary_path(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from python_calamine import CalamineWorkbook

    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    data = EXAMPLE.read_bytes()
    report = xltool.merge([xltool.Upload("甲.xlsx", data), xltool.Upload("甲.xlsx", data)],
                          output=tmp_path / "汇总.xlsx", jobs=1)
    assert [(f.file, f.status) for f in report.files] == [("上传文件/甲.xlsx", "ok"), ("上传文件/1/甲.xlsx", "ok")]
    assert report.projects == 22 and len(report.duplicates) == 22 and report.has_problems
    book = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx"))
    listed = [row[0] for row in book.get_sheet_by_name("文件清单").to_python()[1:]]
    assert listed == ["上传文件/甲.xlsx", "上传文件/1/甲.xlsx"]
    assert list(staging.iterdir()) == []
