"""A sheet far taller than the rows the reader keeps is cut before python-calamine loads it.

The reader keeps ``MAX_ROWS`` rows; calamine loads a whole sheet whatever is asked of it (a
million-row sheet: 4 s and 400 MB). ``xltool.io.extents.rows_cut`` hands calamine the kept rows
only. Here ``MAX_ROWS`` is made small, and every sheet is read both ways: the grids, and the note
that rows were cut, must be the same, and the cut must really be taken where it is exact.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest

from xltool.io import calamine, gate
from xltool.io.extents import _at_most, rows_cut

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import hostile
except ImportError:  # pragma: no cover
    import hostile  # type: ignore[no-redef]

LIMIT = 10  # MAX_ROWS in these tests
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def cell(ref: str, value: object) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(number: int | str, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def book(path: Path, rows: list[str], tail: str = "") -> Path:
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">'
             f'<sheetData>{"".join(rows)}</sheetData>{tail}</worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in hostile.minimal_xlsx_parts(sheet=sheet).items():
            zf.writestr(name, data)
    return path


def tall(count: int) -> list[str]:
    return [row(r, cell(f"A{r}", f"第{r}行"), cell(f"B{r}", r * 1.5)) for r in range(1, count + 1)]


SHEETS: dict[str, tuple[list[str], str, bool]] = {
    # name: (rows, what follows </sheetData>, whether the cut is exact and so taken)
    "rows in order": (tall(30), "", True),
    "merged ranges after the data": (tall(30), '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>', True),
    "one far-away cell": (tall(4) + [row(100_000, cell("C100000", 7))], "", True),
    "the limit's next row only": (tall(LIMIT + 1), "", False),  # within what the reader asks calamine for
    "two rows beyond the limit": (tall(LIMIT + 2), "", True),
    "first cell beyond inside a kept row": (
        tall(LIMIT - 1) + [row(LIMIT, cell(f"A{LIMIT}", "留"), cell(f"B{LIMIT + 3}", "远"))] + tall(40)[LIMIT + 4:],
        "", True),
    "cells out of row order": (tall(20) + [row(3, cell("D3", "后补"))], "", False),
    "a row number with a leading zero": (tall(8) + [row(9, cell("A09", "零"))] + tall(20)[9:], "", False),
    "nothing beyond the limit": (tall(LIMIT), "", False),
}


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "MAX_ROWS", LIMIT)
    monkeypatch.setattr(calamine, "MAX_ROWS", LIMIT)


@pytest.mark.parametrize("name", SHEETS)
def test_a_cut_sheet_reads_as_the_whole_sheet(name: str, tmp_path: Path, small_limit: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rows, tail, exact = SHEETS[name]
    path = book(tmp_path / "表.xlsx", rows, tail)
    cut: dict[str, bytes] = {}
    gate.check_for_calamine(path, keep={}, cut=cut)
    assert bool(cut) == exact, cut

    swapped: list[int] = []
    real = gate._with_parts
    monkeypatch.setattr(gate, "_with_parts", lambda p, parts: (swapped.append(len(parts)), real(p, parts))[1])
    read = calamine.grids_from_calamine(path)
    assert swapped == ([1] if exact else [])

    monkeypatch.setattr(gate, "rows_cut", lambda *a: None)  # the whole sheet, as before the cut existed
    whole = calamine.grids_from_calamine(path)
    assert [(g.name, g.rows, g.meta) for g in read] == [(g.name, g.rows, g.meta) for g in whole]
    assert len(read[0].rows) <= LIMIT
    assert read[0].meta.get("truncated_rows") == (LIMIT if name != "nothing beyond the limit" else None)


def test_random_sheets_read_alike_cut_or_whole(tmp_path: Path, small_limit: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows in order with gaps, cells anywhere in their row, some written under another row's number."""
    rng = random.Random(7)
    real_cut = gate.rows_cut
    taken = 0
    for trial in range(40):
        numbers = sorted(rng.sample(range(1, 60), rng.randint(1, 25)))
        rows = []
        for n in numbers:
            cols = sorted(rng.sample("ABCDEFG", rng.randint(1, 4)))
            refs = [f"{c}{n + (1 if rng.random() < 0.04 else 0)}" for c in cols]
            rows.append(row(n, *(cell(ref, rng.choice([ref, rng.randint(0, 99), ""])) for ref in refs)))
        path = book(tmp_path / f"表{trial}.xlsx", rows)
        monkeypatch.setattr(gate, "rows_cut", real_cut)
        cut: dict[str, bytes] = {}
        gate.check_for_calamine(path, keep={}, cut=cut)
        taken += bool(cut)
        read = calamine.grids_from_calamine(path)
        monkeypatch.setattr(gate, "rows_cut", lambda *a: None)
        whole = calamine.grids_from_calamine(path)
        assert [(g.rows, g.meta) for g in read] == [(g.rows, g.meta) for g in whole], trial
    assert taken >= 10  # the cut is really exercised, not only its refusals


def test_no_cut_where_a_cdata_section_could_hide_a_cell_like_text() -> None:
    """Excel never writes CDATA; text in one may look like a cell tag to the byte searches, so such a part is
    read whole."""
    rows = tall(30)  # the last kept cell's text looks like the first cell beyond, and the rows still ascend
    rows[LIMIT] = row(LIMIT + 1, cell(f"A{LIMIT + 1}", "留"),
                      f'<c r="B{LIMIT + 1}" t="inlineStr"><is><t><![CDATA[<c r="A{LIMIT + 2}">]]></t></is></c>')
    data = f'<worksheet xmlns="{NS}"><sheetData>{"".join(rows)}</sheetData></worksheet>'.encode()
    numbers = [int(n) for n in re.findall(rb'<c r="[A-Z]{1,2}(\d+)"', data)]
    assert rows_cut(data, LIMIT + 1, numbers, 2) is None
    plain = data.replace(f'<![CDATA[<c r="A{LIMIT + 2}">]]>'.encode(), b"x")
    assert rows_cut(plain, LIMIT + 1, [int(n) for n in re.findall(rb'<c r="[A-Z]{1,2}(\d+)"', plain)], 2) is not None


@pytest.mark.parametrize("limit", [1, 9, 10, 11, 99, 100, 5000, 5001, 5002, 65_536, 1_048_576])
def test_at_most_matches_exactly_the_numbers_up_to_the_limit(limit: int) -> None:
    pattern = re.compile(_at_most(limit) + rb"\Z")
    probes = {1, 2, 9, 10, 11, 99, 100, 101, limit - 1, limit, limit + 1, limit * 10, limit + 10, 2 * limit}
    for number in probes - {0}:
        assert bool(pattern.match(str(number).encode())) == (number <= limit), number
    assert not pattern.match(b"0") and not pattern.match(b"01")
