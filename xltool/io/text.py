"""Text sources (what Word or a web page gives when a table is copied) → grids."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from xltool.core.errors import XltoolError
from xltool.core.grid import FREE_ROWS, Grid
from xltool.core.text import clean_text


# Text sources larger than this are not a few dozen tables; refuse before decoding.
MAX_TEXT_BYTES = 20 * 1024 * 1024


def decode_text(data: bytes, *, file: str | Path = "") -> str:
    """Text of a file saved by Notepad, WPS or a mail client: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in data[:65536]:
            raise XltoolError("不是文本文件（含二进制内容），无法导入；请导入 .txt、.docx 或工作簿文件", file=file, code="file.not_workbook")
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise XltoolError("无法识别文本编码：请将文件另存为 UTF-8 或 GBK/GB18030 编码的文本后再导入", file=file, code="file.unreadable")


class TableHints(Protocol):
    """What splitting a text export into tables needs to know of labels (the parser gives it: ``text_hints``)."""

    def is_table_start(self, line: Any) -> bool: ...
    def is_footer(self, value: Any) -> bool: ...
    def looks_like_label(self, value: Any) -> bool: ...
    def names_project(self, value: Any) -> bool: ...


@dataclass
class TextTable:
    rows: list[list[str | None]] = field(default_factory=list)
    free_rows: set[int] = field(default_factory=set)
    has_cells: bool = False


# Grid.meta key: rows keep the cells the source gave, so a merged cell copied from a web
# page or PDF is missing and the row is shorter than the column titles (align from the right).
RAGGED = "ragged_rows"


