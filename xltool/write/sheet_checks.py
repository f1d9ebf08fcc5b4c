"""What a project sheet checks and locks by itself, with no Python: conditional formats,
the month rule, protection and print setup.

Staff fill the form in Excel, WPS or LibreOffice; these live checks flag a funding
split that does not add up, an end month before the start, a 定性 target given as a
number and a missing target while they type. :mod:`xltool.write.template` lays the
sheet out and calls these once it is filled.
"""

from __future__ import annotations

import re

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from xltool.write.printing import openpyxl_print_setup
from xltool.write.sheet_style import AMOUNT_FIELDS, FUNDING_TOLERANCE, LAYOUT, ORANGE_FILL, RED_FILL, RED_FONT, YELLOW_FILL


def month_formula(ref: str) -> str:
    """Custom rule: exactly ``YYYY.MM`` with a month 01–12 (text cells, so no 2022.1)."""
    return (
        f'AND(LEN({ref})=7,MID({ref},5,1)=".",ISNUMBER(--LEFT({ref},4)),'
        f"ISNUMBER(--RIGHT({ref},2)),--RIGHT({ref},2)>=1,--RIGHT({ref},2)<=12)"
    )


def conditional_formats(ws: Worksheet, first: int, last: int) -> None:
    """Live checks that need no Python: funding split, 定性 with a number, missing target."""
    cells = LAYOUT.cells
    total = absolute(cells["total"])
    parts = [absolute(cells[f]) for f in AMOUNT_FIELDS[1:]]
    funding_range = f"{parts[0]}:{parts[-1]}"
    funding_rule = (
        f"AND(COUNT({funding_range})>0,ABS(SUM({funding_range})-N({total}))>{FUNDING_TOLERANCE})"
    )
    block = f"{cells['total']}:{cells['funding.other']}"
    ws.conditional_formatting.add(block, FormulaRule(formula=[funding_rule], fill=RED_FILL, font=RED_FONT))
    # End month before start month (both well-formed text, so string order is date order).
    start, end = absolute(cells["start"]), absolute(cells["end"])
    ws.conditional_formatting.add(
        f"{cells['start']}:{cells['end']}",
        FormulaRule(formula=[f"AND(LEN({start})=7,LEN({end})=7,{end}<{start})"], fill=RED_FILL, font=RED_FONT),
    )
    col = LAYOUT.columns
    d, c, e = f"${col['operator']}{first}", f"${col['name']}{first}", f"${col['target']}{first}"
    targets = f"{col['target']}{first}:{col['target']}{last}"
    digits = "0123456789０１２３４５６７８９"
    ws.conditional_formatting.add(
        targets,
        FormulaRule(
            formula=[f'AND(TRIM({d})="定性",LEN(TRIM({e}))>0,ISNUMBER(FIND(LEFT(TRIM({e}),1),"{digits}")))'],
            fill=ORANGE_FILL,
        ),
    )
    ws.conditional_formatting.add(
        targets,
        FormulaRule(
            formula=[f'AND(LEN(TRIM({c}))>0,LEFT(TRIM({c}),1)<>"…",LEN(TRIM({e}))=0)'],
            fill=YELLOW_FILL,
        ),
    )


def absolute(ref: str) -> str:
    """"E3" → "$E$3"."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match, ref
    return f"${match.group(1)}${match.group(2)}"


def protect_and_print(ws: Worksheet, last_row: int) -> None:
    """Labels locked without a password; rows may be inserted/deleted and cells formatted."""
    # False: the action stays allowed on the protected sheet (Excel's "0"); columns are fixed.
    ws.protection = SheetProtection(
        sheet=True, formatCells=False, formatColumns=False, formatRows=False, insertRows=False, deleteRows=False,
        insertColumns=True, deleteColumns=True, selectLockedCells=False, selectUnlockedCells=False,
        sort=True, autoFilter=True,
    )

    openpyxl_print_setup(ws, landscape=False,
                         title_rows=f"{LAYOUT.indicator_header_row}:{LAYOUT.indicator_header_row}")
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{LAYOUT.last_column}{max(last_row, LAYOUT.indicator_header_row)}"
