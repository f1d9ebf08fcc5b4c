"""Excel sheet names for projects: valid, at most 31 UTF-16 units, unique without regard to case.

Project names come from users and from other regions' tables; Excel refuses some
characters, an apostrophe at either end and the name "History", and compares names
case-insensitively, so a name is cleaned before it becomes a sheet's title.
"""

from __future__ import annotations

import re
from typing import Iterable

from xltool.write.sheet_style import safe_text

# Excel refuses these in sheet names; it also compares names case-insensitively.
FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31


def excel_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    while excel_len(text) > limit:
        text = text[:-1]
    return text


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name from a project name.

    Drops ``[]:*?/\\`` and control characters, trims apostrophes (Excel refuses them at
    either end), shortens to 31 characters and appends ``(2)``, ``(3)`` … when the name
    is already used (Excel compares names case-insensitively).
    """
    text = safe_text(name)
    text = FORBIDDEN_SHEET_CHARS.sub("", text)
    text = re.sub(r"\s+", " ", text).strip(" '\u3000")
    if not text or text.casefold() == "history":
        text = "项目" if not text else f"{text}项目"
    used = {t.casefold() for t in taken}
    base = truncate(text, MAX_SHEET_NAME).rstrip(" '")
    candidate, n = base, 2
    while candidate.casefold() in used:
        suffix = f"({n})"
        candidate = truncate(base, MAX_SHEET_NAME - len(suffix)).rstrip(" '") + suffix
        n += 1
    return candidate
