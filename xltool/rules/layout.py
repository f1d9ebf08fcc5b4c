"""JX108: fields an imported table's source layout never had, listed once to fill in.

Tables imported from another region's layout may have no 计划开始时间 or 项目概况 at
all. Reporting each as an empty required field (JX103) reads as errors the user did not
make; what they need is one list of what to fill in after import. The reader records the
fields a layout had in ``Project.layout_fields`` (None for our own template, where nothing
changes); completeness and date rules ask :func:`in_layout` before judging a field.
"""

from __future__ import annotations

from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.fields import field, funding_keys
from xltool.core.model import Project
from . import RuleContext, rule

# The template's header fields, in the order the form shows them, and their labels.
LAYOUT_LABELS: dict[str, str] = {
    key: field(key).title
    for key in ("name", "total", "department", "implementer", "start", "end", "overview", "long_term_goal", "annual_goal")
} | {"funding": "资金来源（" + "、".join(field(f"funding.{k}").title for k in funding_keys()) + "）"}


def in_layout(project: Project, field: str) -> bool:
    """False only for a field the imported table's source layout did not have. Never for 项目名称: a table
    that names no project (parse/reader.parse_without_name) cannot be filed or summed by name, so its
    empty name is an error to fix (JX103), not one more field to fill in after import."""
    if project.layout_fields is None or field == "name":
        return True
    return field.split(".", 1)[0] in project.layout_fields  # "funding.city" → "funding"


def _is_empty(project: Project, field: str) -> bool:
    if field == "total":
        return project.total is None and not project.raw.get("total")
    if field == "funding":
        return project.funding.is_empty()
    value = getattr(project, field, "")
    return not str(value if value is not None else "").strip()


def missing_from_layout(project: Project) -> list[str]:
    """Template fields the source layout lacked and that are still empty, in form order."""
    if project.layout_fields is None:
        return []
    return [f for f in LAYOUT_LABELS if not in_layout(project, f) and _is_empty(project, f)]


@rule(
    "JX108",
    Severity.INFO,
    "导入的表原版式缺少栏目",
    why="从其他版式导入的表，原表没有的栏目（如计划开始时间、项目概况）导入后是空的；"
    "这不是填写错误，集中列出一次，提醒导入后补填（不再逐栏报“必填栏目为空”）。",
    bad="导入的外地表格没有“计划开始时间”“项目概况”两栏，导入后两栏为空",
    good="导入后按提示补填计划开始时间“2022.01”和项目概况",
)
def fields_to_fill_after_import(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    missing = missing_from_layout(project)
    if not missing:
        return
    labels = "、".join(LAYOUT_LABELS[f] for f in missing)
    first = missing[0] if missing[0] != "funding" else "funding.district"
    yield ctx.finding(
        f"导入的表原版式中没有以下栏目，请导入后补填：{labels}。",
        cell=project.cells.get(first, ""),
        field=first,
    )
