"""Typed results of the library calls, frictionless-style: one entry per input file, findings with codes.

Every ``to_dict()`` gives exactly the JSON the matching CLI command prints with
``--json``, so a web page, the add-in and a script see the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.write.report import FileReport

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.findings import Finding
    from xltool.core.model import Project

FILE_STATUSES = ("ok", "failed", "skipped", "not_marked")


@dataclass
class ValidationReport:
    """Files and findings of one validation; ``notices`` are the lines about files passed over."""

    files: list[FileReport]
    findings: list[Finding]
    notices: list[str] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list, repr=False)  # what the rules saw

    def findings_for(self, file: str) -> list[Finding]:
        return [f for f in self.findings if f.file == file]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity.value == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity.value == "warning")

    @property
    def read_files(self) -> list[FileReport]:
        """The files that were read (or failed to be): skipped ones left out, as in the CLI's report."""
        return [f for f in self.files if f.status != "skipped"]

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status in ("failed", "not_marked")]

    def to_dict(self) -> dict[str, Any]:
        """Exactly what ``xltool validate --json`` prints; ``skipped``: every file or folder passed over, with why."""
        return {"files": [f.to_dict() for f in self.read_files], "findings": [f.to_json_dict() for f in self.findings],
                "skipped": [{"file": f.file, "reason": f.message} for f in self.files if f.status == "skipped"]}

    def to_text(self) -> str:
        """The readable Chinese report (per file, per project, one line per finding, then the counts)."""
        from xltool.write.report import ValidationRun, format_text

        return format_text(ValidationRun(self.read_files, self.findings))


@dataclass
class ReadReport:
    """Projects read from the inputs, and each input's status."""

    files: list[FileReport]
    projects: list[Project]
    profile: str | None = None  # the profile the (first) workbook records

    def to_dict(self) -> list[dict[str, Any]]:
        """Exactly what ``xltool read --json`` prints: the list of projects."""
        return [p.to_json_dict() for p in self.projects]


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
