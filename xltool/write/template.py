"""The 附件3 workbook: a blank template for staff, and the model → workbook writer.

Staff fill these workbooks in Excel, WPS or LibreOffice without Python, so
everything that helps them lives inside the file: dropdowns fed from a very-hidden
lists sheet (the 二级 list follows the 一级 chosen in the same row through
``INDIRECT``), input prompts on every input cell, conditional formats that flag a
funding split that does not add up, locked labels on an unprotected-by-password
sheet, and a 填写说明 sheet. The reader never relies on the coordinates below (it
parses by labels), but other writers may use :data:`LAYOUT`.

The committed ``templates/jixiao_template.xlsx`` is generated with
``xltool template --year 2027 -o templates/jixiao_template.xlsx`` (default profile);
``tests/test_template.py`` regenerates it with that fixed year and compares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.worksheet import Worksheet

from xltool import __version__
from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.frameworks import DEFAULT_PROFILE, Profile, get_profile, load_profiles
from xltool.core.model import Indicator, Project, check_year, parse_target
from xltool.core.fields import label as field_label
from xltool.core.names import INSTRUCTIONS_SHEET, LISTS_SHEET
from xltool.io.files import require_suffix
from xltool.write.instructions import instructions_sheet
from xltool.write.lists_sheet import write_provenance, default_year, LEVEL1_LIST_NAME, OPERATOR_LIST_NAME, list_names, ListNames, write_lists_sheet, workbook_settings
from xltool.write.sheet_checks import conditional_formats, month_formula, protect_and_print
from xltool.write.sheet_names import sheet_title  # noqa: F401  (public here too: callers name sheets through the template)
from xltool.write.sheet_style import (
    AMOUNT_FORMAT,
    ALIGN_CENTER,
    HEAD_FILL,
    HEADER_ROWS,
    INDICATOR_COLUMNS,
    ALIGN_LEFT,
    LOCKED,
    MONTH_FIELDS,
    TEXT_ROWS,
    TITLE_FONT,
    ALIGN_TOP_LEFT,
    ALIGN_RIGHT,
    UNLOCKED,
    WIDTHS,
    VALIDATION_ERRORS,
    LAYOUT,
    SPARE_ROWS,
    row_height,
    style_input,
    style_label,
    merge_range,
    put_text,
    prompt_for,
)


# ---------------------------------------------------------------------------
# One project sheet (its layout, styles and prompts are in sheet_style; the lists sheet in lists_sheet).


def _prompt_validation(key: str, sqref: str, year: int, **kwargs: Any) -> DataValidation:
    title, prompt = prompt_for(key, year)
    dv = DataValidation(
        sqref=sqref, showInputMessage=True, promptTitle=title, prompt=prompt, allow_blank=True, **kwargs
    )
    if "type" in kwargs:
        dv.showErrorMessage = True
    return dv


def _with_error(dv: DataValidation, key: str, style: str = "stop") -> DataValidation:
    dv.errorTitle, dv.error = VALIDATION_ERRORS[key]
    dv.errorStyle = style
    dv.showErrorMessage = True
    return dv


def _fill_sheet(
    ws: Worksheet, profile: Profile, year: int, project: Project | None, names: ListNames
) -> None:
    """Lay out one 附件3 sheet; ``project`` None gives the blank form with pre-laid rows."""
    lay = LAYOUT
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    # Everything right of the form is unlocked too: Excel only deletes rows whose cells are all unlocked.
    ws.column_dimensions["F"] = ColumnDimension(ws, index="F", min=6, max=16384, width=9.0)
    ws.column_dimensions["F"].protection = UNLOCKED
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100

    # Row 1: 附件3; row 2: title.
    put_text(ws, lay.attachment_cell, profile.attachment)
    ws[lay.attachment_cell].font = Font(name=TITLE_FONT, size=12)
    ws[lay.attachment_cell].alignment = Alignment(horizontal="left", vertical="center")
    ws[lay.attachment_cell].protection = LOCKED
    put_text(ws, lay.title_cell, profile.title_for(year))
    ws.merge_cells(f"A2:{lay.last_column}2")
    ws[lay.title_cell].font = Font(name=TITLE_FONT, size=18, bold=True)
    ws[lay.title_cell].alignment = ALIGN_CENTER
    ws[lay.title_cell].protection = LOCKED
    ws.row_dimensions[1].height = 20
    ws.row_dimensions[2].height = 36

    values = _project_values(project) if project is not None else {}
    validations: list[DataValidation] = []

    # Rows 3–7: label | value (B:C) | label | amount.
    for row, left, left_label, right in HEADER_ROWS:
        style_label(ws, f"A{row}", left_label)
        ref = lay.cells[left]
        style_input(ws, ref)
        merge_range(ws, ref, f"C{row}")
        put_text(ws, ref, values.get(left, ""))
        right_label = field_label(right, funding_labels=profile.funding_labels)
        if right == "funding.province":
            right_label = f"其中：{right_label}"
        style_label(ws, f"D{row}", right_label)
        amount_ref = lay.cells[right]
        style_input(ws, amount_ref, number_format=AMOUNT_FORMAT, align=ALIGN_RIGHT)
        amount = values.get(right)
        ws[amount_ref].value = amount if isinstance(amount, (int, float)) else None
        ws.row_dimensions[row].height = 30
        if left in MONTH_FIELDS:
            month = _prompt_validation(left, ref, year, type="custom", formula1=month_formula(ref))
            validations.append(_with_error(month, "month"))
        else:
            validations.append(_prompt_validation(left, ref, year))
        validations.append(
            _with_error(
                _prompt_validation(right, amount_ref, year, type="decimal", operator="greaterThanOrEqual", formula1="0"),
                "amount",
            )
        )

    # Rows 8–10: long texts over B:E.
    text_width = sum(WIDTHS[c] for c in "BCDE")
    for row, name, label in TEXT_ROWS:
        style_label(ws, f"A{row}", label)
        ref = lay.cells[name]
        style_input(ws, ref, align=ALIGN_TOP_LEFT)
        merge_range(ws, ref, f"{lay.last_column}{row}")
        text = values.get(name, "")
        put_text(ws, ref, text)
        ws.row_dimensions[row].height = min(409, row_height(str(text), text_width, minimum=72 if name == "overview" else 54))
        validations.append(_prompt_validation(name, ref, year))

    # Indicator table.
    head = lay.indicator_header_row
    for _, letter, title in INDICATOR_COLUMNS:
        style_label(ws, f"{letter}{head}", title, fill=HEAD_FILL, bold=True)
    ws.row_dimensions[head].height = 24
    rows = _indicator_rows(profile, project)
    first = lay.first_indicator_row
    last = first + len(rows) - 1
    for offset, row_values in enumerate(rows):
        r = first + offset
        for (_, letter, _), value in zip(INDICATOR_COLUMNS, row_values):
            ref = f"{letter}{r}"
            style_input(ws, ref, align=ALIGN_CENTER if letter in "ABD" else ALIGN_LEFT)
            put_text(ws, ref, value)
        ws.row_dimensions[r].height = max(
            row_height(text, WIDTHS[letter], minimum=22)
            for letter, text in zip("ABCDE", row_values)
        )

    col = lay.columns

    def column(field_name: str) -> str:
        return f"{col[field_name]}{first}:{col[field_name]}{last}"

    validations += [
        _with_error(_prompt_validation("level1", column("level1"), year, type="list", formula1=LEVEL1_LIST_NAME),
                    "level1", "warning"),
        _with_error(_prompt_validation("level2", column("level2"), year, type="list", formula1=names.level2_formula(first)),
                    "level2", "warning"),
        _prompt_validation("indicator", column("name"), year),
        _with_error(_prompt_validation("operator", column("operator"), year, type="list", formula1=OPERATOR_LIST_NAME),
                    "operator"),
        _prompt_validation("target", column("target"), year),
    ]
    for dv in validations:
        if dv.error:
            dv.error = dv.error.replace("{year}", str(year))  # examples name the template's own year
        ws.add_data_validation(dv)

    conditional_formats(ws, first, last)
    protect_and_print(ws, last)


def _project_values(project: Project) -> dict[str, Any]:
    funding = project.funding
    return {
        "name": project.name,
        "department": project.department,
        "implementer": project.implementer,
        "start": project.start,
        "end": project.end,
        "overview": project.overview,
        "long_term_goal": project.long_term_goal,
        "annual_goal": project.annual_goal,
        "total": project.total,
        "funding.province": funding.province,
        "funding.city": funding.city,
        "funding.district": funding.district,
        "funding.other": funding.other,
    }


def _indicator_text(ind: Indicator) -> tuple[str, str, str, str, str]:
    """A model row as the five cells of the form.

    The form has no unit column, so a unit read from another region's 度量单位
    column is appended to a bare number (``95`` + ``%`` → ``95%``).
    """
    target = ind.target
    _, number, unit = parse_target(target)
    if number is not None and not unit and ind.unit:
        target = f"{target}{ind.unit}"
    operator = ind.operator_raw or ind.operator
    return (ind.level1, ind.level2, ind.name, operator, target)


def _indicator_rows(profile: Profile, project: Project | None) -> list[tuple[str, str, str, str, str]]:
    """The indicator rows to write: pre-laid (blank form) or the project's, then spare rows."""
    if project is None:
        rows: list[tuple[str, str, str, str, str]] = []
        for l1 in profile.level1:
            output = "产出" in l1.name
            for l2 in l1.level2:
                rows.append((l1.name, l2.name, "", "", ""))
                if output:
                    rows.append((l1.name, l2.name, "", "", ""))
    else:
        rows = [_indicator_text(i) for i in project.indicators if any(_indicator_text(i))]
    return rows + [("", "", "", "", "")] * SPARE_ROWS


