"""Web pages and system exports as sources: a disclosure page saved from the browser, a budget system's
"Excel" that is HTML or "XML 表格 2003".

The corpus read back as pages (rowspan/colspan, GB2312, a layout table around the form) and as
XML 2003 files (ss:Index, ss:MergeAcross/MergeDown) is scored in tests/test_corpus.py; here the
format-specific cases and hostile input.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltool.core.errors import XltoolError
from xltool.io.html import MAX_COLSPAN, html_to_grids
from xltool.apps.sources import ParserHints

ROOT = Path(__file__).resolve().parents[1]

PAGE = """<html><head><meta charset="gb2312"><title>2024年项目支出绩效目标表</title></head><body>
<h3>2024年度项目支出绩效目标表</h3>
<table border="1">
<tr><td>项目名称</td><td colspan="4">社区养老服务补助</td></tr>
<tr><td>主管部门</td><td colspan="4">县民政局</td></tr>
<tr><td rowspan="2">项目资金<br>（万元）</td><td>年度资金总额</td><td colspan="3">120</td></tr>
<tr><td>其中：财政拨款</td><td colspan="3">120</td></tr>
<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>计算符号</td><td>年度目标值</td></tr>
<tr><td rowspan="2">产出指标</td><td rowspan="2">数量指标</td><td>补助老人数</td><td>≥</td><td>300人</td></tr>
<tr><td>服务次数</td><td>≥</td><td>1200次</td></tr>
<tr><td>效益指标</td><td>社会效益指标</td><td>老人生活质量</td><td>定性</td><td>明显改善</td></tr>
<tr><td>满意度指标</td><td>服务对象满意度指标</td><td>老人满意度</td><td>≥</td><td>90%</td></tr>
</table><p>填报人：张三</p></body></html>"""


def _grids(data: bytes, name: str = "page.html") -> list:
    return html_to_grids(data, hints=ParserHints(), name=name)


def test_a_system_export_named_xls_that_is_html_imports_with_its_merged_cells(tmp_path: Path) -> None:
    """GB2312 declared, rowspan'd 一级/二级 and a rowspan'd 项目资金 label: every indicator keeps its levels."""
    from xltool.apps.sources import load_source

    path = tmp_path / "系统导出.xls"
    path.write_bytes(PAGE.encode("gbk"))
    [project] = load_source(path).projects
    assert project.name == "社区养老服务补助" and project.department == "县民政局" and project.total == 120
    assert [(i.level1, i.level2, i.name, i.operator, i.target) for i in project.indicators] == [
        ("产出指标", "数量指标", "补助老人数", "≥", "300人"),
        ("产出指标", "数量指标", "服务次数", "≥", "1200次"),
        ("效益指标", "社会效益指标", "老人生活质量", "定性", "明显改善"),
        ("满意度指标", "服务对象满意度指标", "老人满意度", "≥", "90%"),
    ]


def test_the_cli_imports_a_saved_page(tmp_path: Path) -> None:
    path = tmp_path / "预算公开.html"
    path.write_text(PAGE, encoding="utf-8")  # declared gb2312, saved as UTF-8 by the browser: the bytes decide
    out = tmp_path / "导入.xlsx"
    done = subprocess.run([sys.executable, "-m", "xltool", "import", path, "-o", out], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "导入 1 个项目" in done.stdout and out.exists()
    values = [c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row]
    assert "社区养老服务补助" in values  # decoded as UTF-8, not as the page's stale GB2312 declaration


def test_a_page_whose_head_is_never_closed_is_still_read() -> None:
    page = PAGE.replace("</head>", "").replace("<title>2024年项目支出绩效目标表</title>", "<title>预算公开")
    grids = _grids(page.encode("gbk"))
    assert any(r[:2] == ["项目名称", "社区养老服务补助"] for g in grids for r in g.rows)


@pytest.mark.parametrize("hide", [
    ('<p>填报人：张三</p>', '<p style="DISPLAY:none">模板占位</p><p>填报人：<span style="visibility: hidden">模板占位</span>张三</p>'),
    # a hidden paragraph left unclosed, as HTML allows: it ends at the next one
    ('<p>填报人：张三</p>', '<p hidden>模板占位<p>填报人：张三</p>'),
])
def test_hidden_text_is_not_read(hide: tuple[str, str]) -> None:
    """Text a browser does not show (``display:none``, ``visibility:hidden``, ``hidden``: statistics code, a hidden
    note) is not read; what follows it is."""
    page = PAGE.replace(*hide)
    assert page != PAGE
    cells = [str(v) for g in _grids(page.encode("gbk")) for r in g.rows for v in r if v is not None]
    assert "模板占位" not in " ".join(cells) and any("张三" in c for c in cells)
    assert {"补助老人数", "服务次数", "老人生活质量", "老人满意度"} <= set(cells)  # nothing shown was lost


@pytest.mark.parametrize("hide", [
    # Excel's own 网页格式 writes its hidden rows so: they are the workbook's hidden rows, read as a workbook's are
    ('<tr><td>服务次数</td>', '<tr style="display:none"><td>隐藏的行</td><td>≥</td><td>5次</td></tr><tr><td>服务次数</td>'),
    # a page's tab holds a whole table until clicked
    ('<table border="1">', '<div style="display:none" class="tab"><table border="1">'),
])
def test_hidden_tables_rows_and_cells_are_read_like_a_workbooks_hidden_rows(hide: tuple[str, str]) -> None:
    """No project's money vanishes unseen: hidden tables and rows are read, as hidden rows of a workbook are."""
    page = PAGE.replace(*hide)
    assert page != PAGE
    cells = [str(v) for g in _grids(page.encode("gbk")) for r in g.rows for v in r if v is not None]
    assert {"社区养老服务补助", "补助老人数", "老人满意度", "120"} <= set(cells)
    assert "隐藏的行" in cells or "tab" in hide[1]


