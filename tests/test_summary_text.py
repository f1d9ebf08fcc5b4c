"""Source line breaks in summary texts: only the breaks a writer meant survive.

Cells of published tables are often wrapped by hand ("档案服务工⏎作"); a break inside a
phrase is removed, a line of nothing but "。" or "：" joins the line before, and breaks
after a sentence or before an item marker stay.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xltool.apps.merge import merge_workbooks
from xltool.write.summary.layout import clean_breaks

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("typed, shown", [
    ("进一步提高行政审批档案服务工\n作的办事效率。", "进一步提高行政审批档案服务工作的办事效率。"),
    ("租用亚泰财富中\r\n心写字楼", "租用亚泰财富中心写字楼"),
    ("保障大楼正常运转\n。", "保障大楼正常运转。"),
    ("主要内容\n：\n物业服务", "主要内容：\n物业服务"),
    ("（1）地下停车费用：使用常州\n市资源\n（2）根据省政府要求", "（1）地下停车费用：使用常州市资源\n（2）根据省政府要求"),
    ("1、保障运行\n2、提高效率", "1、保障运行\n2、提高效率"),
    ("第一段。\n第二段", "第一段。\n第二段"),
    ("第一段\n\n第二段", "第一段\n第二段"),  # a blank line is the writer's own paragraph break
    ("Office\n365 授权", "Office 365 授权"),
])
def test_clean_breaks(typed: str, shown: str) -> None:
    assert clean_breaks(typed) == shown


def test_merged_texts_have_no_mid_word_breaks(tmp_path: Path) -> None:
    source = ROOT / "examples" / "区行政审批局_2022.xlsx"
    raw = openpyxl.load_workbook(source, read_only=True)
    typed = [c for ws in raw.worksheets for row in ws.iter_rows(values_only=True) for c in row
             if isinstance(c, str) and "档案服务工\n作" in c]
    raw.close()
    assert typed  # the example really has the hand-wrapped phrase
    out = tmp_path / "汇总.xlsx"
    merge_workbooks([source], out, jobs=1)
    wb = openpyxl.load_workbook(out, read_only=True)
    texts = [c for name in ("项目汇总", "部门整体绩效目标") for row in wb[name].iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    wb.close()
    assert any("档案服务工作的办事效率" in t for t in texts)
    assert not any("档案服务工\n作" in t or "档案服务工 作" in t for t in texts)
    assert not any(line.strip() in ("。", "：") for t in texts for line in t.split("\n"))


def test_one_line_shortcut_agrees_with_the_count() -> None:
    """wrapped_lines' shortcut (no counting for texts up to half the column) never undercounts."""
    from xltool.write.summary.layout import line_count, wrapped_lines

    for n in range(1, 40):
        for width in (5, 6.5, 9, 13, 14, 20, 60):
            for text in ("产" * n, "a" * n, "产a" * n, "指标" * n):
                assert wrapped_lines(text, width) == line_count(text, width), (text, width)
