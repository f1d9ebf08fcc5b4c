"""Marking workbook files with openpyxl (xltool.write.marking): marks, results sheet, undo, safety.

Every workbook here is made by the real template writer from seed-like projects
(the defects are those of the 2022 seed tables), then marked with whatever the
real rules find; assertions compare the file on disk with those findings, never
with hard-coded cells.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlsxwriter
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.xml.functions import tostring

from xltool.write.marking import MarkResult, inspect_package, load_for_marking, mark_file
from xltool.write.marking.openpyxl_backend import clear_workbook
from xltool.core.errors import XltoolError
from xltool.io.files import LOCKED_MESSAGE
from xltool.core.findings import Finding, Severity
from xltool.core.model import Funding, Indicator, Project
from xltool.core.names import MARKS_SHEET, RESULTS_SHEET
from xltool.write.report import NOTE_AUTHOR, RESULTS_HEADERS, SEVERITY_COLORS, cells_to_mark, note_size, result_rows, worst
from xltool.apps.validate import validate_files
from xltool.rules import CATALOGUE, rule
from xltool.write.template import write_projects

def clear_file(path: Path) -> int:
    """Remove xltool's marks from a file in place (the ribbon's 清除标记, on a file)."""
    loaded = load_for_marking(path)
    restored = clear_workbook(loaded.workbook)
    loaded.workbook.save(path)
    return restored


# ---------------------------------------------------------------------------
# Seed-like projects (content and defects taken from the 2022 seed tables).
# ---------------------------------------------------------------------------

_OVERVIEW = "推进行政审批档案专业化整理与维护。包括企业登记档案扫描费、档案库房租赁费、个体工商户档案整理费。"


def seed_like_projects() -> list[Project]:
    """Two tables as the seed's bureau filled them, defects included (定性 '预算数', ≧, ……)."""

    def ind(l1: str, l2: str, name: str, op: str, target: str) -> Indicator:
        return Indicator.from_typed(level1=l1, level2=l2, name=name, operator=op, target=target)

    archive = Project(
        name="业务档案费", total=115.5, funding=Funding(district=115.5), department="区行政审批局",
        implementer="区行政审批局", start="2022.01", end="2022.12", overview=_OVERVIEW,
        long_term_goal="提高档案管理水平，增强档案业务部门的服务水平。",
        annual_goal="有序推进行政审批档案专业化整理与维护，提高办事效率。", year=2022,
        indicators=[
            ind("产出指标", "产出数量指标", "全年新增企业审批登记档案数", "定性", "按实际数量"),
            ind("产出指标", "产出数量指标", "档案库房租赁数", "=", "3"),
            ind("产出指标", "产出质量指标", "保障档案数据安全完整性", "定性", "通过验收全部完成"),
            ind("产出指标", "产出时效指标", "经费支出时效性", "定性", "按合同支出"),
            ind("产出指标", "产出成本指标", "项目总成本", "定性", "预算数"),
            ind("效果指标", "经济效益指标", "……", "", ""),
            ind("效果指标", "社会效益指标", "档案查询执行率", "≧", "100%"),
            ind("效果指标", "可持续影响指标", "对保障机构持续稳定运转的改善程度", "定性", "较高"),
            ind("效果指标", "满意度指标", "服务对象满意率", "≧", "90%"),
        ],
    )
    rent = Project(
        name="大楼年租金", total=600, funding=Funding(district=600), department="区行政审批局",
        implementer="区行政审批局", start="2022.01", end="2022.12", overview=_OVERVIEW,
        long_term_goal="为行政审批工作提供办公场所。", annual_goal="为行政审批工作提供办公场所。", year=2022,
        indicators=[
            ind("产出指标", "产出数量指标", "1-2层", "=", "8085.11平方米"),
            ind("产出指标", "产出质量指标", "房屋设施完好率", "≧", "90%"),
            ind("产出指标", "产出时效指标", "租金支付及时性", "定性", "及时"),
            ind("产出指标", "产出成本指标", "大楼租金", "=", "600万元"),
            ind("效果指标", "社会效益指标", "保障行政审批工作正常开展", "定性", "有效保障"),
            ind("效果指标", "满意度指标", "办事群众满意度", "≧", "90%"),
        ],
    )
    return [archive, rent]


def make_workbook(path: Path, projects: list[Project] | None = None) -> Path:
    return write_projects(projects or seed_like_projects(), path, year=2022)