@pytest.mark.parametrize("page, code", [
    ("<html><body><p>本单位无项目支出。</p></body></html>", "input.no_table"),
    ("", "input.no_table"),
])
def test_a_page_without_a_table_says_so(page: str, code: str) -> None:
    with pytest.raises(XltoolError) as caught:
        _grids(f"<html>{page}".encode())
    assert caught.value.code == code and "网页中没有表格" in str(caught.value)


def test_spans_are_capped_and_nesting_costs_no_recursion() -> None:
    huge = '<html><table><tr><td colspan="999999999" rowspan="999999999">项目名称</td><td>甲</td></tr>' \
           + "<tr><td>x</td></tr>" * 50 + "</table></html>"
    [grid] = _grids(huge.encode())
    assert max(len(r) for r in grid.rows) <= MAX_COLSPAN + 2
    nested = "<html>" + "<table><tr><td>" * 3000 + "项目名称</td><td>乙" + "</td></tr></table>" * 3000 + "</html>"
    grids = _grids(nested.encode())
    assert any("乙" in (v or "") for g in grids for r in g.rows for v in r)


def test_a_layout_table_around_the_form_is_text_not_a_table() -> None:
    page = ("<html><table><tr><td>首页 &gt; 预算公开</td><td><p>2024年度项目支出绩效目标表</p>"
            + PAGE.split("<body>")[1].split("</body>")[0] + "</td></tr></table></html>")
    [grid] = _grids(page.encode())
    assert grid.rows[0] == ["首页 > 预算公开"]
    assert ["项目名称", "社区养老服务补助", None, None, None] in grid.rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_pages_raise_only_xltool_errors(data: st.DataObject) -> None:
    raw = bytearray(PAGE.encode("gbk"))
    for _ in range(data.draw(st.integers(1, 12))):
        at = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "byte"]))
        if op == "drop":
            del raw[at:at + data.draw(st.integers(1, 40))]
        elif op == "dup":
            raw[at:at] = raw[at:at + data.draw(st.integers(1, 40))]
        else:
            raw[at] = data.draw(st.sampled_from(list(b'<>/="\x00\xff\xfe ')))
    try:
        _grids(bytes(raw))
    except XltoolError as exc:
        assert exc.code and str(exc)


def test_merge_and_validate_read_an_html_export_among_workbooks(tmp_path: Path) -> None:
    """In a reviewer's folder the system export (.xls that is HTML) is merged with its money, not refused."""
    import json

    from tests.conftest import sheet_rows

    folder = tmp_path / "各单位"
    folder.mkdir()
    (folder / "民政局导出.xls").write_bytes(PAGE.encode("gbk"))
    (folder / "示例.xlsx").write_bytes((ROOT / "examples" / "broken_demo.xlsx").read_bytes())
    out = tmp_path / "汇总.xlsx"
    run = lambda *a: subprocess.run([sys.executable, "-m", "xltool", *map(str, a)], capture_output=True,  # noqa: E731
                                    text=True, cwd=ROOT, timeout=120)
    merged = run("merge", folder, "-o", out)
    assert merged.returncode == 0, merged.stderr
    files = {Path(r[0]).name: r for r in sheet_rows(out, "文件清单")[1:]}
    assert files["民政局导出.xls"][1:] == ("已汇总", "1 个项目", 1)
    names = [r[1] for r in sheet_rows(out, "项目汇总")[1:]]
    assert "社区养老服务补助" in names
    checked = run("validate", folder / "民政局导出.xls", "--json")
    report = json.loads(checked.stdout)
    assert report["files"][0]["projects"] == 1 and {f["sheet"] for f in report["findings"]} == {"民政局导出.xls#1"}


