"""Blank project sheets are not projects: read, validate and merge pass them over, saying so.

Departments leave spare template sheets empty. Such a sheet (untouched, or every input
empty) is listed in 文件清单 as 空白项目表, and is neither a row of 项目汇总 nor part of any
count; a sheet with some input but no 项目名称 is a real defect and stays reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import warm_cli  # noqa: E402
from tests.conftest import sheet_rows  # noqa: E402
from benchmarks.common import generate_departments  # noqa: E402


def _cli(*args: Any) -> subprocess.CompletedProcess[str]:
    """``python -m xltool``, forked warm from tests/warm_cli.py's zygote (a fresh interpreter if it cannot)."""
    root = Path(__file__).resolve().parents[1]
    return warm_cli.run(list(map(str, args)), cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                        timeout=300)


def test_blank_template_sheets_are_not_projects(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    [spec] = generate_departments(folder, 3, per_workbook=(3, 3), workbooks_per_department=1, seed=4)
    blank = folder / "三张空表.xlsx"
    assert _cli("template", "--sheets", 3, "-o", blank).returncode == 0
    # A workbook with one real-but-nameless sheet (a 主管部门 typed, no name) and two untouched ones.
    partial = folder / "部分填写.xlsx"
    assert _cli("template", "--sheets", 3, "-o", partial).returncode == 0
    wb = openpyxl.load_workbook(partial)
    names = wb.sheetnames
    wb[names[1]]["B4"] = "区民政局"
    wb.save(partial)

    out = tmp_path / "汇总.xlsx"
    run = _cli("merge", folder, "-o", out)
    assert run.returncode in (0, 1), run.stderr
    real = len(spec.projects)
    assert f"共 {real + 1} 个项目" in run.stdout, run.stdout  # the real ones and the nameless-but-filled one

    projects = sheet_rows(out, "项目汇总")
    header, *rows, total = projects
    assert len(rows) == real + 1
    sheet_col = header.index("来源工作表")
    assert [r[sheet_col] for r in rows if not r[1]] == [names[1]]  # the nameless sheet with input is listed
    assert total[1].startswith(f"{real + 1} 个项目")

    files = {r[0]: r for r in sheet_rows(out, "文件清单")[1:]}
    blank_row = next(r for f, r in files.items() if f.endswith("三张空表.xlsx"))
    assert blank_row[1] == "已跳过" and "空白项目表" in blank_row[2] and blank_row[3] == 0
    partial_row = next(r for f, r in files.items() if f.endswith("部分填写.xlsx"))
    assert partial_row[1] == "已汇总" and partial_row[3] == 1
    assert "空白项目表" in partial_row[2] and names[0] in partial_row[2] and names[2] in partial_row[2]

    findings = sheet_rows(out, "问题清单")[1:]
    on_blank = [f for f in findings if f[1] and f[0].endswith("三张空表.xlsx")]
    assert not on_blank  # no per-sheet errors for sheets nobody filled in
    assert any(f[0].endswith("部分填写.xlsx") and f[1] == names[1] and f[5] == "错误" for f in findings)


def test_read_and_validate_say_blank(tmp_path: Path) -> None:
    blank = tmp_path / "空表.xlsx"
    assert _cli("template", "--sheets", 2, "-o", blank).returncode == 0
    for command in ("read", "validate"):
        run = _cli(command, blank)
        assert run.returncode != 0, (command, run.stdout)
        assert "空白项目表" in run.stdout + run.stderr, (command, run.stdout, run.stderr)
        assert "错误 9" not in run.stdout
