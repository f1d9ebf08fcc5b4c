"""资金汇总 (by 主管部门 and 实施单位) and 资金图表, the charts on a printable sheet of their own.

The charts sit on their own portrait sheet, one per page, with their data under them,
so neither is cut by a page break. The bar chart gives every bar its label: one bar
per project while there are few, else one per 主管部门 (the largest, the rest as 其他).
"""

from __future__ import annotations

from typing import Any

from . import FUNDING_HEADERS, FUNDING_SOURCES, SHEET_CHARTS, SHEET_FUNDING
from .layout import FONT, Formats, Sheet, col_letter, print_setup
from .rows import Formula
from .tables import CHART_PROJECTS, Funding, Totals

CHART_BARS = 40  # a bar per label, readable on one A4 page
_BAR_PX = 18
_CHART_WIDTH_PX = 480
_ROW_PX = 20  # default row height (15 pt)
_LABEL_CHARS = 24
_PAGE_ROWS = 48  # default-height (15 pt) rows on an A4 portrait page at 100 % (763 pt less the margins), to spare


def funding_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_FUNDING, FUNDING_HEADERS, fmt, (18, 18, 6, 12, 11, 11, 11, 10, 12, 10), wrap=(0, 1))


def charts_sheet(wb: Any, fmt: Formats) -> Sheet:
    return Sheet(wb, SHEET_CHARTS, (), fmt, (46, 22, 14, 8))  # wider than the charts (also in LibreOffice), inside A4 portrait


def write_funding(sheet: Sheet, totals: Totals) -> None:
    fmt = sheet.fmt
    sheet.header()
    amounts = {c: fmt.amount for c in range(3, 10)}
    total_formats = {c: fmt.total_amount for c in range(3, 10)}
    grand = Funding()
    by_department: dict[str, list[tuple[str, Funding]]] = {}
    for (department, implementer), funding in sorted(totals.groups.items()):
        by_department.setdefault(department, []).append((implementer, funding))
    data_rows = 0
    for department, units in by_department.items():
        subtotal = Funding()
        first = sheet.row
        for implementer, funding in units:
            sheet.values(_funding_values(department, implementer, funding), amounts)
            data_rows += 1
            subtotal.add(funding.amounts, funding.projects)
        if len(units) > 1:
            values = _subtotals(_funding_values(department, "小计", subtotal), first, sheet.row - 1)
            sheet.values(values, total_formats, fmt.total_label)
            data_rows += 1
        grand.add(subtotal.amounts, subtotal.projects)
    values = _subtotals(_funding_values("合计", "", grand), 1, max(sheet.row - 1, 1))
    sheet.values(values, {2: fmt.total_int, **total_formats}, fmt.total_label)
    sheet.finish(filter_rows=data_rows, landscape=True)
    totals.grand = grand


def _subtotals(values: tuple[Any, ...], first: int, last: int) -> tuple[Any, ...]:
    """A 小计/合计 row as ``SUBTOTAL(109, …)`` of rows ``first``…``last`` (0-based), with the values
    computed here: it adds the rows a filter leaves visible, and skips the 小计 rows inside its range
    (SUBTOTAL ignores other SUBTOTALs), in Excel and LibreOffice alike."""
    out: list[Any] = list(values[:2])
    for c, value in enumerate(values[2:], start=2):
        letter = col_letter(c)
        out.append(Formula(f"=SUBTOTAL(109,{letter}{first + 1}:{letter}{last + 1})", value))
    return tuple(out)


def _funding_values(department: str, implementer: str, funding: Funding) -> tuple[Any, ...]:
    total, *sources = (round(a, 2) for a in funding.amounts)
    source_sum = round(sum(sources), 2)
    return (department, implementer, funding.projects, total, *sources, source_sum, round(total - source_sum, 2))


def _short(text: str) -> str:
    text = " ".join((text or "（未填写）").split())
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _bars(totals: Totals) -> tuple[str, list[tuple[str, float]]]:
    """(title, [(label, amount)]): projects while few, else departments (largest first)."""
    if totals.counted <= CHART_PROJECTS:
        ranked = sorted(totals.projects, key=lambda t: -t[2])
        return "各项目金额（万元）", [(_short(name), round(total, 2)) for name, _, total in ranked]
    ranked_departments = sorted(totals.departments.items(), key=lambda t: -t[1])
    bars = [(_short(d), round(v, 2)) for d, v in ranked_departments[: CHART_BARS - 1]]
    rest = ranked_departments[CHART_BARS - 1 :]
    if len(rest) == 1:
        bars.append((_short(rest[0][0]), round(rest[0][1], 2)))
    elif rest:
        bars.append((f"其他 {len(rest)} 个部门", round(sum(v for _, v in rest), 2)))
    return f"各主管部门金额（万元，共 {totals.counted} 个项目）", bars


