"""JX604–JX607: redo the arithmetic 项目概况 states, as a reviewer does, and compare it with the total.

The reading itself is :mod:`xltool.rules.arithmetic` (text only); this module turns its
result into findings. How big a difference is worth a 提示, 警告 or 错误 is data
(``arithmetic_*`` in rules.toml), and a reading that had to assume anything (a period
taken from the plan dates, a count found elsewhere, a "约" figure) is never an 错误.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from . import RuleContext, rule
from ._common import money_unit, per_profile, per_project, role_of
from .arithmetic import Analysis, Mismatch, Reading, Tolerance, agrees, analyse, as_whole, fmt
from .dates import year_month

_FIX = "请核对总金额，或在项目概况中写明本年度的数量、单价和测算过程"


def _months(project: Project) -> float | None:
    return _period(project.start, project.end)


@lru_cache(maxsize=1024)
def _period(first: str, last: str) -> float | None:
    """Length of the plan period in months (2022.01–2022.12 → 12), None when unknown."""
    start, end = year_month(first), year_month(last)
    if not start or not end or end < start:
        return None
    return float((end[0] - start[0]) * 12 + end[1] - start[1] + 1)


def _unit_prices(project: Project, ctx: RuleContext) -> tuple[str, ...]:
    """Cost indicators' targets that are unit prices ("750元/人/月")."""
    found: list[str] = []
    for ind in project.indicators:
        unit = ind.unit
        if ind.value is None or "元" not in unit or ("/" not in unit and "每" not in unit):
            continue  # cheap string checks first: this runs for every indicator of every table
        money = money_unit(unit, ctx)
        if money and money[2] and role_of(ind, ctx) == "cost":
            found.append(ind.target)
    return tuple(found)


def overview_analysis(project: Project, ctx: RuleContext) -> Analysis | None:
    """The arithmetic of the project's 项目概况 (memoised per validation run)."""
    if not project.overview:
        return None
    return per_project(ctx, "overview_math", project, lambda: analyse(
        project.overview,
        year=project.year,
        months=_months(project),
        extra_rates=_unit_prices(project, ctx),
        tolerance=_tolerances(ctx),
    ))


def _tolerances(ctx: RuleContext) -> Tolerance:
    """The settings' rounding and "约" allowances (memoised per validation run)."""
    return per_profile(ctx, "overview_math_tolerance", lambda: Tolerance(
        absolute=float(ctx.get("funding_tolerance", 0.005)),
        relative=float(ctx.get("arithmetic_agree", 0.003)),
        approx=float(ctx.get("arithmetic_approx", 0.1)),
    ))


def overview_has_computation(project: Project, ctx: RuleContext) -> bool:
    """True when JX604–JX606 check the overview's figures (JX602's plainer check then stays quiet).

    A sum that is only a lower bound (a listed item without an amount) settles nothing unless
    it already exceeds the total, so JX602 still speaks for it.
    """
    analysis = overview_analysis(project, ctx)
    if analysis is None or not analysis.has_computation:
        return False
    if analysis.mismatches or analysis.reading is None or not analysis.reading.partial:
        return True
    return _reading_against_total(project, ctx) is not None


def _tolerance(total: float, ctx: RuleContext) -> float:
    return _tolerances(ctx).allowance(total)


def _severity(difference: float, total: float, certain: bool, ctx: RuleContext) -> Severity:
    """提示 for a small difference, 警告 above it, 错误 only for a large one read with certainty."""
    relative = abs(difference) / abs(total) if total else float("inf")
    if relative <= float(ctx.get("arithmetic_info", 0.01)):
        return Severity.INFO
    if certain and relative >= float(ctx.get("arithmetic_error", 0.2)):
        return Severity.ERROR
    return Severity.WARNING


def _agrees_with_total(reading: Reading, analysis: Analysis, total: float, ctx: RuleContext) -> bool:
    tolerance = _tolerance(total, ctx)
    if agrees(reading.firm, reading.approx, total, _tolerances(ctx)):
        return True
    if reading.stated is not None and abs(reading.stated.value - total) <= tolerance:
        return True
    return any(abs(value - total) <= tolerance for value in analysis.alternatives)


def _notes(notes: tuple[str, ...]) -> str:
    """("月数按计划起止时间计", "天数按计划起止时间计") → "（月数、天数按计划起止时间计）"."""
    grouped: dict[str, list[str]] = {}
    for note in notes:
        what, sep, how = note.partition("按")
        grouped.setdefault(sep + how, []).append(what)
    return f"（{'，'.join('、'.join(whats) + how for how, whats in grouped.items())}）" if notes else ""


