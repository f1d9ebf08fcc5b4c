"""Layout files around an import: the draft written beside the output, the user's layouts folder.

When a table has titles or labels xltool could not place, import writes a layout file
(parse/layouts.render_layout) beside its output, naming each one; filled in, it is applied with
``--layout``. Layouts the user keeps in the layouts folder are applied to tables of the same
fingerprint automatically (parse/layouts.layout_library). The folder is ``XLTOOL_LAYOUTS`` when
set, else the user's configuration folder: ``%APPDATA%\\xltool\\版式`` on Windows,
``~/.config/xltool/layouts`` (``$XDG_CONFIG_HOME``) elsewhere.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xltool.core.errors import XltoolError
from xltool.parse.layouts import SavedLayout, read_layout, render_layout
from xltool.parse.mapping import mapping_of

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project
    from xltool.parse.mapping import TableMapping

LAYOUTS_ENV = "XLTOOL_LAYOUTS"
DRAFT_SUFFIX = ".版式.toml"
_MAX_KEPT = 500  # layout files read from the folder; a folder of thousands is not a layouts folder
_MAX_LAYOUT_BYTES = 256 * 1024


def layouts_folder() -> Path:
    """Where a user keeps the layouts applied automatically (it need not exist)."""
    chosen = os.environ.get(LAYOUTS_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "xltool" / "版式"
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "xltool" / "layouts"


def kept_layouts(folder: Path | None = None) -> tuple[list[SavedLayout], list[str]]:
    """The layouts of the folder that name a fingerprint, and a notice for each file not usable."""
    folder = layouts_folder() if folder is None else folder
    try:
        files = sorted(p for p in folder.glob("*.toml") if p.is_file())[:_MAX_KEPT] if folder.is_dir() else []
    except OSError:
        return [], [f"版式文件夹 {folder} 无法打开，未自动应用其中的版式"]
    kept: list[SavedLayout] = []
    notices: list[str] = []
    for path in files:
        try:
            if path.stat().st_size > _MAX_LAYOUT_BYTES:
                raise XltoolError("版式文件过大，不像是版式文件", file=path)
            saved = read_layout(path)
        except (XltoolError, OSError) as exc:
            notices.append(f"版式文件夹中的文件未能使用：{exc.describe() if isinstance(exc, XltoolError) else exc}")
            continue
        if saved.fingerprint:
            kept.append(saved)
        else:
            notices.append(f"版式文件 {path} 没有 fingerprint（指纹）一行，不会自动应用；可在导入时指定这个版式文件")
    return kept, notices


@dataclass
class Draft:
    """One layout file to write: the table it is for and its text."""

    mapping: TableMapping
    text: str
    count: int  # titles and labels still to fill in
    path: Path | None = None

    @property
    def summary(self) -> str:
        """What was not placed, in which file (a front end adds where it puts the layout file)."""
        return unplaced_notice(self)

    @property
    def notice(self) -> str:
        """The notice printed once the layout file is written."""
        return draft_notice(self)


def drafts_for(projects: list[Project], applied: dict[str, dict[str, tuple[str, ...]]] | None = None,
               unplaced: list[TableMapping] | None = None) -> list[Draft]:
    """One draft per distinct table (fingerprint) that has titles or labels not placed; ``unplaced``:
    tables that named no project (parse/unplaced.py), their header block to map."""
    drafts: dict[str, Draft] = {}
    for mapping in [mapping_of(p) for p in projects] + list(unplaced or []):
        if mapping is None or not mapping.unmapped or mapping.fingerprint in drafts:
            continue
        used = applied
        if mapping.applied:  # a kept layout was applied: its wordings stay in the new draft
            try:
                used = read_layout(mapping.applied).wordings
            except XltoolError:
                used = applied
        drafts[mapping.fingerprint] = Draft(mapping, render_layout(mapping, applied=used),
                                            len({u.text for u in mapping.unmapped}))
    return list(drafts.values())


def draft_paths(drafts: list[Draft], output: Path) -> None:
    """Each draft's place: ``输出.版式.toml`` beside a workbook (``输出.版式-2.toml`` …), or
    ``版式.toml`` inside a folder of split workbooks."""
    folder, stem = (output, "") if output.suffix.lower() != ".xlsx" else (output.parent, output.stem)
    for k, draft in enumerate(drafts, start=1):
        base = f"{stem}{DRAFT_SUFFIX}" if stem else DRAFT_SUFFIX.lstrip(".")
        if k > 1:
            base = base.replace(".toml", f"-{k}.toml")
        draft.path = folder / base


def write_drafts(drafts: list[Draft], output: Path) -> list[str]:
    """Write each draft beside ``output`` (a file there is backed up first); the notices to print."""
    from xltool.io.files import atomic_output, backup_file

    draft_paths(drafts, output)
    notices = []
    for draft in drafts:
        assert draft.path is not None
        try:
            if draft.path.is_file() and draft.path.read_text(encoding="utf-8", errors="replace") != draft.text:
                backup_file(draft.path)
            with atomic_output(draft.path) as temp:
                temp.write_text(draft.text, encoding="utf-8")
        except (XltoolError, OSError) as exc:
            notices.append(f"版式文件未能写出（{exc.describe() if isinstance(exc, XltoolError) else exc}）")
            continue
        notices.append(draft_notice(draft))
    return notices


def unplaced_notice(draft: Draft) -> str:
    """What was not placed, in which file (each front end adds where its layout file is)."""
    names = "、".join(dict.fromkeys(f"“{u.text}”（{u.where}）" for u in draft.mapping.unmapped))
    return f"文件 {draft.mapping.file}：有 {draft.count} 个栏目未能识别：{names}"


def draft_notice(draft: Draft) -> str:
    """What was not placed, where the layout file is, and how to use it."""
    where = draft.path if draft.path is not None else "版式文件"
    return (f"{unplaced_notice(draft)}；已写出版式文件 {where}，在其中填上栏目名后按它重新导入；"
            f"放进版式文件夹 {layouts_folder()} 后，栏目相同的表以后自动按它读取")
