"""Typed results of the library calls, frictionless-style: one entry per input file, findings with codes.

Every ``to_dict()`` gives exactly the JSON the matching CLI command prints with
``--json``, so a web page, the add-in and a script see the same shapes. The reading
calls' results are here; those of the writing calls (``MarkResult``, ``ImportResult``,
``MergeReport``, all exported by :mod:`xltool.api`) are in :mod:`xltool.api.written`, so the
Excel ribbon's click, which validates a grid, does not build their classes (a dataclass
costs a fresh Python most of a millisecond).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
