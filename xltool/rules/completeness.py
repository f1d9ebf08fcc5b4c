"""JX1xx completeness: what a reviewer sends back because it is missing or left as filler."""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.fields import field as field_entry, label as field_label, required_keys
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import (
    embedded_placeholder,
    indicator_where,
    is_placeholder,
    level2_where,
    names_with_role,
    norm,
    quote,
    real,
    role_of,
    roles_present,
)
from .forms import rows_without_levels
from .layout import in_layout
from .readings import counted_output, shifted_effects, shifted_levels

_ROLE_EXAMPLES: dict[str, str] = {
    "quantity": "“完成评审项目数 ≥ 100个”",
    "quality": "“验收合格率 ≥ 95%”",
    "timeliness": "“项目按期完成率 ≥ 95%”或“完成时间 ≤ {year}.12”",
    "cost": "“项目总成本 ≤ 600万元”或“750元/人/月”",
    "economic": "“交易成本节约率 ≥ 15%”",
    "social": "“减少群众跑动次数 ≥ 3000次”",
    "ecological": "“纸张使用量减少率 ≥ 10%”",
    "sustainability": "“对单位履职的持续影响程度 定性 较高”",
}


def _text_value(project: Project, field: str) -> str:
    value = getattr(project, field, "")
    return "" if value is None else str(value)


