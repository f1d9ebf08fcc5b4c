"""``xltool import``: last year's text / Word / other regions' tables → template workbooks.

The seed (22 real tables of one bureau, defects included) is checked against an
independent reading of the raw text by regular expressions; Word documents are built
here with python-docx, merged cells included; other regions' layouts are written as
text, .docx and .xlsx files. Everything is read back from the workbooks written.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from xltool.cli import main
from xltool.core.errors import XltoolError
from xltool.io.text import decode_text, text_to_grids
from xltool.io.docx import docx_to_grids
from xltool.parse import text_hints
from xltool.apps.sources import load_source
from xltool.apps.importer import safe_filename, split_paths
from xltool.parse.imported import split_operator
from xltool.core.model import Project
from xltool.core.names import LISTS_SHEET
from xltool.apps.sources import read_workbook

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "source" / "区行政审批局_2022.txt"

# ---------------------------------------------------------------------------
# An independent reading of the seed text: regular expressions over the raw file.
# ---------------------------------------------------------------------------

_TABLE_START = re.compile(r"^(?:附件3\n)?\d{4}年度区级预算绩效管理项目绩效目标表\n", re.M)
_HEADER_LABELS = {
    "name": "项目名称",
    "total": "项目总金额（万元）",
    "department": "主管部门",
    "funding.province": "部省级财政（万元）",
    "implementer": "实施单位",
    "funding.city": "市级财政（万元）",
    "start": "计划开始时间",
    "funding.district": "区级财政（万元）",
    "end": "计划结束时间",
    "funding.other": "其他（万元）",
    "overview": "项目概况",
    "long_term_goal": "中长期绩效目标",
    "annual_goal": "年度绩效目标",
}


def squash(text: Any) -> str:
    """Whitespace aside (incl. full-width spaces)."""
    return re.sub(r"[\s\u3000]+", "", "" if text is None else str(text))


def regex_tables(text: str) -> list[str]:
    starts = [m.start() for m in _TABLE_START.finditer(text)]
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def regex_header(table: str) -> dict[str, str]:
    """Each label line is followed by its value line(s): up to the next tab-led or blank line."""
    values: dict[str, str] = {}
    for field, label in _HEADER_LABELS.items():
        match = re.search(
            r"^\t[ \u3000]*(?:其中：)?" + re.escape(label) + r"\n\t(.*?)\n(?=\t|\n|\Z)", table, re.M | re.S
        )
        assert match, f"{label} not in table"
        values[field] = match.group(1)
    return values


def regex_indicators(table: str) -> list[tuple[str, str, str, str, str]]:
    """Rows after the 年度目标值 column title; cells split on newline+tab; merged 一级/二级 filled down."""
    body = table.split("\t年度目标值\n", 1)[1]
    rows: list[tuple[str, str, str, str, str]] = []
    level1 = level2 = ""
    for block in re.split(r"\n{2,}", body.strip("\n")):
        if not block.startswith("\t"):
            continue
        cells = [squash(c) for c in block[1:].split("\n\t")]
        assert len(cells) == 5, block
        if not any(cells):
            continue
        level1 = cells[0] or level1
        level2 = cells[1] or level2
        rows.append((level1, level2, cells[2], cells[3], cells[4]))
    return rows


def model_header(p: Project) -> dict[str, str]:
    """The model's header as typed: raw text for amounts/months, field text otherwise."""
    typed = {
        "name": p.name, "department": p.department, "implementer": p.implementer, "overview": p.overview,
        "long_term_goal": p.long_term_goal, "annual_goal": p.annual_goal,
    }
    for field in ("total", "funding.province", "funding.city", "funding.district", "funding.other", "start", "end"):
        typed[field] = p.raw.get(field, "")
    return typed


def comparable(p: Project, *, keep_cells: bool = False) -> dict[str, Any]:
    data = p.to_json_dict()
    for key in ("file", "sheet") + (() if keep_cells else ("cells",)):
        data.pop(key)
    if not keep_cells:
        for indicator in data["indicators"]:
            indicator.pop("cell")
    return data


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_projects() -> list[Project]:
    return load_source(SEED).projects


# ---------------------------------------------------------------------------
# The seed
# ---------------------------------------------------------------------------


def test_seed_gives_22_projects_equal_to_the_text(seed_text: str, seed_projects: list[Project]) -> None:
    tables = regex_tables(seed_text)
    assert len(tables) == 22
    assert seed_text.count("\t项目名称\n") == 22
    assert seed_text.count("附件3\n") == 21  # one table starts at its title line
    assert len(seed_projects) == 22
    compared_rows = 0
    for table, project in zip(tables, seed_projects):
        expected = regex_header(table)
        got = model_header(project)
        assert {k: squash(v) for k, v in got.items()} == {k: squash(v) for k, v in expected.items()}, project.name
        if squash(expected["total"]):
            assert project.total == pytest.approx(float(squash(expected["total"])))
        assert project.year == 2022 and project.title == "2022年度区级预算绩效管理项目绩效目标表"
        rows = [
            (squash(i.level1), squash(i.level2), squash(i.name), squash(i.operator_raw), squash(i.target))
            for i in project.indicators
        ]
        assert rows == regex_indicators(table), project.name
        compared_rows += len(rows)
        assert project.notes == [] and project.extra == {}
    assert compared_rows == sum(len(regex_indicators(t)) for t in tables) > 200


