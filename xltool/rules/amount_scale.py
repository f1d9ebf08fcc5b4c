"""JX610: an amount out of scale, asked as a question (a unit read or typed wrong).

A total of 1 120 000 beside sources adding up to 112 is 元 written where 万元 is meant (or a
unit line applied to a row that stated its own unit); 0.0112 万元 is 112 万元 divided once more.
JX601 says the sums differ; this rule says what the difference looks like. The limits are the
field table's [amounts] (implausible_above, implausible_below, scale_ratio), where the reader
takes them too.
"""

from __future__ import annotations

import math
from typing import Iterator

from xltool.core.fields import amount_setting, field, funding_keys
from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import fmt_number
from .money import overview_amounts

_TIMES = {3: "一千", 4: "一万", 5: "十万", 6: "一百万"}


def _times(ratio: float) -> str:
    """"约一万倍" for 9 800, "约 2 500 倍" where no round power fits, "悬殊" past any float."""
    if not math.isfinite(ratio):
        return "悬殊"
    power = round(math.log10(ratio))
    if power in _TIMES and abs(math.log10(ratio) - power) < 0.15:
        return f"约{_TIMES[power]}倍"
    return f"约 {ratio:,.0f} 倍"


def _amounts(project: Project) -> dict[str, float]:
    """The table's stated amounts in 万元 (positive, finite ones), total first.

    A 400-digit figure reads as infinity; it has no scale to compare, and its ratio would raise.
    """
    found = {"total": project.total} | {f"funding.{k}": getattr(project.funding, k) for k in funding_keys()}
    return {k: v for k, v in found.items() if isinstance(v, (int, float)) and math.isfinite(v) and v > 0}


@rule(
    "JX610",
    Severity.WARNING,
    "金额的数量级可疑",
    why="表中金额以万元计。总金额与资金来源合计、或与项目概况中的金额相差一千倍、一万倍，或大得超出任何区县预算、"
    "小到不足几百元，多半是把以元计的数填进了万元栏（或反之），或导入时单位读错；不一定是错，以问句提示核对单位。",
    bad="项目总金额 1120000；区级财政 112（总金额按元填写）",
    good="项目总金额 112；区级财政 112",
)
def amount_scale(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    amounts = _amounts(project)
    if not amounts:
        return
    above = amount_setting("implausible_above", 1_000_000)
    below = amount_setting("implausible_below", 0.05)
    ratio = amount_setting("scale_ratio", 1000)
    total = amounts.get("total")
    parts = sum(v for k, v in amounts.items() if k != "total")
    asked: set[str] = set()
    if total is not None and parts and max(total, parts) / min(total, parts) >= ratio:
        bigger = "项目总金额" if total > parts else "资金来源合计"
        yield ctx.finding(
            f"项目总金额 {fmt_number(total)} 万元与资金来源合计 {fmt_number(parts)} 万元相差"
            f"{_times(max(total, parts) / min(total, parts))}：{bigger}是否按元填写（或导入时单位读错）？请核对单位。",
            cell=project.cells.get("total", ""), field="total")
        asked.add("total")
    for key, value in amounts.items():
        if key not in asked and (value > above or value < below):
            label = field(key).title
            size = f"{fmt_number(value / 10000)} 亿元" if value > above else f"{fmt_number(value * 10000)} 元"
            how = ("是否把以元计的数填进了万元栏" if value > above
                   else "是否单位读错或换算了两次（如已是万元的数又按元除以一万）")
            yield ctx.finding(f"“{label}”为 {fmt_number(value)} 万元（即 {size}）：{how}？请核对金额和单位。",
                              cell=project.cells.get(key, ""), field=key)
            asked.add(key)
    if total is None or "total" in asked or not project.overview:
        return
    written = [n for n, _, _ in overview_amounts(project.overview) if math.isfinite(n) and n > 0]
    if written and all(max(n, total) / min(n, total) >= ratio for n in written):
        nearest = min(written, key=lambda n: abs(math.log10(n / total)))
        yield ctx.finding(
            f"项目总金额 {fmt_number(total)} 万元与项目概况中写的 {fmt_number(nearest)} 万元相差"
            f"{_times(max(nearest, total) / min(nearest, total))}：是否有一处把元当作万元？请核对单位。",
            cell=project.cells.get("total", ""), field="total")
