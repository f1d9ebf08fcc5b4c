"""The summary as it prints: rendered by LibreOffice to PDF and read back with poppler.

Assertions are on what is on paper, not on settings: which sheet each page belongs to
(the footer names it), that every page of a list sheet carries the whole header row
(one table wide), that long goal texts appear in full in their column (nothing cut at
the cell edge, a source line break no obstacle), that the chart gives every project a
label, and that the 部门整体 form prints portrait with its blocks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import xlsxwriter  # noqa: E402

from benchmarks.common import (  # noqa: E402
    ProjectSpec, _formats, generate_departments, write_department_workbook, write_project_sheet,
)
from xltool.apps.merge import merge_workbooks  # noqa: E402
from xltool.write.summary import SHEETS  # noqa: E402

try:
    from tests.lo_helper import convert, lo_available, need
except ImportError:  # pragma: no cover - run from inside tests/
    from lo_helper import convert, lo_available, need  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice

LONG_GOAL = (
    "全面完成全区社会救助对象的动态管理和资金发放工作，确保低保、特困供养和临时救助资金按月足额发放到位；\r\n"
    "建立健全困难群众主动发现机制，入户核查率达到百分之百，群众满意度不低于百分之九十五，"
    "年底前完成救助信息系统与民政、人社、医保等部门的数据共享对接，实现一网通办"
)
LONG_SHEET = "困难群众临时救助补充项目（第二批）"
_FOOTER = re.compile(r"^第\s*(?P<page>\d+)\s*页\s*/\s*共\s*(?P<pages>\d+)\s*页$")


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need(lo_available() and shutil.which("pdftotext") is not None,
         "LibreOffice or poppler-utils (pdftotext) is not installed")
    root = tmp_path_factory.mktemp("print")
    specs = generate_departments(root / "in", 24, per_workbook=(3, 4), workbooks_per_department=3, seed=5)
    base = specs[0].projects[0]
    long = ProjectSpec(**{**base.__dict__, "name": "社会救助资金发放项目", "annual_goal": LONG_GOAL})
    write_department_workbook(root / "in" / "民政局.xlsx", [long])
    other = ProjectSpec(**{**base.__dict__, "name": "困难群众临时救助补充项目", "implementer": "区民政局救助站"})
    book = xlsxwriter.Workbook(str(root / "in" / "救助站.xlsx"))  # a long sheet name, as units name them
    write_project_sheet(book, LONG_SHEET, other, _formats(book))
    book.close()
    out = root / "汇总.xlsx"
    merge_workbooks([root / "in"], out, jobs=1)
    pdf = convert(out, "pdf", root / "pdf")
    pages = _pages(pdf)
    return {"pdf": pdf, "pages": pages, "specs": specs, "long": long, "other": other}


def _pages(pdf: Path) -> list[dict[str, Any]]:
    """Per page: size, the sheet its footer names, and its words with positions."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = []
    for page in ET.fromstring(xml).iter("page"):
        lines = []
        heights = []  # per line: the box heights of its Chinese words
        for line in page.iter("line"):
            words = [(float(w.get("xMin")), float(w.get("yMin")), w.text or "") for w in line.iter("word")]
            heights.append([float(w.get("yMax")) - float(w.get("yMin")) for w in line.iter("word")
                            if re.search(r"[\u4e00-\u9fff]", w.text or "")])
            lines.append(words)
        texts = [" ".join(w[2] for w in line) for line in lines]
        height = float(page.get("height"))
        # The footer: file and sheet name (left), 第 x 页 / 共 n 页 (right), in the bottom margin.
        foot = [(t.strip(), line) for t, line in zip(texts, lines) if line and line[0][1] > height - 40]
        bottom = [t for t, _ in foot]
        sheet = next((t.split()[-1] for t in bottom if t.split() and t.split()[-1] in SHEETS), "")
        assert any(_FOOTER.match(t) for t in bottom), bottom
        assert any(t.startswith("汇总.xlsx") for t in bottom), bottom  # the file is named on every page
        words = [w for line in lines for w in line if line[0][1] <= height - 40]
        body = [h for line, hs in zip(lines, heights) if line and line[0][1] <= height - 40 for h in hs]
        pages.append({
            "width": float(page.get("width")), "height": height, "sheet": sheet,
            "text": "\n".join(t for t, line in zip(texts, lines) if line and line[0][1] <= height - 40),
            "words": words, "box": body,
        })
    return pages