def _reserved_titles() -> set[str]:
    return {LISTS_SHEET, INSTRUCTIONS_SHEET}


# ---------------------------------------------------------------------------
# Public API.


def _new_workbook(profile: Profile, year: int) -> tuple[Workbook, ListNames]:
    wb = Workbook()
    wb.remove(wb.active)
    write_lists_sheet(wb, profile, year)
    instructions_sheet(wb, profile, year)
    title = profile.title_for(year)
    wb.properties.title = title
    wb.properties.subject = f"{profile.attachment} {title}"
    wb.properties.creator = "xltool"
    wb.properties.lastModifiedBy = "xltool"
    wb.properties.keywords = f"xltool; {profile.name}"
    wb.properties.description = f"由 xltool {__version__} 生成；指标体系：{profile.label}"
    return wb, list_names(profile)


def _place_sheet(wb: Workbook, title: str) -> Worksheet:
    """A new sheet placed before 填写说明 and the lists sheet, so project sheets come first."""
    position = len([s for s in wb.sheetnames if s not in _reserved_titles()])
    return wb.create_sheet(title, position)


def _finish(wb: Workbook) -> None:
    first = next(i for i, ws in enumerate(wb.worksheets) if ws.title not in _reserved_titles())
    wb.active = first
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is wb.worksheets[first]