def text_to_grids(text: str, *, hints: TableHints, name: str = "") -> list[Grid]:
    """One grid per table of a text export: Word's copy format or TAB-separated rows, per table.

    A table copied from Word holds one cell per tab-led line; one copied from a web page
    holds one row per line, its cells split by tabs. Each stretch between table starts
    is read in the format most of its lines are in.
    """
    lines = [raw.lstrip("\ufeff") for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    grids: list[Grid] = []
    lines = _pipes_to_tabs(lines)
    for chunk in _chunks(lines, hints):
        found = _tsv_to_grids(chunk, hints) if _is_tsv(chunk) else _word_to_grids(chunk, hints)
        grids.extend(found)
    for index, grid in enumerate(grids):
        grid.name = f"{name}#{index + 1}" if name else f"#{index + 1}"
    return grids


_RULE_CELL_RE = re.compile(r":?-{3,}:?")


def _is_pipe_row(line: str) -> bool:
    """"| a | b |": a Markdown table row (string tests, no regex run over the line)."""
    text = line.strip()
    return len(text) >= 2 and text[0] == "|" and text[-1] == "|"


def _is_pipe_rule(line: str) -> bool:
    """"|---|:---:|": the rule under a Markdown table's titles, checked cell by cell (linear)."""
    text = line.strip()
    first_dash = text.find("-")
    if first_dash < 0 or "|" not in text[first_dash:]:
        return False
    parts = text.split("|")
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return bool(parts) and all(_RULE_CELL_RE.fullmatch(p.strip()) for p in parts)


def _pipes_to_tabs(lines: list[str]) -> list[str]:
    """A table saved as "| a | b |" rows (Markdown, or a wiki or mail client's text copy) → tab rows.

    Only a text without tabs whose rows are mostly pipe rows is converted; the "|---|" rule
    under the column titles is dropped.
    """
    if any("\t" in line for line in lines):
        return lines
    filled = [line for line in lines if line.strip()]
    pipes = [line for line in filled if _is_pipe_row(line)]
    if len(pipes) < 2 or len(pipes) * 2 < len(filled):
        return lines
    out: list[str] = []
    for line in lines:
        if _is_pipe_rule(line):
            continue
        if _is_pipe_row(line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            out.append("\t".join(cells) if len(cells) > 1 else cells[0])
        else:
            out.append(line)
    return out


def _is_tsv(lines: list[str]) -> bool:
    """Web-copy rows (a tab between two cells) outnumber Word's one-cell lines."""
    inner = sum(1 for line in lines if "\t" in line.lstrip("\t") and line.strip(" \t\u3000\u00a0"))
    word = sum(1 for line in lines if line.startswith("\t") and "\t" not in line[1:])
    return inner > word


def _chunks(lines: list[str], hints: TableHints) -> list[list[str]]:
    """Stretches of lines between table starts (a title or "附件3" outside a Word cell)."""
    chunks: list[list[str]] = [[]]
    seen_cells = False
    previous = ""
    for line in lines:
        continues_cell = previous.startswith("\t") and "\t" not in previous[1:]  # Word: a line break in a cell
        if "\t" not in line and hints.is_table_start(line) and seen_cells and not continues_cell:
            chunks.append([])
            seen_cells = False
        chunks[-1].append(line)
        seen_cells = seen_cells or "\t" in line
        previous = line if line.strip(" \u3000\u00a0") or not line else ""
    return [c for c in chunks if any(line.strip(" \u3000\u00a0") for line in c)]


def _tsv_to_grids(lines: list[str], hints: TableHints) -> list[Grid]:
    """One row per line, cells split by tabs; lines outside the tabbed rows are paragraphs.

    One-cell lines between the first and the last tabbed row belong to the table (a label
    and its value on their own lines); those above and below are titles and remarks.
    """
    rows = [line for line in lines if line.strip(" \t\u3000\u00a0")]
    tabbed = [k for k, line in enumerate(rows) if "\t" in line]
    if not tabbed:
        return _word_to_grids(lines, hints)
    first, last = tabbed[0], tabbed[-1]
    table = TextTable(has_cells=True)
    pending: list[str] = []  # a vertical label ("绩\n效\n指\n标") copied one character per line
    for k, line in enumerate(rows):
        if "\t" not in line and (k < first or k > last):
            table.free_rows.add(len(table.rows))
        elif "\t" not in line and len(line.strip(" \u3000\u00a0")) <= 2:
            pending.append(line.strip(" \u3000\u00a0"))
            continue
        if "\t" not in line and first < k < last and _continues(table.rows, line, hints):
            table.rows[-1][-1] = f"{table.rows[-1][-1]}\n{line}"  # a line break inside the last cell
            continue
        cells = line.split("\t")
        if pending and "\t" in line:
            cells[0] = "\n".join([*pending, cells[0]])
        else:
            table.rows.extend([p] for p in pending)
        pending = []
        table.rows.append(cells)
    table.rows.extend([p] for p in pending)
    rows_out = [[cell_value(v) for v in r] for r in table.rows]
    return [Grid(rows=rows_out, meta={FREE_ROWS: table.free_rows, RAGGED: True})]


def _continues(rows: list[list[str]], line: str, hints: TableHints) -> bool:
    """A tab-less line under a row ending in running text continues that text (a wrapped cell)."""
    if not rows or len(rows[-1]) < 2:
        return False
    last = rows[-1][-1].strip(" \u3000\u00a0")
    text = line.strip(" \u3000\u00a0")
    return (len(last) >= 8 and not hints.looks_like_label(last.split("\n")[-1]) and not hints.looks_like_label(text)
            and not hints.is_footer(text) and not hints.is_table_start(text))


def _word_to_grids(lines: list[str], hints: TableHints) -> list[Grid]:
    """The layout is what Word gives when a table is copied as text: each cell is a line
    led by a tab, a blank line ends a table row, a line without a tab continues the cell
    above (a line break inside the cell), and "附件3" or the title line starts a table.
    An empty cell (a merged 一级/二级 cell in Word) is a tab-only line and stays empty.
    """
    tables: list[TextTable] = [TextTable()]
    row: list[str] | None = None  # the open table row, if any
    last_was_cell = False  # a non-tab line right after a cell line continues that cell
    after_start = False  # "附件3" then the title: one table, not two
    for line in lines:
        if line.startswith("\t"):
            if row is None:
                row = []
                tables[-1].rows.append(row)  # type: ignore[arg-type]
                tables[-1].has_cells = True
            row.append(line[1:])
            last_was_cell, after_start = True, False
            continue
        if not line.strip(" \t\u3000\u00a0"):
            row, last_was_cell = None, False
            continue
        if last_was_cell and row and not re.fullmatch(r"附件\s*\d+\s*[:：]?", line.strip()):
            row[-1] = f"{row[-1]}\n{line}"  # a line break inside the cell, even if it reads like a title
            continue
        if hints.is_table_start(line):
            if not after_start and tables[-1].has_cells:
                tables.append(TextTable())
            tables[-1].rows.append([line])
            row, last_was_cell, after_start = None, False, True
            continue
        # A paragraph outside any table row: kept for the title/notes, never read as an indicator.
        tables[-1].free_rows.add(len(tables[-1].rows))
        tables[-1].rows.append([line])
        row, last_was_cell, after_start = None, False, False
    grids: list[Grid] = []
    for table in (t for t in tables if t.rows):
        rows = [[cell_value(v) for v in r] for r in table.rows]
        # Word gives merged cells as empty cells; text pasted through a web page may not, so
        # short rows are aligned the same way (a full-width row is left as it is).
        grids.append(Grid(rows=rows, meta={FREE_ROWS: table.free_rows, RAGGED: True}))
    return grids


def cell_value(value: str | None) -> str | None:
    """Cells keep their text exactly; only all-blank cells become empty (None)."""
    if value is None or clean_text(value) == "":
        return None
    return value


def refuse_foreign_text(data: bytes, path: Path) -> None:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if head.startswith(b"%pdf"):
        raise XltoolError("这是 PDF 文件，无法直接导入；请从原 Word 文档导入，或把表格复制为文本后再导入", file=path, code="file.not_workbook")
    if head.startswith(b"{\\rtf"):
        raise XltoolError("这是 RTF 文档，请在 Word 中打开后另存为 .docx 再导入", file=path, code="file.not_workbook")
    if head.startswith(b"mime-version"):  # web pages are read (io/html.py); the single-file kind is not
        raise XltoolError("这是单个文件网页（MHT），请在浏览器中打开后另存为“网页，全部”（.html），或在 Word 中另存为 .docx 再导入",
                          file=path, code="file.not_workbook")


def tables_from_blocks(blocks: list[str | list[list[str | None]]], *, hints: TableHints, name: str) -> list[Grid]:
    """Paragraphs (str) and tables (rows) in document order → one grid per project table.

    Paragraphs before a table become one-cell rows above it (the title and year live there);
    a table holding no 项目名称 label continues the previous one (a form split across a page
    break); paragraphs after the last table are its remarks (填报人 …). Word documents and
    web pages are read alike.
    """
    tables: list[TextTable] = []
    pending: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            if clean_text(block):
                pending.append(block)
            continue
        rows = block
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
    return [
        Grid(rows=[[cell_value(v) for v in r] for r in t.rows], name=f"{name}#{i + 1}", meta={FREE_ROWS: t.free_rows})
        for i, t in enumerate(tables)
    ]