def test_seed_keeps_defects_and_line_breaks_as_written(seed_projects: list[Project]) -> None:
    first = seed_projects[0]
    # a continuation line without a tab belongs to the cell above, with its line break
    assert first.annual_goal.endswith("档案服务工\n作的办事效率。")
    assert [(i.operator_raw, i.target) for i in first.indicators if i.name == "档案查询执行率"] == [("≧", "100%")]
    assert any(i.name == "……" for i in first.indicators)  # placeholders stay for the validator
    parking = next(p for p in seed_projects if p.name == "停车场费")
    assert parking.overview.count("\n") == 3 and parking.raw["total"] == "36.9"
    assert [i.target for i in parking.indicators if i.name == "经费支出时效性"] == ["及时"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16", "crlf"])
def test_text_encodings_and_line_endings(tmp_path: Path, seed_text: str, seed_projects: list[Project],
                                         encoding: str) -> None:
    path = tmp_path / f"seed-{encoding}.txt"
    if encoding == "crlf":
        path.write_bytes(seed_text.replace("\n", "\r\n").encode("utf-8"))
    else:
        path.write_bytes(seed_text.encode(encoding))
    got = load_source(path).projects
    assert [comparable(p, keep_cells=True) for p in got] == [comparable(p, keep_cells=True) for p in seed_projects]


def test_decode_refuses_binary_and_unknown_encodings() -> None:
    with pytest.raises(XltoolError, match="二进制"):
        decode_text(b"PK\x00\x01abc", file="x.txt")
    assert decode_text("项目名称".encode("gbk")) == "项目名称"
    with pytest.raises(XltoolError, match="编码"):
        decode_text(b"\x81\x30\xff\xff", file="x.txt")


# ---------------------------------------------------------------------------
# Word documents with merged cells: the same model as their text twin
# ---------------------------------------------------------------------------


def _text_rows(table: str) -> tuple[list[str], list[list[str]]]:
    """(paragraphs above the table, rows of cell texts) by the same regex reading."""
    head, _, body = table.partition("\t项目名称\n")
    paragraphs = [line for line in head.split("\n") if line]
    rows = []
    for block in re.split(r"\n{2,}", ("\t项目名称\n" + body).strip("\n")):
        if block.startswith("\t"):
            rows.append(block[1:].split("\n\t"))
    return paragraphs, rows


def build_docx(tables: list[str], path: Path) -> Path:
    """A Word document like the one the seed text was copied from: titles as paragraphs,
    header values merged across columns, 一级/二级 cells merged down their group, and a
    placeholder 三级 cell merged over its empty 计算符号/目标值 cells."""
    document = docx.Document()
    for table_text in tables:
        paragraphs, rows = _text_rows(table_text)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        table = document.add_table(rows=len(rows), cols=5)
        table.style = "Table Grid"
        # cell objects fetched once (table.cell() walks the whole table); every merge below
        # touches one row (across) or one column (down), so the others stay valid
        grid = [list(row.cells) for row in table.rows]

        def put(r: int, c: int, text: str, last: int | None = None) -> None:
            cell = grid[r][c] if last is None else grid[r][c].merge(grid[r][last])
            if text:
                cell.text = text

        for r, cells in enumerate(rows):
            if len(cells) == 5 and squash(cells[2]) and not squash(cells[3]) and not squash(cells[4]):
                put(r, 0, cells[0]), put(r, 1, cells[1]), put(r, 2, cells[2], 4)  # "……" spread over C:E
            elif len(cells) == 5:
                for c, text in enumerate(cells):
                    put(r, c, text)
            elif len(cells) == 4:  # label | value (B:C) | label | value
                put(r, 0, cells[0]), put(r, 1, cells[1], 2), put(r, 3, cells[2]), put(r, 4, cells[3])
            else:  # label | value (B:E)
                assert len(cells) == 2, cells
                put(r, 0, cells[0]), put(r, 1, cells[1], 4)
        for col in (0, 1):  # Word merges an 一级/二级 cell down over the rows it covers
            r = 0
            while r < len(rows):
                end = r
                if len(rows[r]) == 5 and squash(rows[r][col]):
                    while end + 1 < len(rows) and len(rows[end + 1]) == 5 and not squash(rows[end + 1][col]):
                        end += 1
                if end > r:
                    grid[r][col].merge(grid[end][col])
                r = end + 1
    document.save(str(path))
    return path


def test_docx_with_merged_cells_imports_like_its_text_twin(tmp_path: Path, seed_text: str,
                                                           seed_projects: list[Project]) -> None:
    path = build_docx(regex_tables(seed_text), tmp_path / "2022年绩效目标表.docx")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    assert xml.count("<w:vMerge") > 100 and xml.count("<w:gridSpan") > 100  # the merges are real
    # python-docx repeats a merged cell in every grid position it covers
    first = docx.Document(str(path)).tables[0]
    row = first.rows[0].cells
    assert row[1]._tc is row[2]._tc
    got = load_source(path)
    assert got.kind == "docx" and len(got.projects) == 22
    assert [comparable(p) for p in got.projects] == [comparable(p) for p in seed_projects]


def test_docx_merged_cells_become_empty_cells(tmp_path: Path) -> None:
    """Like Word's text export: a merged cell's text once, at its top-left position."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    grid = [list(row.cells) for row in table.rows]
    grid[0][0].merge(grid[2][0]).text = "产出指标"  # down three rows
    grid[0][1].merge(grid[0][3]).text = "横跨三列"  # across three columns
    block = grid[1][1].merge(grid[2][2])  # a 2 x 2 block
    block.text = "方块"
    grid[1][3].text, grid[2][3].text = "右1", "右2"
    document.save(str(tmp_path / "m.docx"))
    [g] = docx_to_grids(tmp_path / "m.docx", hints=text_hints)
    assert g.rows == [
        ["产出指标", "横跨三列", None, None],
        [None, "方块", None, "右1"],
        [None, None, None, "右2"],
    ]


def test_docx_table_split_across_pages_and_remarks_are_kept(tmp_path: Path, seed_text: str) -> None:
    """A form broken into two Word tables is one project; paragraphs are never indicators."""
    table = regex_tables(seed_text)[1]
    paragraphs, rows = _text_rows(table)
    document = docx.Document()
    for paragraph in paragraphs + ["填报单位（盖章）：区行政审批局"]:
        document.add_paragraph(paragraph)
    cut = next(i for i, r in enumerate(rows) if r[0] == "一级指标") + 3
    for part, after in ((rows[:cut], "（续表）"), (rows[cut:], "填报人：张三  联系电话：8888")):
        t = document.add_table(rows=len(part), cols=5)
        for r, cells in enumerate(part):
            for c, text in enumerate(cells):
                t.cell(r, c).text = text
        document.add_paragraph(after)
    path = tmp_path / "续表.docx"
    document.save(str(path))
    [project] = load_source(path).projects
    assert [squash(i.name) for i in project.indicators] == [r[2] for r in regex_indicators(table)]
    assert "填报单位（盖章）：区行政审批局" in project.extra["其他说明"]
    assert "填报人：张三  联系电话：8888" in project.extra["其他说明"]
    assert "（续表）" in project.extra["其他说明"]
    assert any("其他说明" in n for n in project.notes)


# ---------------------------------------------------------------------------
# Other regions' layouts (domain.md §1)
# ---------------------------------------------------------------------------

LAYOUT_TEXT_4COL = """附件3
2024年度项目支出绩效目标表
\t项目支出名称
\t城乡居民医保参保补助
\t预算部门
\t区医疗保障局

\t项目执行单位
\t区医保中心
\t年度资金总额（万元）
\t560.00

\t其中：财政拨款
\t500
\t其他资金
\t60

\t项目起止时间
\t2024年1月-2024年12月
\t项目负责人
\t王五

\t年度绩效目标
\t完成全区参保群众补助发放。

\t一级指标
\t二级指标
\t三级指标
\t指标值

\t成本指标
\t经济成本指标
\t人均补助标准
\t≤610元/人

\t产出指标
\t数量指标
\t参保人数
\t≥9000人

\t
\t质量指标
\t参保率
\t>= 95%

\t
\t时效指标
\t补助资金拨付及时率
\t100%

\t效益指标
\t社会效益指标
\t群众医疗负担
\t有效减轻

\t满意度指标
\t服务对象满意度指标
\t参保群众满意度
\t不低于90%
"""


def test_layout_four_columns_operator_inside_value(tmp_path: Path) -> None:
    path = tmp_path / "医保.txt"
    path.write_text(LAYOUT_TEXT_4COL, encoding="gb18030")
    [p] = load_source(path).projects
    assert (p.name, p.department, p.implementer) == ("城乡居民医保参保补助", "区医疗保障局", "区医保中心")
    assert (p.total, p.funding.district, p.funding.other, p.start, p.end) == (560.0, 500.0, 60.0, "2024.01", "2024.12")
    assert p.year == 2024 and p.profile == "national-2021"
    assert [(i.operator_raw, i.operator, i.target) for i in p.indicators] == [
        ("≤", "≤", "610元/人"), ("≥", "≥", "9000人"), (">=", "≥", "95%"), ("", "", "100%"),
        ("", "", "有效减轻"), ("不低于", "≥", "90%"),
    ]
    assert p.indicators[0].value == 610 and p.indicators[0].unit == "元/人"
    assert p.extra == {"项目负责人": "王五"}
    assert any("项目负责人" in n for n in p.notes) and any("项目概况" in n for n in p.notes)


def _docx_table(document: Any, rows: list[list[str | None]]) -> None:
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            if text is not None:
                table.cell(r, c).text = text
        if len(cells) < width:  # the last value spans the rest of the row
            table.cell(r, len(cells) - 1).merge(table.cell(r, width - 1))


def test_layout_value_and_unit_columns_with_explanations_docx(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2023年度部门项目支出绩效目标表")
    _docx_table(document, [
        ["项目名称", "农村公路养护", "主管部门", "区交通运输局", "实施单位", "区公路站", ""],
        ["项目资金", "", "资金总额", "300", "其中：财政拨款", "300", ""],
        ["项目概况", "全区农村公路日常养护"],
        ["中长期目标", "农村公路优良中等路率稳步提升"],
        ["年度目标", "完成 1200 公里日常养护"],
        ["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "指标解释", "评（扣）分标准"],
        ["产出指标", "数量指标", "养护里程", "≥1200", "公里", "年度完成的养护里程", "每少10公里扣1分"],
        [None, "质量指标", "优良中等路率", "≥ 85", "%", "", "未达标不得分"],
        [None, "时效指标", "养护完成时限", "＜12", "个月", "", ""],
        ["满意度指标", "服务对象满意度指标", "沿线群众满意度", "90", "%", "问卷调查", ""],
        [None, None, "路况评价", "良好", "等级", "", ""],
        ["主管部门审核意见", "同意", None, None, None, None, None],
        [None, "审核人：钱七", None, None, None, None, None],
    ])
    path = tmp_path / "公路.docx"
    document.save(str(path))
    [p] = load_source(path).projects
    assert p.year == 2023 and (p.total, p.funding.district) == (300.0, 300.0)
    assert [(i.level1, i.level2, i.operator_raw, i.target) for i in p.indicators] == [
        ("产出指标", "数量指标", "≥", "1200公里"),
        ("产出指标", "质量指标", "≥", "85%"),
        ("产出指标", "时效指标", "＜", "12个月"),
        ("满意度指标", "服务对象满意度指标", "", "90%"),
        ("满意度指标", "服务对象满意度指标", "", "良好"),
    ]
    assert p.indicators[0].extra == {"指标解释": "年度完成的养护里程", "评（扣）分标准": "每少10公里扣1分"}
    assert p.indicators[4].extra == {"度量单位": "等级"}  # a unit on a phrase is kept, not glued on
    assert p.extra == {"其他说明": "主管部门审核意见 | 同意\n审核人：钱七"}  # rows under the table
    assert p.long_term_goal == "农村公路优良中等路率稳步提升" and p.cells["total"] == "D3"  # 资金总额, not the 项目资金 caption


def test_a_number_in_the_unit_column_is_not_glued_onto_the_value(tmp_path: Path) -> None:
    """内蒙古 system export: 计量单位 repeats the target's date serial ("44,561" | "44,561")."""
    rows = [
        "项目绩效目标表",
        "项目名称\t再生资源回收市场管理经费",
        "主管部门\t乌海市供销合作社联合社",
        "资金总额\t3",
        "一级指标\t二级指标\t三级指标\t指标性质\t指标方向\t目标值\t计量单位\t分值\t备注",
        "产出指标\t数量指标\t出差人次\t正向\t=\t24\t人/次\t4\t",
        "产出指标\t时效指标\t资金到位时间\t正向\t=\t44,561\t44,561\t10\t",
        "产出指标\t成本指标\t出差单位成本\t反向\t=\t0\t万元/人\t4\t",
    ]
    path = tmp_path / "乌海.txt"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [p] = load_source(path).projects
    assert [(i.operator, i.target) for i in p.indicators] == [("=", "24人/次"), ("=", "44,561"), ("=", "0万元/人")]
    assert p.indicators[1].extra["度量单位"] == "44,561"  # kept beside the row, not lost


def test_layout_long_term_and_annual_side_by_side_xlsx(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效目标"
    for row in [
        ["项目支出绩效目标表（2023年度）"],
        ["项目名称", "老旧小区改造", None, "项目类型", "延续项目"],
        ["预算部门", "区住建局", None, "项目执行单位", "区城建中心"],
        ["项目资金总额", 1500, None, "项目期限", "2023.03—2023.11"],
        ["中长期目标", "三年完成全部老旧小区改造"],
        ["年度目标", "完成 12 个小区改造"],
        ["一级指标", "二级指标", "三级指标", "中长期指标值", "年度指标值"],
        ["产出指标", "数量指标", "改造小区数", "≥36个", "≥12个"],
        [None, "质量指标", "竣工验收合格率", "＝100%", "＝100%"],
        [None, "成本指标", "每平方米改造成本", "≤400元", "≦380元"],
        ["效益指标", "社会效益指标", "受益居民户数", "≥9000户", "≥3000户"],
        ["满意度指标", "服务对象满意度指标", "居民满意度", "≥85%", "≥90%"],
        ["填报人：赵六"],
    ]:
        ws.append(row)
    path = tmp_path / "改造.xlsx"
    wb.save(path)
    [p] = load_source(path).projects
    assert (p.year, p.total, p.start, p.end) == (2023, 1500.0, "2023.03", "2023.11")
    assert [(i.operator_raw, i.target, i.extra["中长期指标值"]) for i in p.indicators] == [
        ("≥", "12个", "≥36个"), ("＝", "100%", "＝100%"), ("≦", "380元", "≤400元"),
        ("≥", "3000户", "≥9000户"), ("≥", "90%", "≥85%"),
    ]
    assert p.extra == {"项目类型": "延续项目", "其他说明": "填报人：赵六"}


LAYOUT_STACKED = """项目支出绩效目标申报表（2023年度）
\t项目名称
\t社区养老服务补助
\t主管部门
\t区民政局

\t项目实施单位
\t区养老服务中心
\t项目起止时间
\t2023年1月至2023年12月

\t资金总额
\t120
\t其中：财政拨款
\t100

\t长期目标
\t提升养老服务水平

\t年度目标
\t完成200户适老化改造

长期绩效指标

\t一级指标
\t二级指标
\t指标内容
\t指标值

\t产出指标
\t数量指标
\t改造户数
\t≥600户

年度绩效指标

\t一级指标
\t二级指标
\t指标内容
\t指标值

\t产出指标
\t数量指标
\t改造户数
\t≥200户

\t
\t质量指标
\t验收合格率
\t100%

\t满意度指标
\t服务对象满意度指标
\t老人满意度
\t＞＝90%
"""


def test_layout_long_term_table_above_annual_table(tmp_path: Path) -> None:
    path = tmp_path / "养老.txt"
    path.write_text(LAYOUT_STACKED, encoding="utf-8")
    [p] = load_source(path).projects
    assert p.profile == "national-2015" and p.year == 2023
    assert [(i.name, i.operator_raw, i.target) for i in p.indicators] == [
        ("改造户数", "≥", "200户"), ("验收合格率", "", "100%"), ("老人满意度", "＞＝", "90%"),
    ]
    assert p.extra["中长期绩效指标"] == "产出指标 | 数量指标 | 改造户数 | ≥600户"
    assert any("中长期绩效指标" in n for n in p.notes)


def test_other_layouts_through_the_cli_into_one_workbook(tmp_path: Path) -> None:
    text = tmp_path / "医保.txt"
    text.write_text(LAYOUT_TEXT_4COL, encoding="utf-8")
    stacked = tmp_path / "养老.txt"
    stacked.write_text(LAYOUT_STACKED, encoding="utf-8")
    out = tmp_path / "导入.xlsx"
    result = CliRunner().invoke(main, ["import", str(text), str(stacked), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "项目负责人" in result.stderr and "中长期绩效指标" in result.stderr  # what was not understood
    back = read_workbook(out).projects
    assert [p.name for p in back] == ["城乡居民医保参保补助", "社区养老服务补助"]
    assert [(i.operator_raw, i.target) for i in back[0].indicators] == [
        ("≤", "610元/人"), ("≥", "9000人"), (">=", "95%"), ("", "100%"), ("", "有效减轻"), ("不低于", "90%"),
    ]
    wb = openpyxl.load_workbook(out)
    ws = wb[back[0].sheet]
    assert "项目负责人：王五" in ws["A3"].comment.text  # kept extras travel as a note
    assert ws["E3"].value == 560 and ws["B6"].value == "2024.01"


# ---------------------------------------------------------------------------
# Workbooks: one, or one per project
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The seed imported once through the CLI (and the CLI result)."""
    out = tmp_path_factory.mktemp("seed") / "区行政审批局_2022.xlsx"
    result = CliRunner().invoke(main, ["import", str(SEED), "-o", str(out)])
    return out, result


def test_cli_one_workbook_reads_back_as_imported(seed_workbook: tuple[Path, Any],
                                                 seed_projects: list[Project]) -> None:
    out, result = seed_workbook
    assert result.exit_code == 0, result.output
    assert "22 个项目" in result.stdout and result.stderr == ""  # nothing to warn about in the seed
    back = read_workbook(out)
    assert [comparable(p) for p in back.projects] == [comparable(p) for p in seed_projects]
    wb = openpyxl.load_workbook(out)
    names = [s for s in wb.sheetnames if s not in (LISTS_SHEET, "填写说明")]
    assert names == [p.sheet for p in back.projects]
    assert len(names) == 22 == len({n.casefold() for n in names}) and all(len(n) <= 31 for n in names)
    assert wb[LISTS_SHEET].sheet_state == "veryHidden"
    ws = wb[names[0]]
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any(f and "INDIRECT" in f for f in formulas)  # the dependent 二级 dropdown works
    assert ws["A3"].comment is None  # nothing left over to note


def test_rerun_backs_up_the_earlier_output(tmp_path: Path, seed_text: str) -> None:
    source = tmp_path / "one.txt"
    source.write_text(regex_tables(seed_text)[3], encoding="utf-8")
    out = tmp_path / "one.xlsx"
    assert CliRunner().invoke(main, ["import", str(source), "-o", str(out)]).exit_code == 0
    first = out.read_bytes()
    assert CliRunner().invoke(main, ["import", str(source), "-o", str(out)]).exit_code == 0
    [backup] = tmp_path.glob("one.bak-*.xlsx")
    assert backup.read_bytes() == first
    assert [p.name for p in read_workbook(out).projects] == ["法律顾问律师费"]


def test_cli_split_writes_one_workbook_per_project(tmp_path: Path, seed_projects: list[Project]) -> None:
    folder = tmp_path / "split"
    result = CliRunner().invoke(main, ["import", str(SEED), "--split", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == 22
    by_name = {p.name: p for p in seed_projects}
    for path in files[:5]:
        [p] = read_workbook(path).projects
        assert path.stem == safe_filename(p.name)
        assert comparable(p) == comparable(by_name[p.name])


def test_duplicate_and_long_names_get_unique_sheets_and_files(tmp_path: Path) -> None:
    long_name = "武进区政务服务一体化平台升级改造项目建设费用（二期）及配套设施运维服务采购"
    text = SEED.read_text(encoding="utf-8")
    table = regex_tables(text)[0].replace("\t业务档案费\n", f"\t{long_name}\n")
    src = tmp_path / "dup.txt"
    src.write_text(table + "\n\n" + table + "\n\n" + table.replace(long_name, "a/b:c*?"), encoding="utf-8")
    out = tmp_path / "dup.xlsx"
    result = CliRunner().invoke(main, ["import", str(src), "-o", str(out), "--split", str(tmp_path / "s")])
    assert result.exit_code == 2 and "二者选一" in result.output
    assert CliRunner().invoke(main, ["import", str(src), "-o", str(out)]).exit_code == 0
    sheets = [s for s in openpyxl.load_workbook(out).sheetnames if s not in (LISTS_SHEET, "填写说明")]
    assert len(sheets) == 3 == len({s.casefold() for s in sheets}) and all(len(s) <= 31 for s in sheets)
    assert [p.name for p in read_workbook(out).projects] == [long_name, long_name, "a/b:c*?"]
    paths = split_paths(load_source(src).projects, tmp_path)
    assert len({p.name.casefold() for p in paths}) == 3
    assert paths[2].name == "a_b_c__.xlsx"


_LO_SCRIPT = r"""
doc = load(ARGS["book"])
out = {"sheets": list(doc.Sheets.ElementNames), "validation": {}, "annotation": ""}
sheet = doc.Sheets.getByName(ARGS["sheet"])
for ref in ("A12", "B12", "D12"):
    v = sheet.getCellRangeByName(ref).Validation
    out["validation"][ref] = {"type": v.Type.value, "formula1": v.Formula1, "prompt": v.InputMessage}
notes = sheet.getAnnotations()
for i in range(notes.getCount()):
    note = notes.getByIndex(i)
    out["annotation"] += note.getPosition().Row.__str__() + ":" + note.getString()
store(doc, ARGS["saved"], ARGS["filter"])
doc.close(True)
result = out
"""


@pytest.mark.libreoffice
def test_imported_workbook_works_in_libreoffice(tmp_path: Path) -> None:
    """An imported workbook opens in a real spreadsheet program with its dropdowns and
    prompts, carries the kept extras as a note, and survives being saved there."""
    try:
        from tests.lo_helper import XLSX_FILTER, need, run_uno_script, uno_available
    except ImportError:  # pragma: no cover - tests/ not importable as a package
        from lo_helper import XLSX_FILTER, need, run_uno_script, uno_available  # type: ignore[no-redef]
    need(uno_available(), "需要 LibreOffice（soffice）和 python3-uno")
    source = tmp_path / "医保.txt"
    source.write_text(LAYOUT_TEXT_4COL, encoding="utf-8")
    book, saved = tmp_path / "导入.xlsx", tmp_path / "LibreOffice另存.xlsx"
    assert CliRunner().invoke(main, ["import", str(source), "-o", str(book)]).exit_code == 0
    [imported] = read_workbook(book).projects
    report = run_uno_script(_LO_SCRIPT, timeout=300, args={"book": str(book), "sheet": imported.sheet,
                                                           "saved": str(saved), "filter": XLSX_FILTER})
    assert report["sheets"][0] == imported.sheet and LISTS_SHEET in report["sheets"]
    validation = report["validation"]
    assert {v["type"] for v in validation.values()} == {"LIST"}
    assert "INDIRECT" in validation["B12"]["formula1"].upper() and validation["B12"]["prompt"]
    assert report["annotation"].startswith("2:") and "项目负责人：王五" in report["annotation"]  # row 3 (0-based 2)
    [again] = read_workbook(saved).projects
    assert comparable(again) == comparable(imported)


# ---------------------------------------------------------------------------
# Bad sources: a Chinese message naming the file, exit code 2, nothing written
# ---------------------------------------------------------------------------


def _unrelated_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("会议通知")
    _docx_table(document, [["姓名", "单位", "电话"], ["张三", "区财政局", "8888"]])
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("空文件.txt", lambda p: p.write_bytes(b""), "文件为空"),
        ("没有表格.txt", lambda p: p.write_text("这是一份会议纪要。\n请各单位按时报送。\n", encoding="utf-8"), "未找到项目绩效目标表"),
        ("无关表格.docx", _unrelated_docx, "未找到项目绩效目标表"),
        ("乱码.txt", lambda p: p.write_bytes(bytes(range(256)) * 4), "不是文本文件"),
        ("扫描件.txt", lambda p: p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "PDF"),
        ("不存在.txt", lambda p: None, "文件不存在"),
    ],
)
def test_bad_sources_fail_cleanly(tmp_path: Path, name: str, make: Any, message: str) -> None:
    bad = tmp_path / name
    make(bad)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["import", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr and name in result.stderr and "错误" in result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.glob("*.xlsx")) == []


def test_one_bad_source_among_good_ones_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "空.txt"
    empty.write_bytes(b"")
    unrelated = _unrelated_docx(tmp_path / "通知.docx")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"earlier result")
    split = tmp_path / "split"
    for args in (["-o", str(out)], ["--split", str(split)]):
        result = CliRunner().invoke(main, ["import", str(SEED), str(empty), str(unrelated), *args])
        assert result.exit_code == 2, result.output
        assert "2 个文件无法导入" in result.stderr and "空.txt" in result.stderr and "通知.docx" in result.stderr
    assert out.read_bytes() == b"earlier result" and not split.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx", "空.txt", "通知.docx"]


def test_output_must_not_be_a_source(seed_workbook: tuple[Path, Any]) -> None:
    workbook, _ = seed_workbook
    before = workbook.read_bytes()
    result = CliRunner().invoke(main, ["import", str(workbook), "-o", str(workbook)])
    assert result.exit_code == 2 and "不能与输入文件相同" in result.stderr
    assert workbook.read_bytes() == before


def test_earlier_template_workbook_can_be_imported_again(seed_workbook: tuple[Path, Any],
                                                         seed_projects: list[Project]) -> None:
    result = load_source(seed_workbook[0])
    assert result.kind == "workbook"
    assert [comparable(p) for p in result.projects] == [comparable(p) for p in seed_projects]


def test_unrelated_table_beside_a_project_is_reported_and_exit_code_is_1(tmp_path: Path, seed_text: str) -> None:
    document = docx.Document()
    _docx_table(document, [["填报单位", "区行政审批局"], ["联系人", "张三"]])
    paragraphs, rows = _text_rows(regex_tables(seed_text)[2])
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    _docx_table(document, [list(r) for r in rows])
    source = tmp_path / "两张表.docx"
    document.save(str(source))
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "第 1 张表" in result.stderr and "未导入" in result.stderr
    assert [p.name for p in read_workbook(out).projects] == ["大楼运行经费"]


def test_wrong_arguments_exit_2_before_reading(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = [
        (["import", str(SEED)], "二者选一"),
        (["import", str(SEED), "-o", str(tmp_path / "a.xlsx"), "--profile", "no-such"], "未知的指标体系"),
        (["import", str(SEED), "-o", str(tmp_path / "a.csv")], ".xlsx"),
        (["import", str(SEED), "-o", str(tmp_path / "no" / "a.xlsx")], "不存在"),
        (["import", str(SEED), "--split", str(SEED)], "文件夹"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
    assert list(tmp_path.iterdir()) == []


def test_examples_are_up_to_date(seed_projects: list[Project], tmp_path: Path) -> None:
    """examples/ is what ``python scripts/make_examples.py`` writes from the committed sources."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", REPO / "scripts" / "make_examples.py")
    assert spec and spec.loader
    make_examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_examples)
    examples = REPO / "examples"
    department = read_workbook(examples / "区行政审批局_2022.xlsx").projects
    assert [comparable(p) for p in department] == [comparable(p) for p in seed_projects]
    split = sorted((examples / "split").glob("*.xlsx"))
    assert sorted(p.stem for p in split) == sorted(safe_filename(p.name) for p in seed_projects)
    broken_text = tmp_path / "broken.txt"
    broken_text.write_text(make_examples.BROKEN_DEMO_TEXT, encoding="utf-8")
    [expected] = load_source(broken_text).projects
    [broken] = read_workbook(examples / "broken_demo.xlsx").projects
    assert comparable(broken) == comparable(expected)
    assert broken.total == 50 and broken.funding.total() == 40  # the defects are really in it


# ---------------------------------------------------------------------------
# Small pieces
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("≥90%", ("≥", "90%")), (">= 95%", (">=", "95%")), ("≦380元", ("≦", "380元")), ("=100%", ("=", "100%")),
        ("不低于90%", ("不低于", "90%")), ("不超过 5 天", ("不超过", "5 天")), ("＞＝90%", ("＞＝", "90%")),
        ("高于预期", ("", "高于预期")), ("100%", ("", "100%")), ("≥", ("", "≥")), ("达到预期目标", ("", "达到预期目标")),
    ],
)
def test_split_operator(typed: str, expected: tuple[str, str]) -> None:
    assert split_operator(typed) == expected


