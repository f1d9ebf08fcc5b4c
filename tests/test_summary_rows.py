"""The list-sheet row renderer: the bytes xlsxwriter writes, or xlsxwriter itself.

The renderer bypasses xlsxwriter's cell API for speed, so it is held to xlsxwriter's
own output: random rows written both ways must give the same sheet XML, and a whole
merge with the renderer on must read back cell for cell (values, styles, row heights)
like one with it off.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.common import ProjectSpec, generate_departments, write_department_workbook
from xltool.apps.merge import merge_workbooks
from xltool.write.summary import layout, rows
from xltool.write.summary.rows import SAFE_TEXT, fast_rows_ok, render_row, renderable, write_both_ways

ROOT = Path(__file__).resolve().parents[1]

_ALPHABET = st.sampled_from(
    list("项目资金满意度率≥≤%") + list("ab xyz_019") + list("&<>\"'") + ["\n", "\t", "\r", "\x01", "\x1f", "\x0b",
    "\u3000", "\xa0", "\ufffe", "\uffff", "𠀋", "_x0041_", "_X00ff_"]
)
_TEXT = st.lists(_ALPHABET, max_size=12).map("".join)
_NUMBER = st.one_of(st.integers(-10**18, 10**18), st.floats(allow_nan=False, allow_infinity=False))
_CELL = st.one_of(st.none(), _TEXT.filter(lambda t: not (t.startswith("<r>") and t.endswith("</r>"))), _NUMBER)


def test_the_installed_xlsxwriter_passes_the_self_check() -> None:
    assert fast_rows_ok() is True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.tuples(st.lists(_CELL, min_size=1, max_size=8),
                                st.one_of(st.none(), st.floats(1, 409))), min_size=1, max_size=6))
def test_random_rows_render_as_xlsxwriter_renders_them(tmp_path_factory: pytest.TempPathFactory,
                                                       table: list[tuple[list[Any], float | None]]) -> None:
    api_xml, fast_xml = write_both_ways(tmp_path_factory.mktemp("rows"), table)
    assert fast_xml == api_xml


def test_rich_string_lookalike_text_stays_text(tmp_path: Path) -> None:
    """xlsxwriter writes "<r>…</r>" unescaped (a corrupt or altered cell); both paths keep the text."""
    out = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    fmt = layout.Formats.create(wb)
    sheet = layout.Sheet(wb, "x", ("项目名称", "说明"), fmt)
    sheet.header()
    sheet.values(("<r>x</r>", "<r><t>a</t></r>"))
    sheet.fast = False
    sheet.values(("<r>x</r>", "<r><t>a</t></r>"))
    wb.close()
    ws = openpyxl.load_workbook(out).active
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [["<r>x</r>", "<r><t>a</t></r>"]] * 2


def test_values_the_renderer_leaves_to_xlsxwriter() -> None:
    assert renderable("短") and renderable(3) and renderable(2.5)
    assert not renderable(math.inf) and not renderable(math.nan)
    assert not renderable("长" * (SAFE_TEXT + 1))


def _cells(path: Path) -> list[tuple[Any, ...]]:
    """Every cell of every sheet with what a reader sees of it, and every row height."""
    wb = openpyxl.load_workbook(path)
    seen: list[tuple[Any, ...]] = []
    looks: dict[tuple[int, ...], tuple[str, ...]] = {}  # a workbook has a few dozen styles; repr each once
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                style = getattr(c, "_style", None)  # None on a merged cell's covered parts
                ids = (style.fontId, style.fillId, style.borderId, style.alignmentId) if style is not None else None
                look = looks.get(ids) if ids is not None else None
                if look is None:
                    look = (repr(c.font), repr(c.fill), repr(c.border), repr(c.alignment))
                    if ids is not None:
                        looks[ids] = look
                seen.append((ws.title, c.coordinate, c.value, c.number_format, *look))
        seen.append((ws.title, ws.dimensions, sorted((k, d.height) for k, d in ws.row_dimensions.items())))
    return seen


def test_merge_reads_back_the_same_with_and_without_the_renderer(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Including a row the renderer hands to xlsxwriter (a goal text near the cell limit)."""
    specs = generate_departments(tmp_path / "in", 12, per_workbook=(2, 3), workbooks_per_department=2, seed=3)
    base = specs[0].projects[0]
    long = ProjectSpec(**{**base.__dict__, "name": "长文本项目", "annual_goal": "目标内容：" + "完成任务，" * 4000})
    write_department_workbook(tmp_path / "in" / "长文本.xlsx", [long])
    examples = ROOT / "examples"  # the department file, the broken demo and a few of its projects again (duplicates)
    inputs = [examples / "区行政审批局_2022.xlsx", examples / "broken_demo.xlsx",
              *sorted((examples / "split").glob("*.xlsx"))[:3], tmp_path / "in"]
    on, off = tmp_path / "on.xlsx", tmp_path / "off.xlsx"
    merge_workbooks(inputs, on, jobs=1)
    monkeypatch.setattr(layout, "fast_rows_ok", lambda: False)
    merge_workbooks(inputs, off, jobs=1)
    seen = _cells(on)
    assert seen == _cells(off)
    assert len(seen) > 1000
    assert any(isinstance(c[2], str) and len(c[2]) > SAFE_TEXT for c in seen if len(c) > 3)


