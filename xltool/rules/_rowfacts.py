"""Row checks judged once per typed row, shared by the rules that report them.

Many review rules ask a question of each indicator row that depends only on what the row
says (its name, 二级, target, unit, operator) and on the project's family. Asked rule by
rule, row by row, that is most of the catalogue's cost on thousands of tables; here every
registered check runs once per distinct row text (memoised per settings) and each rule
reads the rows its check picked for a project: ``picked(project, ctx, "JX806")``.
"""

from __future__ import annotations

from typing import Any, Callable

from xltool.core.model import Indicator, Project
from . import RuleContext
from ._common import per_project, real

RowCheck = Callable[[Indicator, RuleContext, dict[str, Any]], bool]
ROW_CHECKS: dict[str, RowCheck] = {}
_PROJECT_KEYS: dict[str, Callable[[Project, RuleContext], Any]] = {}
_MEMO_LIMIT = 8192


def row_check(name: str) -> Callable[[RowCheck], RowCheck]:
    """Register ``check(ind, ctx, about)`` under ``name`` (a rule code, or a code and a variant);
    ``about`` holds the project keys (see :func:`project_key`)."""
    def register(check: RowCheck) -> RowCheck:
        ROW_CHECKS[name] = check
        return check
    return register


def project_key(name: str) -> Callable[[Callable[[Project, RuleContext], Any]], Callable[[Project, RuleContext], Any]]:
    """Register what of the project (beyond the row) a check depends on, e.g. its family."""
    def register(compute: Callable[[Project, RuleContext], Any]) -> Callable[[Project, RuleContext], Any]:
        _PROJECT_KEYS[name] = compute
        return compute
    return register


def picked(project: Project, ctx: RuleContext, name: str) -> tuple[Indicator, ...]:
    """The project's real rows that the check ``name`` picked, in row order."""
    return _all_picked(project, ctx).get(name, ())


def _all_picked(project: Project, ctx: RuleContext) -> dict[str, tuple[Indicator, ...]]:
    return per_project(ctx, "row_facts", project, lambda: _compute(project, ctx))


def _compute(project: Project, ctx: RuleContext) -> dict[str, tuple[Indicator, ...]]:
    extra = tuple((name, compute(project, ctx)) for name, compute in _PROJECT_KEYS.items())
    about = dict(extra)
    memo = ctx.shared["row_facts"]
    out: dict[str, list[Indicator]] = {}
    for ind in real(project, ctx):
        # the value is read from the target text, so the text and whether it holds a number suffice
        key = (ind.name, ind.level2, ind.target, ind.unit, ind.operator, ind.value is None, extra)
        names = memo.get(key)
        if names is None:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            names = memo[key] = tuple(n for n, check in ROW_CHECKS.items() if check(ind, ctx, about))
        for n in names:
            out.setdefault(n, []).append(ind)
    return {n: tuple(rows) for n, rows in out.items()}
