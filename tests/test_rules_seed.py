"""The rule catalogue against the 22 real 2022 tables of one bureau (the seed).

The seed is a text dump of Word tables: a table starts at "附件3" or at its title
line, rows are separated by blank lines, each cell is a tab-led line, and a line
without a tab continues the previous cell. ``seed_grids`` turns it back into one
:class:`~xltool.grid.Grid` per table, which ``reader.parse_grid`` reads like any
sheet. The assertions are what a careful reviewer finds in these tables, and that
nothing correct is called an error.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from xltool.findings import Finding, Severity
from xltool.grid import Grid
from xltool.model import Project
from xltool.reader import parse_grid
from xltool.rules import validate_projects

SEED_NAME = "000_1e048f0bc88432ba.txt"
_SEED_CANDIDATES = (
    Path(__file__).parent / "data" / SEED_NAME,
    Path("/work/shared/seeds") / SEED_NAME,
)
_TITLE_RE = re.compile(r"^(附件\s*\d*|.*绩效目标.*表)$")


def seed_path() -> Path | None:
    """The seed file: $XLTOOL_SEED, tests/data/, or the shared seeds folder."""
    env = os.environ.get("XLTOOL_SEED")
    for path in ((Path(env),) if env else ()) + _SEED_CANDIDATES:
        if path.is_file():
            return path
    return None


def seed_grids(text: str) -> list[Grid]:
    """One Grid per table of the text dump (see module docstring for the format)."""
    tables: list[list[list[str | None]]] = []
    rows: list[list[str | None]] | None = None
    row: list[str | None] = []

    def close_row() -> None:
        nonlocal row
        if row and rows is not None:
            rows.append(row)
        row = []

    for line in text.splitlines():
        if not line.strip() and "\t" not in line:  # "\t" alone is an empty cell
            close_row()
            continue
        if "\t" not in line:
            stripped = line.strip()
            if _TITLE_RE.match(stripped):
                close_row()
                if stripped.startswith("附件") or rows is None or any(
                    isinstance(c, str) and "项目名称" in c for r in rows for c in r
                ):
                    rows = []
                    tables.append(rows)
                rows.append([stripped])
                continue
            if row:  # a line without a tab continues the previous cell
                last = row[-1] or ""
                row[-1] = f"{last}\n{line}" if last else line
            continue
        if rows is None:
            rows = []
            tables.append(rows)
        cell = line.split("\t", 1)[1]
        row.append(cell if cell.strip() else None)
    close_row()
    return [Grid(rows=t, name=f"表{i + 1}") for i, t in enumerate(tables) if t]


def seed_projects(path: Path | None = None) -> list[Project]:
    """Every project of the seed, parsed by the real reader."""
    path = path or seed_path()
    if path is None:
        raise FileNotFoundError(SEED_NAME)
    projects: list[Project] = []
    for grid in seed_grids(path.read_text(encoding="utf-8")):
        projects.extend(parse_grid(grid, file=path.name))
    return projects


@pytest.fixture(scope="module")
def seed() -> tuple[list[Project], list[Finding]]:
    path = seed_path()
    if path is None:
        pytest.skip(f"seed {SEED_NAME} not found (set XLTOOL_SEED or copy it to tests/data/)")
    projects = seed_projects(path)
    return projects, validate_projects(projects)
