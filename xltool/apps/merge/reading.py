"""Reading one input file into records (runs in a worker process or in-process).

The per-project rules run here; of the batch rules (duplicates, copied text), only
what each keeps of a project is taken here (``BatchRun.keep``): they run once over
everything kept, after every file is read (``store.batch_findings``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from xltool.core.fields import funding_keys
from xltool.core.text import normalize_label
from xltool.core.errors import XltoolError
from xltool.write.summary import STATUS_FAILED, STATUS_MERGED, STATUS_SKIPPED, IndicatorRow
from .records import SEQ_LIMIT, FileResult, FindingRecord, IndicatorRecord, ProjectRecord, ReadItem, ReadOptions

_QUALITATIVE = "定性"
_FUNDING_KEYS = funding_keys()


def failed(index: int, reason: str) -> FileResult:
    return FileResult(index, STATUS_FAILED, reason, [], [], [])


def read_file(index: int, path: str, options: ReadOptions = ReadOptions(), shown: str = "") -> FileResult:
    """Read, parse and check one file; never raises for anything the file can cause.

    ``shown`` is how the summary names the file (default: ``path``).
    """
    try:
        return _read_file(index, path, options, shown or path)
    except XltoolError as exc:
        return failed(index, exc.message)
    except MemoryError:
        return failed(index, "读取时内存不足：文件过大或结构异常")
    except RecursionError:
        return failed(index, "文件结构嵌套过深，无法读取")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a parser bug (or a Rust panic, a BaseException) costs one file, not the run
        return failed(index, f"读取时程序出错（{type(exc).__name__}），请把该文件发给维护人员")


def _read_file(index: int, path: str, options: ReadOptions, shown: str) -> FileResult:
    from xltool.apps.sources import workbook_grids
    from xltool.io.own_copies import own_output_reason
    from xltool.parse.reader import UNNAMED_SHEET, projects_from_grids
    from xltool.parse.unplaced import read_unnamed
    from xltool.rules.consolidation import project_key

    grids = workbook_grids(path)
    own = own_output_reason(g.name for g in grids)  # copies were proven (once) by discovery
    if own:
        return FileResult(index, STATUS_SKIPPED, own, [], [], [], True)
    read = projects_from_grids(grids, file=shown, profile=options.profile)
    read_unnamed(read, grids, file=shown)
    del grids
    if not read.projects:  # the reader's one wording, plus the sheets the file has (the summary lists them)
        reason = read.no_project_message()
        if not (read.self_evaluations or read.blank_sheets):
            reason += f"（工作表：{'、'.join(read.skipped_sheets) or '无'}）"
        return FileResult(index, STATUS_SKIPPED, reason, [], [], [])
    base = index * SEQ_LIMIT
    projects: list[ProjectRecord] = []
    indicators: list[IndicatorRecord] = []
    findings: list[FindingRecord] = []
    kept_rows: list[tuple[int, tuple[Any, ...]]] = []
    contexts: dict[str | None, Any] = {}  # per file: the per-project memos hold the projects, so they go with the file
    batch = batch_run(options, _context(options.profile, contexts))
    for seq, p in enumerate(read.projects[: SEQ_LIMIT - 1]):
        pord = base + seq
        kept = p.real_indicators
        name_key, impl_key = project_key(p.name, p.implementer)
        projects.append(ProjectRecord(
            pord=pord, file_idx=index, name=p.name, department=p.department, implementer=p.implementer,
            total=p.total, total_text=p.raw.get("total", "") if p.total is None else "",
            **{k: getattr(p.funding, k) for k in _FUNDING_KEYS},
            start=p.start, end=p.end, n_ind=len(kept), annual_goal=p.annual_goal, file=shown, sheet=p.sheet,
            overview=p.overview, profile=p.profile,
            cells=json.dumps(p.cells, ensure_ascii=False), name_key=name_key, impl_key=impl_key,
        ))
        kept_rows.append((pord, batch.keep(p)))
        for k, ind in enumerate(kept):
            indicators.append(IndicatorRecord(pord, k, IndicatorRow(
                p.name, ind.level1, ind.level2, ind.name, ind.operator or ind.operator_raw, ind.target,
                ind.value, ind.unit, _QUALITATIVE if ind.qualitative else "定量", p.sheet, ind.cell, shown,
            ), _rank(p.profile, ind.level1, ind.level2), _form_value(ind.operator, ind.target)))
        if options.validate:
            findings.extend(_project_findings(p, pord, options.profile, contexts))
    skipped = f"；未含项目表的工作表：{read.skipped_note()}" if read.skipped_sheets else ""
    unread = "、".join(f"“{s}”" for s in read.unnamed_sheets)
    return FileResult(index, STATUS_MERGED, f"{len(projects)} 个项目{skipped}", projects, indicators, findings,
                      kept=kept_rows, unread=f"工作表{unread}{UNNAMED_SHEET}" if unread else "")


def batch_run(options: ReadOptions, ctx: Any) -> Any:
    """The batch rules a merge runs: all of them, or without validation only HZ001 (a duplicate is
    counted once and reported either way). Workers and the store build it alike."""
    from xltool.rules import BatchRun
    from xltool.rules.consolidation import CODE_DUPLICATE

    return BatchRun(ctx, None if options.validate else {CODE_DUPLICATE})


def _context(profile: str | None, contexts: dict[str | None, Any]) -> Any:
    from xltool.rules import RuleContext

    ctx = contexts.get(profile)
    if ctx is None:
        ctx = contexts[profile] = RuleContext.for_profile(profile)
    return ctx


def _project_findings(
    project: Any, pord: int, profile: str | None, contexts: dict[str | None, Any]
) -> list[FindingRecord]:
    """The per-project rules, as ``validate`` runs them (``rules.check_project``), as records."""
    from xltool.rules import check_project

    ctx = _context(profile or project.profile or None, contexts)
    return [FindingRecord(pord, pord, f.file, f.sheet, f.cell, f.project, f.code, f.severity.value, f.message)
            for f in check_project(project, ctx)]


@lru_cache(maxsize=None)
def _level_ranks(profile: str) -> dict[tuple[str, str], int]:
    from xltool.core.frameworks import load_profiles

    found = load_profiles().get(profile)
    return {(normalize_label(a), normalize_label(b)): i for i, (a, b) in enumerate(found.pairs())} if found else {}


@lru_cache(maxsize=8192)  # a run has few distinct (一级, 二级) spellings
def _rank(profile: str, level1: str, level2: str) -> int:
    """Position of (一级, 二级) in the profile's form; pairs it lacks sort last."""
    ranks = _level_ranks(profile)
    return ranks.get((normalize_label(level1), normalize_label(level2)), len(ranks))


def _form_value(operator: str, target: str) -> str:
    """指标值 as the 部门整体 form shows it: ``≥90%``; "=" and 定性 are not repeated."""
    if operator and operator not in ("=", _QUALITATIVE) and target and not target.startswith(operator):
        return f"{operator}{target}"
    return target


def read_chunk(chunk: list[ReadItem], options: ReadOptions) -> list[FileResult]:
    return [read_file(index, path, options, shown) for index, path, shown in chunk]
