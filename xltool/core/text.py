"""Text normalisation: the one meaning of 'the same text' across reader, rules and merge."""

from __future__ import annotations

import re
import unicodedata
from typing import Any


_SPACES = " \t\n\u3000\u00a0\ufeff\u200b"


def clean_text(value: Any) -> str:
    """Strip every kind of space (incl. full-width U+3000 and NBSP) from both ends."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip(_SPACES)


def normalize_label(value: Any) -> str:
    """Canonical form for comparing labels: NFKC (full-width → half-width), no spaces."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    return re.sub(r"[\s\u3000\u00a0]+", "", text)
