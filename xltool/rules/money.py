"""JX6xx money: the header amounts agree with each other and with 项目概况."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.fields import field, funding_keys
from xltool.core.fields import label as field_label
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import close, fmt_number, per_profile, quote
from .overview_math import overview_has_computation

def _amount_labels(ctx: RuleContext) -> dict[str, str]:
    """{field: printed label} of the amounts, in the profile's wording of the funding sources."""
    return per_profile(ctx, "amount_labels", lambda: {"total": field("total").title} | {
        f"funding.{k}": field_label(f"funding.{k}", funding_labels=ctx.profile.funding_labels) for k in funding_keys()
    })


def _source_name(key: str, ctx: RuleContext) -> str:
    return ctx.profile.funding_labels.get(key) or field(f"funding.{key}").title



# "193.6万元", "1,234.5 万元", "约2万元" (the prefix tells an estimate). Linear on any text: a
# number starts only where no digit precedes it and the spaces around it are bounded, so a
# cell of 30,000 digits or spaces is scanned once, not once per position (was quadratic).
_WAN_RE = re.compile(
    r"(?:(?P<approx>约|大约|预计|预估约|估计|估算)\s{0,4})?(?<![\d.])(?<!\d,)"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s{0,4}万元(?P<after>左右|上下)?"
)


def overview_amounts(text: str) -> list[tuple[float, bool, str]]:
    """Every "…万元" amount in a text: (number, marked approximate, as written)."""
    nfkc = unicodedata.normalize("NFKC", text or "")
    found: list[tuple[float, bool, str]] = []
    for match in _WAN_RE.finditer(nfkc):
        start = match.start("num")
        if start > 0 and (nfkc[start - 1].isdigit() or nfkc[start - 1] == "."):
            continue
        approx = bool(match.group("approx") or match.group("after"))
        found.append((float(match.group("num").replace(",", "")), approx, match.group(0)))
    return found


@rule(
    "JX601",
    Severity.ERROR,
    "资金来源合计与总金额不符",
    why="部省级、市级、区级和其他资金之和必须等于项目总金额（允许 0.005 万元的舍入误差）。",
    bad="项目总金额 100；区级财政 80，其他 10",
    good="项目总金额 100；区级财政 90，其他 10",
)
def funding_adds_up(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if project.total is None or project.funding.is_empty():
        return
    tolerance = float(ctx.get("funding_tolerance", 0.005))
    parts = project.funding.model_dump()
    given = {k: v for k, v in parts.items() if v is not None}
    total = sum(given.values())
    if close(total, project.total, tolerance):
        return
    detail = " + ".join(f"{_source_name(k, ctx)}{fmt_number(v)}" for k, v in given.items())
    diff = project.total - total
    yield ctx.finding(
        f"资金来源合计{fmt_number(total)}万元（{detail}）与项目总金额{fmt_number(project.total)}万元不一致，"
        f"{'少' if diff > 0 else '多'}{fmt_number(abs(diff))}万元：请核对各资金来源或总金额。",
        cell=project.cells.get("total", ""),
        field="total",
    )


@rule(
    "JX602",
    Severity.WARNING,
    "项目概况中的金额与总金额不符",
    why="项目概况写明的金额（测算依据）应与表头总金额一致；不一致常见于沿用上年或别的项目的文字。"
    "概况写出了能重算的测算过程（数量×单价、分项金额、共计）时，由 JX604–JX606 列出算式，本条不再重复。",
    bad="项目概况：二期建设费用193.6万元；项目总金额 164",
    good="项目概况：二期建设费用164万元；项目总金额 164",
)
def overview_amount_matches(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if project.total is None or not project.overview:
        return
    if overview_has_computation(project, ctx):
        return  # JX604–JX606 redo the overview's arithmetic and show it instead
    amounts = overview_amounts(project.overview)
    if not amounts:
        return
    tolerance = float(ctx.get("funding_tolerance", 0.005))
    approx = float(ctx.get("approx_tolerance", 0.05))
    for number, is_approx, _ in amounts:
        if close(number, project.total, tolerance):
            return
        if is_approx and abs(number - project.total) <= approx * project.total:
            return
    if close(sum(n for n, _, _ in amounts), project.total, tolerance):
        return  # the overview lists the parts of the total
    listed = "、".join(dict.fromkeys(f"{fmt_number(n)}万元" for n, _, _ in amounts))
    yield ctx.finding(
        f"项目概况中写的金额（{listed}）没有一项等于项目总金额{fmt_number(project.total)}万元："
        f"请核对总金额，或按本年实际安排修改项目概况中的测算依据。",
        cell=project.cells.get("overview", ""),
        field="overview",
    )


@rule(
    "JX603",
    Severity.ERROR,
    "金额不是数字",
    why="项目总金额和各资金来源要填数字（万元），文字或带单位的值无法汇总。",
    bad="项目总金额：约100万",
    good="项目总金额：100",
)
def amounts_are_numbers(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for field, label in _amount_labels(ctx).items():
        value = project.total if field == "total" else getattr(project.funding, field.split(".", 1)[1])
        raw = project.raw.get(field, "")
        if value is None and raw:
            yield ctx.finding(
                f"“{label}”填写的{quote(raw)}不是数字：请只填写以万元计的数字，如“100”或“38.4”。",
                cell=project.cells.get(field, ""),
                field=field,
            )
        elif value is not None and value < 0:
            yield ctx.finding(
                f"“{label}”为负数（{fmt_number(value)}）：金额不能为负，请核对。",
                cell=project.cells.get(field, ""),
                field=field,
            )
