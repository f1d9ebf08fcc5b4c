"""HZ0xx consolidation: what only shows when many departments' files are put together.

The same project sent twice inflates the department's total; identical tables under
different 实施单位 are what reviewers look for as copying. Both are batch rules that
keep a key or a digest per project (not the project), so ``validate`` and ``merge``
run them alike; merge's store groups by :func:`project_key` too, only to count a
duplicate once. HZ002/HZ003 are the file-level findings merge writes into 问题清单;
they are catalogued here so docs/rules.md lists every code a reviewer can meet.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Iterator, NamedTuple

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.core.text import normalize_label
from . import RuleContext, rule

CODE_DUPLICATE = "HZ001"
CODE_FILE_FAILED = "HZ002"
CODE_FILE_SKIPPED = "HZ003"
CODE_SAME_CONTENT = "HZ004"


def project_key(name: str, implementer: str) -> tuple[str, str]:
    """What makes two tables the same project: 项目名称 + 实施单位 (spacing, width ignored)."""
    return normalize_label(name), normalize_label(implementer)


def content_fingerprint(
    overview: str, long_term_goal: str, annual_goal: str, indicators: Iterable[tuple[str, str, str, str]]
) -> str:
    """A digest of a table's texts and indicators ("" when there is too little to compare).

    ``indicators`` are (二级, 三级, 计算符号, 目标值). Spacing (full-width spaces, line
    breaks) is ignored; every other character counts, since the rule is about word-for-word copies.
    """
    # Word-for-word means the same characters; only spacing is ignored (cheap: every table pays it).
    inds = sorted("|".join(_squeeze(part) for part in ind) for ind in indicators)
    texts = [_squeeze(overview), _squeeze(long_term_goal), _squeeze(annual_goal)]
    if len(inds) < 3 or not (texts[0] or texts[2]):
        return ""
    return hashlib.blake2b("\x1f".join(texts + inds).encode("utf-8"), digest_size=12).hexdigest()


def _squeeze(text: str) -> str:
    return "".join(text.split()) if text else ""


def project_fingerprint(project: Project) -> str:
    """The fingerprint of a project's texts and real indicators."""
    kept = project.real_indicators
    return content_fingerprint(
        project.overview, project.long_term_goal, project.annual_goal,
        ((i.level2, i.name, i.operator or i.operator_raw, i.target) for i in kept),
    )


def place(file: str, sheet: str) -> str:
    return f"{file}［{sheet}］" if sheet else file


def places_text(places: list[str], limit: int = 5) -> str:
    """``a［表1］、b［表2］`` — at most ``limit`` places named, then how many in all."""
    return "、".join(places[:limit]) + (f"等 {len(places)} 处" if len(places) > limit else "")


class Placed(NamedTuple):
    """What HZ001 and HZ004 keep of a project: a key (or digest), its units and where it is."""

    key: tuple[str, str] | str  # HZ001: project_key; HZ004: content digest
    name: str
    implementer: str
    unit: str  # normalised 实施单位, else 部门: who filed it
    file: str
    sheet: str
    cell: str


def _places(projects: list[Placed], limit: int = 5) -> str:
    return places_text([place(p.file, p.sheet) for p in projects], limit)


def keep_project_key(project: Project, ctx: RuleContext) -> Placed | None:
    key = project_key(project.name, project.implementer)
    if not key[0]:
        return None
    return Placed(key, project.name, project.implementer, key[1], project.file, project.sheet,
                  project.cells.get("name", ""))


def keep_fingerprint(project: Project, ctx: RuleContext) -> Placed | None:
    digest = project_fingerprint(project)
    if not digest:
        return None
    return Placed(digest, project.name, project.implementer, normalize_label(project.implementer)
                  or normalize_label(project.department), project.file, project.sheet,
                  project.cells.get("overview", ""))


def keeps_nothing(project: Project, ctx: RuleContext) -> None:
    """HZ002/HZ003 are written by merge per file, not from projects."""
    return None


DUPLICATE_NOTE = "重复，不计入合计"


