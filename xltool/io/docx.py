"""Word documents → grids, merged cells as empty cells the way the text export has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.io.text import TableHints, tables_from_blocks


def docx_to_grids(path: str | Path, *, hints: TableHints) -> list[Grid]:
    """One grid per project table of a Word document (:func:`tables_from_blocks`).

    python-docx returns a merged cell once per grid column and per row it spans; every
    repeat becomes an empty cell, as in the text export.
    """
    import docx  # python-docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        blocks = list(document.iter_inner_content())
    except XltoolError:
        raise
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged parts
        raise XltoolError("Word 文档已损坏或格式不受支持，无法读取；请在 Word 中打开后另存为 .docx 再导入",
                          file=path, code="file.damaged") from exc
    blocks_out: list[str | list[list[str | None]]] = [
        _docx_table_rows(block) if isinstance(block, Table) else block.text for block in blocks
    ]
    return tables_from_blocks(blocks_out, hints=hints, name=Path(path).name)


def _docx_table_rows(table: Any) -> list[list[str | None]]:
    """Rows of cell texts with merged-cell repeats turned into empty cells."""
    rows: list[list[str | None]] = []
    above: list[Any] = []  # the cell elements of the previous row, by grid column
    for row in table.rows:
        cells = row.cells  # recomputed on every access
        elements: list[Any] = [None] * row.grid_cols_before
        elements.extend(cell._tc for cell in cells)  # one <w:tc> per merged cell, repeated
        texts: list[str | None] = [None] * row.grid_cols_before
        for col, cell in enumerate(cells, start=row.grid_cols_before):
            tc = elements[col]
            repeat_left = col > 0 and elements[col - 1] is tc
            repeat_above = col < len(above) and above[col] is tc
            texts.append(None if repeat_left or repeat_above else cell.text)
        rows.append(texts)
        above = elements
    return rows
