"""Marking workbooks with their findings, and undoing it exactly.

:mod:`.engine` holds the rules (colours, notes, remembered originals, the results
sheet) over a small cell-access protocol; :mod:`.openpyxl_backend` implements it for a
workbook file and :mod:`.xlwings_backend` for a live workbook in Excel (the ribbon).
:mod:`.files` is the file-level operation (``xltool.api.mark``); its names are exported
here lazily (PEP 562), so the ribbon, which needs only the engine and the xlwings
backend, does not load the file side.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "MARKABLE_SUFFIXES", "LoadedWorkbook", "MarkResult", "PackageReport", "check_output_suffix", "inspect_package",
    "load_for_marking", "lost_message", "mark_file",
]

if TYPE_CHECKING:  # pragma: no cover
    from xltool.write.marking.files import (
        MARKABLE_SUFFIXES, LoadedWorkbook, MarkResult, PackageReport, check_output_suffix, inspect_package,
        load_for_marking, lost_message, mark_file,
    )


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module("xltool.write.marking.files"), name)
    globals()[name] = value
    return value
