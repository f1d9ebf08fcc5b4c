"""JX907, JX908: the annual table's figures and deadlines belong to the budget year (D2, D3).

A multi-year quantity ("三年累计", "2021-2023年") or a deadline in the name after the budget
year ("截至2026年12月底" in a 2025 table) is asked about, never reported as an error.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import indicator_where, quote, real, role_of
from .readings import any_mentions, review_word_in, table_text
from .timeliness import budget_year


_NAME_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_RANGE_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:年\s*)?[-—~～至到]\s*(?:19|20)\d{2}")


@rule(
    "JX907",
    Severity.INFO,
    "年度目标值像是多年的数量",
    why="年度绩效目标表填本年度要完成的数量；把整个项目期或几年累计的数量当作本年度目标，"
    "年底考核必然完不成或失真（长期目标与年度目标混淆）。",
    bad="2023年度表，数量指标：三年累计改造农房 ≥ 1500户",
    good="2023年度表，数量指标：本年度改造农房 ≥ 500户",
)
def annual_not_multi_year(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    if not (any_mentions(ctx, "multi_year_words", project) or _YEAR_RANGE_RE.search(table_text(project, ctx))):
        return  # one search over the table; row by row only when something is there
    for ind in real(project, ctx):
        if ind.value is None or role_of(ind, ctx) not in ("quantity", None):
            continue
        text = f"{ind.name}{ind.target}"
        found = review_word_in(ctx, "multi_year_words", text)
        ranged = _YEAR_RANGE_RE.search(unicodedata.normalize("NFKC", text))
        if not found and not ranged:
            continue
        said = f"“{found}”" if found else f"“{ranged.group(0)}”" if ranged else ""
        yield ctx.finding(
            f"{quote(ind.name)}写了{said}：目标值{quote(ind.target)}是整个项目期的数量还是本年度的？"
            f"年度表只填本年度要完成的数量。",
            **indicator_where(ind, "target"),
        )


@rule(
    "JX908",
    Severity.WARNING,
    "时效指标名称中的时间不在预算年度内",
    why="时效指标写本预算年度内的完成时限；写在名称里的“截至下一年底”同样超出了本年度，年底无法考核。",
    bad="2025年度表，时效指标：截至2026年12月底，项目开展率 ≥ 100%",
    good="2025年度表，时效指标：截至2025年12月底，项目开展率 ≥ 95%",
)
def timeliness_name_in_year(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    year = budget_year(project)
    if not year:
        return
    for ind in real(project, ctx):
        if role_of(ind, ctx) != "timeliness":
            continue
        years = sorted({int(y) for y in _NAME_YEAR_RE.findall(unicodedata.normalize("NFKC", ind.name))} - {year})
        if years:
            yield ctx.finding(
                f"时效指标{quote(ind.name)}写到了{'、'.join(map(str, years))}年，不在{year}预算年度内："
                f"是否应写本年度内的完成时限？",
                **indicator_where(ind, "name"),
            )
