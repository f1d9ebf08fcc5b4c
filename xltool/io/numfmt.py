"""Percent cells of an xlsx, from its number formats: python-calamine gives values only.

"95%" typed into a cell is stored as 0.95 with a percent format; read as 0.95 it is a
different target (and the fix-it would advise "0.95%"). This module finds the cells whose
number format is a percent one (built-in 9/10 or a custom code with "%") so the reader can
give them back as the user sees them ("95%"). Styles are read first; a workbook with no
percent format costs one small part. Sheet parts are scanned by C-level regexes. The parts
the file gate already decompressed are passed in (``parts``) and not decompressed again.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from xltool.core.grid import Grid, split_ref

_BUILTIN_PERCENT = {9: 0, 10: 2}  # numFmtId → decimals ("0%", "0.00%")
_NUMFMT_RE = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)/?>")
_XF_BLOCK_RE = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF_RE = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_RE = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ATTR_RE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_MAX_STYLES = 16 << 20  # a styles part beyond this is not worth reading for percents


def _attrs(text: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape((a or b).decode("utf-8", "replace")) for k, a, b in _ATTR_RE.findall(text)}


@lru_cache(maxsize=256)
def percent_decimals(code: str) -> int | None:
    """Decimals of a percent number format ("0.0%" → 1), None when the code is no percent.

    Only the first section counts; a "%" inside quotes or brackets is literal text.
    """
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code.split(";", 1)[0])
    if "%" not in section:
        return None
    before = section.split("%", 1)[0]
    found = re.search(r"\.([0#?]+)", before)
    return len(found.group(1)) if found else 0


_Read = Callable[[str], bytes]  # a part's bytes by name; KeyError when absent


def _percent_styles(data: bytes | None) -> dict[int, int]:
    """{cell style index: decimals} for the styles whose number format is a percent."""
    if data is None:
        return {}
    custom = {}
    for found in _NUMFMT_RE.finditer(data):
        attrs = _attrs(found.group(1))
        if attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = percent_decimals(attrs.get("formatCode", ""))
    block = _XF_BLOCK_RE.search(data)
    if not block:
        return {}
    styles = {}
    for index, found in enumerate(_XF_RE.finditer(block.group(1))):
        fmt = _attrs(found.group(1)).get("numFmtId", "0")
        if not fmt.isdigit():
            continue
        decimals = custom.get(int(fmt), _BUILTIN_PERCENT.get(int(fmt)))
        if decimals is not None:
            styles[index] = decimals
    return styles


def _sheet_parts(read: _Read) -> dict[str, str]:
    """{sheet name: part name} from the workbook part and its relationships."""
    try:
        book = read("xl/workbook.xml")
        rels = read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for found in _REL_RE.finditer(rels):
        attrs = _attrs(found.group(1))
        target = attrs.get("Target", "")
        targets[attrs.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    parts = {}
    for found in _SHEET_RE.finditer(book):
        attrs = _attrs(found.group(1))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        if rid in targets:
            parts[attrs.get("name", "")] = targets[rid]
    return parts


def _styles_part(path: Path, parts: dict[str, bytes]) -> bytes | None:
    if "xl/styles.xml" in parts:
        return parts["xl/styles.xml"]
    with zipfile.ZipFile(path) as zf:
        try:
            info = zf.getinfo("xl/styles.xml")
        except KeyError:
            return None
        return zf.read(info) if info.file_size <= _MAX_STYLES else None


def percent_cells(path: Path, parts: dict[str, bytes] | None = None) -> dict[str, dict[tuple[int, int], int]]:
    """{sheet name: {(row, col) 1-based: decimals}} of the numeric cells showing a percent.

    ``parts``: parts already decompressed (by the file gate), read from there rather than
    from the zip; a workbook without percent formats then opens nothing at all.
    """
    parts = parts or {}
    if len(parts.get("xl/styles.xml", b"")) > _MAX_STYLES:
        return {}
    styles = _percent_styles(_styles_part(path, parts))
    if not styles:
        return {}
    with zipfile.ZipFile(path) as zf:

        def read(name: str) -> bytes:
            return parts[name] if name in parts else zf.read(name)

        style_alt = b"|".join(str(s).encode() for s in styles)
        cell_re = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bs="(?:' + style_alt + rb')"[^>]*)>')
        out: dict[str, dict[tuple[int, int], int]] = {}
        for name, part in _sheet_parts(read).items():
            try:
                data = read(part)
            except KeyError:
                continue
            cells = {}
            for found in cell_re.finditer(data):
                attrs = _attrs(found.group(1))
                if attrs.get("t", "n") != "n" or "r" not in attrs:
                    continue  # text, boolean, error and shared-string cells keep their value
                try:
                    cells[split_ref(attrs["r"])] = styles[int(attrs["s"])]
                except (ValueError, KeyError):
                    continue
            if cells:
                out[name] = cells
        return out


def find_percents(path: Path, parts: dict[str, bytes] | None = None) -> dict[str, dict[tuple[int, int], int]]:
    """:func:`percent_cells`, or {} when the styles cannot be read (the gate let the file through: no value changes)."""
    try:
        return percent_cells(path, parts)
    except (OSError, zipfile.BadZipFile, ValueError):
        return {}


def apply_percents(grids: list[Grid], found: dict[str, dict[tuple[int, int], int]]) -> None:
    """Record which numeric cells show a percent (``grid.meta["percent"]``: {(row, col) in the grid: decimals}).

    Values are left as stored: only the reader knows which cells are indicator values that a
    user reads as "95%"; an amount that happens to carry a percent format stays a number.
    """
    for grid in grids:
        cells = {(row - grid.top, col - grid.left): decimals for (row, col), decimals in found.get(grid.name, {}).items()}
        if cells:
            grid.meta["percent"] = cells


# A formula cell with no stored result: <c r="E3"><f>SUM(E4:E7)</f></c> (or an empty <v/>).
_UNCACHED_RE = re.compile(
    rb'<(?:\w+:)?c\s([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>'
)
UNCACHED = "（公式，文件中没有保存计算结果：请在 Excel 或 WPS 中打开并保存后再用）"


def uncached_formulas(path: Path, parts: dict[str, bytes]) -> dict[str, dict[tuple[int, int], str]]:
    """{sheet: {(row, col) 1-based: formula}} of formulas saved without their result.

    Excel, WPS and LibreOffice store each formula's result; files written by other programs
    often do not, and calamine then reads the cell as empty: a total written as ``=SUM(…)``
    would vanish from the summary without a word. Only parts the gate already holds are
    looked at (budget forms are small; a part too large to hold is passed over).
    """
    if not any(b"<f" in data or b":f>" in data for name, data in parts.items() if name.startswith("xl/worksheets/")):
        return {}  # no formula at all (most forms): the workbook's relationships are not even opened
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = _sheet_parts(lambda name: parts[name] if name in parts else zf.read(name))
    except (OSError, zipfile.BadZipFile, ValueError):
        return {}
    out: dict[str, dict[tuple[int, int], str]] = {}
    for name, part in sheets.items():
        data = parts.get(part, b"")
        cells = {}
        for found in _UNCACHED_RE.finditer(data):
            attrs = _attrs(found.group(1))
            if "r" not in attrs:
                continue
            try:
                cells[split_ref(attrs["r"])] = html.unescape((found.group(2) or b"").decode("utf-8", "replace"))
            except ValueError:
                continue
        if cells:
            out[name] = cells
    return out


def show_uncached(grids: list[Grid], found: dict[str, dict[tuple[int, int], str]]) -> None:
    """An empty cell that holds an unsaved formula shows it, marked, instead of reading as empty."""
    for grid in grids:
        for (row, col), formula in found.get(grid.name, {}).items():
            r, c = row - grid.top, col - grid.left
            if 0 <= r < len(grid.rows) and 0 <= c < len(grid.rows[r]) and grid.rows[r][c] is None:
                grid.rows[r][c] = f"={formula}{UNCACHED}" if formula else UNCACHED