def write_charts(wb: Any, sheet: Sheet, totals: Totals) -> None:
    """The funding sources as a pie with its table under it, then the bars with theirs.

    Both sit on page 1 when they fit (a page break before the bars only when they do not),
    so no page is a lone chart on two-thirds white. Sources of 0 are left out of the pie
    (and its legend); labels sit outside the slices, with leader lines, so a 1 % slice's
    label is never drawn over it.
    """
    fmt, ws = sheet.fmt, sheet.ws
    grand = totals.grand
    title, bars = _bars(totals)
    shares = [(label, round(v, 2)) for label, v in zip(FUNDING_SOURCES, grand.amounts[1:]) if round(v, 2)]
    pie_rows = 15
    r = pie_rows  # rows are written in order (constant memory); the charts only reference them
    ws.write_string(r, 0, "资金来源构成", fmt.section)
    r += 1
    for c, h in enumerate(("资金来源", "金额（万元）")):
        ws.write_string(r, c, h, fmt.header)
    r += 1
    share_first = r
    for label, value in shares or [("（各资金来源均未填写）", 0.0)]:
        ws.write_string(r, 0, label, fmt.text)
        ws.write_number(r, 1, value, fmt.amount)
        r += 1
    share_last = r - 1
    # The slices add up to the sources; a project whose sources miss its total (JX601) leaves a gap
    # the pie cannot show, so it is said in words under the table.
    total, sourced = grand.amounts[0], sum(grand.amounts[1:])
    gap = round(total - sourced, 2)
    if gap:
        side = "少" if gap > 0 else "多"
        ws.write_string(r, 0, f"各资金来源之和比总额{side} {abs(gap):,.2f} 万元（见“资金汇总”差额列）", fmt.text)
        r += 1
    r += 1
    bar_top = r
    bar_height = max(240, 90 + _BAR_PX * len(bars))
    bar_rows = -(-bar_height // _ROW_PX) + 1
    r = bar_top + bar_rows
    ws.write_string(r, 0, title, fmt.section)
    r += 1
    for c, h in enumerate(("名称", "金额（万元）")):
        ws.write_string(r, c, h, fmt.header)
    r += 1
    bar_first = r
    for label, value in bars:
        ws.write_string(r, 0, label, fmt.text)
        ws.write_number(r, 1, value, fmt.amount)
        r += 1
    bar_last = r - 1
    sheet.row = r

    font = {"name": FONT, "size": 9}
    pie = wb.add_chart({"type": "pie"})
    pie.add_series({
        "name": "资金来源构成",
        "categories": [SHEET_CHARTS, share_first, 0, share_last, 0],
        "values": [SHEET_CHARTS, share_first, 1, share_last, 1],
        "data_labels": {"percentage": True, "category": True, "separator": "\n", "font": font,
                        "position": "outside_end", "leader_lines": True},
    })
    pie_total = sourced if gap else total  # the slices' own sum; the gap is the line under the table
    pie.set_title({"name": f"资金来源构成（合计 {pie_total:,.2f} 万元）", "name_font": {"name": FONT, "size": 12}})
    pie.set_legend({"position": "right", "font": font})
    pie.set_size({"width": _CHART_WIDTH_PX, "height": pie_rows * _ROW_PX - 20})
    ws.insert_chart(0, 0, pie, {"x_offset": 4, "y_offset": 4, "object_position": 3})
    if bars:
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({
            "name": "总额（万元）",
            "categories": [SHEET_CHARTS, bar_first, 0, bar_last, 0],
            "values": [SHEET_CHARTS, bar_first, 1, bar_last, 1],
            "data_labels": {"value": True, "num_format": "#,##0.00", "font": font},
            "gap": 60,
        })
        bar.set_title({"name": title, "name_font": {"name": FONT, "size": 12}})
        bar.set_legend({"none": True})
        # In a bar chart y is the category axis: every category labelled (interval 1), largest on top.
        bar.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": font})
        bar.set_x_axis({"num_font": font, "num_format": "#,##0"})
        bar.set_size({"width": _CHART_WIDTH_PX, "height": bar_height})
        ws.insert_chart(bar_top, 0, bar, {"x_offset": 4, "y_offset": 4, "object_position": 3})
    if bar_top + bar_rows > _PAGE_ROWS:  # the bars do not fit under the pie: they start page 2
        ws.set_h_pagebreaks([bar_top])
    for c, width in enumerate(sheet.widths):
        ws.set_column(c, c, width)
    # Actual size (a 480-pixel chart fits A4 portrait): fit-to-page would ignore the page breaks.
    print_setup(ws, landscape=False, title_rows=None, fit=False)
    ws.print_area(0, 0, max(sheet.row, bar_top + bar_rows), len(sheet.widths) - 1)
