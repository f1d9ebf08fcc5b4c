"""Tables standing side by side on one sheet, read band by band; the row cache the parser shares.

A row holding two or more 项目名称 labels (each the whole cell) starts a band at each label;
each band is a grid of its own that keeps the sheet's cell addresses.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Callable

from xltool.core.grid import Grid
from xltool.core.model import Project
from xltool.core.text import BLANK_CHARS, normalize_label
from xltool.parse.labels import match


def is_name_label(text: str) -> bool:
    """The cell (or the part before its colon) is a 项目名称 label as a whole, decorations aside:
    "项目名称公示率", an indicator that merely starts with the label, starts no project."""
    found = match(text)
    return found is not None and found.key == "name" and found.score >= 1.0


def row_texts(grid: Grid, r: int) -> list[tuple[int, Any]]:
    """The non-blank cells of a row; computed once per grid row (the parser asks often)."""
    cache: dict[int, list[tuple[int, Any]]] = grid.meta.setdefault("_row_texts", {})
    texts = cache.get(r)
    if texts is None:
        # clean_text(v) != "" without its call per cell: only a text can be blank once stripped
        texts = cache[r] = [(c, v) for c, v in enumerate(grid.rows[r])
                            if v is not None and (not isinstance(v, str) or v.strip(BLANK_CHARS))]
    return texts


def side_by_side(grid: Grid) -> list[Grid]:
    """The grid split into column bands when tables stand side by side: a row holding two or
    more 项目名称 labels (each the whole cell) starts a band at each. One band otherwise.

    Each band keeps the sheet's cell addresses (``left``); a title over the first table only
    is lent to the others by the callers.
    """
    cached = grid.meta.get("_bands")
    if cached is not None:
        return cached
    cuts: list[int] = []
    needed = _name_label_chars()
    for r in range(grid.height):
        texts = row_texts(grid, r)
        if len(texts) < 4:  # two tables side by side: two labels and two values at least
            continue
        cols = [c for c, v in texts if isinstance(v, str) and all(ch in v for ch in needed) and is_name_label(v)]
        if len(cols) >= 2:
            cuts = cols
            break
    if not cuts:
        grid.meta["_bands"] = [grid]
        return [grid]
    bounds = [0, *cuts[1:], max(len(row) for row in grid.rows)]
    meta = {k: v for k, v in grid.meta.items() if not k.startswith("_")}
    grid.meta["_bands"] = bands = [
        Grid(rows=[row[c0:c1] for row in grid.rows], name=grid.name, top=grid.top, left=grid.left + c0,
             hidden=grid.hidden, meta=dict(meta))
        for c0, c1 in zip(bounds, bounds[1:])
    ]
    for band in bands:
        band.meta["_bands"] = [band]
        if "percent" in meta:  # cell positions are the band's own
            shift = band.left - grid.left
            band.meta["percent"] = {(r, c - shift): d for (r, c), d in meta["percent"].items() if c >= shift}
    return bands


@cache
def _name_label_chars() -> frozenset[str]:
    """The characters every 项目名称 wording shares ("名"): a cell without them is no such label."""
    from xltool.core.fields import synonyms as _synonyms  # noqa: PLC0415

    sets = [set(normalize_label(w)) for w in _synonyms("header").get("name", ())]
    return frozenset(set.intersection(*sets)) if sets else frozenset()


def lend_title(projects: list[Project]) -> None:
    """Tables side by side under one title: the later ones take the first one's title and year."""
    first = next((p for p in projects if p.title), None)
    for project in projects:
        if first is not None and not project.title:
            project.title, project.year = first.title, project.year or first.year


def read_bands(grid: Grid, read_band: Callable[[Grid], list[Project]]) -> list[Project]:
    """``read_band`` on each band of tables standing side by side (the whole grid when there is one),
    a 自评表 band marking the sheet, the title lent to the bands that have none."""
    bands = side_by_side(grid)
    if len(bands) == 1:
        return read_band(grid)
    projects = []
    for band in bands:
        projects += read_band(band)
        if band.meta.get("self_evaluation"):
            grid.meta["self_evaluation"] = True
    lend_title(projects)
    return projects