@pytest.fixture(scope="module")
def template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template-made workbook plus a user's own note and fill on cells the rules flag."""
    folder = tmp_path_factory.mktemp("tpl")
    path = make_workbook(folder / "绩效目标表.xlsx")
    findings = validate_files([path]).findings
    flagged = sorted(cells_to_mark(findings))
    assert len(flagged) >= 3, "the seed-like projects must give cell findings to mark"
    wb = openpyxl.load_workbook(path)
    (s1, c1), (s2, c2) = flagged[0], flagged[1]
    wb[s1][c1].comment = Comment("填表人：此处数字待财务确认", "张三")
    wb[s2][c2].fill = PatternFill(fill_type="solid", fgColor="FFFFFF00", bgColor="FFFFFF00")
    wb[s1]["A1"].comment = Comment("用户自己的批注", "李四")  # not a flagged cell
    wb.save(path)
    return path


@pytest.fixture()
def workbook(template_file: Path, tmp_path: Path) -> Path:
    copy = tmp_path / template_file.name
    copy.write_bytes(template_file.read_bytes())
    return copy


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fill_xml(cell: Any) -> bytes:
    return tostring(cell.fill.to_tree())


def snapshot(path: Path) -> dict[str, Any]:
    """Everything marking must keep: values, fills, notes, validations, merges, CF, names, states."""
    wb = openpyxl.load_workbook(path)
    data: dict[str, Any] = {"names": {n: d.attr_text for n, d in wb.defined_names.items()}, "sheets": {}}
    for ws in wb.worksheets:
        data["sheets"][ws.title] = {
            "state": ws.sheet_state,
            "values": {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            "fills": {c.coordinate: fill_xml(c) for row in ws.iter_rows() for c in row},
            "notes": {c.coordinate: (c.comment.text, c.comment.author) for row in ws.iter_rows() for c in row
                      if c.comment},
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1) for dv in ws.data_validations.dataValidation),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "cf": sorted(str(r.sqref) for r in ws.conditional_formatting),
            "protected": ws.protection.sheet,
            "print_titles": ws.print_title_rows,
        }
    return data


def findings_of(path: Path) -> list[Finding]:
    return validate_files([path]).findings


# ---------------------------------------------------------------------------
# Marking
# ---------------------------------------------------------------------------


def test_marked_copy_has_fill_and_note_on_exactly_the_flagged_cells(workbook: Path, tmp_path: Path) -> None:
    before = snapshot(workbook)
    findings = findings_of(workbook)
    out = tmp_path / "标注.xlsx"
    result = mark_file(workbook, findings, output=out)
    assert isinstance(result, MarkResult) and result.output == out and result.backup is None
    assert any("批注框的大小和格式" in n for n in result.notices)  # the user's notes lose their box size
    wanted = cells_to_mark(findings)
    assert result.marked_cells == len(wanted)
    wb = openpyxl.load_workbook(out)
    for (sheet, ref), items in wanted.items():
        cell = wb[sheet][ref]
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb == "FF" + SEVERITY_COLORS[worst(items)]
        assert cell.comment is not None and cell.comment.author == NOTE_AUTHOR
        for f in items:
            assert f.message in cell.comment.text and f.code in cell.comment.text
    # No other cell changed its fill or got a note from xltool.
    for sheet, shot in before["sheets"].items():
        ws = wb[sheet]
        for ref, xml in shot["fills"].items():
            if (sheet, ref) not in wanted:
                assert fill_xml(ws[ref]) == xml, (sheet, ref)
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None and (sheet, c.coordinate) not in wanted:
                    assert c.comment.author != NOTE_AUTHOR
    assert snapshot(workbook) == before  # --mark-to leaves the input untouched


def test_user_note_on_a_flagged_cell_is_kept_above_ours_and_restored(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings_of(workbook), output=out)
    wb = openpyxl.load_workbook(out)
    combined = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.comment and "填表人：此处数字待财务确认" in c.comment.text]
    assert len(combined) == 1 and combined[0].startswith("填表人：此处数字待财务确认")
    assert "【xltool 校验】" in combined[0]
    assert clear_file(out) > 0
    restored = snapshot(out)["sheets"]
    original = snapshot(workbook)["sheets"]
    assert {s: v["notes"] for s, v in restored.items()} == {s: v["notes"] for s, v in original.items()}