def _column_text(page: dict[str, Any], left: float, next_header: str) -> str:
    """Words printed from x = ``left`` up to the next column's header, in reading order."""
    heads = [w[0] for w in page["words"] if w[2] == next_header] or ([page["width"]] if next_header == "\uffff" else [])
    if not heads:
        return ""
    inside = sorted((w for w in page["words"] if left - 2 <= w[0] < min(heads) - 2), key=lambda w: (round(w[1]), w[0]))
    return "".join(_compact(w[2]) for w in inside)


def test_every_page_is_one_sheet_and_every_sheet_prints(printed: dict[str, Any]) -> None:
    pages = printed["pages"]
    per_sheet = Counter(p["sheet"] for p in pages)
    assert set(per_sheet) == set(SHEETS), per_sheet  # every page's footer names its sheet
    assert per_sheet["项目汇总"] <= 6 and per_sheet["文件清单"] == 1 and per_sheet["资金汇总"] == 1
    assert per_sheet["资金图表"] <= 3
    assert len(pages) <= 70, per_sheet  # the summary of 25 tables is a readable stack
    for p in pages:
        wide = p["sheet"] in ("项目汇总", "指标明细", "资金汇总", "问题清单", "文件清单")
        assert (p["width"] > p["height"]) == wide, (p["sheet"], p["width"], p["height"])


def test_every_page_of_a_list_sheet_is_one_table_wide(printed: dict[str, Any]) -> None:
    first_last = {
        "项目汇总": ("序号", "计入合计"), "指标明细": ("项目名称", "单元格"),
        "问题清单": ("文件", "问题说明"), "文件清单": ("文件", "项目数"),
    }
    for p in printed["pages"]:
        if p["sheet"] in first_last:
            first, last = first_last[p["sheet"]]
            words = {w[2] for w in p["words"]}
            assert first in words and last in words, (p["sheet"], sorted(w for w in words if not w[0].isdigit())[:40])


def test_long_texts_print_in_full_in_their_columns(printed: dict[str, Any]) -> None:
    # 项目汇总 prints 序号 … 计入合计; every project name whole in its (wrapped) column.
    pages = [p for p in printed["pages"] if p["sheet"] == "项目汇总"]
    departments = {p.department for s in printed["specs"] for p in s.projects}
    names = ""
    for p in pages:  # the name column: from its first word to where the 主管部门 column's values start
        left = min(w[0] for w in p["words"] if w[2].startswith("区第")) - 2
        right = min(w[0] for w in p["words"] if w[2] in departments) - 2
        inside = sorted((w for w in p["words"] if left <= w[0] < right), key=lambda w: (round(w[1]), w[0]))
        names += "".join(_compact(w[2]) for w in inside)
    for spec in printed["specs"]:
        for project in spec.projects:
            assert _compact(project.name) in names
    # The goals print on the 部门整体 form: its 年度总体目标 items, wrapped over several lines, complete.
    goal = _compact(printed["long"].annual_goal)
    form_pages = [p for p in printed["pages"] if p["sheet"] == "部门整体绩效目标"]
    left = min(w[0] for p in form_pages for w in p["words"] if re.match(r"目标\d+：", w[2]))  # column B
    form = "".join(_column_text(p, left, "\uffff") for p in form_pages)
    assert goal in form
    # 指标明细: every 来源工作表 name whole inside its column, not running into 单元格.
    detail = [p for p in printed["pages"] if p["sheet"] == "指标明细"]
    sheets_col = ""
    for p in detail:  # from past the 定量/定性 column (two characters) to where the cell references start
        left = max(w[0] for w in p["words"] if w[2] in ("定量", "定性")) + 20
        right = min(w[0] for w in p["words"] if re.fullmatch(r"[A-Z]+\d+", w[2])) - 1
        inside = sorted((w for w in p["words"] if left <= w[0] < right), key=lambda w: (round(w[1]), w[0]))
        sheets_col += "".join(_compact(w[2]) for w in inside)
    assert _compact(LONG_SHEET) in sheets_col and "项目1" in sheets_col


