"""A sheet as a plain rectangle of cell values: the one shape every reader produces.

openpyxl, python-calamine, xlwings, the text importer and the .docx importer all
turn what they read into a :class:`Grid`; one parser (``reader.parse_grid``) turns
a grid into projects. Cell addresses are kept exact through ``top``/``left`` so a
grid cut from the middle of a sheet (xlwings' used range) still names real cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CellValue = Any  # str | int | float | bool | datetime | date | None

MAX_ROWS = 5_000
MAX_COLS = 50
"""No reader looks beyond ``MAX_ROWS`` x ``MAX_COLS`` cells of a sheet (why: ``xltool.io.gate``).

Here, with the grid, so a spreadsheet host's reader (the ribbon's used range) bounds
itself without importing the file gate."""


def column_letter(index: int) -> str:
    """1 → "A", 27 → "AA"."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """"A" → 1, "AA" → 27."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index


_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_ref(ref: str) -> tuple[int, int]:
    """"B3" → (row 3, column 2)."""
    match = _REF_RE.match(ref.strip())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(match.group(2)), column_index(match.group(1))


def cell_ref(row: int, col: int) -> str:
    """(3, 2) → "B3" (1-based)."""
    return f"{column_letter(col)}{row}"


# Grid.meta key: 0-based rows that were free paragraphs (not table rows) in the source.
FREE_ROWS = "free_rows"


@dataclass
class Grid:
    """Rows of cell values; ``rows[0][0]`` is the sheet cell (``top``, ``left``)."""

    rows: list[list[CellValue]]
    name: str = ""
    top: int = 1
    left: int = 1
    hidden: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def get(self, r: int, c: int) -> CellValue:
        """Value at 0-based grid position, None outside the rectangle."""
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return None

    def ref(self, r: int, c: int) -> str:
        """Sheet address of a 0-based grid position."""
        return cell_ref(self.top + r, self.left + c)

    def sheet_row(self, r: int) -> int:
        return self.top + r
