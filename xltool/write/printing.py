"""One print set-up for every sheet xltool writes: paper, fit, margins, footer.

The summary (xlsxwriter), the marked copy's 校验结果 sheet and the template with its
填写说明 (openpyxl) print for the same review meeting, so they share one footer
wording — the file and sheet on the left, "第 x 页 / 共 y 页" on the right — and one
paper set-up: A4, one page wide, the header rows repeated on every page.
"""

from __future__ import annotations

from typing import Any

FOOTER_LEFT = "&8&F　&A"  # file name, sheet name
FOOTER_RIGHT = "&8第 &P 页 / 共 &N 页"
FOOTER = f"&L{FOOTER_LEFT}&R{FOOTER_RIGHT}"
MARGINS_INCH = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}
A4 = 9


def openpyxl_print_setup(ws: Any, *, landscape: bool, title_rows: str | None = None) -> None:
    """The set-up of :func:`xltool.write.summary.layout.print_setup` for an openpyxl sheet;
    ``title_rows`` as openpyxl takes them ("1:1")."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for side, inches in MARGINS_INCH.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.left.text = FOOTER_LEFT.removeprefix("&8")
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = FOOTER_RIGHT.removeprefix("&8")
    ws.oddFooter.right.size = 8
    if title_rows:
        ws.print_title_rows = title_rows
