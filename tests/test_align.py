"""Rows copied from a web page lose their merged cells (parse/align.py): each short row is aligned to the
column titles by content. A table of two groups side by side (中期 | 年度, 广东's 批复表) must align a row's
level names and values to the groups, not shift the year's 二级 into 一级."""

from __future__ import annotations

from pathlib import Path

import pytest

from xltool.apps.sources import load_source

N = None
HEAD = [
    ["某市财政项目支出绩效目标批复表"],
    ["项目名称", "道路养护", "本年度预算(万元)", "80"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "中期指标值", "二级指标", "三级指标", "年度指标值"],
]
# (row as copied: merged 绩效指标 and 一级 cells dropped where they span, expected (一级, 二级, 三级, 值))
ROWS = [
    (["产出指标", "数量指标", "养护里程", "120公里", "数量指标", "养护里程", "40公里"],
     ("产出指标", "数量指标", "养护里程", "40公里")),
    (["质量指标", "验收合格率", "100%", "质量指标", "验收合格率", "100%"],
     ("产出指标", "质量指标", "验收合格率", "100%")),
    (["时效指标(工期指标)", "完工时间", "及时", "时效指标(工期、形象进度)", "完工时间", "及时"],
     ("产出指标", "时效指标(工期、形象进度)", "完工时间", "及时")),
    (["效益指标", "社会效益指标", "通行条件改善", "明显", "社会效益指标", "通行条件改善", "明显"],
     ("效益指标", "社会效益指标", "通行条件改善", "明显")),
    (["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "服务对象满意度指标", "群众满意度", "≥90%"],
     ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%")),
]


@pytest.mark.parametrize("rows", [ROWS, ROWS[:1] + ROWS[3:], ROWS[:3]])
def test_short_rows_of_two_groups_keep_their_levels(rows: list, tmp_path: Path) -> None:
    source = tmp_path / "t.txt"
    lines = ["\t".join("" if v is None else v for v in row) for row in HEAD + [r for r, _ in rows]]
    source.write_text("\n".join(lines), encoding="utf-8")
    [p] = load_source(source).projects
    got = [(i.level1, i.level2, i.name, (i.operator or "") + i.target) for i in p.indicators]
    assert got == [want for _, want in rows]


@pytest.mark.parametrize("sep", ["-", "—", "/", "：", "", "|"])
def test_one_column_holding_both_levels_is_split_into_them(sep: str, tmp_path: Path) -> None:
    """A 指标类别 column writing "产出指标-数量指标": 一级 and 二级 as the framework names them; a cell that is
    no pair of a framework's names stays as written."""
    rows = [["项目名称", "乡村道路养护"], ["项目资金（万元）", "120"], ["指标类别", "指标名称", "指标值"],
            [f"产出指标{sep}数量指标", "养护里程", "≥80公里"], [f"效益指标{sep}社会效益指标", "通行条件改善", "明显改善"],
            [f"满意度指标{sep}服务对象满意度指标", "群众满意度", "≥90%"], [f"效益指标{sep}数量指标", "错配的一行", "1"]]
    source = tmp_path / "t.txt"
    source.write_text("\n".join("\t".join(r) for r in rows), encoding="utf-8")
    [p] = load_source(source).projects
    assert [(i.level1, i.level2, i.name) for i in p.indicators[:3]] == [
        ("产出指标", "数量指标", "养护里程"), ("效益指标", "社会效益指标", "通行条件改善"),
        ("满意度指标", "服务对象满意度指标", "群众满意度")]
    assert (p.indicators[3].level1, p.indicators[3].level2) == (f"效益指标{sep}数量指标", "")