def _lead(certain: bool) -> str:
    return "项目概况测算：" if certain else "按项目概况测算约："


def _where(project: Project) -> dict[str, str]:
    return {"cell": project.cells.get("overview", ""), "field": "overview"}


def _reading_against_total(project: Project, ctx: RuleContext) -> tuple[str, Reading, float] | None:
    """(code, reading, difference) when what the overview works out to misses the total."""
    analysis = overview_analysis(project, ctx)
    if analysis is None or analysis.reading is None or project.total is None:
        return None
    reading = analysis.reading
    total = project.total
    if _agrees_with_total(reading, analysis, total, ctx):
        return None
    tolerance = _tolerance(total, ctx)
    if reading.partial:
        # Some listed items carry no amount: the sum is a lower bound, only "more" is certain.
        if reading.firm <= total + tolerance:
            return None
        return ("JX604" if reading.has_product else "JX606"), reading, reading.firm - total
    difference = reading.value - total
    if reading.has_product:
        return "JX604", reading, difference
    return ("JX606" if difference > 0 else "JX605"), reading, difference


def _internal(project: Project, ctx: RuleContext, kinds: tuple[str, ...]) -> Iterator[Mismatch]:
    analysis = overview_analysis(project, ctx)
    if analysis is not None:
        yield from (m for m in analysis.mismatches if m.kind in kinds)


