"""The number formats (percent cells) are read from the parts the file gate already decompressed."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from xltool.io.calamine import grids_from_calamine


def test_each_sheet_part_is_decompressed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "表一"
    ws["A1"], ws["B1"] = "满意度", 0.95
    ws["B1"].number_format = "0%"
    ws["B2"] = 12.5  # no percent format
    other = book.create_sheet("表二")
    other["C3"] = 0.5
    other["C3"].number_format = "0.0%"
    path = tmp_path / "百分比.xlsx"
    book.save(path)

    opened: Counter[str] = Counter()
    real_open = zipfile.ZipFile.open

    def counted(self: zipfile.ZipFile, name: object, *a: object, **kw: object) -> object:
        opened[name.filename if isinstance(name, zipfile.ZipInfo) else str(name)] += 1
        return real_open(self, name, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", counted)
    grids = {g.name: g for g in grids_from_calamine(path)}
    assert grids["表一"].meta["percent"] == {(0, 1): 0} and grids["表二"].meta["percent"] == {(2, 2): 1}
    parts = {n: c for n, c in opened.items() if n.startswith("xl/") and n.endswith(".xml")}
    assert {"xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= set(parts)
    assert set(parts.values()) == {1}, parts  # the gate's one decompression serves the number formats too
