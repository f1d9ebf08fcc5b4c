"""One error type for everything a user can cause.

Every failure that reaches the CLI is an :class:`XltoolError` carrying a Simplified
Chinese message that names the file (and sheet/cell where it applies), a stable
machine ``code`` (``file.encrypted`` …) that a web page or add-in can branch on
without reading Chinese, and the exit code the CLI contract prescribes. Code deeper
down raises it; only ``xltool.cli`` turns it into text and an exit status, so no user
ever sees a traceback.
"""

from __future__ import annotations

from pathlib import Path

# CLI exit codes shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1  # validation errors found / some inputs skipped
EXIT_INPUT = 2  # a file could not be read, or the arguments are wrong

# Stable machine codes (``XltoolError.code``); front ends branch on these, never on the Chinese text.
CODES: frozenset[str] = frozenset({
    "file.not_found", "file.locked", "file.unreadable", "file.empty", "file.encrypted", "file.not_workbook",
    "file.damaged", "file.too_large", "input.not_file", "input.no_table", "input.summary", "input.none",
    "output.exists", "output.invalid", "output.at_risk", "output.disk_full", "output.failed", "output.locked",
    "output.denied", "output.is_input", "output.not_folder", "input.skipped", "args.invalid",
})


class XltoolError(Exception):
    """A user-facing failure with a Chinese message, a stable machine code and an exit code."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        exit_code: int = EXIT_INPUT,
        code: str | None = None,
    ) -> None:
        self.message = message
        if file is not None:
            from xltool.core.fsnames import legible  # only an error about a file needs it, not every importer

            self.file: str | None = legible(file)  # GBK bytes in a name shown decoded
        else:
            self.file = None
        self.sheet = sheet
        self.cell = cell
        self.exit_code = exit_code
        # Unlabelled raise sites: about a file, it could not be read; about nothing, the arguments are wrong.
        self.code = code or ("file.unreadable" if self.file else "args.invalid")
        super().__init__(self.describe())

    def to_dict(self) -> dict[str, str | None]:
        """The error as JSON for a web page or add-in: machine code, Chinese message, place."""
        return {"code": self.code, "message": self.message, "file": self.file, "sheet": self.sheet, "cell": self.cell}

    def describe(self) -> str:
        """The message prefixed with where it happened, e.g. ``文件 a.xlsx，工作表 项目1，单元格 B3：…``."""
        where = []
        if self.file:
            where.append(f"文件 {self.file}")
        if self.sheet:
            where.append(f"工作表 {self.sheet}")
        if self.cell:
            where.append(f"单元格 {self.cell}")
        prefix = "，".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message