@rule(
    "JX604",
    Severity.WARNING,
    "概况测算（数量×单价）与总金额不符",
    why="审核人员会按项目概况写明的数量、单价和月数重算金额（面积×单价×月数、人数×标准）；"
    "算出的数与项目总金额不符，说明数量、单价或总金额有误，或沿用了别的项目、往年的文字。"
    "相差很小时为提示；凡有推定（月数按计划起止时间、数量取自别处、“约”数）不作错误。",
    bad="项目概况：租用8085.11平方米办公用房，收费为4元/平方米/月；项目总金额 4.32",
    good="项目概况：租用8000平方米办公用房，收费为4元/平方米/月，全年共计38.4万元；项目总金额 38.4",
)
def product_matches_total(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    found = _reading_against_total(project, ctx)
    if found is not None and found[0] == "JX604":
        _, reading, difference = found
        certain = reading.certain
        total = project.total or 0.0
        yield ctx.finding(
            f"{_lead(certain)}{reading.working}{_notes(reading.notes)}，与项目总金额{fmt(total)}万元"
            f"相差{fmt(abs(difference))}万元：{_FIX}。",
            severity=_severity(difference, total, certain, ctx),
            **_where(project),
        )
    for mismatch in _internal(project, ctx, ("product",)):
        (term,) = mismatch.terms
        difference = term.value - mismatch.stated.value
        certain = mismatch.certain and not mismatch.approx
        yield ctx.finding(
            f"{_lead(certain)}{as_whole(term.text)}{_notes(term.notes)}，与概况中写的{mismatch.stated.text}"
            f"相差{fmt(abs(difference))}万元："
            f"请核对数量、单价或写出的金额。",
            severity=_severity(difference, mismatch.stated.value, certain, ctx),
            **_where(project),
        )


@rule(
    "JX605",
    Severity.WARNING,
    "概况所列金额相加与合计或总金额不符",
    why="项目概况分项列出的金额应与它写的“共计/合计”一致，也应与项目总金额一致；分项相加少于总金额，"
    "说明测算依据没有写全。",
    bad="项目概况：1、设备费12万元；2、安装费5万元；共计20万元",
    good="项目概况：1、设备费12万元；2、安装费8万元；共计20万元",
)
def items_add_up(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    for mismatch in _internal(project, ctx, ("sum", "parts")):
        listed = " + ".join(t.text for t in mismatch.terms)
        value = mismatch.value
        difference = value - mismatch.stated.value
        if mismatch.kind == "parts":
            message = (f"项目概况中“其中”所列{listed} = {fmt(value)}万元，超过前面写的{mismatch.stated.text}"
                       f"{fmt(difference)}万元：请核对各部分金额。")
        else:
            message = (f"项目概况所列金额相加：{listed} = {fmt(value)}万元，与概况中写的合计{mismatch.stated.text}"
                       f"相差{fmt(abs(difference))}万元：请核对各项金额或合计。")
        certain = mismatch.certain and not mismatch.approx
        yield ctx.finding(
            message,
            severity=min(_severity(difference, mismatch.stated.value, certain, ctx), Severity.WARNING, key=_rank),
            **_where(project),
        )
    found = _reading_against_total(project, ctx)
    if found is not None and found[0] == "JX605":
        _, reading, difference = found
        total = project.total or 0.0
        yield ctx.finding(
            f"项目概况所列金额相加：{reading.working}{_notes(reading.notes)}，比项目总金额{fmt(total)}万元"
            f"少{fmt(abs(difference))}万元："
            f"请补全测算依据，或核对总金额。",
            severity=min(_severity(difference, total, reading.certain, ctx), Severity.WARNING, key=_rank),
            **_where(project),
        )


def _rank(severity: Severity) -> int:
    """Order for min(): the milder severity wins (caps a finding at 警告)."""
    return -severity.rank


@rule(
    "JX606",
    Severity.WARNING,
    "概况所列金额合计超过总金额",
    why="项目概况列出的各项金额加起来超过项目总金额，说明列入了不属于本年度的部分（如上年欠款、"
    "多年合同的全部金额），或总金额填少了。",
    bad="项目概况：一期缺口45.6万元，与二期的148万元合并，共计193.6万元；项目总金额 164",
    good="项目概况：二期费用148万元，一期尾款16万元，共计164万元；项目总金额 164",
)
def items_within_total(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    found = _reading_against_total(project, ctx)
    if found is None or found[0] != "JX606":
        return
    _, reading, difference = found
    total = project.total or 0.0
    partial = "（另有未写金额的项目）" if reading.partial else ""
    yield ctx.finding(
        f"项目概况所列金额相加：{reading.working}{_notes(reading.notes)}{partial}，比项目总金额{fmt(total)}万元"
        f"多{fmt(difference)}万元："
        f"请按本年度实际安排核对总金额或概况中的测算依据。",
        severity=min(_severity(difference, total, reading.certain, ctx), Severity.WARNING, key=_rank),
        **_where(project),
    )


@rule(
    "JX607",
    Severity.INFO,
    "概况金额属于其他年度或多年合同",
    why="项目概况写的应是预算年度的安排；写的是往年的金额，或把多年（多期）合同的总额列为本年预算，"
    "审核时会要求按本年度应付的部分测算（与总金额相同时为警告）。",
    bad="2022年度表，项目概况：服务合同期3年，合同总价90万元；项目总金额 90",
    good="2022年度表，项目概况：服务合同期3年，合同总价90万元，2022年支付30万元；项目总金额 30",
)
def other_year_amounts(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    analysis = overview_analysis(project, ctx)
    if analysis is None:
        return
    total = project.total
    tolerance = _tolerance(total or 0.0, ctx)

    def is_total(value: float) -> bool:
        return total is not None and abs(value - total) <= tolerance

    budget_consistent = analysis.reading is not None and total is not None and _agrees_with_total(
        analysis.reading, analysis, total, ctx
    )
    contract_reported = False
    for contract in analysis.contracts:
        if not is_total(contract.amount.value) or (project.year and contract.amount.year == project.year):
            continue
        share = contract.amount.value / contract.count
        what = "一年" if contract.unit == "年" else "本期"
        yield ctx.finding(
            f"项目总金额{fmt(total or 0.0)}万元等于项目概况中的{contract.amount.text}（{contract.text}的总额）："
            f"本年度一般只安排{what}应付的部分（平均约{fmt(share)}万元），请核对总金额或写明本年度的安排。",
            severity=Severity.WARNING,
            **_where(project),
        )
        contract_reported = True
        break
    if not project.year or contract_reported or budget_consistent:
        return
    others = analysis.other_year(project.year)
    if not others:
        return
    if any(is_total(f.value) for f in analysis.figures if f.kind == "amount" and f not in others):
        return  # the text also states this year's amount: the others are background
    by_year: dict[str, list[str]] = {}
    for figure in others:
        by_year.setdefault(f"{figure.year}年" if figure.year else "上年", []).append(figure.text)
    listed = "，".join(f"{year}的{'、'.join(dict.fromkeys(texts))}" for year, texts in by_year.items())
    yield ctx.finding(
        f"项目概况中写的{listed}不是{project.year}年度的金额：请写明{project.year}年度的安排和测算依据"
        f"（其他年度的金额可留作背景说明）。",
        severity=Severity.WARNING if any(is_total(f.value) for f in others) else Severity.INFO,
        **_where(project),
    )
