"""How one imported table's titles and labels were mapped: the library call behind layout files.

The reader records, while it reads, each header label and indicator column title it took for a
field and each one it could not place (``record``). :func:`attach_mappings` then gives every
project of a table its :class:`TableMapping`: what was mapped, what was not (with sheet, cell
and text), and the table's *fingerprint*, the set of its normalised titles and labels. Import
writes a layout file from it (parse/layouts.render_layout) and applies a kept layout to tables
of the same fingerprint; the web page calls the same functions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from xltool.core.grid import Grid, split_ref

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project
from xltool.core.text import clean_text, normalize_label

Section = Literal["header", "columns"]
_RECORDS = "_mapping_records"  # Grid.meta: [(row, col, text, section, field or None)]


@dataclass(frozen=True)
class Unmapped:
    """A title or label the reader could not place: where the user finds it, and its text."""

    section: Section
    text: str
    cell: str  # "E5"
    where: str  # "工作表“表1”E5" / "第 2 张表 E5"
    hint: str = ""  # what it may be ("若是项目名称，填 name"), written beside it in the layout file


@dataclass
class TableMapping:
    """One table's titles and labels: mapped ({text: field}), unmapped, and its fingerprint."""

    file: str
    sheet: str
    header: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    fingerprint: str = ""
    applied: str = ""  # the layout file applied to this table ("" none)

    @property
    def texts(self) -> list[str]:
        """Every title and label of the table, normalised and sorted (what the fingerprint hashes)."""
        found = {normalize_label(t) for t in [*self.header, *self.columns, *(u.text for u in self.unmapped)]}
        return sorted(t for t in found if t)


def fingerprint_of(texts: list[str]) -> str:
    """A short stable hash of a table's normalised titles and labels (order and spacing aside)."""
    joined = "\n".join(sorted({normalize_label(t) for t in texts if normalize_label(t)}))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


def record(grid: Grid, r: int, c: int, text: Any, section: Section, key: str | None) -> None:
    """Note one title or label met at grid (r, c): mapped to ``key``, or unmapped (None)."""
    cleaned = clean_text(text)
    if cleaned and len(cleaned) <= 40:
        grid.meta.setdefault(_RECORDS, []).append((r, c, cleaned.rstrip(":："), section, key))


def where(grid: Grid, r: int, c: int) -> str:
    """A cell as the user finds it: "工作表“项目1”C5", or "第 2 张表 C5" in a text or Word source."""
    if "#" in grid.name:
        return f"第 {grid.name.rsplit('#', 1)[-1]} 张表 {grid.ref(r, c)}"
    return f"工作表“{grid.name}”{grid.ref(r, c)}" if grid.name else grid.ref(r, c)


def forget(grid: Grid) -> None:
    """Drop the parse state a reading left in ``grid.meta`` (before reading it again with a layout)."""
    for key in [k for k in grid.meta if k.startswith("_") and k not in ("_row_texts", "_bands")]:
        del grid.meta[key]
    grid.meta.pop("self_evaluation", None)


def attach_mappings(grid: Grid, projects: list[Project], *, file: str) -> None:
    """Each project's :class:`TableMapping` from what the reader recorded on ``grid``.

    A record belongs to the project whose 项目名称 row comes last before it (the first project
    for records above every table), as the importer assigns leftover rows.
    """
    if not projects:
        return
    starts = [split_ref(p.cells["name"])[0] - grid.top if "name" in p.cells else 0 for p in projects]
    maps = [TableMapping(file=file, sheet=grid.name) for _ in projects]
    seen: set[tuple[int, int, int]] = set()
    for r, c, text, section, key in grid.meta.get(_RECORDS, []):
        owner = max((k for k, s in enumerate(starts) if s <= r), default=0)
        if (owner, r, c) in seen:
            continue
        seen.add((owner, r, c))
        mapping = maps[owner]
        if key is None:
            mapping.unmapped.append(Unmapped(section, text, grid.ref(r, c), where(grid, r, c)))
        else:
            getattr(mapping, section).setdefault(text, key)
    for project, mapping in zip(projects, maps):
        mapping.fingerprint = fingerprint_of(mapping.texts)
        project._mapping = mapping


def mapping_of(project: Project) -> TableMapping | None:
    """The mapping the importer recorded for ``project`` (None for tables not read by import)."""
    found = getattr(project, "_mapping", None)
    return found if isinstance(found, TableMapping) else None
