"""Text normalisation: the one meaning of 'the same text' across reader, rules and merge,
and the one measure of how wide text shows in a cell or note."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, cast

_SPACES = " \t\n\u3000\u00a0\ufeff\u200b"
BLANK_CHARS = _SPACES + "\r"  # a text of only these is blank to clean_text (its \r become \n)
# Every space and every zero-width character (ZWSP, ZWNJ, ZWJ, word joiner, BOM): a
# label or a word compared with one of these inside is still the same label.
SPACE_RUN_RE = re.compile(r"\s+")  # removed where a label or a typed sign is compared without spaces
_INVISIBLE_RE = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
# East Asian wide and full-width characters (what Excel's CJK fonts draw two units wide):
# ranges from Unicode's East Asian Width table (W and F), merged; emoji blocks whole.
_WIDE_CLASS = (
    "[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615"
    "\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2"
    "\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797"
    "\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55"
    "\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f"
    "\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6"
    "\U00016fe0-\U0001b2fb\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a\U0001f200-\U0001f265"
    "\U0001f300-\U0001f64f\U0001f680-\U0001f6fc\U0001f7e0-\U0001f7f0\U0001f900-\U0001f9ff"
    "\U0001fa70-\U0001faf6\U00020000-\U0003fffd]"
)


def clean_text(value: Any) -> str:
    """Strip every kind of space (incl. full-width U+3000 and NBSP) from both ends."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip(_SPACES)


def normalize_label(value: Any) -> str:
    """Canonical form for comparing labels and words: NFKC (full-width → half-width),
    no spaces and no zero-width characters anywhere."""
    if value is None:
        return ""
    return _normalize_str(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=65536)
def _normalize_str(text: str) -> str:
    # Rules normalise the same cell text many times; the cache makes that one NFKC pass per text.
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))


def display_width(text: str) -> int:
    """Width in half-width units: a Chinese (wide or full-width) character counts two.

    One C-level regex count instead of a per-character width lookup, because the
    summary measures hundreds of thousands of cells.
    """
    if text.isascii():
        return len(text)
    return len(text) + len((_WIDE_RE or _compile_wide()).findall(text))


def display_lines(text: str, per_line: float) -> int:
    """Lines ``text`` takes when a line holds ``per_line`` half-width units: each typed line at
    least one, a longer one cut wherever it fills up. A quick count for row heights and note
    boxes (the summary lays text out word by word: ``xltool.write.summary.layout.line_count``)."""
    return sum(max(1, math.ceil(display_width(line) / per_line)) for line in text.split("\n"))


_WIDE_RE: re.Pattern[str] | None = None  # compiled on first use: `xltool --help` never measures text


def _compile_wide() -> re.Pattern[str]:
    global _WIDE_RE
    _WIDE_RE = re.compile(_WIDE_CLASS)
    return _WIDE_RE


class _Compiled:
    """A :func:`lazy_pattern` once used: the compiled pattern's methods are its attributes."""

    def __repr__(self) -> str:
        return f"lazy_pattern({self.pattern!r})"  # type: ignore[attr-defined]


class _LazyPattern(_Compiled):
    """A :func:`lazy_pattern` not used yet."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # asked only for what the instance lacks: on the first use
        compiled = re.compile(*self._args)
        for attr in _PATTERN_API:
            setattr(self, attr, getattr(compiled, attr))
        self.__class__ = _Compiled  # no __getattr__ hook left on later lookups
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_pattern({self._args[0]!r})"


_PATTERN_API = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "pattern", "flags",
                "groups", "groupindex")


def lazy_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` deferred to the first use, for a pattern only some paths need.

    Without xlwings' UDF server every ribbon click starts a fresh Python and waits for the
    module-level ``re.compile`` of every module it imports; a pattern a click never uses (an
    import's, an unusual layout's) need not cost it. After the first use the compiled pattern's
    methods are plain attributes (a call costs some tens of nanoseconds more than on the pattern
    itself: keep per-cell patterns every click uses compiled). Use it where the pattern is only
    called (``.match`` …), not passed to ``re`` functions or ``isinstance``.
    """
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))


def as_percent(value: float, decimals: int) -> str:
    """0.95 → "95%": a fraction stored under a percent format as the cell shows it, never rounding a digit away."""
    shown = round(value * 100, 10)
    text = f"{shown:.{decimals}f}"
    exact = f"{shown:.10f}".rstrip("0").rstrip(".")
    return (exact if len(exact.split(".")[-1]) > decimals and "." in exact else text) + "%"
