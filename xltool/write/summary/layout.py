"""How a summary sheet looks on screen and on paper: formats, widths, wrapped rows, print set-up.

The reviewer prints the summary for the director, so every sheet is set up to print:
A4, one page wide (landscape where the table is wide), the header row repeated on
every page, the name column repeated where a sheet is still wider than a page, long
texts wrapped in rows as tall as their lines, and a footer with the sheet name and
page x/y. Excel and LibreOffice do not size rows of wrapped text written by
xlsxwriter, so heights are computed here from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.text import display_width
from xltool.write.printing import A4, FOOTER, MARGINS_INCH
from .rows import SAFE_TEXT, api_row, fast_rows_ok, render_row, renderable

EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
EXCEL_MAX_ROWS = 1_048_576
MAX_ROW_POINTS = 409  # Excel's highest row
_MAX_WIDTH = 60
_WIDTH_SAMPLE_ROWS = 2000  # column widths are judged on the first rows only
AMOUNT_FORMAT = "#,##0.00_ "  # a space's padding on the right: two amounts side by side never touch
FONT = "宋体"
FONT_SIZE = 10.5
# Wrapped rows are sized from the font and the column, as the spreadsheet lays them out (96 dpi):
# a column ``w`` characters wide is ``int(w * 7 + 5)`` px in Excel (7 px: the digit of the workbook's
# default font; LibreOffice without that font counts the digit of a stand-in, wider, so its columns
# only gain room), of which ~8 px are margins and grid line; the body font draws a Chinese character 1 em
# (14 px) wide and a Latin one half that in 宋体, up to 0.65 em in the fonts that stand in for it
# (counted so: a cell with Latin text is never cut); a line takes 1.42 em (LibreOffice with its fallback CJK
# fonts needs 1.42, Excel's 宋体 a little less), and a cell 2 pt of padding.
DIGIT_PX = 7
CELL_MARGIN_PX = 8
HALF_EM_PX = FONT_SIZE * 96 / 72 / 2  # one unit of :func:`display_width`
LINE_POINTS = round(FONT_SIZE * 1.42, 1)
ROW_PADDING_POINTS = 2.0
_BREAKS = re.compile(r"\r\n?|\u2028|\u2029")
_PUNCTUATION_ONLY = re.compile(r"^[。．.，,、；;：:！!？?）)】」』”’]+$")
_ENDS_CLAUSE = re.compile(r"[。．；;：:！!？?）)】」』”’…]$")
_STARTS_ITEM = re.compile(
    r"^([（(]?[0-9０-９一二三四五六七八九十]+[）)、.．]|[①-⑳⑴-⒇]|[-—•·●○■□◆▪*]|第[一二三四五六七八九十0-9]+[条项章点])"
)


def text_width(text: str) -> int:
    """Display width in Excel's character units of the longest line: CJK counts double."""
    return max(display_width(line) for line in text.split("\n"))


def clean_breaks(text: str) -> str:
    """Line breaks as typed (\r\n, \r, blank lines, trailing spaces) → single \n; and only the breaks
    a writer meant: a break inside a phrase ("档案服务工⏎作", wrapped by hand in the source cell) is
    removed, and a line of nothing but punctuation ("。", "：") joins the line before. A break stays
    after a sentence or clause ends and before an item marker ("（2）", "2、", "①")."""
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        text = _BREAKS.sub("\n", text)
    if "\n" not in text:
        return text
    out: list[str] = []
    paragraph = False  # a blank line before: the writer's own paragraph break
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            paragraph = True
            continue
        meant = paragraph or _ENDS_CLAUSE.search(out[-1] if out else "") or _STARTS_ITEM.match(line)
        paragraph = False
        if out and (_PUNCTUATION_ONLY.match(line) or not meant):
            latin = out[-1][-1].isascii() and out[-1][-1].isalnum() and line[0].isascii() and line[0].isalnum()
            out[-1] += (" " if latin else "") + line
        else:
            out.append(line)
    return "\n".join(out)