def new_project_sheet(workbook: Workbook, title: str | None = None) -> Worksheet:
    """Add a blank project sheet (pre-laid 二级 rows) to a workbook this module made."""
    profile, year = workbook_settings(workbook)
    taken = set(workbook.sheetnames) | _reserved_titles()
    if title is None:
        n = sum(1 for s in workbook.sheetnames if s not in _reserved_titles()) + 1
        while any(f"项目{n}".casefold() == t.casefold() for t in taken):
            n += 1
        title = f"项目{n}"
    else:
        title = sheet_title(title, taken)
    ws = _place_sheet(workbook, title)
    _fill_sheet(ws, profile, year, None, list_names(profile))
    return ws


def save_workbook(wb: Workbook, output: Path) -> Path:
    """Atomic save; an existing file is copied aside first and an open one refused."""
    from xltool.io.files import atomic_output, backup_file, check_not_locked

    output = Path(output)
    require_suffix(output)
    check_not_locked(output)
    with atomic_output(output) as temp:
        wb.save(temp)
        if output.exists():
            backup_file(output)
    return output


def _resolve(profile: str | None, year: int | None) -> tuple[Profile, int]:
    chosen = get_profile(profile)
    return chosen, check_year(default_year() if year is None else year)


def build_template(output: Path, *, profile: str | None = None, year: int | None = None, sheets: int = 1) -> Path:
    """Write a blank template with ``sheets`` project sheets; returns the path written."""
    chosen, year = _resolve(profile, year)
    if not 1 <= sheets <= 200:
        raise XltoolError("项目表张数应在 1～200 之间", exit_code=EXIT_INPUT)
    wb, _ = _new_workbook(chosen, year)
    for _ in range(sheets):
        new_project_sheet(wb)
    _finish(wb)
    return save_workbook(wb, Path(output))


def make_projects_workbook(projects: list[Project], *, profile: str | None = None, year: int | None = None) -> Workbook:
    """The workbook :func:`write_projects` saves, for callers that add more before saving."""
    if not projects:
        raise XltoolError("没有可写出的项目（项目列表为空）", exit_code=EXIT_INPUT)
    if profile is None:
        used = {p.profile for p in projects if p.profile in load_profiles()}
        profile = used.pop() if len(used) == 1 else DEFAULT_PROFILE
    if year is None:
        years = {p.year for p in projects if p.year}
        year_for_book = years.pop() if len(years) == 1 else None
    else:
        year_for_book = year
    chosen, default = _resolve(profile, year_for_book)
    wb, names = _new_workbook(chosen, default)
    taken = set(_reserved_titles())
    provenance: dict[str, dict[str, Any]] = {}
    for project in projects:
        title = sheet_title(project.name or f"项目{len(taken) - len(_reserved_titles()) + 1}", taken)
        taken.add(title)
        ws = _place_sheet(wb, title)
        _fill_sheet(ws, chosen, year or project.year or default, project, names)
        if project.layout_fields is not None:  # an imported table: remember what its form had
            provenance[title] = {"file": Path(project.file).name if project.file else "", "year": project.year,
                                 "framework": project.profile, "layout_fields": project.layout_fields}
    if provenance:
        write_provenance(wb, provenance)
    _finish(wb)
    return wb


def write_projects(
    projects: list[Project], output: Path, *, profile: str | None = None, year: int | None = None
) -> Path:
    """One 附件3 sheet per project, in order; returns the path written.

    The year in each title is ``year``, else the project's own year, else next year.
    The profile is ``profile``, else the one all projects share, else the default.
    """
    wb = make_projects_workbook(projects, profile=profile, year=year)
    return save_workbook(wb, Path(output))
