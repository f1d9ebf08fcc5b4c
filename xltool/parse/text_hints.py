"""What io's text and Word splitters ask the parser, passed to them by the layer above.

``io`` turns a file into grids and knows no labels; where a table of a text export starts,
which line is a footer or a column title, and which cell names the project are the
parser's knowledge. This module is that knowledge in the shape of ``io.text.TableHints``.
"""

from __future__ import annotations

from typing import Any

from xltool.parse.header import header_field
from xltool.parse.imported import is_table_start
from xltool.parse.labels import is_footer, looks_like_label

__all__ = ["is_footer", "is_table_start", "looks_like_label", "names_project"]


def names_project(value: Any) -> bool:
    """A cell holding the 项目名称 label: where a new project table of a Word document begins."""
    return header_field(value)[0] == "name"
