"""Texts longer than an Excel cell holds: cut visibly, and said where and by how much.

Excel keeps at most 32,767 characters in a cell; a longer value makes it "repair" the
file (or drop the text). A Word or text source can hold a longer 项目概况, and a workbook
written by another program too, so every workbook xltool writes from a user's text
passes :func:`put_fitted`: the cell keeps its beginning plus a marker, and the caller
tells the user the sheet, the cell and how many characters were cut (:func:`cuts_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
CUT_MARK = "……（超出单元格长度上限，已截断）"


@dataclass(frozen=True)
class Cut:
    sheet: str
    cell: str
    length: int  # characters the text had
    kept: int  # characters of it the cell keeps (the marker follows them)

    def notice(self) -> str:
        return (f"工作表“{self.sheet}”单元格 {self.cell}：文字共 {self.length:,} 个字符，超过 Excel 单元格上限 "
                f"{EXCEL_CELL_LIMIT:,} 个字符，已截去末尾 {self.length - self.kept:,} 个字符（单元格末尾注明“已截断”），"
                "请把超出的部分改写到附件中")


def fit_text(text: str) -> tuple[str, int]:
    """``text`` cut to fit one cell (with :data:`CUT_MARK`), and how many characters of it are kept."""
    if len(text) <= EXCEL_CELL_LIMIT:
        return text, len(text)
    kept = EXCEL_CELL_LIMIT - len(CUT_MARK)
    return text[:kept] + CUT_MARK, kept


def put_fitted(ws: Any, ref: str, text: str) -> str:
    """``text`` as it may go into ``ws[ref]``; a cut is recorded on the workbook (see :func:`cuts_of`).

    openpyxl itself clips longer strings without a word, so every user text must pass
    here before it is assigned.
    """
    fitted, kept = fit_text(text)
    if kept < len(text):
        ws.parent.__dict__.setdefault("xltool_cuts", []).append(Cut(ws.title, ref, len(text), kept))
    return fitted


def cuts_of(workbook: Any) -> list[Cut]:
    """Every cut :func:`put_fitted` made while ``workbook`` was filled."""
    return list(workbook.__dict__.get("xltool_cuts", []))
