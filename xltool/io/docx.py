"""Word documents → grids, merged cells as empty cells the way the text export has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError
from xltool.core.grid import FREE_ROWS, Grid
from xltool.core.text import clean_text
from xltool.io.text import TableHints, TextTable, cell_value


def docx_to_grids(path: str | Path, *, hints: TableHints) -> list[Grid]:
    """One grid per project table of a Word document.

    Paragraphs before a table become one-cell rows above it (the title and year live
    there). python-docx returns a merged cell once per grid column and per row it spans;
    every repeat becomes an empty cell, as in the text export. A table holding no
    项目名称 label continues the previous one (a form split across a page break).
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
    tables: list[TextTable] = []
    pending: list[str] = []
    for block in blocks:
        if not isinstance(block, Table):
            text = block.text
            if clean_text(text):
                pending.append(text)
            continue
        rows = _docx_table_rows(block)
        starts_project = any(hints.names_project(v) for r in rows for v in r if v is not None)
        if starts_project or not tables:
            tables.append(TextTable())
        table = tables[-1]
        for paragraph in pending:
            table.free_rows.add(len(table.rows))
            table.rows.append([paragraph])
        pending = []
        table.rows.extend(rows)
    if tables and pending:  # remarks under the last table (填报人 …)
        for paragraph in pending:
            tables[-1].free_rows.add(len(tables[-1].rows))
            tables[-1].rows.append([paragraph])
    name = Path(path).name
    return [
        Grid(rows=[[cell_value(v) for v in r] for r in t.rows], name=f"{name}#{i + 1}", meta={FREE_ROWS: t.free_rows})
        for i, t in enumerate(tables)
    ]


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