def test_results_sheet_lists_every_finding_with_links_frozen_header_and_filter(workbook: Path,
                                                                              tmp_path: Path) -> None:
    findings = findings_of(workbook)
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings, output=out)
    wb = openpyxl.load_workbook(out)
    ws = wb[RESULTS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == RESULTS_HEADERS
    expected = result_rows(findings, sheets=wb.sheetnames)
    assert [tuple(r) for r in rows[1:]] == [r.values for r in expected]
    link_col = RESULTS_HEADERS.index("单元格") + 1
    for i, (row, f) in enumerate(zip(expected, findings), start=2):
        link = ws.cell(row=i, column=link_col).hyperlink
        assert link is not None and link.location == f"'{f.sheet}'!{f.cell or 'A1'}"
        assert row.link == link.location
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:G{len(findings) + 1}"
    assert wb[MARKS_SHEET].sheet_state == "veryHidden"


def test_everything_else_in_the_template_survives_marking(workbook: Path, tmp_path: Path) -> None:
    before = snapshot(workbook)
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings_of(workbook), output=out)
    after = snapshot(out)
    assert after["names"] == before["names"]
    for sheet, shot in before["sheets"].items():
        got = after["sheets"][sheet]
        for key in ("state", "values", "validations", "merged", "cf", "protected", "print_titles"):
            assert got[key] == shot[key], (sheet, key)
    assert before["sheets"]["xltool_lists"]["state"] == "veryHidden"
    assert validate_files([out]).findings == [f.model_copy(update={"file": str(out)}) for f in findings_of(workbook)]


def test_marking_twice_equals_marking_once_and_clearing_restores_the_original(workbook: Path,
                                                                             tmp_path: Path) -> None:
    original = snapshot(workbook)
    findings = findings_of(workbook)
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    mark_file(workbook, findings, output=once)
    mark_file(once, findings, output=twice)
    assert snapshot(twice) == snapshot(once)
    assert openpyxl.load_workbook(twice).sheetnames.count(RESULTS_SHEET) == 1
    clear_file(twice)
    cleared = snapshot(twice)
    assert cleared == original


def test_a_fixed_defect_gets_its_original_fill_back_on_the_next_marking(workbook: Path, tmp_path: Path) -> None:
    findings = findings_of(workbook)
    wanted = cells_to_mark(findings)
    wb = openpyxl.load_workbook(workbook)
    user_filled = [k for k in wanted if wb[k[0]][k[1]].fill.fgColor.rgb == "FFFFFF00"]
    assert len(user_filled) == 1
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings, output=out)
    fixed = user_filled[0]
    remaining = [f for f in findings if (f.sheet, f.cell) != fixed]
    again = tmp_path / "再次.xlsx"
    mark_file(out, remaining, output=again)
    cell = openpyxl.load_workbook(again)[fixed[0]][fixed[1]]
    assert cell.fill.fgColor.rgb == "FFFFFF00" and cell.comment is None


@pytest.fixture()
def merged_rule() -> Iterator[str]:
    """A test-only rule that points inside the merged 项目概况 cell (not at its top-left)."""
    code = "JX9T1"

    @rule(code, Severity.WARNING, "测试", why="测试", bad="", good="")
    def _inside_merge(project: Project, ctx: Any) -> Iterator[Finding]:
        ref = project.cells["overview"]
        yield ctx.finding(code, "测试用：概况", cell="C" + ref[1:], field="overview")

    try:
        yield code
    finally:
        del CATALOGUE[code]


def test_finding_inside_a_merged_cell_is_marked_on_its_top_left_cell(workbook: Path, tmp_path: Path,
                                                                    merged_rule: str) -> None:
    findings = [f for f in findings_of(workbook) if f.code == merged_rule]
    assert findings and all(f.cell.startswith("C") for f in findings)
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings, output=out)
    wb = openpyxl.load_workbook(out)
    for f in findings:
        ws = wb[f.sheet]
        anchor = next(m for m in ws.merged_cells.ranges if f.cell in m).start_cell.coordinate
        assert anchor != f.cell
        assert "测试用：概况" in ws[anchor].comment.text
        assert ws[anchor].fill.fgColor.rgb == "FF" + SEVERITY_COLORS[Severity.WARNING]


def test_in_place_marking_keeps_a_backup_identical_to_the_original(workbook: Path) -> None:
    digest = sha(workbook)
    result = mark_file(workbook, findings_of(workbook))
    assert result.output == workbook and result.backup is not None
    assert result.backup.parent == workbook.parent
    assert result.backup.name.startswith("绩效目标表.bak-") and result.backup.suffix == ".xlsx"
    assert sha(result.backup) == digest and sha(workbook) != digest
    assert [p.name for p in workbook.parent.iterdir() if ".xltool-tmp-" in p.name] == []


