"""Layout files: a user's own wordings for one import ("项目称谓" means 项目名称).

A layout file is TOML with two tables, each "title or label as written" = "field":

    [header]
    "项目称谓" = "name"
    "年度经费额度" = "total"
    [columns]
    "考核值" = "target"

The fields are those of the field table (data/fields.toml: header.* and columns.*). Applied
for one run, the wordings rank as exact labels; nothing is written to the shipped table.
A wording mapped to "" is one still to be filled in (import writes those); a top-level
``fingerprint`` names the tables the layout was written for (parse/mapping.py): kept in a
layouts folder, it is applied to tables of that fingerprint automatically (:func:`layout_library`).
"""

from __future__ import annotations

import json
import re
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from xltool.core.errors import XltoolError
from xltool.core.fields import field, set_extra_labels, synonyms
from xltool.parse.turns import PARSING

if TYPE_CHECKING:  # pragma: no cover  (the gate refuses files before the model loads)
    from xltool.parse.mapping import TableMapping

SECTIONS = ("header", "columns")


Wordings = dict[str, dict[str, tuple[str, ...]]]  # {section: {field: wordings}}


@dataclass(frozen=True)
class SavedLayout:
    """A layout file as read: where it is, the tables it was written for, its wordings."""

    path: Path
    fingerprint: str
    wordings: Wordings


def load_layout(path: str | Path) -> Wordings:
    """{section: {field: wordings}} from a layout file; a clear Chinese error naming what is wrong."""
    return read_layout(path).wordings


def read_layout(path: str | Path) -> SavedLayout:
    """A layout file with its fingerprint ("" when it names none); a clear Chinese error naming what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise XltoolError(f"无法读取版式文件（{exc.strerror or exc}）", file=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"第 {line.group(1)} 行" if line else "编码应为 UTF-8"
        raise XltoolError(f"版式文件格式不对（{where}）：每行应为 \"原表文字\" = \"栏目\"，"
                          "分在 [header] 与 [columns] 下", file=path) from None
    fingerprint = data.pop(FINGERPRINT, "")
    if not isinstance(fingerprint, str):
        raise XltoolError(f"版式文件中的 {FINGERPRINT} 应为带引号的文字", file=path)
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise XltoolError(f"版式文件中有无法识别的分组：{'、'.join(unknown)}（只能是 [header] 或 [columns]）", file=path)
    layout: dict[str, dict[str, tuple[str, ...]]] = {}
    for section in SECTIONS:
        known = synonyms(section)  # type: ignore[arg-type]
        titles = {field(k, section).title: k for k in known}  # type: ignore[arg-type]  # "项目名称" for name
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise XltoolError(f"版式文件的 [{section}] 应为“原表文字 = 栏目”的列表", file=path)
        wordings: dict[str, list[str]] = {}
        for text, key in table.items():
            if key == "":
                continue  # not filled in yet: the wording stays unrecognised
            if isinstance(key, str) and key.strip() in titles:
                key = titles[key.strip()]  # the field's Chinese title written instead of its name
            if not isinstance(key, str) or key not in known:
                choices = "、".join(known)
                raise XltoolError(f"版式文件 [{section}] 中“{text}”对应的栏目“{key}”不存在；可选：{choices}", file=path)
            wordings.setdefault(key, []).append(text)
        layout[section] = {k: tuple(v) for k, v in wordings.items()}
    return SavedLayout(path, fingerprint, layout)


FINGERPRINT = "fingerprint"

# The layouts kept in the user's layouts folder, by fingerprint, while :func:`layout_library` holds.
_LIBRARY: dict[str, SavedLayout] = {}
_ACTIVE: list[Wordings] = []  # the layout applied now (a run's --layout, or a kept one for one table)


@contextmanager
def layout_library(layouts: list[SavedLayout]) -> Iterator[None]:
    """Inside the block, a table whose fingerprint a kept layout names is read with that layout."""
    with PARSING:
        _LIBRARY.clear()
        _LIBRARY.update({saved.fingerprint: saved for saved in layouts if saved.fingerprint})
        try:
            yield
        finally:
            _LIBRARY.clear()


def kept_layout(fingerprint: str) -> SavedLayout | None:
    """The kept layout written for tables of ``fingerprint``, unless a layout is applied already."""
    return None if _ACTIVE or not fingerprint else _LIBRARY.get(fingerprint)


def active_wordings() -> Wordings:
    """The wordings applied now ({} none): written again, active, into a new layout file."""
    return _ACTIVE[-1] if _ACTIVE else {}


def render_layout(mapping: TableMapping, *, applied: Wordings | None = None) -> str:
    """A layout file for one table: its unrecognised titles and labels as "text" = "" to fill in,
    the wordings of the layout applied to it active, what xltool recognised itself as comments."""
    applied = applied or {}
    chosen = {(sec, text): key for sec, keys in applied.items() for key, texts in keys.items() for text in texts}
    lines = [
        "# xltool 版式文件：原表的栏目写法 = 模板栏目（可选的栏目名见文末）。",
        f"# 来源：{mapping.file}，{mapping.sheet or '表格'}",
        "# 标“未识别”的一行在引号中填上栏目名（不需要的留空）；以 # 开头的是 xltool 已认出的，改错的可去掉 # 后改写。",
        "# 用法：xltool import 源文件 -o 输出.xlsx --layout 本文件；",
        "# 或把本文件放进版式文件夹，以后栏目相同（指纹相同）的表自动按它读取。",
        f"{FINGERPRINT} = {_quote(mapping.fingerprint)}",
    ]
    for section, found in (("header", mapping.header), ("columns", mapping.columns)):
        lines += ["", f"[{section}]"]
        done: set[str] = set()
        for text, key in [(t, k) for (s, t), k in chosen.items() if s == section]:
            lines.append(f"{_quote(text)} = {_quote(key)}")
            done.add(text)
        for item in mapping.unmapped:
            if item.section == section and item.text not in done:
                hint = f"— {item.hint}" if item.hint else ""
                lines.append(f"{_quote(item.text)} = \"\"  # 未识别（{item.where}）{hint}")
                done.add(item.text)
        known = synonyms(section)  # type: ignore[arg-type]
        for text, key in found.items():
            if text not in done and key in known:
                lines.append(f"# {_quote(text)} = {_quote(key)}  # 已识别为“{field(key, section).title}”")  # type: ignore[arg-type]
    lines += ["", "# 可选栏目："]
    for section in SECTIONS:
        names = "、".join(f"{key}（{field(key, section).title}）" for key in synonyms(section))  # type: ignore[arg-type]
        lines.append(f"# [{section}] {names}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


@contextmanager
def applied_layout(layout: dict[str, dict[str, tuple[str, ...]]] | None) -> Iterator[None]:
    """The layout's wordings count as labels inside the block (one import run), never after."""
    if not layout:
        yield
        return
    with PARSING:
        outer = active_wordings()
        set_extra_labels(layout)
        _ACTIVE.append(layout)
        _clear()
        try:
            yield
        finally:
            _ACTIVE.pop()
            set_extra_labels(outer)
            _clear()


def _clear() -> None:
    from xltool.parse import bands, reader  # noqa: PLC0415
    from xltool.parse.indicators import level_names, reset_caches  # noqa: PLC0415

    reset_caches()
    for cached in (reader._names_project, bands._name_label_chars, level_names):
        cached.cache_clear()