def test_text_tables_start_at_attachment_or_title() -> None:
    text = "附件3\n2022年度区级预算绩效管理项目绩效目标表\n\t项目名称\n\tA\n\n2022年度区级预算绩效管理项目绩效目标表\n\t项目名称\n\tB\n续行\n"
    grids = text_to_grids(text, hints=text_hints, name="t.txt")
    assert [g.rows for g in grids] == [
        [["附件3"], ["2022年度区级预算绩效管理项目绩效目标表"], ["项目名称", "A"]],
        [["2022年度区级预算绩效管理项目绩效目标表"], ["项目名称", "B\n续行"]],
    ]


_TEXT = st.text(st.characters(blacklist_characters="\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufeff",
                              blacklist_categories=("Cs",)), max_size=12)
# a continuation line is never blank (that ends the row) nor a bare "附件3" (that starts a table)
_MORE_LINE = _TEXT.filter(lambda t: t.strip(" \u3000\u00a0") != "" and not re.fullmatch(r"\s*附件\s*\d+\s*[:：]?\s*", t))
_CELL = st.builds(lambda first, more: "\n".join([first, *more]), _TEXT, st.lists(_MORE_LINE, max_size=2))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=1, max_size=6), min_size=1, max_size=8))
def test_text_layout_round_trips_any_cells(rows: list[list[str]]) -> None:
    """Cells written in the text layout (tab-led lines, continuation lines, blank line between
    rows) come back as the same rows, blank cells as empty ones."""
    text = "\n\n".join("\n".join(f"\t{cell}" for cell in row) for row in rows) + "\n"
    [grid] = text_to_grids(text, hints=text_hints)
    assert grid.rows == [[cell if cell.strip(" \t\n\u3000\u00a0\ufeff\u200b") else None for cell in row]
                         for row in rows]


