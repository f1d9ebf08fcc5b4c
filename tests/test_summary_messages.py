"""Messages that used to mislead, each now saying what is true (issue 21's list)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import warm_cli
from xltool.cli.zh import wrap_columns
from xltool.core.text import display_width

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "区行政审批局_2022.xlsx"


def _cli(*args: Any, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m xltool``, forked warm from tests/warm_cli.py's zygote (a fresh interpreter if it cannot)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": "80", "HOME": str(home or ROOT)}
    return warm_cli.run(list(map(str, args)), cwd=ROOT, env=env, timeout=300)


def test_merge_names_the_files_it_leaves_out_and_hints_import(tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    (folder / "README.md").write_text("# 说明\n", encoding="utf-8")
    (folder / "旧表.txt").write_text("项目名称\t业务档案费\n", encoding="utf-8")
    run = _cli("merge", folder, "-o", tmp_path / "汇总.xlsx")
    assert run.returncode in (0, 1), run.stderr
    assert "图片、PDF" not in run.stdout
    assert "README.md" in run.stdout and "旧表.txt" in run.stdout and "xltool import" in run.stdout


def test_merge_output_that_is_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "空文件夹"
    out.mkdir()
    run = _cli("merge", EXAMPLE, "-o", out)
    assert run.returncode == 2 and "是一个文件夹" in run.stderr and ".xlsx" in run.stderr
    assert "须保存为" not in run.stderr


def test_validate_word_document_does_not_speak_of_merging(tmp_path: Path) -> None:
    doc = tmp_path / "旧表.docx"
    doc.write_bytes(b"PK\x03\x04 not really a docx")
    run = _cli("validate", doc)
    assert run.returncode == 2
    assert "汇总" not in run.stdout + run.stderr


def test_validate_a_real_csv_is_called_a_csv(tmp_path: Path) -> None:
    csv = tmp_path / "数据.csv"
    csv.write_text("项目名称,金额\n档案整理,12\n", encoding="utf-8")
    run = _cli("validate", csv)
    assert run.returncode == 2
    assert "CSV" in run.stderr and "改了扩展名" not in run.stderr
    renamed = tmp_path / "其实是文本.xlsx"  # a renamed file is still called one
    renamed.write_text("项目名称,金额\n", encoding="utf-8")
    assert "改了扩展名" in _cli("validate", renamed).stderr


def test_unknown_profile_is_the_commands_fault_not_the_files() -> None:
    run = _cli("validate", EXAMPLE, "--profile", "bogus")
    assert run.returncode == 2 and "bogus" in run.stderr
    assert EXAMPLE.name not in run.stderr and "无法读取" not in run.stdout


@pytest.mark.parametrize("command", [("template", "--year", "3000"), ("template", "--year", "1900")])
def test_implausible_years_are_refused(command: tuple[str, ...], tmp_path: Path) -> None:
    run = _cli(*command, "-o", tmp_path / "模板.xlsx")
    assert run.returncode == 2 and "预算年度" in run.stderr and not (tmp_path / "模板.xlsx").exists()


def test_import_year_1900_is_refused(tmp_path: Path) -> None:
    run = _cli("import", ROOT / "examples" / "区行政审批局_2022.txt", "-o", tmp_path / "导入.xlsx", "--year", "1900")
    assert run.returncode == 2 and "预算年度" in run.stderr


def test_addin_uninstall_on_linux_says_nothing_to_do(tmp_path: Path) -> None:
    if sys.platform != "linux":
        pytest.skip("the Linux wording is checked on Linux")
    run = _cli("addin", "uninstall", home=tmp_path)
    assert run.returncode == 0 and "addin install" not in run.stdout + run.stderr
    assert "无需卸载" in run.stdout


def test_addin_build_wants_xlam_and_an_existing_folder(tmp_path: Path) -> None:
    run = _cli("addin", "build", "-o", tmp_path / "xltool.xlsx")
    assert run.returncode == 2 and ".xlam" in run.stderr and not (tmp_path / "xltool.xlsx").exists()
    run = _cli("addin", "build", "-o", tmp_path / "新文件夹" / "xltool.xlam")
    assert run.returncode == 2 and "不存在" in run.stderr and not (tmp_path / "新文件夹").exists()


def test_help_columns_line_up_with_chinese_metavars() -> None:
    run = _cli("merge", "-h")
    lines = [line for line in run.stdout.splitlines() if line.startswith("  -")]
    # Where each option's help text starts (after the first gap of two spaces or more), in terminal columns.
    starts = {display_width(m.group(1)) for line in lines if (m := re.match(r"^(  \S.*?\s{2,})\S", line))}
    assert len(lines) >= 4
    assert len(starts) == 1, run.stdout  # every help text starts in the same terminal column
    assert all(display_width(x) <= 20 for x in wrap_columns("并行读取的进程数；0（默认）为按 CPU 核数自动选择", 20))


def test_every_list_sheet_titles_its_columns_exactly_as_documented(tmp_path: Path) -> None:
    """Filters and scripts find a column by its title: a title is never broken with a line feed for print."""
    from python_calamine import CalamineWorkbook

    from xltool import merge
    from xltool.write.summary import (FILE_HEADERS, FINDING_HEADERS, INDICATOR_HEADERS, PROJECT_HEADERS,
                                      SHEET_FILES, SHEET_FINDINGS, SHEET_INDICATORS, SHEET_PROJECTS)

    out = tmp_path / "汇总.xlsx"
    merge([ROOT / "examples" / "区行政审批局_2022.xlsx"], output=out, jobs=1)
    book = CalamineWorkbook.from_path(str(out))
    for sheet, headers in ((SHEET_PROJECTS, PROJECT_HEADERS), (SHEET_INDICATORS, INDICATOR_HEADERS),
                           (SHEET_FINDINGS, FINDING_HEADERS), (SHEET_FILES, FILE_HEADERS)):
        row = book.get_sheet_by_name(sheet).to_python()[0]
        assert tuple(row[: len(headers)]) == tuple(headers), sheet
    assert "计入合计" in PROJECT_HEADERS and "规则代码" in FINDING_HEADERS