@rule(
    "JX101",
    Severity.ERROR,
    "产出二级指标缺少三级指标",
    why="每个产出二级指标（数量、质量、时效、成本）至少要有一个三级指标（财预〔2015〕88号：细化量化）。",
    bad="产出时效指标一行只有“……”，没有三级指标",
    good="产出时效指标：项目按期完成率 ≥ 95%",
)
def output_level2_filled(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not real(project, ctx):
        yield ctx.finding(
            "指标表中没有任何三级指标：请按产出、效果（效益）、满意度逐项填写三级指标和年度目标值。",
            cell=project.indicators[0].cells.get("name", project.indicators[0].cell) if project.indicators else "",
            field="indicator",
        )
        return  # one finding says it all; JX102/JX104 stay quiet too
    if rows_without_levels(project, ctx):
        return  # rows without 二级: which 二级 is empty cannot be told (JX109 asks for the labels)
    shifted = shifted_levels(project, ctx)
    for role in ctx.get("required_output_roles", []):
        names = names_with_role(ctx, role)
        if not names:
            continue
        if role in roles_present(project, ctx):
            continue
        level2 = names[0]
        if shifted:  # another indicator system: only the quantity every system asks for, as a question
            if role == "quantity" and not counted_output(project, ctx):
                yield ctx.finding(
                    "这张表按其他指标体系编制，其产出中没有衡量完成数量的指标：是否漏填了数量（如完成的工程量、受益人数）？",
                    severity=Severity.WARNING, **level2_where(project, level2))
            continue
        yield ctx.finding(
            f"“{level2}”下没有三级指标：请至少填写一项，例如"
            f"{_ROLE_EXAMPLES.get(role, '').format(year=project.year or 2022)}。",
            **level2_where(project, level2),
        )


@rule(
    "JX102",
    Severity.ERROR,
    "缺少真正的满意度指标",
    why="满意度指标必须有，且要衡量服务对象的满意程度。",
    bad="满意度指标：对保障机关正常运转的持续影响程度 定性 较高",
    good="满意度指标：服务对象满意度 ≥ 90%",
)
def satisfaction_present(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    names = names_with_role(ctx, "satisfaction")
    if not names or not real(project, ctx):
        return  # an empty indicator table is reported once, by JX101
    rows = [i for i in real(project, ctx) if role_of(i, ctx) == "satisfaction"]
    if any("满意" in norm(i.name) for i in rows):
        return
    if rows:
        wrong = rows[0]
        yield ctx.finding(
            f"满意度指标下的{quote(wrong.name, empty='（未填三级指标）')}不是满意度：请改为衡量服务对象满意程度的指标，"
            f"如“服务对象满意度 ≥ 90%”，原指标移到合适的二级指标下。",
            **indicator_where(wrong, "name"),
        )
        return
    elsewhere = [i for i in real(project, ctx) if "满意" in norm(i.name)]
    if elsewhere and not elsewhere[0].level2:
        return  # a satisfaction row without 二级: JX109 asks for its labels, it is not missing
    hint = (
        f"（{quote(elsewhere[0].name)}写在{quote(elsewhere[0].level2, empty='（未填二级指标）')}"
        f"下，应移到“{names[0]}”）"
        if elsewhere
        else ""
    )
    yield ctx.finding(
        f"“{names[0]}”下没有满意度指标{hint}：请填写如“服务对象满意度 ≥ 90%”。",
        **level2_where(project, names[0]),
    )


@rule(
    "JX103",
    Severity.ERROR,
    "必填栏目为空",
    why="项目名称、主管部门、实施单位、总额、起止时间、项目概况和年度绩效目标是申报表的必填内容。",
    bad="年度绩效目标：（空）",
    good="年度绩效目标：全年完成4次窗口考核，考核覆盖率100%，窗口服务满意度≥95%。",
)
def required_fields(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field in required_keys():
        if not in_layout(project, field):
            continue  # the imported table's layout had no such field: JX108 lists it once
        if field == "total":
            if project.total is not None or project.raw.get("total"):
                continue
        elif _text_value(project, field).strip():
            continue
        label = field_label(field)
        missing = "未找到该栏目" if field not in project.cells else "为空"
        yield ctx.finding(
            f"“{label}”{missing}：{field_entry(field).prompt_text(project.year or 'YYYY').rstrip('。')}。",
            cell=project.cells.get(field, ""),
            field=field,
        )


@rule(
    "JX104",
    Severity.WARNING,
    "效果指标只有一项可持续影响或为空",
    why="效益（效果）指标要反映项目带来的经济、社会、生态效益，只写一句可持续影响不能衡量效果"
    "（效果指标全部为空时按错误处理）。",
    bad="效果指标只有：对保障机关正常运转的持续影响程度 定性 较高",
    good="社会效益指标：减少群众跑动次数 ≥ 3000次；可持续影响指标：……",
)
def effect_indicators(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not real(project, ctx) or rows_without_levels(project, ctx) or shifted_effects(project, ctx):
        return  # an empty table is reported once, by JX101; rows without 二级 by JX109
    effect_roles = set(ctx.get("effect_roles", []))
    rows = [i for i in real(project, ctx) if role_of(i, ctx) in effect_roles]
    social = names_with_role(ctx, "social")
    where = level2_where(project, social[0]) if social else {"cell": "", "field": "indicator"}
    if not rows:
        yield ctx.finding(
            "效果（效益）指标全部为空：请至少填写一项社会效益或经济效益指标，"
            f"例如{_ROLE_EXAMPLES['social']}。",
            severity=Severity.ERROR,
            **where,
        )
    elif all(role_of(i, ctx) == "sustainability" for i in rows):
        only = "、".join(quote(i.name, 30) for i in rows)
        yield ctx.finding(
            f"效果指标只有可持续影响指标{only}：请补充能衡量效果的社会效益（或经济、生态效益）指标，"
            f"例如{_ROLE_EXAMPLES['social']}。",
            **where,
        )


@rule(
    "JX105",
    Severity.WARNING,
    "常用效果二级指标未填写",
    why="表中列出的社会效益、可持续影响指标，审核时一般要求填写（区域可在 rules.toml 调整）。",
    bad="可持续影响指标一行为空",
    good="可持续影响指标：对单位履职的持续影响程度 定性 较高",
)
def expected_effects(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if shifted_effects(project, ctx):
        return  # another indicator system's 效益 group: our 二级 are not expected there
    effect_roles = set(ctx.get("effect_roles", []))
    rows = [i for i in real(project, ctx) if role_of(i, ctx) in effect_roles]
    if not rows or all(role_of(i, ctx) == "sustainability" for i in rows):
        return  # JX104 already asks for effect indicators
    have = {role_of(i, ctx) for i in rows}
    for role in ctx.get("expected_effect_roles", []):
        names = names_with_role(ctx, role)
        if names and role not in have:
            yield ctx.finding(
                f"“{names[0]}”未填写：请补充一项，例如{_ROLE_EXAMPLES.get(role, '')}。",
                **level2_where(project, names[0]),
            )


@rule(
    "JX106",
    Severity.ERROR,
    "残留占位符",
    why="模板中的“……”“XX”是待填内容，留在表中说明没有填完（空指标行里只剩“……”的按警告处理）。",
    bad="年度目标值：完成XX个；经济效益指标一行只有“……”",
    good="年度目标值：完成12个；无经济效益指标的行留空",
)
def placeholders(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field in ("name", "department", "implementer", "overview", "long_term_goal", "annual_goal"):
        value = _text_value(project, field)
        if is_placeholder(value, ctx):
            yield ctx.finding(
                f"“{field_label(field)}”只有占位符{quote(value)}：请填写实际内容。",
                cell=project.cells.get(field, ""), field=field,
            )
        elif slot := embedded_placeholder(value):
            yield ctx.finding(
                f"“{field_label(field)}”中残留占位符“{slot}”：请换成实际内容。",
                cell=project.cells.get(field, ""), field=field,
            )
    kept = {id(ind) for ind in real(project, ctx)}  # judged once per project, not again here
    for ind in project.indicators:
        if ind.is_blank:
            continue
        if id(ind) not in kept:
            filler = ind.name or ind.target
            if not filler:
                continue  # only an operator typed in an empty row: nothing to name
            yield ctx.finding(
                f"{quote(ind.level2, empty='（未填二级指标）')}"
                f"一行残留占位符{quote(filler)}：没有该类指标就清空此格，否则填写三级指标和目标值。",
                severity=Severity.WARNING,
                **indicator_where(ind, "name"),
            )
            continue
        for column, text, label in (("name", ind.name, "三级指标"), ("target", ind.target, "年度目标值")):
            if is_placeholder(text, ctx):
                yield ctx.finding(
                    f"{label}只有占位符{quote(text)}：请填写实际内容。", **indicator_where(ind, column)
                )
            elif slot := embedded_placeholder(text):
                yield ctx.finding(
                    f"{label}{quote(text)}中残留占位符“{slot}”：请换成实际数值或文字。",
                    **indicator_where(ind, column),
                )


@rule(
    "JX107",
    Severity.ERROR,
    "三级指标缺名称或目标值",
    why="每个三级指标都要有名称和年度目标值，缺一项就无法考核。",
    bad="三级指标“考核次数”，年度目标值为空",
    good="考核次数 = 4次",
)
def indicator_pairs(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in real(project, ctx):
        if ind.name and not ind.target:
            yield ctx.finding(
                f"三级指标{quote(ind.name)}没有年度目标值：请填写目标值（定量写数值+单位，定性写等级）。",
                **indicator_where(ind, "target"),
            )
        elif ind.target and not ind.name:
            yield ctx.finding(
                f"目标值{quote(ind.target)}没有对应的三级指标名称：请填写指标名称。",
                **indicator_where(ind, "name"),
            )
