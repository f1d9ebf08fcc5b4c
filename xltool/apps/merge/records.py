"""The records a merge passes from reading workers to the store and the writer.

Named records (NamedTuple: pickled as a class reference plus a tuple, so as cheap to
send between processes as plain tuples) instead of long positional tuples: a field
added to one stage cannot silently shift every later column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from xltool.write.summary import IndicatorRow
from xltool.write.summary.columns import ProjectRecord  # noqa: F401 - declared with the summary's columns

ReadItem = tuple[int, str, str]
"""(input index, path to open, path as the summary shows it) of one file to read."""
POOL_MIN_FILES = 8  # below this, starting worker processes costs more than it saves
WORKER_MEMORY_MB = 2048  # address space a worker may add while reading one chunk
SEQ_LIMIT = 1_000_000  # projects per file; the ordering key is file index * limit + seq


class IndicatorRecord(NamedTuple):
    """One 指标明细 row (the summary's own row type, its columns declared once) plus its place and what
    the department form needs to group it."""

    pord: int
    seq: int
    row: IndicatorRow
    l_rank: int  # position of (一级, 二级) in the profile
    form_value: str  # 指标值 as the 部门整体 form shows it


class FindingRecord(NamedTuple):
    sort_key: int
    pord: int | None
    file: str
    sheet: str
    cell: str
    project: str
    code: str
    severity: str  # error / warning / info
    message: str


class FileResult(NamedTuple):
    """What reading one file yields."""

    index: int
    status: str
    reason: str
    projects: list[ProjectRecord]
    indicators: list[IndicatorRecord]
    findings: list[FindingRecord]
    own: bool = False  # xltool's own output (summary, marked copy): listed, not the user's problem
    kept: list[tuple[int, tuple[Any, ...]]] = []  # noqa: RUF012 - (pord, what the batch rules keep of it); never mutated
    unread: str = ""  # a merged file's sheets that look like a table but were not read (their money is missing)


@dataclass(frozen=True)
class ReadOptions:
    """How each file is read; sent to the workers with every chunk."""

    profile: str | None = None
    validate: bool = True  # run the per-project rules
    memory_mb: int = WORKER_MEMORY_MB  # address-space budget of a worker (0 = none)