def test_output_equal_to_input_and_wrong_extension_are_refused(workbook: Path) -> None:
    digest = sha(workbook)
    with pytest.raises(XltoolError, match="输出文件不能与输入文件相同"):
        mark_file(workbook, [], output=workbook.parent / "." / workbook.name)
    with pytest.raises(XltoolError, match="扩展名必须与原文件相同"):
        mark_file(workbook, [], output=workbook.with_suffix(".xlsm"))
    assert sha(workbook) == digest


def test_in_place_marking_of_a_file_open_in_excel_gives_the_lock_message(workbook: Path) -> None:
    digest = sha(workbook)
    (workbook.parent / f"~${workbook.name}").write_bytes(b"\x00" * 165)  # Excel's owner file
    with pytest.raises(XltoolError) as err:
        mark_file(workbook, findings_of(workbook))
    assert err.value.message.startswith(LOCKED_MESSAGE) and err.value.exit_code == 2
    assert sha(workbook) == digest
    assert not list(workbook.parent.glob("*.bak-*"))


# ---------------------------------------------------------------------------
# What openpyxl cannot keep
# ---------------------------------------------------------------------------


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def xlsxwriter_project(path: Path, *, chart: bool = False, image: bool = False, textbox: bool = False,
                       vba: bytes | None = None) -> Path:
    """A project table written by xlsxwriter (another writer), with extras openpyxl cannot keep."""
    rows = [
        ["附件3"], ["2022年度区级预算绩效管理项目绩效目标表"],
        ["项目名称", "业务档案费", "项目总金额（万元）", 115.5],
        ["主管部门", "区行政审批局", "其中：区级财政（万元）", 115.5],
        ["实施单位", "区行政审批局"], ["计划开始时间", "2022.01", "计划结束时间", "2022.12"],
        ["项目概况", _OVERVIEW], ["年度绩效目标", ""],
        ["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"],
        ["产出指标", "产出成本指标", "项目总成本", "定性", "预算数"],
        ["效果指标", "满意度指标", "服务对象满意率", "≧", "90%"],
    ]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("项目1")
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    if chart:
        ch = wb.add_chart({"type": "column"})
        ch.add_series({"values": "='项目1'!$D$3:$D$4"})
        ws.insert_chart("H2", ch)
    if image:
        ws.insert_image("H20", "dot.png", {"image_data": io.BytesIO(_png_1x1())})
    if textbox:
        ws.insert_textbox("H30", "说明文字")
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    wb.close()
    return path


def _xlwings_vba_project() -> bytes:
    """A real vbaProject.bin: the one in xlwings' quickstart workbook."""
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart.xlsm") as zf:
        return zf.read("xl/vbaProject.bin")


def test_inspect_package_names_charts_images_and_shapes_before_loading(tmp_path: Path) -> None:
    plain = inspect_package(xlsxwriter_project(tmp_path / "plain.xlsx"))
    assert plain.at_risk == [] and not plain.has_vba
    rich = inspect_package(xlsxwriter_project(tmp_path / "rich.xlsx", chart=True, image=True, textbox=True))
    assert "图表" in rich.at_risk and "形状或文本框" in rich.at_risk
    from importlib.util import find_spec

    assert ("图片" in rich.at_risk) == (find_spec("PIL") is None)  # openpyxl keeps images only with Pillow


def test_in_place_marking_refuses_a_file_with_a_chart_unless_forced(tmp_path: Path) -> None:
    path = xlsxwriter_project(tmp_path / "图表.xlsx", chart=True)
    digest = sha(path)
    findings = findings_of(path)
    with pytest.raises(XltoolError, match="以下内容 openpyxl 无法完整保留：图表"):
        mark_file(path, findings)
    assert sha(path) == digest and not list(tmp_path.glob("*.bak-*"))
    copy = mark_file(path, findings, output=tmp_path / "副本.xlsx")  # a copy only warns
    assert "图表" in copy.at_risk and sha(path) == digest
    forced = mark_file(path, findings, force=True)
    assert forced.backup is not None and sha(forced.backup) == digest
    assert RESULTS_SHEET in openpyxl.load_workbook(path).sheetnames


def test_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path: Path) -> None:
    vba = _xlwings_vba_project()
    path = xlsxwriter_project(tmp_path / "宏.xlsm", vba=vba)
    findings = findings_of(path)
    assert cells_to_mark(findings)
    with pytest.raises(XltoolError, match="扩展名"):
        mark_file(path, findings, output=tmp_path / "宏.xlsx")
    result = mark_file(path, findings)
    with zipfile.ZipFile(result.output) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        types = zf.read("[Content_Types].xml").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert RESULTS_SHEET in openpyxl.load_workbook(result.output).sheetnames