def duplicate_message(name: str, implementer: str, count: int, others: str, counted: bool) -> str:
    """HZ001's message, one wording for validate (the rule) and merge (its store)."""
    return (f"项目“{name}”（实施单位：{implementer or '未填写'}）在 {count} 个位置出现，另见 "
            f"{others}（{'本行计入合计' if counted else DUPLICATE_NOTE}）；请核实并撤回多余的一份")


@rule(
    CODE_DUPLICATE,
    Severity.ERROR,
    "同一项目在两个文件中重复出现",
    why="同名同实施单位的项目报送两次（补报、备份或副本混入），汇总金额就会重复计算；汇总时只计一次，需核实撤回哪一份。",
    bad="“档案整理项目”（实施单位：区档案馆）既在 民政局.xlsx 又在 补报/民政局（改）.xlsx 中",
    good="每个项目只在一个文件中报送；修改后的表替换原表，而不是另存一份放在同一文件夹",
    batch=True,
    keep=keep_project_key,
)
def duplicate_projects(projects: list[Placed], ctx: RuleContext) -> Iterator[Finding]:
    groups: dict[tuple[str, str] | str, list[Placed]] = {}
    for p in projects:
        groups.setdefault(p.key, []).append(p)
    for group in groups.values():
        if len({p.file for p in group}) < 2:
            continue  # two sheets of one file: the department's own business, JX rules cover it
        for k, p in enumerate(group):
            others = [o for o in group if o is not p]
            yield ctx.finding(
                CODE_DUPLICATE, duplicate_message(p.name, p.implementer, len(group), _places(others), k == 0),
                file=p.file, sheet=p.sheet, project=p.name, cell=p.cell,
            )


@rule(
    CODE_FILE_FAILED,
    Severity.ERROR,
    "文件无法读取，未计入汇总",
    why="损坏、加密或并非工作簿的文件无法汇总；汇总表照常生成，但其中的项目没有计入。",
    bad="空文件.xlsx（0 字节）、把 .csv 改名为 .xlsx",
    good="请报送单位重新发送可以在 Excel 中打开的 .xlsx 文件",
    batch=True,
    keep=keeps_nothing,
)
def _file_failed(projects: list[None], ctx: RuleContext) -> Iterator[Finding]:
    return iter(())  # written by merge per file; catalogued for the documentation


@rule(
    CODE_FILE_SKIPPED,
    Severity.WARNING,
    "文件中没有项目绩效目标表，已跳过",
    why="文件可以打开，但没有含“项目名称”和指标表的工作表（如填报说明、Word 文档），因此未计入汇总。",
    bad="填报说明.xlsx、旧表.docx 放在汇总文件夹中",
    good="Word 表先用 xltool import 导入为工作簿；与汇总无关的文件移出文件夹",
    batch=True,
    keep=keeps_nothing,
)
def _file_skipped(projects: list[None], ctx: RuleContext) -> Iterator[Finding]:
    return iter(())  # written by merge per file; catalogued for the documentation


@rule(
    CODE_SAME_CONTENT,
    Severity.WARNING,
    "不同单位的项目表内容完全相同",
    why="不同实施单位的项目概况、绩效目标和全部指标逐字相同，几乎总是照抄他人的表，是审核重点。",
    bad="区民政局、区残联、区老龄办三张表的概况、目标和 12 条指标一字不差，只改了实施单位",
    good="每个单位按本单位的任务、数量和标准填写",
    batch=True,
    keep=keep_fingerprint,
)
def same_content(projects: list[Placed], ctx: RuleContext) -> Iterator[Finding]:
    groups: dict[tuple[str, str] | str, list[Placed]] = {}
    for p in projects:
        groups.setdefault(p.key, []).append(p)
    for group in groups.values():
        if len({p.unit for p in group}) < 2:
            continue
        for p in group:
            mine = normalize_label(p.implementer)
            others = [o for o in group if normalize_label(o.implementer) != mine]
            yield ctx.finding(CODE_SAME_CONTENT, same_content_message(len(group), _places(others)),
                              file=p.file, sheet=p.sheet, project=p.name, cell=p.cell)


def same_content_message(count: int, others: str) -> str:
    return (
        f"本表的项目概况、绩效目标和全部指标与其他单位的表逐字相同（共 {count} 张，另见 {others}）："
        "请核实是否照抄，按本单位的实际任务填写"
    )