def test_a_failed_self_check_means_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another xlsxwriter that writes rows differently turns the renderer off, nothing else."""
    rows.fast_rows_ok.cache_clear()
    monkeypatch.setattr(rows, "escape_text", lambda text: text)  # a renderer that no longer matches
    try:
        assert rows.fast_rows_ok() is False
    finally:
        rows.fast_rows_ok.cache_clear()
        monkeypatch.undo()
    assert rows.fast_rows_ok() is True


def test_an_empty_row_and_a_column_past_iv(tmp_path: Path) -> None:
    """Edge cases of the renderer itself: no cells at all, and a column past the prepared letters."""
    table: list[tuple[list[Any], float | None]] = [([None] * 300 + ["最后一列"], None)]
    api_xml, fast_xml = write_both_ways(tmp_path, table)
    assert fast_xml == api_xml
    assert b'r="KO2"' in fast_xml
    wb = xlsxwriter.Workbook(str(tmp_path / "e.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    render_row(ws, 0, [])
    render_row(ws, 1, [(0, "x", wb.add_format())])
    wb.close()
    assert openpyxl.load_workbook(tmp_path / "e.xlsx").active["A2"].value == "x"


def _book_with_rows(path: Path) -> Any:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("指标明细")
    for r in range(3000):
        ws.write_string(r, 0, f"项目{r % 17}：完成年度绩效目标，满意度≥90%")
        ws.write_number(r, 1, r * 1.5)
    return wb


def test_the_summary_closes_at_the_quick_deflate_level_and_restores_xlsxwriter(tmp_path: Path) -> None:
    import zipfile

    import xlsxwriter.workbook as module

    from xltool.write.summary.zipping import close_quickly

    _book_with_rows(tmp_path / "default.xlsx").close()
    close_quickly(_book_with_rows(tmp_path / "quick.xlsx"))
    assert module.ZipFile is zipfile.ZipFile  # swapped for the close only

    def sheet(path: Path) -> tuple[bytes, int]:
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            info = zf.getinfo("xl/worksheets/sheet1.xml")
            return zf.read(info), info.compress_size

    default, quick = sheet(tmp_path / "default.xlsx"), sheet(tmp_path / "quick.xlsx")
    assert quick[0] == default[0]  # the same sheet …
    assert quick[1] > default[1]  # … deflated at a lower level
    ws = openpyxl.load_workbook(tmp_path / "quick.xlsx", read_only=True)["指标明细"]
    assert [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))] == ["项目1：完成年度绩效目标，满意度≥90%", 1.5]


def test_the_close_leaves_a_changed_xlsxwriter_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter.workbook as module

    from xltool.write.summary.zipping import close_quickly

    class Other(module.ZipFile):  # type: ignore[misc,name-defined]
        pass

    monkeypatch.setattr(module, "ZipFile", Other)
    close_quickly(_book_with_rows(tmp_path / "other.xlsx"))
    assert module.ZipFile is Other
    assert openpyxl.load_workbook(tmp_path / "other.xlsx", read_only=True).sheetnames == ["指标明细"]
