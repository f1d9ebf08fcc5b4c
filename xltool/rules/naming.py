"""JX806–JX808: what a 三级 name says — a measure, not a slogan; no figure inside; a unit that fits.

A 三级 name says what is measured (…数量, …率, …时间); the figure belongs in the target.
Reviewers return names that are slogans or task sentences ("促进…协调发展"), names that
carry the target ("满意度95%以上", "村组干部230人") and units that do not fit the name
("人数" counted in 个). Word lists and unit families are in data/rules.toml.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Indicator, Project
from . import RuleContext, rule
from ._common import core_name, indicator_where, norm, per_profile, quote, role_of, words
from ._rowfacts import picked, row_check
from ._targets import NUMBER, classify
from .forms import is_not_applicable
from .misfiled import bare_name, is_effect_as_quality, is_input, is_task_as_effect

_SENTENCE_PUNCTS = frozenset("，,。;；！!？?")  # a set test, not a pattern to compile
_NAME_FIGURE_RE = re.compile(
    r"(?<![第\d.])(\d+(?:\.\d+)?)\s*(%|万?平方米|万?人次|万?人|个|户|所|场|次|项|名|公里|千米|米|亩|万元|元|台|辆|座|册|份|天|小时|门|村|家|套)"
    r"(?![号级期届层楼栋])"
)


def slogan_reason(ind: Indicator, ctx: RuleContext) -> str | None:
    """Why a name reads as a slogan or a sentence, or None when it names a measure."""
    key = core_name(bare_name(ind.name))
    if len(key) < 4:
        return None  # short names are JX805's
    if any(w in key for w in words(ctx, "yes_no_markers")):
        return "是一个是非问题"  # "…合格率 ≥95%" measures; "是否存在质量问题" only asks
    if any(key.endswith(w) for w in words(ctx, "measure_endings")):
        return None
    if not _SENTENCE_PUNCTS.isdisjoint(key):
        return "是一句话"
    verb = next((key[len(a):] for a in words(ctx, "slogan_adverbs") if key.startswith(a)), key)
    if any(verb.startswith(w) for w in words(ctx, "slogan_openers")):
        return "像口号或工作要求"
    ending = next((w for w in words(ctx, "slogan_endings") if key.endswith(w)), None)
    if ending and not any(key[: -len(ending)].endswith(w) for w in words(ctx, "measure_endings")):
        return "像口号"  # "…便利度提升" measures a change; "促进社会和谐" does not
    return None


@row_check("JX806")
def _slogan_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    if not ind.name or is_not_applicable(ind, ctx):
        return False  # "是否… 否" filled only to say the row does not apply is JX111's
    if is_task_as_effect(ind, ctx) or is_effect_as_quality(ind, ctx) or is_input(ind, ctx):
        return False  # those rows are JX506–JX508's
    return slogan_reason(ind, ctx) is not None


@rule(
    "JX806",
    Severity.WARNING,
    "三级指标名称是口号或句子",
    why="三级指标名称要说清衡量什么（…人数、…率、…时间）；“促进…协调发展”“为民众办好事”是口号，"
    "年底无法判断完成与否。",
    bad="社会效益指标：促进人口与经济、社会、资源、环境协调和可持续发展 100%",
    good="社会效益指标：扶助对象按时足额领取率 ≥ 98%",
)
def slogan_name(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX806"):
        reason = slogan_reason(ind, ctx)
        if reason:
            examples = "“…采购成本”“…单位成本”" if role_of(ind, ctx) == "cost" else "“…人数”“…率”“…完成时间”"
            yield ctx.finding(  # a cost row's name is asked for a cost measure, as JX401/JX402 ask of its value
                f"三级指标{quote(ind.name)}{reason}，不是可衡量的指标：请写成衡量什么的名称"
                f"（如{examples}），要达到的程度写在目标值里。",
                **indicator_where(ind, "name"),
            )


def name_figure(ind: Indicator) -> tuple[str, str] | None:
    """(figure, unit) written inside the name ("230人"), else None."""
    match = _NAME_FIGURE_RE.search(unicodedata.normalize("NFKC", ind.name))
    return (match.group(0), match.group(2)) if match else None


@row_check("JX807")
def _figure_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return name_figure(ind) is not None and not norm(ind.name)[:1].isdigit()  # a bare figure is JX805's


@rule(
    "JX807",
    Severity.WARNING,
    "指标名称里写了数值",
    why="数量写在目标值里；写进名称（“满意度95%以上”“村组干部230人”）就和目标值重复，改了一处容易漏另一处。",
    bad="三级指标：满意度95%以上，目标值 95%",
    good="三级指标：服务对象满意度，目标值 ≥95%",
)
def figure_in_name(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX807"):
        found = name_figure(ind)
        if found:
            yield ctx.finding(
                f"三级指标{quote(ind.name)}里写了数值“{found[0]}”：名称只写衡量什么，数值写在目标值里。",
                **indicator_where(ind, "name"),
            )


def _families(ctx: RuleContext) -> dict[str, str]:
    """Unit → family, from ``unit_families`` (memoised per profile)."""
    def build() -> dict[str, str]:
        table: dict[str, str] = {}
        for family, units in (ctx.get("unit_families", {}) or {}).items():
            for unit in units:
                table[norm(unit)] = family
        return table
    return per_profile(ctx, "unit_family_table", build)


def _unit_mismatch(ind: Indicator, ctx: RuleContext) -> tuple[str, str] | None:
    """(family the name asks for, family of the unit) when they differ, else None."""
    if ind.value is None or not ind.unit or classify(ind, ctx).kind != NUMBER or role_of(ind, ctx) == "cost":
        return None
    families = _families(ctx)
    have = families.get(norm(ind.unit))
    if have is None:
        return None
    figure = name_figure(ind)
    want = families.get(norm(figure[1])) if figure else None
    if want is None:
        key = core_name(bare_name(ind.name))
        endings = per_profile(ctx, "name_unit_families", lambda: {
            norm(k): v for k, v in (ctx.get("name_unit_families", {}) or {}).items()})
        want = next((fam for end, fam in endings.items() if key.endswith(end)), None)
    return (want, have) if want is not None and want != have else None


@row_check("JX808")
def _unit_row(ind: Indicator, ctx: RuleContext, about: dict) -> bool:
    return _unit_mismatch(ind, ctx) is not None


_FAMILY_LABEL = {"people": "人数", "area": "面积", "length": "长度", "time": "时间", "count": "个数"}


@rule(
    "JX808",
    Severity.WARNING,
    "单位与指标名称不符",
    why="单位要与名称相符：人数以人计、面积以平方米或亩计、时长以天或月计；名称里写了“230人”目标值却以“个”计，"
    "说明名称或单位写错了。",
    bad="村组干部230人 ≥ 230个；培训人数 ≥ 3场",
    good="村组干部人数 ≥ 230人；培训人数 ≥ 300人",
)
def unit_fits_name(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for ind in picked(project, ctx, "JX808"):
        want, _have = _unit_mismatch(ind, ctx) or ("", "")
        yield ctx.finding(
            f"{quote(ind.name)}要的是{_FAMILY_LABEL.get(want, want)}，目标值{quote(ind.target)}却以“{ind.unit}”计："
            f"请核对名称和单位，改成相符的一对。",
            **indicator_where(ind, "target"),
        )
