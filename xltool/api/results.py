"""Typed results of the library calls, frictionless-style: one entry per input file, findings with codes.

Every ``to_dict()`` gives exactly the JSON the matching CLI command prints with
``--json``, so a web page, the add-in and a script see the same shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from xltool.core.findings import Finding
    from xltool.core.model import Project

FILE_STATUSES = ("ok", "failed", "skipped", "not_marked")


@dataclass
class FileReport:
    """What happened to one input: ``status`` ok / failed / skipped (not read, ``message`` says why) /
    not_marked; ``error_code`` is the failure's stable code (``file.encrypted`` …), "" when ok."""

    file: str
    status: str = "ok"
    message: str = ""
    projects: int = 0
    notes: list[str] = field(default_factory=list)
    error_code: str = ""
    error: Any = field(default=None, repr=False, compare=False)  # the XltoolError of a failed file

    def to_dict(self) -> dict[str, Any]:
        """The entry of ``files`` in ``xltool validate --json``."""
        return {"file": self.file, "status": self.status, "message": self.message, "projects": self.projects}


@dataclass
class ValidationReport:
    """Files and findings of one validation; ``notices`` are the lines about files passed over."""

    files: list[FileReport]
    findings: list[Finding]
    notices: list[str] = field(default_factory=list)

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
        """Exactly what ``xltool validate --json`` prints."""
        return {"files": [f.to_dict() for f in self.read_files], "findings": [f.to_json_dict() for f in self.findings]}


@dataclass
class ReadReport:
    """Projects read from the inputs, and each input's status."""

    files: list[FileReport]
    projects: list[Project]

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


@dataclass
class ImportResult:
    """Projects imported; the workbook written to ``output`` or held in ``data`` (None with no output asked)."""

    projects: list[Project]
    notices: list[str] = field(default_factory=list)
    output: Path | None = None
    data: bytes | None = None
    skipped_tables: int = 0


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
    detail: Any = None  # the apps-level report (for the CLI's wording)

    @property
    def has_problems(self) -> bool:
        """A file was skipped or failed (not a quiet skip such as a lock file), or a project came twice."""
        return bool(self.duplicates) or any(f.status in ("skipped", "failed") and f.error_code != "quiet"
                                            for f in self.files)
