"""A table's title block: the form's title, the budget year it states ("2022年…表", "(2022年度)",
"年度：2022") and, for a table without a 项目名称 row, the project its title names.

Only short cells are looked at (a title or a year line), and whitespace runs are collapsed
first, so a hostile cell costs one linear pass.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from xltool.core.fields import label, words
from xltool.core.grid import Grid
from xltool.core.model import Project
from xltool.core.text import SPACE_RUN_RE, clean_text, lazy_pattern, normalize_label

# The budget year as a title block states it: "2022年…表", "(2022年度)", "年度：2022".
_YEAR_RES = (re.compile(r"((?:19|20)\d{2}) ?年"), lazy_pattern(r"年度 ?[:：]? ?((?:19|20)\d{2})(?!\d)"))
_MAX_YEAR_CELL = 60  # a title or a year line; longer cells are text
_YEAR_LINE_RES = (lazy_pattern(r"((?:19|20)\d{2}) ?年度"), lazy_pattern(r"年度 ?[:：]? ?((?:19|20)\d{2})(?!\d)"),
                  lazy_pattern(r"[(（]? ?((?:19|20)\d{2}) ?年? ?[)）]?"))


def year_line(value: Any) -> int | None:
    """The year of a line above the table that states one as such ("(2022年度)", "年度：2022",
    "填报单位：… 2022年度"); a date inside a sentence ("2024年12月底前") is no year line."""
    if not isinstance(value, str) or len(value) > _MAX_YEAR_CELL:
        return None
    text = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    for k, pattern in enumerate(_YEAR_LINE_RES):
        found = pattern.fullmatch(text) if k == 2 else pattern.search(text)
        if found:
            return int(found.group(1))
    return None


def year_stated(value: Any) -> int | None:
    """The year a short title-block cell states, or None."""
    if not isinstance(value, str) or len(value) > _MAX_YEAR_CELL:
        return None
    text = SPACE_RUN_RE.sub(" ", unicodedata.normalize("NFKC", value))
    for pattern in _YEAR_RES:
        found = pattern.search(text)
        if found:
            return int(found.group(1))
    return None


_ANY_YEAR_RE = lazy_pattern(r"[(（]? ?(?:19|20)\d{2} ?年度? ?[)）]?")


def name_in_title(value: Any) -> str:
    """The project a title names before its form's kind: "2019年度宁晋县高中助学金项目绩效评价指标表"
    → "宁晋县高中助学金项目"; "" for a title that names none ("项目支出绩效目标表", "某局项目…",
    [words] title_not_a_name), and for any cell that is no such title."""
    if not isinstance(value, str) or len(value) > _MAX_YEAR_CELL:
        return ""
    text = _TRAILING_NOTE_RE.sub("", SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", value)))
    kind = text.find("绩效")  # the form's kind begins there: 绩效目标表, 绩效目标申报表, 绩效评价指标表
    if kind < 0 or not text.endswith("表"):
        return ""
    head = _ANY_YEAR_RE.sub("", text[:kind]).strip("-—_:：、,，. ")
    if head.endswith("支出"):
        head = head[:-2]
    core = head[:-2] if head.endswith("项目") else head
    if len(core) < 2 or core.endswith(tuple(words("title_not_a_name"))):
        return ""
    return head


_MAX_TITLE = 60  # a title; longer cells are text
_TRAILING_NOTE_RE = lazy_pattern(r"[(（][^()（）]{0,20}[)）]$")  # "…目标表（2023年度）"
_ATTACHMENT_RE = lazy_pattern(r"附件\d*")
_ATTACHMENT_LINE_RE = lazy_pattern(r"附件\d*[:：]?")


def is_form_title(value: Any) -> bool:
    """"…绩效目标…表" (a trailing "（2023年度）" aside) or "附件3": a form's title, no label or text."""
    if not isinstance(value, str) or ("表" not in value and "附件" not in value):
        return False
    text = normalize_label(value)
    if len(text) > _MAX_TITLE:
        return False
    if text.endswith((")", "）")):  # normalize_label left no space after it
        text = _TRAILING_NOTE_RE.sub("", text)  # "…目标表（2023年度）"
    return ("绩效目标" in text and text.endswith("表")) or bool(_ATTACHMENT_RE.fullmatch(text))


def is_title_line(texts: list[tuple[int, Any]]) -> bool:
    """A line above a table that is no label of it: a title, "附件2", a year line."""
    if len(texts) != 1:
        return False
    value = texts[0][1]
    text = normalize_label(value)
    return is_form_title(value) or text.endswith("表") or year_line(value) is not None or bool(
        _ATTACHMENT_LINE_RE.fullmatch(text))


def name_from_title(grid: Grid, project: Project, top: int, start: int) -> None:
    """A table without a 项目名称 row: its name from the last title in rows [top, start) that names a
    project, else none, and a note that says which, first of its notes (the reader's "未找到" note replaced)."""
    titles = [(grid.ref(r, c), clean_text(v)) for r in range(top, start) for c, v in enumerate(grid.rows[r])
              if isinstance(v, str) and v.strip()]
    named = next(((ref, text, n) for ref, text in reversed(titles) if (n := name_in_title(text))), None)
    missing = f"未找到“{label('name')}”栏目"
    project.notes = [n for n in project.notes if n != missing]
    if named is not None:  # first among the notes: what the user must look at before anything else
        ref, text, project.name = named
        project.cells["name"] = ref
        project.notes.insert(0, f"{missing}，项目名称按表格标题“{text}”读取为“{project.name}”，请核对")
    else:
        project.notes.insert(0, f"{missing}，项目名称留空，请补填")
