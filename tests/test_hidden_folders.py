"""Hidden folders are not searched, but none is passed over without a word: 文件清单, console and JSON name it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

import xltool

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "examples" / "区行政审批局_2022.xlsx"


def make_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "各单位"
    (folder / ".备份").mkdir(parents=True)
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / "__MACOSX").mkdir()
    shutil.copy(SOURCE, folder / "甲单位.xlsx")
    shutil.copy(SOURCE, folder / ".备份" / "乙单位.xlsx")  # money nobody would see
    (folder / ".git" / "objects" / "ab").write_bytes(b"blob")
    (folder / "__MACOSX" / "._甲单位.xlsx").write_bytes(b"\x00\x05\x16\x07")
    return folder


def test_hidden_folders_are_listed_with_their_reason(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    out = tmp_path / "汇总.xlsx"
    done = subprocess.run([sys.executable, "-m", "xltool", "merge", str(folder), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    rows = [[str(v or "") for v in r] for r in openpyxl.load_workbook(out, read_only=True)["文件清单"].iter_rows(values_only=True)]
    listed = {name: " ".join(r) for r in rows for name in (".备份", ".git", "__MACOSX") if any(c.endswith(name) for c in r)}
    assert set(listed) == {".备份", ".git", "__MACOSX"}, rows
    assert "1 个工作簿未读取" in listed[".备份"] and "没有工作簿" in listed[".git"]
    console = done.stdout + done.stderr
    assert all(name in console for name in (".备份", ".git", "__MACOSX")), console

    report = xltool.validate([folder], discover=True)
    skipped = {Path(f.file).name: f.message for f in report.files if f.status == "skipped"}
    assert "1 个工作簿未读取" in skipped[".备份"] and "__MACOSX" in skipped and ".git" in skipped
    data = json.loads(subprocess.run([sys.executable, "-m", "xltool", "validate", str(folder), "--json"],
                                     capture_output=True, text=True, cwd=ROOT,
                                     env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout)
    assert {Path(f["file"]).name: f["reason"] for f in data["skipped"]} == skipped
