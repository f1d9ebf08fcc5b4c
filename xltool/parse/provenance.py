"""Where an imported sheet came from, kept in the lists sheet of the workbook xltool wrote.

``xltool import`` writes each imported sheet's source file, year, framework and the fields its
source form had (rows "source:<sheet title>" | JSON, see write/lists_sheet.py); read back,
``validate`` then asks once for the fields the form lacked (JX108) instead of one error each.
"""

from __future__ import annotations

import json
from typing import Any

from xltool.core.grid import Grid
from xltool.core.model import Project
from xltool.core.names import PROVENANCE_PREFIX
from xltool.core.text import clean_text


def provenance_from_lists(grid: Grid) -> dict[str, dict[str, Any]]:
    """{sheet title: provenance} from the lists sheet's "source:" rows (an imported workbook)."""
    found: dict[str, dict[str, Any]] = {}
    for row in grid.rows[:MAX_PROVENANCE_ROWS]:
        key = clean_text(row[0]) if row else ""
        if key.startswith(PROVENANCE_PREFIX) and len(row) >= 2 and isinstance(row[1], str):
            try:
                entry = json.loads(row[1])
            except ValueError:
                continue  # a damaged entry is ignored: the sheet is then checked like any other
            if isinstance(entry, dict):
                found[key[len(PROVENANCE_PREFIX):]] = entry
    return found


MAX_PROVENANCE_ROWS = 2000


def apply_provenance(project: Project, entry: dict[str, Any]) -> None:
    """An imported sheet keeps what its source form lacked, and its year when the sheet has none."""
    fields_had = entry.get("layout_fields")
    if isinstance(fields_had, list) and all(isinstance(f, str) for f in fields_had):
        project.layout_fields = list(fields_had)  # the template has every label; the source form had these
    if project.year is None and isinstance(entry.get("year"), int):
        project.year = entry["year"]