def test_real_process_prints_no_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "空白.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out.xlsx"
    done = subprocess.run([sys.executable, "-c", "from xltool.cli import main; main()", "import", str(empty),
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "空白.txt" in done.stderr and "文件为空" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_safe_filename() -> None:
    assert safe_filename('a/b\\c:d*e?f"g<h>i|j') == "a_b_c_d_e_f_g_h_i_j"
    assert safe_filename("  ") == "未命名项目" and safe_filename("CON") == "_CON"
    assert len(safe_filename("很" * 200)) == 80


def test_import_of_a_self_evaluation_says_what_it_is(tmp_path: Path) -> None:
    """A 绩效自评表 copied from a web page: exit 2, named as such, nothing written."""
    from test_reader import SELF_EVALUATION  # tests/ is on sys.path, as for conftest

    source = tmp_path / "自评.txt"
    source.write_text("\n".join("\t".join("" if v is None else str(v) for v in row) for row in SELF_EVALUATION),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(source), "-o", str(tmp_path / "导入.xlsx")])
    assert result.exit_code == 2 and "绩效自评表" in result.output
    assert not (tmp_path / "导入.xlsx").exists()


def test_moving_split_workbooks_in_is_all_or_nothing(tmp_path: Path) -> None:
    """A rename that fails part-way (here: the 3rd staged file has vanished) undoes the two before
    it: the new file goes, the user's file comes back byte for byte, its backup goes too."""
    from xltool.io.staging import move_in

    folder, stage = tmp_path / "拆分", tmp_path / "stage"
    folder.mkdir()
    stage.mkdir()
    (folder / "甲.xlsx").write_bytes(b"the user's own")
    staged = [(stage / f"{name}.xlsx", folder / f"{name}.xlsx") for name in ("甲", "乙", "丙")]
    for source, _ in staged[:2]:
        source.write_text(f"new {source.stem}", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        move_in(staged)
    assert [p.name for p in folder.iterdir()] == ["甲.xlsx"]
    assert (folder / "甲.xlsx").read_bytes() == b"the user's own"
    for source, _ in staged[:2]:
        source.write_text(f"new {source.stem}", encoding="utf-8")
    assert move_in(staged[:2]) == [folder / "甲.xlsx", folder / "乙.xlsx"]
    assert [(folder / f"{n}.xlsx").read_text(encoding="utf-8") for n in "甲乙"] == ["new 甲", "new 乙"]
    backups = [p for p in folder.iterdir() if p.name.startswith("甲.bak-")]
    assert len(backups) == 1 and backups[0].read_bytes() == b"the user's own"


def test_a_table_named_twice_is_imported_once(tmp_path: Path) -> None:
    """The folder and a file inside it, under two spellings: one discovery, each table once."""
    from xltool.apps.importer import find_sources

    folder = tmp_path / "旧表"
    folder.mkdir()
    source = folder / "民政局.txt"
    source.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    paths, _, unreadable = find_sources([folder, source, folder / ".." / "旧表" / "民政局.txt"])
    assert paths == [source] and unreadable == 0
