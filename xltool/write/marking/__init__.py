"""Marking workbooks with their findings, and undoing it exactly.

:mod:`.engine` holds the rules (colours, notes, remembered originals, the results
sheet) over a small cell-access protocol; :mod:`.openpyxl_backend` implements it for a
workbook file and :mod:`.xlwings_backend` for a live workbook in Excel (the ribbon).
:mod:`.files` is the file-level operation the CLI calls; its names are exported here.
"""

from xltool.write.marking.files import (
    MARKABLE_SUFFIXES, LoadedWorkbook, MarkResult, PackageReport, check_output_suffix, inspect_package,
    load_for_marking, lost_message, mark_file,
)

__all__ = [
    "MARKABLE_SUFFIXES", "LoadedWorkbook", "MarkResult", "PackageReport", "check_output_suffix", "inspect_package",
    "load_for_marking", "lost_message", "mark_file",
]
