"""Plausible 绩效目标表 forms for property tests: what offices publish, drawn at random.

A :class:`Form` holds what was put in (name, department, total in 万元, year, indicators) and
how it was laid out: label wordings from the field table (data/fields.toml), label–value
placement (right, below, same cell), amounts in 万元 / 元 under a unit line / 千元 labels /
"250万" / a funding grid of titles over values, year lines, column orders and titles, an
operator column of any title, extra columns (指标解释, 权重, 评分标准), one value column per
town, titles over two rows, merged 一级/二级 cells; the forms of issue 25: 主管部门 on a line
above the table, a 单位：元 line over a row that states 万元, a three-row funding grid
(本年度预计投入 / 财政资金 / 中央 省级 市级 本级), 指标方向 holding 是/否, the older framework
(投入/产出/效果 > 成本目标/数量目标 > 目标1/目标2 with 绩效内容/绩效标准/全年绩效目标), levels under
one spanning 评价内容 title, and no 三级 column (the name under 二级, 绩效标准 | 当年预期实现值 |
a 保障措施 column). ``rows`` is the sheet; ``merges`` the merged ranges (0-based r0, c0, r1, c1)
an Excel or Word writer would make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import strategies as st

from xltool.core.fields import synonyms
from xltool.parse.labels import match

_PLACES = ("镇", "街道", "社区", "县", "区")
_NAME_PARTS = ("道路养护", "校舍维修", "困难群众救助", "档案数字化", "污水处理", "图书采购", "农田水利", "疫苗接种")
_DEPTS = ("区交通运输局", "县教育局", "区民政局", "县卫生健康局", "区文化旅游局", "县农业农村局")
_INDICATORS = (
    ("产出指标", "数量指标", "培训人次", "≥", "600人次"),
    ("产出指标", "数量指标", "维修面积", "=", "1200平方米"),
    ("产出指标", "质量指标", "验收合格率", "=", "100%"),
    ("产出指标", "时效指标", "按期完成率", "≥", "95%"),
    ("产出指标", "成本指标", "单位成本", "≤", "300元/平方米"),
    ("效益指标", "社会效益指标", "受益人数", "≥", "5000人"),
    ("效益指标", "经济效益指标", "节约成本", "≥", "5万元"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90%"),
)
# A yes/no indicator: 指标方向 "是" is read as 定性, the target kept as typed.
_YES_NO = ("产出指标", "质量指标", "是否按标准建设", "定性", "符合建设标准")
# The older provincial framework (profile provincial-2013): 投入/产出/效果, …目标, numbered rows.
_OLDER = (
    ("投入", "成本目标", "维修单价", "≤", "300元/平方米"),
    ("产出", "数量目标", "维修面积", "≥", "1000平方米"),
    ("产出", "数量目标", "培训人次", "≥", "600人次"),
    ("产出", "质量目标", "验收合格率", "=", "100%"),
    ("效果", "社会效益目标", "受益人数", "≥", "5000人"),
    ("效果", "满意度目标", "群众满意度", "≥", "90%"),
)


@cache
def exact_labels(section: str, key: str) -> tuple[str, ...]:
    """The field table's wordings of ``key`` that read back as exactly that field."""
    return tuple(w for w in synonyms(section)[key]  # type: ignore[arg-type]
                 if (m := match(w, section)) is not None and m.key == key and m.score >= 1.0)  # type: ignore[arg-type]


def _plain(label: str) -> str:
    return label


def _spaced(label: str) -> str:
    """"项 目 名 称": a label spread over its cell."""
    return " ".join(label)


def _colon(label: str) -> str:
    return f"{label}："


@dataclass
class Form:
    name: str
    department: str
    total: float  # 万元
    year: int
    indicators: list[tuple[str, str, str, str, str]]
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    layout: list[str] = field(default_factory=list)  # what was drawn, for the failure message


def _pad(rows: list[list[Any]]) -> list[list[Any]]:
    width = max(len(r) for r in rows)
    return [list(r) + [None] * (width - len(r)) for r in rows]


