"""xltool's own copies (backups, --mark-to copies) are proven once, by discovery, and its decision holds."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

import xltool

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "examples" / "区行政审批局_2022.xlsx"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """原表.xlsx and its --mark-to copy 标注.xlsx, made by xltool itself."""
    folder = tmp_path / "报送"
    folder.mkdir()
    shutil.copy(SOURCE, folder / "原表.xlsx")
    xltool.mark(folder / "原表.xlsx", output=folder / "标注.xlsx")
    return folder


def count_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    from xltool.io import calamine

    reads: Counter[str] = Counter()
    real = calamine.grids_from_calamine

    def counted(path: Path, *a: object, **kw: object) -> object:
        reads[Path(path).name] += 1
        return real(path, *a, **kw)

    monkeypatch.setattr(calamine, "grids_from_calamine", counted)
    return reads


def test_an_edited_copy_is_proven_once_then_read_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A marked copy a unit edited (so not proven): discovery compares it with its source once; the reader then
    reads each workbook once more for its projects, and proves nothing again."""
    book = openpyxl.load_workbook(folder / "标注.xlsx")
    ws = book.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.strip())
    cell.value = cell.value + "（已修改）"
    book.save(folder / "标注.xlsx")
    reads = count_reads(monkeypatch)
    report = xltool.validate([folder], discover=True)
    assert sorted(f.file for f in report.files if f.status == "ok") == sorted(
        str(folder / n) for n in ("原表.xlsx", "标注.xlsx"))
    assert reads == {"原表.xlsx": 2, "标注.xlsx": 2}  # one proof (copy + source), one read each


def test_a_proven_copy_named_alone_is_read(folder: Path, tmp_path: Path) -> None:
    """Discovery reads a proven copy named without its original (its money is nowhere else): the reader must not
    prove it again and skip it after all."""
    copy = folder / "标注.xlsx"
    report = xltool.validate([copy], discover=True)
    assert [f.status for f in report.files] == ["ok"], [(f.status, f.message) for f in report.files]
    merged = xltool.merge([copy], output=tmp_path / "汇总.xlsx")
    assert [f.status for f in merged.files] == ["ok"] and merged.projects > 0
    both = xltool.merge([folder], output=tmp_path / "汇总2.xlsx")
    assert sorted(f.status for f in both.files) == ["ok", "skipped"]  # with its original, the copy is passed over
    assert both.projects == merged.projects
