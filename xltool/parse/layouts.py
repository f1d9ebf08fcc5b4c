"""Layout files: a user's own wordings for one import ("项目称谓" means 项目名称).

A layout file is TOML with two tables, each "title or label as written" = "field":

    [header]
    "项目称谓" = "name"
    "年度经费额度" = "total"
    [columns]
    "考核值" = "target"

The fields are those of the field table (data/fields.toml: header.* and columns.*). Applied
for one run, the wordings rank as exact labels; nothing is written to the shipped table.
"""

from __future__ import annotations

import re
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from xltool.core.errors import XltoolError
from xltool.core.fields import set_extra_labels, synonyms

SECTIONS = ("header", "columns")


def load_layout(path: str | Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """{section: {field: wordings}} from a layout file; a clear Chinese error naming what is wrong."""
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
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise XltoolError(f"版式文件中有无法识别的分组：{'、'.join(unknown)}（只能是 [header] 或 [columns]）", file=path)
    layout: dict[str, dict[str, tuple[str, ...]]] = {}
    for section in SECTIONS:
        known = synonyms(section)  # type: ignore[arg-type]
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise XltoolError(f"版式文件的 [{section}] 应为“原表文字 = 栏目”的列表", file=path)
        wordings: dict[str, list[str]] = {}
        for text, key in table.items():
            if not isinstance(key, str) or key not in known:
                choices = "、".join(known)
                raise XltoolError(f"版式文件 [{section}] 中“{text}”对应的栏目“{key}”不存在；可选：{choices}", file=path)
            wordings.setdefault(key, []).append(text)
        layout[section] = {k: tuple(v) for k, v in wordings.items()}
    return layout


@contextmanager
def applied_layout(layout: dict[str, dict[str, tuple[str, ...]]] | None) -> Iterator[None]:
    """The layout's wordings count as labels inside the block (one import run), never after."""
    if not layout:
        yield
        return
    set_extra_labels(layout)
    _clear()
    try:
        yield
    finally:
        set_extra_labels({})
        _clear()


def _clear() -> None:
    from xltool.parse import reader  # noqa: PLC0415
    from xltool.parse.indicators import level_names, reset_caches  # noqa: PLC0415

    reset_caches()
    for cached in (reader._names_project, reader._name_label_chars, level_names):
        cached.cache_clear()