@st.composite
def forms(draw: Any) -> Form:
    """One generated form (rows padded to a rectangle)."""
    table = draw(st.sampled_from(["standard", "standard", "standard", "older", "evaluation", "no_level3"]))
    pool = _OLDER if table in ("older", "evaluation") else _INDICATORS
    form = Form(
        name=draw(st.sampled_from(_PLACES)) + draw(st.sampled_from(_NAME_PARTS)) + "项目",
        department=draw(st.sampled_from(_DEPTS)),
        total=draw(st.integers(1, 99999)) / 100,
        year=draw(st.integers(2015, 2030)),
        indicators=list(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))),
    )
    form.indicators.sort(key=pool.index)  # levels grouped, as forms list them
    form.layout.append(table)
    rows: list[list[Any]] = []
    year_style = draw(st.sampled_from(["title", "line", "label"]))
    title = f"{form.year}年度项目支出绩效目标表" if year_style == "title" else "项目支出绩效目标表"
    rows.append([title])
    if year_style == "line":
        rows.append([f"({form.year}年度)"])
    amount_style = draw(st.sampled_from(["wan", "yuan_line", "qian_label", "wan_text", "grid", "inline",
                                         "yuan_line_wan_cell", "grid3"]))
    if amount_style in ("yuan_line", "yuan_line_wan_cell"):
        rows.append(["单位：元"])
    if year_style == "label":
        rows.append([f"年度：{form.year}"])
    form.layout += [year_style, amount_style]
    decorate = draw(st.sampled_from([_plain, _spaced, _colon]))
    name_label = decorate(draw(st.sampled_from(exact_labels("header", "name"))))
    dept_label = decorate(draw(st.sampled_from(exact_labels("header", "department"))))
    placement = draw(st.sampled_from(["right", "below", "cell", "line_above"]))
    form.layout += [name_label, dept_label, placement]
    if placement == "line_above":  # "主管部门：某局" on a line of its own above the table
        rows += [[f"{dept_label.rstrip('：')}：{form.department}"], [name_label, form.name]]
    elif placement == "right":
        rows += [[name_label, form.name], [dept_label, form.department]]
    elif placement == "below":
        rows += [[name_label, dept_label], [form.name, form.department]]
    else:
        rows += [[f"{name_label.rstrip('：')}：{form.name}"], [f"{dept_label.rstrip('：')}：{form.department}"]]
    total_label = draw(st.sampled_from([w for w in exact_labels("header", "total") if w not in ("合计", "总额")]))
    form.layout.append(total_label)
    amount: Any
    if amount_style == "wan":
        rows.append([f"{total_label}（万元）", form.total])
    elif amount_style == "yuan_line":
        rows.append([total_label, f"{form.total * 10000:,.2f}"])  # "3,309,840.00" as offices type it
    elif amount_style == "qian_label":
        rows.append([f"{total_label}（千元）", round(form.total * 10, 3)])
    elif amount_style == "wan_text":
        rows.append([total_label, f"{form.total:g}万"])
    elif amount_style == "inline":
        rows.append([f"{total_label}：{form.total:g}万元"])
    elif amount_style == "yuan_line_wan_cell":  # the row states its own unit: the 元 line is not applied
        rows.append([f"{total_label}（万元）", form.total])
    elif amount_style == "grid3":  # three rows: the caption, the fiscal sources' levels, the amounts
        cents = round(form.total * 100)
        central, province = cents // 4, cents // 4
        city, own = cents // 4, cents - 3 * (cents // 4)
        rows += [["本年度预计投入（万元）", "财政资金", None, None, None, "其他资金"],
                 [None, "中央", "省级", "市级", "本级", None],
                 [None, central / 100, province / 100, city / 100, own / 100, 0]]
    else:  # titles over values, the district's share and the rest
        part = round(form.total / 2, 2)
        rows += [["资金来源（万元）", total_label, "其中：区级财政", "其他资金"],
                 [None, form.total, part, round(form.total - part, 2)]]
    rows.append([draw(st.sampled_from(exact_labels("header", "annual_goal"))), "完成年度任务"])
    if table == "older":
        rows += _older_table(form)
    elif table == "evaluation":
        rows += _evaluation_table(form, len(rows))
    elif table == "no_level3":
        rows += _no_level3_table(form)
    else:
        rows += _indicator_table(draw, form)
    form.rows = _pad(rows)
    return form


def _numbered(form: Form) -> list[tuple[str | None, str | None, str, str, str, str]]:
    """Rows of the older forms: 一级/二级 merged down, the third column numbering 目标1, 目标2 …"""
    out = []
    previous, k = ("", ""), 0
    for level1, level2, name, op, target in form.indicators:
        k = k + 1 if (level1, level2) == previous else 1
        out.append((level1 if level1 != previous[0] else None, level2 if (level1, level2) != previous else None,
                    f"目标{k}", name, op, target))
        previous = (level1, level2)
    return out


