"""The very hidden ``xltool_lists`` sheet: dropdown lists, the 二级 lists per 一级 as defined names, the profile and year.

Kept apart from the sheet layout because a workbook has one lists sheet, whatever number of project sheets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from xltool import __version__
from xltool.core.errors import XltoolError
from xltool.core.frameworks import Profile, get_profile
from xltool.core.model import STANDARD_OPERATORS
from xltool.core.text import clean_text
from xltool.core.names import LISTS_SHEET, PROFILE_KEY, PROVENANCE_PREFIX
from xltool.write.sheet_style import put_text


def default_year(today: dt.date | None = None) -> int:
    """The budget year a new template is for: next year (tables are filed a year ahead)."""
    return (today or dt.date.today()).year + 1


YEAR_KEY = "year"


LEVEL1_LIST_NAME = "一级指标列表"


OPERATOR_LIST_NAME = "计算符号列表"


def _valid_defined_name(name: str) -> bool:
    """Excel's rules for a defined name (MS-XLSB 2.5.166 grammar, no cell-reference look-alike)."""
    if not name or len(name) > 255 or name.upper() in ("TRUE", "FALSE"):
        return False
    first, rest = name[0], name[1:]
    if not (first.isalpha() or first in "_\\"):
        return False
    if not all(ch.isalnum() or ch in "_.?\\" for ch in rest):
        return False
    if re.fullmatch(r"[A-Za-z]{1,3}\d+", name) or re.match(r"(?i)^(R\d*C\d*|R\d*|C\d*)$", name):
        return False
    return not re.match(r"(?i)^R\d+C\d+", name)


@dataclass(frozen=True)
class ListNames:
    """Defined names for the dropdowns, and the 二级 list formula of a row."""

    level1: dict[str, str]  # 一级 text → defined name of its 二级 column
    bad_chars: tuple[str, ...]  # characters SUBSTITUTEd to "_" (when a 一级 text is no valid name)
    prefix: str

    def level2_formula(self, row: int) -> str:
        ref = f"$A{row}"
        if not self.bad_chars and not self.prefix:
            return f"INDIRECT({ref})"
        expr = ref
        for ch in self.bad_chars:
            expr = f'SUBSTITUTE({expr},"{ch}","_")'
        return f'INDIRECT("{self.prefix}"&{expr})'


def list_names(profile: Profile) -> ListNames:
    names = profile.level1_names()
    if all(_valid_defined_name(n) for n in names) and not ({LEVEL1_LIST_NAME, OPERATOR_LIST_NAME} & set(names)):
        return ListNames({n: n for n in names}, (), "")
    bad = sorted({ch for n in names for ch in n if not (ch.isalnum() or ch in "_.")})
    table = {n: "L1_" + "".join("_" if ch in bad else ch for ch in n) for n in names}
    return ListNames(table, tuple(bad), "L1_")


def write_lists_sheet(wb: Workbook, profile: Profile, year: int) -> None:
    """Very-hidden sheet: profile and year for readers, and the dropdown sources."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "veryHidden"
    rows = [(PROFILE_KEY, profile.name), (YEAR_KEY, year), ("label", profile.label), ("generator", f"xltool {__version__}")]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(r, 1, key)
        if isinstance(value, int):
            ws.cell(r, 2, value)
        else:
            put_text(ws, f"B{r}", value)
    names = list_names(profile)
    level1 = profile.level1_names()
    put_text(ws, "D1", "一级指标")
    for i, name in enumerate(level1, start=2):
        put_text(ws, f"D{i}", name)
    put_text(ws, "E1", "计算符号")
    for i, op in enumerate(STANDARD_OPERATORS, start=2):
        put_text(ws, f"E{i}", op)
    defined: dict[str, str] = {
        LEVEL1_LIST_NAME: f"{LISTS_SHEET}!$D$2:$D${len(level1) + 1}",
        OPERATOR_LIST_NAME: f"{LISTS_SHEET}!$E$2:$E${len(STANDARD_OPERATORS) + 1}",
    }
    for offset, l1 in enumerate(profile.level1):
        col = 7 + offset  # G, H, …
        letter = ws.cell(1, col).column_letter
        put_text(ws, f"{letter}1", l1.name)
        for i, l2 in enumerate(l1.level2, start=2):
            put_text(ws, f"{letter}{i}", l2.name)
        defined[names.level1[l1.name]] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(l1.level2) + 1}"
    for name, ref in defined.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.column_dimensions["B"].width = 40


def workbook_settings(wb: Workbook) -> tuple[Profile, int]:
    """Profile and year recorded in a workbook this module made."""
    if LISTS_SHEET not in wb.sheetnames:
        raise XltoolError("该工作簿不是由 xltool 生成的模板（缺少隐藏的列表工作表），无法添加项目表")
    ws = wb[LISTS_SHEET]
    found: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if row[0] is not None:
            found[clean_text(row[0])] = row[1]
    profile = get_profile(clean_text(found.get(PROFILE_KEY)) or None)
    try:
        year = int(found.get(YEAR_KEY) or default_year())
    except (TypeError, ValueError):
        year = default_year()
    return profile, year


def write_provenance(wb: Workbook, entries: dict[str, dict[str, Any]]) -> None:
    """Rows "source:<sheet title>" | JSON in the lists sheet, below its key/value rows: an
    imported sheet's source file, year, framework and the fields its form lacked."""
    import json  # noqa: PLC0415

    ws = wb[LISTS_SHEET]
    row = 6
    for title, entry in entries.items():
        put_text(ws, f"A{row}", f"{PROVENANCE_PREFIX}{title}")
        put_text(ws, f"B{row}", json.dumps(entry, ensure_ascii=False))
        row += 1