def test_only_xlsx_and_xlsm_can_be_marked(tmp_path: Path) -> None:
    path = tmp_path / "旧表.xltx"
    path.write_bytes(b"PK")
    with pytest.raises(XltoolError, match="只能在 .xlsx/.xlsm"):
        mark_file(path, [], output=tmp_path / "x.xltx")


# ---------------------------------------------------------------------------
# Note size and result rows
# ---------------------------------------------------------------------------


def test_note_size_fits_chinese_text_and_stays_bounded() -> None:
    latin_w, latin_h = note_size("x" * 30)
    cjk_w, cjk_h = note_size("汉" * 30)
    assert cjk_w > latin_w  # a Chinese character takes about two Latin widths
    long_w, long_h = note_size("\n".join(["问题说明" * 20] * 8))
    assert long_w <= 420 and long_h > cjk_h and long_h <= 640
    assert note_size("")[0] >= 180


def test_result_rows_link_only_to_sheets_that_exist() -> None:
    here = Finding(code="JX1", severity=Severity.ERROR, message="m", sheet="项目'1", cell="E14")
    whole = Finding(code="JX2", severity=Severity.INFO, message="m", sheet="项目'1")
    elsewhere = Finding(code="JX3", severity=Severity.WARNING, message="m", sheet="别的文件的表", cell="B3")
    rows = result_rows([here, whole, elsewhere], sheets=["项目'1"])
    assert [r.link for r in rows] == ["'项目''1'!E14", "'项目''1'!A1", ""]
    assert [r.values[0] for r in rows] == [1, 2, 3]
    assert rows[1].values[RESULTS_HEADERS.index("单元格")] == "（整表）"


# ---------------------------------------------------------------------------
# A real spreadsheet application reads the marks (LibreOffice headless)
# ---------------------------------------------------------------------------

_LO_READ_MARKS = r'''
doc = load(ARGS["path"])
sheets = doc.Sheets
out = {"visible": {}, "notes": {}, "colors": {}, "results_a1": None}
for i in range(sheets.Count):
    sh = sheets.getByIndex(i)
    out["visible"][sh.Name] = bool(sh.IsVisible)
    notes = sh.Annotations
    for j in range(notes.Count):
        a = notes.getByIndex(j)
        pos = a.Position
        ref = sh.getCellByPosition(pos.Column, pos.Row).AbsoluteName.split(".")[-1].replace("$", "")
        out["notes"][sh.Name + "!" + ref] = a.String
for sheet, ref in ARGS["cells"]:
    out["colors"][sheet + "!" + ref] = doc.Sheets.getByName(sheet).getCellRangeByName(ref).CellBackColor
out["results_a1"] = doc.Sheets.getByName(ARGS["results"]).getCellRangeByName("A1").String
doc.close(True)
result = out
'''


@pytest.mark.libreoffice
def test_libreoffice_shows_the_fills_notes_and_hidden_marks_sheet(workbook: Path, tmp_path: Path) -> None:
    try:
        from tests.lo_helper import need, run_uno_script, uno_available
    except ImportError:  # pragma: no cover - run from inside tests/
        from lo_helper import need, run_uno_script, uno_available  # type: ignore[no-redef]

    need(uno_available(), "LibreOffice with python3-uno is not installed")
    findings = findings_of(workbook)
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, findings, output=out)
    wanted = cells_to_mark(findings)
    got = run_uno_script(_LO_READ_MARKS, timeout=240,
                         args={"path": str(out), "cells": sorted(wanted), "results": RESULTS_SHEET})
    assert got["visible"][MARKS_SHEET] is False and got["visible"][RESULTS_SHEET] is True
    assert got["results_a1"] == RESULTS_HEADERS[0]
    for (sheet, ref), items in wanted.items():
        assert got["colors"][f"{sheet}!{ref}"] == int(SEVERITY_COLORS[worst(items)], 16)
        text = got["notes"][f"{sheet}!{ref}"]
        assert all(f.message in text for f in items)



def test_results_row_is_tall_enough_for_every_typed_line(workbook: Path, tmp_path: Path) -> None:
    # A project name typed on three lines needs three lines' height, however short each line is.
    finding = findings_of(workbook)[0].model_copy(update={"project": "第一行\n第二行\n第三行", "message": "短"})
    out = tmp_path / "标注.xlsx"
    mark_file(workbook, [finding], output=out)
    ws = openpyxl.load_workbook(out)[RESULTS_SHEET]
    assert ws.cell(row=2, column=RESULTS_HEADERS.index("项目") + 1).value == "第一行\n第二行\n第三行"
    assert ws.row_dimensions[2].height == 45
