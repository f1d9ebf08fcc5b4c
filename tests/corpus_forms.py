"""The corpus tables as .docx, .xlsx, .html and XML 2003 files, merged cells made as Word, Excel, web pages and budget systems make them.

A corpus ``source.txt`` is a table copied from a web page (TAB-separated rows). Here it is
laid back into a rectangle: lines above and below the table become paragraphs (Word) or
one-cell rows (Excel); a row shorter than the table has its last cell merged across the
rest (a label's value spanning the form); an empty 一级/二级 cell under a filled one is
merged into it vertically. Only tables whose rows keep their empty cells ("first-row-only"
or "none" in meta.json) can be laid out without guessing, so only those are used.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMS_TABLES = (
    "03_tianjin_ninghe_minbanyuan_dakun",
    "07_hunan_nanyue_lvyoufupin",
    "09_hunan_yueyang_gaobiaozhunnongtian",
    "13_anhui_huaibei_songxi",
    "16_sichuan_ganzi_shipinanquan_list",
    "17_sichuan_jingyan_cunzuganbu_list",
    "20_anhui_jinzhai_wuyeguanli",
    "21_anhui_shucheng_yigongdaizhen",
    "23_fujian_putian_xiuyu_shuihuixiufu",
    "24_fujian_longyan_zongjiaoguanli",
    "25_ningxia_guyuan_yuanzhou_shuiyuanhanyang",
    "26_fujian_ningde_dangshi_bumenzhengti",
    "31_hainan_shengji_huizhanjiangli",  # no 项目名称 row at all: read with the name left empty
    "40_hebei_ningjin_gaozhongzhuxuejin",  # the project named only in the title
)


def _layout(source: Path) -> tuple[list[str], list[list[str]], list[str], list[tuple[int, int, int, int]]]:
    """(paragraphs above, table rows padded to the width, paragraphs below, merges r0,c0,r1,c1)."""
    lines = [line for line in source.read_text(encoding="utf-8").split("\n") if line.strip(" \t")]
    tabbed = [k for k, line in enumerate(lines) if "\t" in line]
    first, last = tabbed[0], tabbed[-1]
    rows = [line.split("\t") for line in lines[first:last + 1]]
    width = max(len(r) for r in rows)
    merges: list[tuple[int, int, int, int]] = []
    title = next((r for r, row in enumerate(rows) if any("二级" in v for v in row)), None)
    for r, row in enumerate(rows):
        filled = max((c for c, v in enumerate(row) if v.strip()), default=0)
        if (title is None or r < title) and filled < width - 1 and len([v for v in row if v.strip()]) <= 2:
            merges.append((r, filled, r, width - 1))  # the last value spans the rest of the row
        rows[r] = row + [""] * (width - len(row))
    if title is not None:
        level_cols = [c for c, v in enumerate(rows[title]) if "级" in v and "三级" not in v][:2]
        for c in level_cols:
            start = None
            for r in range(title + 1, len(rows) + 1):
                value = rows[r][c].strip() if r < len(rows) else "END"
                empty_row = r < len(rows) and not any(v.strip() for v in rows[r])
                if value or empty_row:
                    if start is not None and r - 1 > start:
                        merges.append((start, c, r - 1, c))
                    start = r if value and value != "END" else None
    return lines[:first], rows, lines[last + 1:], merges


def tabbed_form(rows: list[list[object]], path: Path, kind: str = "txt") -> Path:
    """``rows`` written as a TAB-separated table (None an empty cell, a one-cell row a line of text) at
    ``path``; for kind "docx" or "xlsx" that table laid out by :func:`write_form` beside it."""
    width = max(len(r) for r in rows)
    lines = [str(r[0]) if len(r) == 1 else "\t".join("" if v is None else str(v) for v in r + [None] * (width - len(r)))
             for r in rows]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path if kind == "txt" else write_form(path, path.with_suffix(f".{kind}"), kind)


def write_form(source: Path, out: Path, form: str) -> Path:
    """Write ``source`` (a corpus source.txt) as ``out`` in ``form`` ("docx", "xlsx", "html" or "xml2003")."""
    above, rows, below, merges = _layout(source)
    if form == "docx":
        import docx  # noqa: PLC0415

        document = docx.Document()
        for line in above:
            document.add_paragraph(line)
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text.strip():
                    table.cell(r, c).text = text
        for r0, c0, r1, c1 in merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
        for line in below:
            document.add_paragraph(line)
        document.save(str(out))
    elif form == "xlsx":
        import openpyxl  # noqa: PLC0415

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "绩效目标表"
        for line in above:
            ws.append([line])
        top = len(above) + 1
        for row in rows:
            ws.append([v if v.strip() else None for v in row])
        for line in below:
            ws.append([line])
        for r0, c0, r1, c1 in merges:
            ws.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1, end_column=c1 + 1)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # "=1200平方米" typed as text (openpyxl would write a formula)
        wb.save(out)
    elif form == "html":
        out.write_bytes(_html_page(above, rows, below, merges).encode("gbk"))
    elif form == "xml2003":
        out.write_text(_xml2003(above, rows, below, merges), encoding="utf-8")
    else:
        raise ValueError(form)
    return out


def _xml2003(above: list[str], rows: list[list[str]], below: list[str], merges: list[tuple[int, int, int, int]]) -> str:
    """Excel's "XML 表格 2003" as a budget system writes it: covered cells left out (the next cell's
    ss:Index skips them), merges as ss:MergeAcross/ss:MergeDown, numbers typed, a hidden notes sheet."""
    from xml.sax.saxutils import escape  # noqa: PLC0415

    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    spans = {(r0, c0): (r1 - r0, c1 - c0) for r0, c0, r1, c1 in merges}
    lines = [[line] for line in above] + rows + [[line] for line in below]
    top = len(above)
    out = []
    for r, row in enumerate(lines):
        cells, skipped = [], False
        for c, text in enumerate(row):
            at = (r - top, c)
            if (at in covered and at not in spans) or not text.strip():
                skipped = True
                continue
            down, across = spans.get(at, (0, 0))
            attrs = (f' ss:Index="{c + 1}"' if skipped else "") + (f' ss:MergeAcross="{across}"' if across else "") \
                + (f' ss:MergeDown="{down}"' if down else "")
            kind = "Number" if text.strip().replace(".", "", 1).isdigit() else "String"
            cells.append(f'<Cell{attrs}><Data ss:Type="{kind}">{escape(text)}</Data></Cell>')
            skipped = False
        out.append(f'<Row ss:Index="{r + 1}">{"".join(cells)}</Row>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="绩效目标表"><Table>{"".join(out)}</Table></Worksheet>'
            '<Worksheet ss:Name="说明"><Table><Row><Cell><Data ss:Type="String">项目名称</Data></Cell></Row></Table>'
            '<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>'
            "</Worksheet></Workbook>")


def _html_page(above: list[str], rows: list[list[str]], below: list[str],
               merges: list[tuple[int, int, int, int]]) -> str:
    """The table as a budget-disclosure page serves it: GB2312 declared, the content inside a layout
    table beside a menu, merges as rowspan/colspan, line breaks as <br>, a script and a style."""
    from html import escape  # noqa: PLC0415

    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            if (r, c) in covered and (r, c) not in spans:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            cells.append(f"<td{attrs}>{escape(text).replace(chr(10), '<br>')}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    paragraphs = lambda lines: "".join(f"<p>{escape(line)}</p>" for line in lines)  # noqa: E731
    return ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            "<title>预算公开</title><style>td{border:1px solid}</style><script>var a='<td>x</td>';</script></head>"
            "<body><table><tr><td>首页 &gt; 财政预算</td><td>"
            f"{paragraphs(above)}<table border=1 cellspacing=0>{''.join(body)}</table>{paragraphs(below)}"
            "</td></tr></table><div>版权所有&nbsp;某某县人民政府</div></body></html>")


def forms_tables(corpus: Path) -> list[Path]:
    """The corpus folders laid out as .docx/.xlsx (their rows keep empty cells)."""
    folders = [corpus / name for name in FORMS_TABLES]
    for folder in folders:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["merged_cells"] in ("first-row-only", "none"), folder
    return folders
