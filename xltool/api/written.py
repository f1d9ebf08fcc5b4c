"""Typed results of the writing calls (mark, import, merge): see :mod:`xltool.api.results`.

Kept apart from the reading calls' results so that validating a grid (the Excel ribbon's
click, a fresh Python each time) never builds these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.api.results import FileReport

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.model import Project


@dataclass
class MarkResult:
    """A marked workbook: written to ``output`` (``backup`` is the file it replaced), or held in ``data``."""

    output: Path | None
    data: bytes | None
    marked_cells: int
    backup: Path | None = None
    notices: list[str] = field(default_factory=list)
    at_risk: list[str] = field(default_factory=list)  # content openpyxl cannot keep (charts …)

    @property
    def warning(self) -> str:
        """What the marked workbook may lack or show changed ("" when nothing is at risk)."""
        if not self.at_risk:
            return ""
        from xltool.write.marking import lost_message

        return lost_message(self.at_risk) + "（标注后的文件中可能缺失或变样）"


@dataclass
class ImportResult:
    """Projects imported; the workbook written to ``output`` or held in ``data`` (None with no output asked)."""

    projects: list[Project]
    notices: list[str] = field(default_factory=list)
    output: Path | None = None
    data: bytes | None = None
    skipped_tables: int = 0  # tables inside a source passed over (no 项目名称 …)
    sources: int = 0  # files read
    written: list[Path] = field(default_factory=list)  # every workbook written (one per project with ``split``)
    profile_notice: str = ""  # projects of several profiles in one workbook: which one its lists follow
    incomplete: bool = False  # a table passed over, a folder that could not be opened, or a text cut to fit a cell
    # Layout files for tables with titles or labels not placed (apps/layout_files.Draft: mapping, text, path):
    # written beside ``output``/in ``split``; with neither, only here, for the caller to offer.
    layouts: list[Any] = field(default_factory=list)


@dataclass
class MergeReport:
    """A merge: every input file with its status (skipped ones with the reason), counts, the summary written."""

    files: list[FileReport]
    projects: int
    indicators: int
    findings: int
    output: Path
    backup: Path | None = None
    duplicates: list[str] = field(default_factory=list)
    ignored: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    detail: Any = field(default=None, repr=False)  # the apps-level report (its wording)
    rename: Any = field(default=None, repr=False)  # staged upload paths → the caller's names

    def problem_lines(self) -> list[str]:
        """One line per file skipped or failed and per duplicated project."""
        return [self._named(line) for line in self.detail.problem_lines()]

    def summary_line(self) -> str:
        """What was merged, how many problems, where the summary is (Chinese, several lines)."""
        return self._named(self.detail.summary_line())

    def _named(self, text: str) -> str:
        return self.rename(text) if self.rename is not None else text

    @property
    def has_problems(self) -> bool:
        """A file was skipped or failed (not a quiet skip such as a lock file) or read in part, or a project
        came twice."""
        return self.detail.has_problems if self.detail is not None else bool(self.duplicates) or any(
            (f.status in ("skipped", "failed") and f.error_code != "quiet") or f.error_code == "input.partial"
            for f in self.files)
