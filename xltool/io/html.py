"""Web pages → grids: the tables as a budget-disclosure page publishes them, saved as .html or .htm.

Many regions publish their 绩效目标表 only as web pages, and budget systems export
"Excel" files that are really HTML. Each ``<table>`` becomes rows with ``rowspan`` and
``colspan`` expanded the way Word's merged cells are read (every repeat an empty cell);
text between tables (the title, the year, 填报人) becomes one-cell rows, so the page reads
like a Word document (:func:`xltool.io.text.tables_from_blocks`). Pages wrap their content
in layout tables: a table holding other tables is a container, its own cells are text.
The parser is the standard library's, in pure Python: a hostile page can cost time
(bounded by the text size limit), never memory beyond the spans' caps.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from xltool.core.errors import XltoolError
from xltool.core.grid import Grid
from xltool.io.text import TableHints, decode_text, tables_from_blocks

MAX_COLSPAN = 64  # a form is a dozen columns wide; a page asking for more is capped, not obeyed
MAX_ROWSPAN = 2000

_BLOCK_TAGS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "center",
                         "blockquote", "pre", "header", "footer", "hr"})
_SKIPPED = frozenset({"script", "style", "head", "title", "noscript", "template", "select", "option"})
# The hidden elements passed over: text (statistics code, a hidden note). Tables and their rows and cells
# are read hidden or not, as a workbook's hidden rows are: Excel writes its hidden rows as
# "<tr style='display:none'>" in the 网页格式 .xls that merge reads, and a page's tabs hide whole tables
# until clicked; their money must not vanish without a word.
_HIDEABLE = frozenset({"p", "span", "font", "li", "a", "label", "b", "i", "em", "strong", "small"})
_HIDDEN_STYLE_RE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important)?\s*(?:;|$)",
                              re.IGNORECASE)


# Elements whose end tag HTML lets a page leave out, and the end tags that close them then: a hidden "<p>"
# that is never closed ends at the next <p> or where its cell or block ends, not at the page's end.
_CLOSED_BY = {"li": {"ul", "ol"}, "p": {"div", "td", "th", "tr", "table", "body"}}


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    """An element a browser does not show (``hidden``, ``display:none``, ``visibility:hidden``)."""
    return any(name == "hidden" or (name == "style" and value and _HIDDEN_STYLE_RE.search(value))
               for name, value in attrs)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)

Block = str | list[list[str | None]]  # a paragraph, or a table's rows


def looks_like_html(data: bytes) -> bool:
    """The first bytes of a web page (a saved page, or a system's "Excel" export that is one)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    return head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in head


def decode_html(data: bytes, *, file: str | Path = "") -> str:
    """UTF-8 when the bytes are valid UTF-8 (a browser saves pages so, keeping the old ``charset=gb2312``
    declaration; GBK text is almost never valid UTF-8), else the declared charset (GB2312 read as
    GB18030, its superset), else GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    found = _CHARSET.search(data[:4096])
    if found:
        name = found.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936") else name
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, file=file)


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[str | None]] = []
        self.spans: dict[int, tuple[int, int]] = {}  # column → (rows still covered, columns wide)
        self.row: list[str | None] | None = None
        self.cell: list[str] | None = None
        self.cell_span = (1, 1)
        self.seq: list[Block] = []  # as a container: its cell texts and inner blocks, in page order
        self.container = False

    def start_row(self) -> None:
        self.end_row()
        self.row = []

    def end_row(self) -> None:
        self.end_cell()
        if self.row is None:
            return
        row = self.row
        self._fill_spans(row)  # cells merged from above that end the row
        self.rows.append(row)
        self.spans = {c: (n - 1, w) for c, (n, w) in self.spans.items() if n > 1}
        self.row = None

    def _fill_spans(self, row: list[str | None]) -> None:
        while len(row) in self.spans:
            row.extend([None] * self.spans[len(row)][1])

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.end_cell()
        if self.row is None:
            self.start_row()
        self.cell, self.cell_span = [], (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = _cell_text(self.cell)
        self.cell = None
        if self.container:
            self.seq.extend(line for line in text.split("\n") if line)  # one paragraph per line, as in Word
            return
        self._fill_spans(self.row)
        rowspan, colspan = self.cell_span
        if rowspan > 1:
            self.spans[len(self.row)] = (rowspan, colspan)
        self.row.extend([text or None] + [None] * (colspan - 1))

    def flush_for_inner(self) -> None:
        """An inner table begins: this one is a layout table, its text so far is paragraphs."""
        if not self.container:
            self.container = True
            self.seq = [t for r in self.rows for t in r if t] + [t for t in (self.row or []) if t]
        if self.cell:
            self.seq.extend(line for line in _cell_text(self.cell).split("\n") if line)
            self.cell = []

    def blocks(self) -> list[Block]:
        self.end_row()
        if self.container:
            return self.seq
        return [self.rows] if self.rows else []


def _cell_text(parts: list[str]) -> str:
    text = "".join(parts)
    lines = [re.sub(r"[ \t\r\n\f]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _span(value: str | None, cap: int) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), cap))
    except ValueError:
        return 1


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.tables: list[_Table] = []
        self.text: list[str] = []  # the paragraph being read outside any table
        self.skipping = 0
        self.hidden: list[Any] | None = None  # [tag, depth, tables opened inside] of the hidden element passed over

    def _out(self) -> list[Block]:
        table = self.tables[-1] if self.tables else None
        return table.seq if table is not None and table.container else self.blocks

    def _flush_text(self) -> None:
        text = _cell_text(self.text)
        self.text = []
        if text:
            self.blocks.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden is not None:
            hidden_tag, depth, tables = self.hidden
            if tag == "table":
                self.hidden[2] += 1
                return
            if tag != hidden_tag:
                return
            if hidden_tag not in _CLOSED_BY or tables or depth > 1:
                self.hidden[1] += 1
                return
            self.hidden = None  # "<p hidden>…<p>": the next sibling closes the hidden one; read it
        if tag in _HIDEABLE and _hidden(attrs):
            self.hidden = [tag, 1, 0]
            return
        if tag == "body":
            self.skipping = 0  # a <head> (or <title>) never closed ends where the body starts
            return
        if tag in _SKIPPED:
            self.skipping += 1
            return
        table = self.tables[-1] if self.tables else None
        if tag == "table":
            if table is None:
                self._flush_text()
            else:
                table.flush_for_inner()
            self.tables.append(_Table())
        elif tag in ("tr", "td", "th") and table is not None:
            got = dict(attrs)
            if tag == "tr":
                table.start_row()
            else:
                table.start_cell(_span(got.get("rowspan"), MAX_ROWSPAN), _span(got.get("colspan"), MAX_COLSPAN))
        elif tag in _BLOCK_TAGS:
            self._break(table)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED or self.hidden is not None or (tag in _HIDEABLE and _hidden(attrs)):
            return  # "<td hidden/>": nothing to pass over after it
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.hidden is not None:
            hidden_tag, depth, tables = self.hidden
            if tag == "table" and tables:
                self.hidden[2] -= 1
                return
            if tag == hidden_tag:
                self.hidden = [tag, depth - 1, tables] if depth > 1 else None
                return
            if tables or tag not in _CLOSED_BY.get(hidden_tag, ()):
                return
            self.hidden = None  # "</td>" closes a hidden paragraph left open; read the end tag itself
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        table = self.tables[-1] if self.tables else None
        if tag == "table" and table is not None:
            self.tables.pop()
            self._out().extend(table.blocks())
        elif tag == "tr" and table is not None:
            table.end_row()
        elif tag in ("td", "th") and table is not None:
            table.end_cell()
        elif tag in _BLOCK_TAGS:
            self._break(table)

    def _break(self, table: _Table | None) -> None:
        """A block element's edge: a new paragraph outside tables, a line break inside a cell."""
        if table is None:
            self._flush_text()
        elif table.cell is not None:
            table.cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping or self.hidden is not None:
            return
        table = self.tables[-1] if self.tables else None
        if table is None:
            self.text.append(data)
        elif table.cell is not None:
            table.cell.append(data)

    def finish(self) -> list[Block]:
        self.close()
        while self.tables:  # a page cut off inside a table
            table = self.tables.pop()
            self._out().extend(table.blocks())
        self._flush_text()
        return self.blocks


def html_to_grids(data: bytes, *, hints: TableHints, name: str, file: str | Path = "") -> list[Grid]:
    """One grid per project table of a saved web page (see the module's docstring)."""
    page = _Page()
    try:
        page.feed(decode_html(data, file=file).replace("\r\n", "\n"))
        blocks = page.finish()
    except XltoolError:
        raise
    except (AssertionError, ValueError) as exc:  # html.parser's few complaints about broken markup
        raise XltoolError("网页文件已损坏，无法读取其中的表格；请在浏览器中打开后把表格复制为文本再导入",
                          file=file or name, code="file.damaged") from exc
    if not any(isinstance(b, list) for b in blocks):
        raise XltoolError("网页中没有表格，无法导入；请确认保存的是含绩效目标表的页面", file=file or name,
                          code="input.no_table")
    return tables_from_blocks(blocks, hints=hints, name=name)
