"""``xltool validate``: the report, JSON, exit codes, batch rules and marking from the CLI.

Expected findings always come from the library itself (read → rules), so these
tests check what the command does with them, not what the rules currently say.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from click.testing import CliRunner, Result

from xltool.cli import main
from xltool.core.findings import Finding, Severity, count_by_severity
from xltool.core.model import Project
from xltool.apps.sources import read_workbook
from xltool.core.names import RESULTS_SHEET
from xltool.apps.validate import validate_files
from xltool.rules import CATALOGUE, rule, validate_projects

try:
    from tests.test_annotate import make_workbook, seed_like_projects, xlsxwriter_project
except ImportError:  # pragma: no cover - run from inside tests/
    from test_annotate import make_workbook, seed_like_projects, xlsxwriter_project  # type: ignore[no-redef]


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("cli") / "区行政审批局.xlsx")


@pytest.fixture()
def local(book: Path, tmp_path: Path) -> Path:
    copy = tmp_path / book.name
    copy.write_bytes(book.read_bytes())
    return copy


def expected(*paths: Path) -> list[Finding]:
    projects = [p for path in paths for p in read_workbook(path).projects]
    return validate_projects(projects)


def test_text_report_lists_every_finding_by_file_and_project_with_counts(local: Path) -> None:
    findings = expected(local)
    assert findings, "the seed-like projects must give findings"
    result = run(local)
    no_traceback(result)
    counts = count_by_severity(findings)
    assert result.exit_code == (1 if counts[Severity.ERROR] else 0)
    out = result.output
    assert f"■ 文件：{local}" in out
    for project in {f.project for f in findings}:
        assert f"项目“{project}”" in out
    lines = out.splitlines()
    for f in findings:
        assert any(f.code in line and f.message in line and f.severity.label in line
                   and (f.cell or "整表") in line for line in lines), f
    assert (f"错误 {counts[Severity.ERROR]} 条，警告 {counts[Severity.WARNING]} 条，"
            f"提示 {counts[Severity.INFO]} 条。") in lines[-1]
    assert "共 1 个文件，2 张项目表" in lines[-1]


def test_json_has_files_and_findings_in_the_documented_shape(local: Path) -> None:
    result = run(local, "--json")
    no_traceback(result)
    data = json.loads(result.output)
    assert set(data) == {"files", "findings", "skipped"} and data["skipped"] == []
    assert data["files"] == [{"file": str(local), "status": "ok", "message": "项目表 2 张", "projects": 2}]
    keys = {"file", "sheet", "project", "cell", "field", "level2", "indicator", "code", "severity", "message"}
    assert all(set(f) == keys for f in data["findings"])
    assert all(f["severity"] in ("error", "warning", "info") for f in data["findings"])
    assert data["findings"] == [f.to_json_dict() for f in expected(local)]


def test_an_unreadable_file_gives_exit_2_and_the_others_are_still_validated(local: Path, tmp_path: Path) -> None:
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    notes = tmp_path / "说明.xlsx"
    notes.write_text("其实是文本", encoding="utf-8")
    result = run(broken, local, notes, "--json")
    no_traceback(result)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    status = {Path(f["file"]).name: f for f in data["files"]}
    assert status["损坏.xlsx"]["status"] == "failed" and status["损坏.xlsx"]["message"]
    assert status["说明.xlsx"]["status"] == "failed"
    assert status[local.name]["status"] == "ok"
    assert len(data["findings"]) == len(expected(local)) > 0
    text = run(broken, local)
    assert text.exit_code == 2 and "无法读取" in text.output and "（1 个无法读取）" in text.output


@pytest.fixture()
def only_test_rules() -> Iterator[dict[str, Any]]:
    """The real catalogue swapped for test rules (a project with only warnings must exit 0)."""
    import xltool.rules as rules

    rules._load_rule_modules()
    saved = dict(CATALOGUE)
    CATALOGUE.clear()
    try:
        yield CATALOGUE
    finally:
        CATALOGUE.clear()
        CATALOGUE.update(saved)


def test_exit_code_is_0_with_warnings_only_and_1_with_an_error(local: Path, only_test_rules: dict[str, Any]) -> None:
    @rule("JX9W1", Severity.WARNING, "测试警告", why="测试", bad="", good="")
    def _warn(project: Project, ctx: Any) -> Iterator[Finding]:
        yield ctx.finding("JX9W1", "测试用警告", cell=project.cells["name"], field="name")

    warned = run(local)
    assert warned.exit_code == 0 and warned.output.count("测试用警告") == 2

    @rule("JX9E1", Severity.ERROR, "测试错误", why="测试", bad="", good="")
    def _err(project: Project, ctx: Any) -> Iterator[Finding]:
        if project.name == "大楼年租金":
            yield ctx.finding("JX9E1", "测试用错误", cell=project.cells["total"], field="total")

    failed = run(local)
    assert failed.exit_code == 1 and failed.output.count("测试用错误") == 1


def test_copied_text_is_found_across_files_only_when_they_are_validated_together(tmp_path: Path) -> None:
    batch_codes = {code for code, info in CATALOGUE.items() if info.batch}
    assert batch_codes, "a copied-text (batch) rule must be registered"
    archive, rent = seed_like_projects()
    one = make_workbook(tmp_path / "一.xlsx", [archive])
    two = make_workbook(tmp_path / "二.xlsx", [rent])  # same 项目概况 text as in 一.xlsx
    alone = [f for p in (one, two) for f in json.loads(run(p, "--json").output)["findings"]]
    assert not [f for f in alone if f["code"] in batch_codes]
    together = json.loads(run(one, two, "--json").output)["findings"]
    copied = [f for f in together if f["code"] in batch_codes]
    assert copied and {Path(f["file"]).name for f in copied} <= {"一.xlsx", "二.xlsx"}


def test_mark_to_writes_a_marked_copy_and_leaves_the_input_alone(local: Path, tmp_path: Path) -> None:
    digest = sha(local)
    out = tmp_path / "标注副本.xlsx"
    result = run(local, "--mark-to", out)
    no_traceback(result)
    assert result.exit_code == validate_files([local]).exit_code
    assert sha(local) == digest and out.exists()
    assert f"写入：{out}" in result.output
    wb = openpyxl.load_workbook(out)
    assert RESULTS_SHEET in wb.sheetnames
    assert wb[RESULTS_SHEET].max_row == len(expected(local)) + 1


def test_mark_in_place_saves_a_backup_first(local: Path) -> None:
    digest = sha(local)
    result = run(local, "--mark")
    no_traceback(result)
    backups = list(local.parent.glob("区行政审批局.bak-*.xlsx"))
    assert len(backups) == 1 and sha(backups[0]) == digest
    assert sha(local) != digest and "已备份为" in result.output
    assert RESULTS_SHEET in openpyxl.load_workbook(local).sheetnames


@pytest.mark.parametrize(
    "args, message",
    [
        (["--mark", "--mark-to", "OUT"], "只能选用一个"),
        (["SECOND", "--mark-to", "OUT"], "只能用于一个输入文件"),
        (["--mark-to", "SELF"], "不能与输入文件相同"),
        (["--mark-to", "OUT.xlsm"], "扩展名必须与原文件相同"),
        (["--mark-to", "NODIR/out.xlsx"], "不存在"),
        (["--profile", "no-such-profile"], "未知的指标体系"),
    ],
)
def test_wrong_arguments_exit_2_with_a_chinese_message_and_touch_nothing(
        local: Path, tmp_path: Path, args: list[str], message: str) -> None:
    second = tmp_path / "second.xlsx"
    second.write_bytes(local.read_bytes())
    subst = {"OUT": str(tmp_path / "out.xlsx"), "SECOND": str(second), "SELF": str(local),
             "OUT.xlsm": str(tmp_path / "out.xlsm"), "NODIR/out.xlsx": str(tmp_path / "nodir" / "out.xlsx")}
    digest = sha(local)
    result = run(local, *[subst.get(a, a) for a in args])
    no_traceback(result)
    assert result.exit_code == 2 and message in result.output
    assert sha(local) == digest and not (tmp_path / "out.xlsx").exists()


def test_mark_on_a_file_open_in_excel_reports_the_lock_and_exits_2(local: Path) -> None:
    digest = sha(local)
    (local.parent / f"~${local.name}").write_bytes(b"owner")
    result = run(local, "--mark")
    no_traceback(result)
    assert result.exit_code == 2
    assert "文件正被 Excel（或 WPS、LibreOffice）打开" in result.output
    assert sha(local) == digest and not list(local.parent.glob("*.bak-*"))


def test_mark_refuses_content_openpyxl_cannot_keep_unless_forced(tmp_path: Path) -> None:
    path = xlsxwriter_project(tmp_path / "含图表.xlsx", chart=True)
    digest = sha(path)
    refused = run(path, "--mark")
    no_traceback(refused)
    assert refused.exit_code == 2 and "以下内容 openpyxl 无法完整保留：图表" in refused.output
    assert "--force" in refused.output and sha(path) == digest
    data = json.loads(run(path, "--mark", "--json").stdout)
    assert data["files"][0]["status"] == "not_marked"
    copy = run(path, "--mark-to", tmp_path / "副本.xlsx")
    assert copy.exit_code == 1 and "无法完整保留：图表" in copy.output and sha(path) == digest  # marked; errors found
    forced = run(path, "--mark", "--force")
    assert forced.exit_code == 1 and sha(path) != digest
    assert len(list(tmp_path.glob("含图表.bak-*.xlsx"))) == 1


def test_help_is_chinese() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    assert "校验项目绩效目标表" in result.output and "--mark-to" in result.output and "退出码" in result.output
