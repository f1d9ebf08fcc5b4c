"""The gate measures an .ods before python-calamine expands it (xltool.io.extents.ods_extent).

calamine expands every repeated run of rows and cells between a sheet's first and last value:
one value after 5,000 × 16,000 empty cells in a 1 KB file made it ask for gigabytes and abort.
The gate now refuses such a file in a fraction of a second, with the xlsx check's message, while
the files LibreOffice writes (which end every sheet with a huge run of empty rows) pass: here as
LibreOffice writes them, and in tests/test_merge.py a workbook LibreOffice saved as .ods is merged.
"""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from xltool.core.errors import XltoolError
from xltool.io.extents import ods_extent
from xltool.io.gate import check_for_calamine

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
NS = (f'xmlns:office="{OFFICE}" xmlns:table="{TABLE}" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def content(tables: list[str]) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}><office:body><office:spreadsheet>'
            + "".join(tables) + "</office:spreadsheet></office:body></office:document-content>").encode()


def ods(path: Path, body: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", body, zipfile.ZIP_DEFLATED)
    return path


def reference(body: bytes) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The same measure from a real XML parser: runs expanded, the largest table's value cells."""
    best = None
    for table in ET.fromstring(body).iter(f"{{{TABLE}}}table"):
        cells, row = [], 0
        for tr in table.iter(f"{{{TABLE}}}table-row"):
            rows = int(tr.get(f"{{{TABLE}}}number-rows-repeated", "1"))
            col = 0
            for cell in tr:
                if cell.tag not in (f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell"):
                    continue
                count = int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1"))
                has_content = cell.tag.endswith("}table-cell") and (len(cell) or (cell.text or "").strip())
                if cell.get(f"{{{OFFICE}}}value-type") or has_content:
                    cells += [(row + 1, col + 1), (row + rows, col + count)]
                col += count
            row += rows
        if cells:
            extent = ((min(r for r, _ in cells), min(c for _, c in cells)),
                      (max(r for r, _ in cells), max(c for _, c in cells)))
            area = (extent[1][0] - extent[0][0] + 1) * (extent[1][1] - extent[0][1] + 1)
            if best is None or area > best[0]:
                best = (area, extent)
    return best[1] if best else None


def random_table(rng: random.Random, name: str, pad: int) -> str:
    rows = []
    for _ in range(rng.randint(0, 8)):
        repeat = f' table:number-rows-repeated="{rng.choice([1, 2, 3, 40, 1000])}"' if rng.random() < 0.4 else ""
        cells = []
        for _ in range(rng.randint(0, 5)):
            count = f' table:number-columns-repeated="{rng.choice([2, 5, 300])}"' if rng.random() < 0.3 else ""
            kind = rng.random()
            if kind < 0.3:
                cells.append(f"<table:table-cell{count}/>")
            elif kind < 0.5:
                cells.append(f'<table:table-cell office:value-type="float" office:value="1"{count}/>')
            elif kind < 0.7:
                cells.append(f"<table:table-cell{count}><text:p>{'长' * pad}</text:p></table:table-cell>")
            elif kind < 0.85:
                cells.append(f"<table:covered-table-cell{count}/>")
            else:
                cells.append(f'<table:table-cell table:style-name="ce1"{count}></table:table-cell>')
        rows.append(f"<table:table-row{repeat}>{''.join(cells)}</table:table-row>" if cells or rng.random() < 0.5
                    else f"<table:table-row{repeat}/>")
    return f'<table:table table:name="{name}"><table:table-column/>{"".join(rows)}</table:table>'


@pytest.mark.parametrize("seed", range(4))
def test_measure_equals_an_xml_parsers_on_random_tables(seed: int) -> None:
    """Runs of rows and cells, covered cells, empty and styled cells, several tables; long texts put
    tags across the scan's 1 MiB reads."""
    rng = random.Random(seed)
    for trial in range(40):
        pad = rng.choice([1, 1, 200_000])
        body = content([random_table(rng, f"表{i}", pad) for i in range(rng.randint(1, 3))])
        assert ods_extent(io.BytesIO(body)) == reference(body), (seed, trial)


def test_a_value_after_millions_of_empty_cells_is_refused_before_calamine(tmp_path: Path) -> None:
    far = ('<table:table table:name="项目1"><table:table-row><table:table-cell office:value-type="string">'
           '<text:p>项目名称</text:p></table:table-cell></table:table-row>'
           '<table:table-row table:number-rows-repeated="+5000"><table:table-cell/></table:table-row>'
           '<table:table-row><table:table-cell table:number-columns-repeated="16000"/>'
           '<table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>')
    path = ods(tmp_path / "远处单元格.ods", content([far]))
    with pytest.raises(XltoolError) as caught:
        check_for_calamine(path)
    assert caught.value.code == "file.too_large"
    assert "5002 行 × 16001 列" in caught.value.message and "content.xml" in caught.value.message


def test_trailing_empty_runs_as_libreoffice_writes_them_pass(tmp_path: Path) -> None:
    table = ('<table:table table:name="项目1"><table:table-column table:number-columns-repeated="1024"/>'
             '<table:table-row><table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell>'
             '<table:table-cell table:number-columns-repeated="1023"/></table:table-row>'
             '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/>'
             '</table:table-row></table:table>')
    path = ods(tmp_path / "尾部空行.ods", content([table]))
    assert check_for_calamine(path) == "ods"
    assert ods_extent(io.BytesIO(content([table]))) == ((1, 1), (1, 1))