def fit_text(text: str) -> str:
    """Excel silently cuts cells at 32,767 characters; say so instead."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    tail = "……（超出单元格长度上限，已截断）"
    return text[: EXCEL_CELL_LIMIT - len(tail)] + tail


LATIN_EXTRA = 0.3  # half-em units added to each Latin character (0.65 em instead of 0.5)


# Characters of ambiguous width that Chinese fonts (宋体 and its stand-ins) draw 1 em wide.
_CJK_AMBIGUOUS = re.compile("[\u00b0\u00b1\u00b7\u00d7\u2014\u2018\u2019\u201c\u201d\u2026\u2030\u2103"
                            "\u2190-\u2199\u2264\u2265\u2460-\u24ff\u25a0-\u25ff\u2605\u2606]")


def text_units(text: str) -> float:
    """Half-em units ``text`` takes on a line: a Chinese character (or “”…—× …) 2, a Latin one 1.3."""
    if text.isascii():
        return len(text) * (1 + LATIN_EXTRA)
    wide = display_width(text) + len(_CJK_AMBIGUOUS.findall(text))
    return wide + LATIN_EXTRA * (2 * len(text) - wide)


_OPEN = "（「『【“‘《(["  # never ends a line: goes down with what it opens
_CLOSE = "，。、；：！？）」』】”’》…,.;:!?)]%"  # never starts a line: stays with what it closes
_TOKEN = re.compile(f"[{re.escape(_OPEN)}]*(?:[!-~]+|.)[{re.escape(_CLOSE)}]*|[^\\S\\n]+")


def line_units(width: float) -> float:
    """Half-em units of body text that fit on one line of a column ``width`` characters wide."""
    pixels = int(width * DIGIT_PX + 5) if width >= 1 else int(width * (DIGIT_PX + 5) + 0.5)
    return max(1.0, (pixels - CELL_MARGIN_PX) / HALF_EM_PX)


def line_count(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide, laid out as a spreadsheet does:
    a Chinese character may break anywhere, a Latin word or number only at its edges, closing
    punctuation never starts a line nor opening punctuation ends one, spaces at a line's end take no room."""
    room = line_units(width)
    total = 0
    for line in text.split("\n"):
        if text_units(line) <= room:
            total += 1
            continue
        lines, used = 1, 0.0
        for token in _TOKEN.findall(line):
            size = text_units(token)
            if used + size <= room or token.isspace():
                used += 0 if token.isspace() and used + size > room else size
                continue
            if size > room:  # a word longer than a line: on a line of its own, cut where each line ends
                pieces = -int(-size // room)
                lines += pieces - (0 if used else 1)
                used = size - (pieces - 1) * room
            else:
                lines += 1
                used = size
        total += lines
    return total


def wrapped_lines(text: str, width: float) -> int:
    """:func:`line_count` for the cells of list rows and the 部门整体 form: a text shorter than
    half its column is taken as one line without counting (Chinese text is two units a character)."""
    if 2 * len(text) <= line_units(width) and "\n" not in text:
        return 1
    return line_count(text, width)


def header_title(title: str, width: float) -> str:
    """A column title too wide for its column, broken where a reader expects it: before the unit
    "（万元）", after "/" ("定量/" "定性"), else between its halves ("计入" "合计"), never mid-word."""
    if text_width(title) <= width - 1:
        return title
    for mark, offset in (("（", 0), ("/", 1)):
        at = title.find(mark)
        if at > 0:
            return title[: at + offset] + "\n" + title[at + offset :]
    half = (len(title) + 1) // 2
    return title[:half] + "\n" + title[half:] if len(title) >= 4 else title


def wrapped_height(lines: int) -> float:
    """Points for ``lines`` wrapped lines of the body font (see :data:`LINE_POINTS`)."""
    return min(MAX_ROW_POINTS, round(LINE_POINTS * lines + ROW_PADDING_POINTS, 1))


def check_row(ws: Any, row: int) -> None:
    """xlsxwriter silently drops rows past Excel's limit; losing data must be an error."""
    if row >= EXCEL_MAX_ROWS:
        raise XltoolError(
            f"汇总表的“{ws.name}”超过 Excel 单个工作表 {EXCEL_MAX_ROWS} 行的上限，请把输入分成几批分别汇总",
            exit_code=EXIT_INPUT,
        )


def col_letter(c: int) -> str:
    from xltool.core.grid import column_letter

    return column_letter(c + 1)


def print_setup(ws: Any, *, landscape: bool, title_rows: int | None = 0, repeat_cols: str | None = None,
                fit: bool = True) -> None:
    """A4, one page wide (``fit``), header row(s) and name column repeated, footer with sheet and page x/y."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if fit:
        ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS_INCH)
    ws.set_footer(FOOTER)
    if title_rows is not None:
        ws.repeat_rows(0, title_rows)
    if repeat_cols:
        ws.repeat_columns(repeat_cols)


@dataclass
class Formats:
    header: Any
    text: Any
    wrap: Any
    amount: Any
    integer: Any
    center: Any
    total_label: Any
    total_amount: Any
    total_int: Any
    error: Any
    warning: Any
    title: Any
    form_label: Any
    form_block: Any
    form_cell: Any
    form_center: Any
    form_amount: Any
    section: Any

    @classmethod
    def create(cls, wb: Any) -> "Formats":
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
        cell = {**base, "border": 1, "border_color": "#BFBFBF"}
        form = {**base, "border": 1, "valign": "vcenter", "text_wrap": True}
        total = {**base, "bold": True, "top": 2, "bg_color": "#F2F2F2"}
        return cls(
            header=wb.add_format({**cell, "bold": True, "bg_color": "#DDEBF7", "align": "center",
                                  "valign": "vcenter", "text_wrap": True}),
            text=wb.add_format(cell),
            wrap=wb.add_format({**cell, "text_wrap": True}),
            amount=wb.add_format({**cell, "num_format": AMOUNT_FORMAT}),
            integer=wb.add_format({**cell, "num_format": "0"}),
            center=wb.add_format({**cell, "align": "center"}),
            total_label=wb.add_format(total),
            total_amount=wb.add_format({**total, "num_format": AMOUNT_FORMAT}),
            total_int=wb.add_format({**total, "num_format": "0"}),
            error=wb.add_format({**cell, "font_color": "#9C0006", "bg_color": "#FFC7CE"}),
            warning=wb.add_format({**cell, "text_wrap": True, "font_color": "#9C5700", "bg_color": "#FFEB9C"}),
            title=wb.add_format({**base, "bold": True, "font_size": 15, "align": "center", "valign": "vcenter"}),
            form_label=wb.add_format({**form, "bold": True, "align": "center", "bg_color": "#F2F2F2"}),
            # A block title over many rows: at the top, so it prints on the block's first page.
            form_block=wb.add_format({**form, "bold": True, "align": "center", "valign": "top", "bg_color": "#F2F2F2"}),
            form_cell=wb.add_format(form),
            form_center=wb.add_format({**form, "align": "center"}),
            form_amount=wb.add_format({**form, "num_format": AMOUNT_FORMAT}),
            section=wb.add_format({**base, "bold": True, "font_size": 12}),
        )


class Sheet:
    """A worksheet written strictly row by row (constant-memory mode).

    Column widths are fixed (``widths``, characters); columns in ``wrap`` wrap their
    text and each row is made as tall as its longest wrapped cell.
    """

    def __init__(self, workbook: Any, name: str, headers: tuple[str, ...], fmt: Formats,
                 widths: tuple[float, ...] = (), wrap: Iterable[int] = ()) -> None:
        self.ws = workbook.add_worksheet(name)
        self.fmt = fmt
        self.headers = headers
        self.row = 0
        self.widths = list(widths) or [max(6, text_width(h) + 2) for h in headers]
        self.wrap = frozenset(wrap)
        self.fixed = bool(widths)
        self.row_info: dict[int, Any] | None = getattr(self.ws, "row_info", None)
        self.row_sizes: dict[int, Any] = getattr(self.ws, "row_sizes", {})
        self.fast = bool(getattr(self.ws, "constant_memory", False)) and fast_rows_ok()

    def header(self) -> None:
        """The header row, each title exactly as documented (filters and scripts find columns by it);
        the row is as tall as the widest title's wrapped lines."""
        titles = list(self.headers)
        lines = max((line_count(header_title(h, w), w) for h, w in zip(titles, self.widths)), default=1)
        self.ws.set_row(self.row, wrapped_height(lines))
        for c, title in enumerate(titles):
            self.ws.write_string(self.row, c, title, self.fmt.header)
        self.ws.freeze_panes(self.row + 1, 0)
        self.row += 1

    def values(self, values: Iterable[Any], formats: dict[int, Any] | None = None, default: Any = None) -> None:
        """One row; wrapped columns size the row, others are cut to one line on screen.

        The hot path of a merge (every 指标明细 row): one plain loop that prepares the
        cells, the line count only for text long enough to wrap, then the row is rendered
        in one string (:mod:`.rows`) or, where that renderer does not apply, written cell
        by cell through xlsxwriter.
        """
        ws, r = self.ws, self.row
        if r >= EXCEL_MAX_ROWS:
            check_row(ws, r)
        wrap, widths, ncols = self.wrap, self.widths, len(self.headers)
        text_fmt = self.fmt.text
        sample = not self.fixed and r <= _WIDTH_SAMPLE_ROWS
        fast = self.fast
        lines = 1
        cells: list[tuple[int, Any, Any]] = []
        for c, value in enumerate(values):
            cell_fmt = formats.get(c, default) if formats else default
            if value is None or value == "":
                if cell_fmt is not None or c < ncols:
                    cells.append((c, None, cell_fmt or text_fmt))
                continue
            if value.__class__ is not str:
                if fast and not renderable(value):
                    fast = False
                cells.append((c, value, cell_fmt or text_fmt))
                continue
            if len(value) > SAFE_TEXT:
                fast = False
                value = fit_text(value)
            if c in wrap:
                if "\n" in value or "\r" in value:
                    value = clean_breaks(value)
                lines = max(lines, wrapped_lines(value, widths[c]))
                cell_fmt = cell_fmt or self.fmt.wrap
            elif "\n" in value:
                value = " ".join(clean_breaks(value).split())  # one line: the meant breaks as spaces
            if sample and c < len(widths):
                widths[c] = min(max(widths[c], text_width(value) + 2), _MAX_WIDTH)
            cells.append((c, value, cell_fmt or text_fmt))
        self.write_cells(r, cells, wrapped_height(lines) if lines > 1 else None, fast)
        self.row += 1

    def write_cells(self, r: int, cells: list[tuple[int, Any, Any]], height: float | None = None,
                    fast: bool | None = None) -> None:
        """Row ``r`` as ``(col, value, format)`` in column order (value None: a formatted blank);
        ``fast``: the caller has checked every value is :func:`renderable` (None: check here)."""
        if fast is None:
            fast = self.fast and all(v is None or renderable(v) for _, v, _ in cells)
        if fast:
            render_row(self.ws, r, cells, height)
            return
        api_row(self.ws, r, cells, height)
        if r > 1 and self.row_info is not None:
            # xlsxwriter keeps every sized row's height for placing images; list sheets have none, and
            # writing this row flushed the previous one (constant memory): let it go, memory stays flat.
            self.row_info.pop(r - 1, None)
            self.row_sizes.pop(r - 1, None)

    def finish(self, *, filter_rows: int | None = None, landscape: bool = True, repeat_cols: str | None = None) -> None:
        """Widths, the autofilter over the header and ``filter_rows`` data rows, print set-up."""
        for c, width in enumerate(self.widths):
            self.ws.set_column(c, c, width)
        if filter_rows is not None and self.headers:
            self.ws.autofilter(0, 0, max(filter_rows, 1), len(self.headers) - 1)
        print_setup(self.ws, landscape=landscape, title_rows=0 if self.headers else None, repeat_cols=repeat_cols)
