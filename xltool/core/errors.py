"""One error type for everything a user can cause.

Every failure that reaches the CLI is an :class:`XltoolError` carrying a Simplified
Chinese message that names the file (and sheet/cell where it applies) and the exit
code the CLI contract prescribes. Code deeper down raises it; only ``cli.py`` turns
it into text and an exit status, so no user ever sees a traceback.
"""

from __future__ import annotations

from pathlib import Path

from xltool.core.fsnames import legible

# CLI exit codes shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1  # validation errors found / some inputs skipped
EXIT_INPUT = 2  # a file could not be read, or the arguments are wrong


class XltoolError(Exception):
    """A user-facing failure with a Chinese message and an exit code."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        exit_code: int = EXIT_INPUT,
    ) -> None:
        self.message = message
        self.file = legible(file) if file is not None else None  # GBK bytes in a name shown decoded
        self.sheet = sheet
        self.cell = cell
        self.exit_code = exit_code
        super().__init__(self.describe())

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
