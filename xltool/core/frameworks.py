"""Indicator frameworks (一级 → 二级) as data, loaded from ``data/profiles/*.toml``.

A region changes its framework by editing a TOML file, not code. Rules ask for a
二级's *role* (``cost``, ``satisfaction`` …) rather than its name, so the same rule
serves every profile.
"""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from xltool.core.errors import XltoolError
from xltool.core.text import lazy_pattern, normalize_label

DEFAULT_PROFILE = "district-2022"


class Level2(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    role: str


class Level1(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    level2: tuple[Level2, ...]


class Profile(BaseModel):
    """One named indicator framework and its form's wording."""

    model_config = ConfigDict(frozen=True)
    name: str
    label: str
    title: str
    attachment: str = "附件3"
    funding_labels: dict[str, str]
    level1: tuple[Level1, ...]

    def level1_names(self) -> list[str]:
        return [l1.name for l1 in self.level1]

    def level2_names(self, level1: str | None = None) -> list[str]:
        return [l2.name for l1 in self.level1 if level1 in (None, l1.name) for l2 in l1.level2]

    def pairs(self) -> list[tuple[str, str]]:
        """Every (一级, 二级) in form order: the rows every table lists."""
        return [(l1.name, l2.name) for l1 in self.level1 for l2 in l1.level2]

    def role_of(self, level2: str) -> str | None:
        """The role of a 二级 name, tolerant of full-width/space differences."""
        key = normalize_label(level2)
        for l1 in self.level1:
            for l2 in l1.level2:
                if normalize_label(l2.name) == key:
                    return l2.role
        return None

    def names_with_role(self, role: str) -> list[str]:
        return [l2.name for l1 in self.level1 for l2 in l1.level2 if l2.role == role]

    def title_for(self, year: int) -> str:
        return self.title.format(year=year)


@cache
def load_profiles() -> dict[str, Profile]:
    """All shipped profiles by name."""
    profiles: dict[str, Profile] = {}
    folder = resources.files("xltool") / "data" / "profiles"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            profile = Profile.model_validate(data)
            profiles[profile.name] = profile
    return profiles


def get_profile(name: str | None) -> Profile:
    """The named profile; a clear Chinese error listing the choices otherwise."""
    profiles = load_profiles()
    key = name or DEFAULT_PROFILE
    if key not in profiles:
        choices = "、".join(profiles)
        raise XltoolError(f"未知的指标体系“{key}”，可选：{choices}")
    return profiles[key]


def guess_profile(level1_names: list[str], level2_names: list[str]) -> Profile:
    """The profile whose 一级/二级 names best match what a sheet holds.

    Old sheets carry no profile marker; the indicator names themselves tell.
    """
    have1 = frozenset(normalize_label(strip_form_note(n)) for n in level1_names if n)
    have2 = frozenset(normalize_label(strip_form_note(n)) for n in level2_names if n)
    return get_profile(_best_profile(have1, have2))


def unmatched_levels(profile: Profile, level1_names: list[str], level2_names: list[str]) -> list[str]:
    """The 一级/二级 names a table uses that the profile does not have (form notes stripped)."""
    p1, p2 = _profile_names()[profile.name]
    out = [n for n in dict.fromkeys(level1_names) if n and normalize_label(strip_form_note(n)) not in p1]
    return out + [n for n in dict.fromkeys(level2_names) if n and normalize_label(strip_form_note(n)) not in p2]


@lru_cache(maxsize=4096)
def strip_form_note(name: str) -> str:
    """"数量指标 (必填硬性指标)" → "数量指标", "产出指标（50分）" → "产出指标": a form's filling note or the
    level's score in brackets is no part of the name (the notes are data: fields.toml [words] form_notes;
    the score stays in the table's 分值 column, where forms that score levels keep it)."""
    from xltool.core.fields import words  # noqa: PLC0415

    text = name.strip()
    for _ in range(2):
        if not text.endswith((")", "）")):
            break
        open_at = max(text.rfind("("), text.rfind("（"))
        inside = normalize_label(text[open_at + 1:-1]) if open_at > 0 else ""
        if not inside or not (any(normalize_label(w) in inside for w in words("form_notes"))
                              or _SCORE_NOTE_RE.fullmatch(inside)):
            break
        text = text[:open_at].rstrip()
    return text


_SCORE_NOTE_RE = lazy_pattern(r"(?:权重|分值|满分|分数)?[:：]?\d{1,3}(?:\.\d+)?(?:分|%)?")


@lru_cache(maxsize=1024)  # tables of one region repeat the same few sets of names
def _best_profile(have1: frozenset[str], have2: frozenset[str]) -> str:
    best, best_score = DEFAULT_PROFILE, -1
    for name, (p1, p2) in _profile_names().items():
        score = 2 * len(have1 & p1) + len(have2 & p2) - len(have1 - p1) - len(have2 - p2)
        if score > best_score or (score == best_score and name == DEFAULT_PROFILE):
            best, best_score = name, score
    return best


@cache
def _profile_names() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Each profile's 一级 and 二级 names, normalised once."""
    return {
        name: (frozenset(normalize_label(n) for n in p.level1_names()),
               frozenset(normalize_label(n) for n in p.level2_names()))
        for name, p in load_profiles().items()
    }