def _older_table(form: Form) -> list[list[Any]]:
    """一级 | 二级 | 三级 (目标1 …) | 绩效内容 (the name) | 绩效标准 | 全年绩效目标 (the target)."""
    out: list[list[Any]] = [["一级指标", "二级指标", "三级指标", "绩效内容", "绩效标准", "全年绩效目标"]]
    for level1, level2, number, name, op, target in _numbered(form):
        out.append([level1, level2, number, name, f"{op}{target}", f"{op}{target}"])
    return out


def _evaluation_table(form: Form, top: int) -> list[list[Any]]:
    """评价内容 spanning 一级 | 二级 | 目标N, then 绩效内容 | 参考标准 | 绩效目标值: no 一级/二级 words."""
    form.merges.append((top, 0, top, 2))
    out: list[list[Any]] = [["评价内容", None, None, "绩效内容", "参考标准", "绩效目标值"]]
    for level1, level2, number, name, op, target in _numbered(form):
        out.append([level1, level2, number, name, "按年度计划", f"{op}{target}"])
    return out


def _no_level3_table(form: Form) -> list[list[Any]]:
    """No 三级 column: the categories under 一级, each indicator's name under 二级, a 保障措施
    column written once (its cell spans every row in Word and Excel)."""
    out: list[list[Any]] = [["一级指标", "二级指标", "绩效标准", "当年预期实现值", "保障措施"]]
    previous = ""
    for k, (level1, _level2, name, op, target) in enumerate(form.indicators):
        out.append([level1 if level1 != previous else None, name, "按年度计划", f"{op}{target}",
                    "加强监督考核" if k == 0 else None])
        previous = level1
    form.indicators = [(l1, "", name, op, target) for l1, _l2, name, op, target in form.indicators]
    return out


def _indicator_table(draw: Any, form: Form) -> list[list[Any]]:
    # an operator column under the field table's wordings, or under a title it does not know
    # ("考核方向": the column is told by its ≥ ≤ = cells)
    operator_title = draw(st.sampled_from([None, *exact_labels("columns", "operator"), "考核方向", "比较方式"]))
    target_title = draw(st.sampled_from(exact_labels("columns", "target")))
    extras = draw(st.lists(st.sampled_from(["指标解释", "权重", "评分标准"]), max_size=2, unique=True))
    towns = draw(st.sampled_from([0, 0, 2, 3]))
    two_rows = draw(st.booleans())
    unit_title = draw(st.sampled_from([None, None, *exact_labels("columns", "unit")])) if not towns else None
    yes_no = bool(operator_title) and not unit_title and not towns and draw(st.booleans())
    if yes_no:  # 指标方向 "是" beside a yes/no indicator, among signs
        at = next((k for k, i in enumerate(form.indicators) if i[1] != "数量指标"), len(form.indicators))
        form.indicators.insert(at, _YES_NO)
    form.layout += [f"符号列={operator_title}", f"目标列={target_title}", f"附加={extras}", f"分镇={towns}",
                    f"两行标题={two_rows}", f"单位列={unit_title}", f"是否={yes_no}"]
    values = [f"{_PLACES[0]}{k}" for k in range(towns - 1)] + ["全县"] if towns else [target_title]
    titles = (["一级指标", "二级指标", "三级指标"] + ([operator_title] if operator_title else []) + values
              + ([unit_title] if unit_title else []) + extras)
    out = []
    if two_rows:
        out.append(["一级指标", "指标名称", None] + titles[3:])
        out.append([None, "二级指标", "三级指标"] + [None] * (len(titles) - 3))
    else:
        out.append(titles)
    previous = ("", "")
    for level1, level2, name, op, target in form.indicators:
        shown1 = level1 if level1 != previous[0] else None  # merged down: the writer keeps the first
        shown2 = level2 if (level1, level2) != previous else None
        previous = (level1, level2)
        number, unit = _split_unit(target) if unit_title else (target, "")
        value = number if operator_title else f"{op}{number}"
        town = value.replace(number, "1" + number)  # another town's value: not the county's
        sign = "是" if op == "定性" else op
        row = [shown1, shown2, name] + ([sign] if operator_title else []) + [town] * (len(values) - 1) + [value]
        row += [unit] if unit_title else []
        out.append(row + [f"{name}的{e}" if e != "权重" else 10 for e in extras])
    return out


def _split_unit(target: str) -> tuple[str, str]:
    """"600人次" → ("600", "人次"): a value column and a unit column."""
    k = 0
    while k < len(target) and (target[k].isdigit() or target[k] == "."):
        k += 1
    return target[:k], target[k:]