# LibreOffice's CJK word box is 8/7 of the font size (the 10.5 pt body font printed at 100 % is a 12.0 pt box).
_BOX_PER_POINT = 8 / 7


@pytest.mark.parametrize("sheet", ["项目汇总", "指标明细", "部门整体绩效目标"])
def test_printed_text_is_at_least_9_points(printed: dict[str, Any], sheet: str) -> None:
    pages = [p for p in printed["pages"] if p["sheet"] == sheet]
    assert pages
    for p in pages:
        smallest = min(p["box"]) / _BOX_PER_POINT
        assert smallest >= 9.0, (sheet, round(smallest, 2))


def test_reference_box_is_the_body_font(printed: dict[str, Any]) -> None:
    """The 8/7 above, checked on 资金汇总 (narrow enough to print at 100 %): its boxes are 10.5 pt."""
    [page] = [p for p in printed["pages"] if p["sheet"] == "资金汇总"]
    assert max(page["box"]) / _BOX_PER_POINT == pytest.approx(10.5, abs=0.2)


def test_every_page_of_the_department_form_carries_its_headings(printed: dict[str, Any]) -> None:
    pages = [p for p in printed["pages"] if p["sheet"] == "部门整体绩效目标"]
    assert len(pages) > len({p.department for s in printed["specs"] for p in s.projects})  # some forms continue
    for p in pages:
        text = _compact(p["text"])
        assert "部门单位名称" in text, text[:60]
        if "年度主要" in text:  # the task block (its label repeated on each of its pages) with its amount titles
            assert all(t in text for t in ("任务名称", "主要内容", "总额", "财政拨款", "其他资金")), text[:120]
        if "年度绩效" in text:
            assert all(t in text for t in ("一级指标", "二级指标", "三级指标", "指标值")), text[:120]
        assert any(label in text for label in ("年度主要", "年度总体", "年度绩效")), text[:120]


def test_chart_labels_every_project(printed: dict[str, Any]) -> None:
    chart_text = "".join(_compact(p["text"]) for p in printed["pages"] if p["sheet"] == "资金图表")
    names = [p.name for s in printed["specs"] for p in s.projects] + [printed["long"].name]
    missing = [n for n in names if _compact(n) not in chart_text]
    assert not missing


def test_department_form_prints_as_the_form(printed: dict[str, Any]) -> None:
    pages = [p for p in printed["pages"] if p["sheet"] == "部门整体绩效目标"]
    departments = {p.department for s in printed["specs"] for p in s.projects}
    text = "".join(_compact(p["text"]) for p in pages)
    assert text.count("部门单位整体支出绩效目标申报表") == len(departments)
    for label in ("年度主要任务", "任务名称", "预算申请数万元", "财政拨款", "其他资金", "金额合计", "年度总体目标",
                  "年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值"):
        assert label in text
    by_department: defaultdict[str, int] = defaultdict(int)
    for p in pages:
        for d in departments:
            if d in p["text"]:
                by_department[d] += 1
    assert set(by_department) == departments  # each form starts on its own page


def test_no_chart_page_is_two_thirds_empty(printed: dict[str, Any]) -> None:
    pages = [p for p in printed["pages"] if p["sheet"] == "资金图表"]
    text = "".join(_compact(p["text"]) for p in pages[:1])
    assert "资金来源构成" in text
    for p in pages[:-1]:  # every page but the last runs past its first third
        assert max(w[1] for w in p["words"]) > p["height"] / 3, [w[2] for w in p["words"]][:10]


def test_examples_summary_prints_at_9_points(tmp_path: Path) -> None:
    """The real example tables (hand-typed texts, duplicates): the same floor on every 项目汇总 page."""
    out = tmp_path / "汇总.xlsx"
    merge_workbooks([Path(__file__).resolve().parents[1] / "examples"], out, jobs=1)
    pages = [p for p in _pages(convert(out, "pdf", tmp_path / "pdf")) if p["sheet"] in ("项目汇总", "部门整体绩效目标")]
    assert {p["sheet"] for p in pages} == {"项目汇总", "部门整体绩效目标"}
    for p in pages:  # LibreOffice searches its fit-to-width zoom in steps: 8.996 pt is 9 pt on paper
        assert min(p["box"]) / _BOX_PER_POINT >= 8.99, (p["sheet"], min(p["box"]) / _BOX_PER_POINT)
