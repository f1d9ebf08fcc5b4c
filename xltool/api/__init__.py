"""The library API: one call per use case, the same for the CLI, the ribbon, a web page and a script.

    >>> import xltool
    >>> report = xltool.validate(["绩效目标表.xlsx"])                       # paths …
    >>> report = xltool.validate([xltool.Upload("表.xlsx", data)])          # … or bytes from an upload
    >>> [(f.code, f.sheet, f.cell) for f in report.findings]
    >>> report.to_dict()                                                     # == `xltool validate --json`

Names resolve lazily (PEP 562), so ``import xltool`` and ``import xltool.api`` cost
almost nothing: a ribbon click or ``xltool --help`` pays only for what it calls.
Nothing here prints, exits or names a command-line flag; failures are
:class:`~xltool.core.errors.XltoolError` with a stable ``code``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "read": "xltool.api.reading",
    "validate": "xltool.api.reading",
    "validate_grid": "xltool.api.reading",
    "read_grid": "xltool.api.reading",
    "mark": "xltool.api.writing",
    "check_mark_output": "xltool.api.writing",
    "MARKABLE_SUFFIXES": "xltool.core.names",
    "import_tables": "xltool.api.writing",
    "merge": "xltool.api.writing",
    "make_template": "xltool.api.writing",
    "find_inputs": "xltool.api.reading",
    "Upload": "xltool.api.sources",
    "Source": "xltool.api.sources",
    "FileReport": "xltool.api.results",
    "ReadReport": "xltool.api.results",
    "ValidationReport": "xltool.api.results",
    "MarkResult": "xltool.api.written",
    "ImportResult": "xltool.api.written",
    "MergeReport": "xltool.api.written",
    "XltoolError": "xltool.core.errors",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from xltool.api.reading import find_inputs, read, read_grid, validate, validate_grid
    from xltool.api.results import FileReport, ReadReport, ValidationReport
    from xltool.api.written import ImportResult, MarkResult, MergeReport
    from xltool.api.sources import Source, Upload
    from xltool.core.names import MARKABLE_SUFFIXES
    from xltool.api.writing import check_mark_output, import_tables, make_template, mark, merge
    from xltool.core.errors import XltoolError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
