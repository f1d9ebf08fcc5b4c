"""JX7xx copied text: 项目概况 and goals carried over from another project or repeated.

Two projects with the same 项目概况 almost always mean one table was started from the
other and not rewritten. Texts are compared in a normalised form (NFKC, no spaces or
punctuation) so a changed comma does not hide a copy; near copies are found with
difflib, but only between texts that an index of 6-character pieces says could be
near, so a batch of a thousand tables stays fast.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain
from functools import lru_cache
from typing import Iterator

from xltool.core.findings import Finding, Severity
from xltool.core.model import Project
from xltool.core.names import UNNAMED_PROJECT
from . import RuleContext, rule
from ._common import quote

_TEXT_FIELDS: dict[str, str] = {
    "overview": "项目概况",
    "annual_goal": "年度绩效目标",
    "long_term_goal": "中长期绩效目标",
}
_STRIP_RE = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(slots=True)
class Texts:
    """What JX701/JX702 keep of a project: its name, three texts and where they are."""

    name: str
    overview: str
    long_term_goal: str
    annual_goal: str
    file: str
    sheet: str
    cells: dict[str, str]


def keep_texts(project: Project, ctx: RuleContext) -> Texts | None:
    if not (project.overview or project.long_term_goal or project.annual_goal):
        return None
    return Texts(project.name, project.overview, project.long_term_goal, project.annual_goal, project.file,
                 project.sheet, {k: project.cells[k] for k in _TEXT_FIELDS if k in project.cells})


@lru_cache(maxsize=4096)  # the same overview is compared by several rules
def compact(text: str) -> str:
    """Text reduced to letters and digits: what 'the same text' means here."""
    return _STRIP_RE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """difflib ratio of two compacted texts (1.0 = identical).

    With ``at_least``, a cheap upper bound below it is returned instead of the exact
    ratio: callers only ask whether two texts reach a threshold.
    """
    if not a or not b:
        return 0.0
    if at_least:  # difflib's two bounds, without building a matcher (its index of b is the costly part)
        total = len(a) + len(b)
        bound = 2 * min(len(a), len(b)) / total
        if bound < at_least:
            return bound
        theirs = Counter(b)
        bound = 2 * sum(min(n, theirs.get(ch, 0)) for ch, n in Counter(a).items()) / total
        if bound < at_least:
            return bound
    from difflib import SequenceMatcher  # imported by the first pair this close: many clicks have none

    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def letters_bound(a: str, b: str) -> float:
    """An upper bound of ``similarity(a, b)`` from the sets of their letters.

    Each letter one text has and the other lacks is at least one unmatched character. A few
    set operations in C; it rejects nearly every pair difflib's quick_ratio (letter counts,
    a loop in Python) would. The sets are built per pair, not kept: memory stays flat.
    """
    kinds_a, kinds_b = set(a), set(b)
    common = len(kinds_a & kinds_b)
    return 2 * (min(len(a) - len(kinds_a), len(b) - len(kinds_b)) + common) / (len(a) + len(b))


def _name_affinity(project: Texts, text: str) -> int:
    """How many two-character pieces of the project's name occur in the text.

    Of two projects sharing a text, the one whose name the text talks about is the
    likely original (大楼物业费's 项目概况 speaks of 物业; 宣传费's does not).
    """
    name = compact(project.name)
    return sum(1 for i in range(len(name) - 1) if name[i : i + 2] in text)


def _project_label(project: Texts) -> str:
    where = f"（工作表 {project.sheet}）" if project.sheet else ""
    return f"{f'“{project.name}”' if project.name else UNNAMED_PROJECT}{where}"


def _others_label(others: list[Texts], limit: int = 3) -> str:
    """“A”、“B”、“C”等N个项目 — a long batch must not flood one message."""
    shown = "、".join(_project_label(p) for p in others[:limit])
    return f"{shown}等{len(others)}个项目" if len(others) > limit else shown


def _suspects(group: list[Texts], field: str) -> list[Texts]:
    """Which projects of a group sharing a text are the copies."""
    scores = [_name_affinity(p, compact(getattr(p, field))) for p in group]
    best = max(scores)
    if best > 0 and scores.count(best) < len(group):
        return [p for p, s in zip(group, scores) if s < best]
    return group[1:]


def _where(project: Texts, field: str) -> dict[str, str]:
    return {
        "cell": project.cells.get(field, ""),
        "field": field,
        "file": project.file,
        "sheet": project.sheet,
        "project": project.name,
    }


@rule(
    "JX701",
    Severity.ERROR,
    "项目概况或绩效目标与其他项目相同",
    why="不同项目的项目概况、绩效目标应各自如实填写；照抄别的项目说明本表没有认真编制。",
    bad="“宣传费”的项目概况与“大楼物业费”一字不差（写的是物业面积和收费标准）",
    good="“宣传费”的项目概况写宣传内容、渠道和测算依据",
    batch=True,
    keep=keep_texts,
)
def copied_between_projects(projects: list[Texts], ctx: RuleContext) -> Iterator[Finding]:
    min_chars = int(ctx.get("copy_min_chars", 12))
    for field, label in _TEXT_FIELDS.items():
        groups: dict[str, list[Texts]] = {}
        for project in projects:
            text = compact(getattr(project, field))
            if len(text) >= min_chars:
                groups.setdefault(text, []).append(project)
        for text, group in groups.items():
            if len({compact(p.name) for p in group}) < 2:
                continue  # the same project read twice is a duplicate, not a copy
            for project in _suspects(group, field):
                others = [p for p in group if p is not project]
                yield ctx.finding(
                    f"{label}与{_others_label(others)}的{label}完全相同：请按本项目的实际内容重写"
                    f"（{quote(getattr(project, field), 30)}）。",
                    **_where(project, field),
                )


@rule(
    "JX702",
    Severity.WARNING,
    "项目概况或绩效目标与其他项目几乎相同",
    why="只改了几个字的项目概况或目标，多半是从别的项目复制后没有改完。",
    bad="两个项目的年度绩效目标只差一个词",
    good="每个项目的年度绩效目标写本项目要完成的事和效果",
    batch=True,
    keep=keep_texts,
)
def near_copies(projects: list[Texts], ctx: RuleContext) -> Iterator[Finding]:
    min_chars = int(ctx.get("copy_min_chars", 12))
    threshold = float(ctx.get("near_duplicate_ratio", 0.9))
    for field, label in _TEXT_FIELDS.items():
        for _text, group in _near_clusters(projects, field, min_chars, threshold):
            for project in _suspects(group, field):
                mine = compact(getattr(project, field))
                nearest = [p for p in group[:8] if p is not project]  # a few suffice to name the closest
                scored = sorted(
                    ((similarity(mine, compact(getattr(p, field))), i, p) for i, p in enumerate(nearest)),
                    key=lambda t: (-t[0], t[1]),
                )
                ratio = scored[0][0]
                others = [p for _, _, p in scored] + [p for p in group[8:] if p is not project]
                yield ctx.finding(
                    f"{label}与{_others_label(others)}的{label}几乎相同（相似度{ratio:.0%}）：请确认不是复制后"
                    f"漏改，按本项目的实际内容填写。",
                    **_where(project, field),
                )


_CHUNK = 6  # characters per probe: long enough to be specific, short enough to survive edits
_COMMON_CAP = 64  # a probe found in more texts than this is boilerplate, not evidence


def _near_clusters(
    projects: list[Texts], field: str, min_chars: int, threshold: float
) -> list[tuple[str, list[Texts]]]:
    """Groups of projects whose texts are near (not exact) copies of each other.

    Candidates come from an index of every 6-character piece: a text within 10% edits
    of another keeps most of its non-overlapping 6-character chunks intact, so two
    texts sharing fewer than 40% of them are not compared at all. Only candidate
    pairs pay for difflib, which keeps a batch of a thousand tables to seconds.
    """
    owners: dict[str, list[Texts]] = {}
    for project in projects:
        text = compact(getattr(project, field))
        if len(text) >= min_chars:
            owners.setdefault(text, []).append(project)
    texts = list(owners)
    index: defaultdict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        for piece in {text[k : k + _CHUNK] for k in range(len(text) - _CHUNK + 1)}:
            index[piece].append(i)
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, text in enumerate(texts):
        chunks = [text[k : k + _CHUNK] for k in range(0, len(text) - _CHUNK + 1, _CHUNK)]
        postings = [index[c] for c in chunks if len(index.get(c, ())) <= _COMMON_CAP]
        if not postings:
            continue
        need = max(1, math.ceil(0.4 * len(postings)))
        counts = Counter(chain.from_iterable(postings))  # counted in C; pairs (i, j) with j > i are i's to test
        for j in [j for j, shared in counts.items() if shared >= need and j > i]:
            other = texts[j]
            # the letters bound (never above the length bound) rejects nearly every pair before
            # similarity() tries difflib's own bounds and, last, its matcher
            if find(i) == find(j) or letters_bound(text, other) < threshold:
                continue
            if similarity(text, other, threshold) >= threshold:
                parent[find(j)] = find(i)
    clusters: dict[int, list[int]] = {}
    for i in range(len(texts)):
        clusters.setdefault(find(i), []).append(i)
    result: list[tuple[str, list[Texts]]] = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        # One project per distinct text: exact copies among them are JX701's.
        group = [owners[texts[i]][0] for i in members]
        if len({compact(p.name) for p in group}) >= 2:
            result.append((texts[members[0]], group))
    return result


@rule(
    "JX703",
    Severity.WARNING,
    "中长期绩效目标与年度绩效目标相同",
    why="中长期目标说明项目整个周期要达到什么，年度目标说明本年度完成什么，两者不应相同。",
    bad="中长期：通过项目为行政审批工作提供办公场所……；年度：为行政审批工作提供办公场所……",
    good="年度：2022年租用办公用房8085.11平方米，保障全年窗口正常办公",
)
def long_term_equals_annual(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    long_term, annual = compact(project.long_term_goal), compact(project.annual_goal)
    if not long_term or not annual:
        return
    threshold = float(ctx.get("near_duplicate_ratio", 0.9))
    ratio = 1.0 if long_term == annual else similarity(long_term, annual, threshold)
    if ratio < threshold:
        return
    same = "相同" if ratio == 1.0 else f"几乎相同（相似度{ratio:.0%}）"
    yield ctx.finding(
        f"年度绩效目标与中长期绩效目标{same}：年度目标应写明本年度要完成的任务和达到的效果（数量、质量、时间）。",
        cell=project.cells.get("annual_goal", ""),
        field="annual_goal",
    )


@rule(
    "JX704",
    Severity.WARNING,
    "绩效目标照抄项目概况",
    why="项目概况说做什么、花多少钱，绩效目标说要达到什么效果；目标照抄概况等于没有写目标。",
    bad="中长期绩效目标：现有在岗社会化用工数13人，按财政局核定标准进行公用经费补助。提高单位管理效能……",
    good="中长期绩效目标：保障社会化用工人员办公条件，提高单位管理效能",
)
def goal_copies_overview(project: Project, ctx: RuleContext) -> Iterator[Finding]:
    overview = compact(project.overview)
    if len(overview) < int(ctx.get("copy_min_chars", 12)):
        return
    threshold = float(ctx.get("near_duplicate_ratio", 0.9))
    for field in ("long_term_goal", "annual_goal"):
        goal = compact(getattr(project, field))
        if not goal:
            continue
        if overview in goal or similarity(overview, goal, threshold) >= threshold:
            label = _TEXT_FIELDS[field]
            yield ctx.finding(
                f"{label}照抄了项目概况：请改写为本项目要达到的产出和效果（做到什么程度、带来什么变化）。",
                cell=project.cells.get(field, ""),
                field=field,
            )
