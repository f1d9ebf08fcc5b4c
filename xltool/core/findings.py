"""Findings: what a rule reports, where, and how bad it is.

Modelled on frictionless' error report: every finding carries a stable code, a
position (file, sheet, cell, field) and a Chinese note that says how to fix it.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """错误 / 警告 / 提示."""
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Finding(BaseModel):
    """One defect found in one place."""

    model_config = ConfigDict(extra="forbid")

    code: str  # stable rule code, e.g. "JX201"
    severity: Severity
    message: str  # Chinese: what is wrong and how to fix it
    file: str = ""
    sheet: str = ""
    project: str = ""
    cell: str = ""  # e.g. "E14"; "" when the finding concerns the whole table
    field: str = ""  # model field: total, funding.district, overview, indicator …
    level2: str = ""
    indicator: str = ""

    def to_json_dict(self) -> dict[str, str]:
        data = self.model_dump()
        data["severity"] = self.severity.value
        return data


def count_by_severity(findings: list[Finding]) -> dict[Severity, int]:
    counts = {s: 0 for s in Severity}
    for f in findings:
        counts[f.severity] += 1
    return counts
