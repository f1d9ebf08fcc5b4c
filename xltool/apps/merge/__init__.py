"""Consolidation (``xltool merge``): many department workbooks → one summary workbook.

The run has three stages, each bounded in memory however many tables come in:

1. **Read** every input found by ``io.discovery`` through the one fast path
   (python-calamine → Grid → parser) with the per-project rules, in worker processes
   when there are enough files (``reading``, ``pool``). Workers return named records.
2. **Store** the records in a temporary SQLite file (``store``), so counting a
   duplicated project once, the grouping by department and the sort orders are
   queries over all files; the batch rules (HZ001, HZ004, copied text) run once
   over what each kept of every project, as in ``validate`` (``rules.BatchRun``).
3. **Write** the summary with xlsxwriter in constant-memory mode (``write.summary``);
   指标明细 is written while files are still being read (``run``).
"""

from xltool.io.discovery import WORKBOOK_SUFFIXES, discover
from xltool.rules.consolidation import (
    CODE_DUPLICATE, CODE_FILE_FAILED, CODE_FILE_SKIPPED, CODE_SAME_CONTENT, DUPLICATE_NOTE,
)
from .pool import default_jobs, read_all
from .reading import read_file
from .records import FileResult, ReadOptions
from .run import MergeReport, merge_workbooks
from .store import MergeStore

__all__ = [
    "CODE_DUPLICATE", "CODE_FILE_FAILED", "CODE_FILE_SKIPPED", "CODE_SAME_CONTENT", "DUPLICATE_NOTE",
    "WORKBOOK_SUFFIXES", "FileResult", "MergeReport", "MergeStore", "ReadOptions", "default_jobs", "discover",
    "merge_workbooks", "read_all", "read_file",
]