def _xml(table: str, extra: str = "") -> bytes:
    return ('<?xml version="1.0"?>' + extra + '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="表1"><Table>'
            + table + "</Table></Worksheet></Workbook>").encode()


def test_xml2003_places_cells_by_index_and_leaves_merged_cells_empty() -> None:
    from xltool.io.xml2003 import spreadsheetml_grids

    [grid] = spreadsheetml_grids(_xml(
        '<Row><Cell ss:MergeAcross="1"><Data ss:Type="String">项目名称</Data></Cell><Cell><Data ss:Type="String">甲</Data></Cell></Row>'
        '<Row ss:Index="3"><Cell ss:Index="2" ss:MergeDown="1"><Data ss:Type="Number">12.5</Data></Cell>'
        '<Cell><Data ss:Type="Number">3</Data></Cell><Cell><Data ss:Type="DateTime">2024-12-31T00:00:00.000</Data></Cell></Row>'
    ), file="x.xml")
    assert grid.name == "表1"
    assert grid.rows[0] == ["项目名称", None, "甲", None]
    assert grid.rows[1] == [None, None, None, None]
    assert grid.rows[2][:3] == [None, 12.5, 3] and grid.rows[2][3].year == 2024


@pytest.mark.parametrize("table, extra, code", [
    ("", '<!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>', "file.damaged"),
    ("", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "file.damaged"),
    ("<Row><Cell><Data>未闭合", "", "file.damaged"),
])
def test_xml2003_refuses_entities_and_broken_files_in_chinese(table: str, extra: str, code: str) -> None:
    from xltool.io.xml2003 import spreadsheetml_grids

    with pytest.raises(XltoolError) as caught:
        spreadsheetml_grids(_xml(table, extra), file="系统导出.xls")
    assert caught.value.code == code and "系统导出.xls" in caught.value.describe()


def test_xml2003_indexes_past_the_limits_cost_nothing() -> None:
    from xltool.core.grid import MAX_COLS, MAX_ROWS
    from xltool.io.xml2003 import spreadsheetml_grids

    [grid] = spreadsheetml_grids(_xml(
        '<Row><Cell ss:Index="999999999" ss:MergeAcross="999999999"><Data ss:Type="String">远</Data></Cell>'
        '<Cell><Data ss:Type="String">近?</Data></Cell></Row>'
        '<Row ss:Index="2"><Cell ss:Index="1"><Data ss:Type="String">项目名称</Data></Cell></Row>'
        '<Row ss:Index="1"><Cell><Data ss:Type="String">回头</Data></Cell></Row>'
        '<Row ss:Index="99999999"><Cell><Data ss:Type="String">底</Data></Cell></Row>'
    ), file="x.xml")
    assert len(grid.rows) <= MAX_ROWS and all(len(r) <= MAX_COLS for r in grid.rows)
    assert grid.rows[1][0] == "项目名称" and grid.rows[2][0] == "回头"  # an index going back is the next row
    assert grid.meta.get("truncated_rows") == MAX_ROWS


def test_merge_reads_an_xml2003_export_with_its_money(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus_forms import write_form

    from tests.conftest import sheet_rows

    folder = tmp_path / "各单位"
    folder.mkdir()
    write_form(ROOT / "tests" / "corpus" / "13_anhui_huaibei_songxi" / "source.txt", folder / "系统导出.xls", "xml2003")
    write_form(ROOT / "tests" / "corpus" / "20_anhui_jinzhai_wuyeguanli" / "source.txt", folder / "物业.xml", "xml2003")
    (folder / "配置.xml").write_text("<config/>", encoding="utf-8")  # any other XML is no input
    out = tmp_path / "汇总.xlsx"
    done = subprocess.run([sys.executable, "-m", "xltool", "merge", folder, "-o", out], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    files = {Path(r[0]).name: r for r in sheet_rows(out, "文件清单")[1:]}
    status, reason, count = files["系统导出.xls"][1:]
    assert (status, count) == ("已汇总", 1) and reason.startswith("1 个项目")  # the notes sheet: no second table
    rows = sheet_rows(out, "项目汇总")
    total = rows[0].index("总额（万元）")
    assert sorted((r[1], r[total]) for r in rows[1:-1]) == [("农村文化建设配套补助经费", 5), ("物业管理", 1125)]
    assert rows[-1][total] == 1130 and "配置.xml" not in files and "配置.xml" in done.stdout + done.stderr
