"""The budget year as a table's title block states it: "2022年…表", "(2022年度)", "年度：2022".

Only short cells are looked at (a title or a year line), and whitespace runs are collapsed
first, so a hostile cell costs one linear pass.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from xltool.core.fields import words
from xltool.core.text import SPACE_RUN_RE, lazy_pattern

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
_KIND_RE = lazy_pattern(r"绩效")
_NOTE_RE = lazy_pattern(r"[(（][^()（）]{0,20}[)）]$")  # "…目标表（2023年度）"


def name_in_title(value: Any) -> str:
    """The project a title names before its form's kind: "2019年度宁晋县高中助学金项目绩效评价指标表"
    → "宁晋县高中助学金项目"; "" for a title that names none ("项目支出绩效目标表", "某局项目…",
    [words] title_not_a_name), and for any cell that is no such title."""
    if not isinstance(value, str) or len(value) > _MAX_YEAR_CELL:
        return ""
    text = _NOTE_RE.sub("", SPACE_RUN_RE.sub("", unicodedata.normalize("NFKC", value)))
    kind = _KIND_RE.search(text)
    if kind is None or not text.endswith("表"):
        return ""
    head = _ANY_YEAR_RE.sub("", text[:kind.start()]).strip("-—_:：、,，. ")
    if head.endswith("支出"):
        head = head[:-2]
    core = head[:-2] if head.endswith("项目") else head
    if len(core) < 2 or core.endswith(tuple(words("title_not_a_name"))):
        return ""
    return head
