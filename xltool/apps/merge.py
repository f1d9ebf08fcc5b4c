"""Consolidation (``xltool merge``): many department workbooks → one summary workbook.

The run has three stages, each bounded in memory however many tables come in:

1. **Read** every input through the one fast path (python-calamine → Grid →
   ``reader.projects_from_grids``) and run the per-project rules, in worker processes
   when there are enough files to pay for them. A worker returns compact tuples, never
   model objects; a file that raises, exhausts its memory limit or kills its worker is
   reported as failed for that file alone.
2. **Store** the tuples in a temporary SQLite file, so the duplicate check, the
   grouping by department and the sort orders of the summary sheets are queries, not
   Python objects of every indicator of every project held at once.
3. **Write** the summary with xlsxwriter in constant-memory mode (``summary.py``) to a
   temporary file beside the output, which replaces the output only when complete.

Nothing is lost: every input file appears in 文件清单 with its status, and a bad file
never stops the run.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from xltool.core.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, XltoolError
from xltool.write.summary import SHEET_FILES, SHEET_PROJECTS, STATUS_FAILED, STATUS_MERGED, STATUS_SKIPPED, DepartmentIndicatorRow, FileRow, FindingRow, IndicatorRow, ProjectRow, TaskRow

# Suffixes read as workbooks; the safety gate judges the bytes, these only select files in folders.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".ods", ".xlsb", ".et"})
# Found in folders and listed as skipped (with what to do), because they often hold the same tables.
_NOTED_SUFFIXES = {
    ".docx": "这是 Word 文档，请先用 xltool import 导入为工作簿后再汇总",
    ".doc": "这是旧版 Word 文档，请先另存为 .docx，再用 xltool import 导入后汇总",
    ".wps": "这是 WPS 文字文档，请先另存为 .docx，再用 xltool import 导入后汇总",
}

# A summary (or its backup) found among the inputs: listed, not read again, and not the
# user's problem, so it does not count as a skipped input.
SUMMARY_REASON = "xltool 生成的汇总表（或其备份），不作为输入"

CODE_DUPLICATE = "HZ001"  # same 项目名称 + 实施单位 in two tables
CODE_FILE_FAILED = "HZ002"
CODE_FILE_SKIPPED = "HZ003"

POOL_MIN_FILES = 8  # below this, starting worker processes costs more than it saves
WORKER_MEMORY_MB = 2048  # address space a worker may add while reading one chunk
_SEQ_LIMIT = 1_000_000  # projects per file; the ordering key is file index * limit + seq
_QUALITATIVE = "定性"
_DEFAULT_JOBS_CAP = 4

ProgressCallback = Callable[[int, int], None]


# ---------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class InputFile:
    """One file to list in 文件清单; ``silent`` files (locks, hidden) are listed but not read."""

    index: int
    path: Path
    silent: str = ""  # reason for a silent skip
    noted: str = ""  # reason for a reported skip without reading

    @property
    def display(self) -> str:
        return str(self.path)


@dataclass
class CollectedInputs:
    files: list[InputFile] = field(default_factory=list)
    ignored: int = 0  # other files found in folders (pictures, PDFs …)


def collect_inputs(inputs: Sequence[str | os.PathLike[str]]) -> CollectedInputs:
    """Expand files and folders (recursively, in name order) into the files to list.

    Excel's ``~$`` owner files and hidden files are listed as skipped without being
    read, hidden folders are not entered, and a file named twice is listed once.
    """
    from xltool.io.gate import is_lock_or_hidden

    collected = CollectedInputs()
    seen: set[str] = set()

    def add(path: Path, *, explicit: bool) -> None:
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            return
        suffix = path.suffix.lower()
        silent = noted = ""
        if is_lock_or_hidden(path):
            if not explicit and suffix not in WORKBOOK_SUFFIXES:
                collected.ignored += 1
                return
            silent = "Excel 打开工作簿时生成的临时锁文件，已忽略" if path.name.startswith("~$") else "隐藏文件，已忽略"
        elif suffix in _NOTED_SUFFIXES:
            noted = _NOTED_SUFFIXES[suffix]
        elif not explicit and suffix not in WORKBOOK_SUFFIXES:
            collected.ignored += 1
            return
        seen.add(key)
        collected.files.append(InputFile(len(collected.files), path, silent, noted))

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                for name in sorted(names):
                    add(Path(folder) / name, explicit=False)
        elif path.exists() or path.is_symlink():
            add(path, explicit=True)
        else:
            raise XltoolError("输入的文件或文件夹不存在，请检查路径", file=path, exit_code=EXIT_INPUT)
    return collected


# ---------------------------------------------------------------------------
# Reading one file (runs in a worker process or in-process)


class FileResult(NamedTuple):
    """What reading one file yields, as plain tuples that pickle cheaply."""

    index: int
    status: str
    reason: str
    projects: list[tuple[Any, ...]]
    indicators: list[tuple[Any, ...]]
    findings: list[tuple[Any, ...]]


def _failed(index: int, reason: str) -> FileResult:
    return FileResult(index, STATUS_FAILED, reason, [], [], [])


def _is_summary_workbook(sheet_names: Iterable[str]) -> bool:
    names = set(sheet_names)
    return SHEET_PROJECTS in names and SHEET_FILES in names


@dataclass(frozen=True)
class ReadOptions:
    """How each file is read; sent to the workers with every chunk."""

    profile: str | None = None
    validate: bool = True  # run the per-project rules
    memory_mb: int = WORKER_MEMORY_MB  # address-space budget of a worker (0 = none)


def read_file(index: int, path: str, options: ReadOptions = ReadOptions()) -> FileResult:
    """Read, parse and check one file; never raises for anything the file can cause."""
    try:
        return _read_file(index, path, options)
    except XltoolError as exc:
        return _failed(index, exc.message)
    except MemoryError:
        return _failed(index, "读取时内存不足：文件过大或结构异常")
    except RecursionError:
        return _failed(index, "文件结构嵌套过深，无法读取")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a parser bug (or a Rust panic, a BaseException) costs one file, not the run
        return _failed(index, f"读取时程序出错（{type(exc).__name__}），请把该文件发给维护人员")


def _read_file(index: int, path: str, options: ReadOptions) -> FileResult:
    from xltool.io.calamine import grids_from_calamine
    from xltool.parse.reader import projects_from_grids
    from xltool.rules import CATALOGUE, validate_projects

    grids = grids_from_calamine(Path(path))
    if _is_summary_workbook(g.name for g in grids):
        return FileResult(index, STATUS_SKIPPED, SUMMARY_REASON, [], [], [])
    read = projects_from_grids(grids, file=path, profile=options.profile)
    del grids
    if not read.projects:
        sheets = "、".join(read.skipped_sheets) or "无"
        return FileResult(
            index, STATUS_SKIPPED,
            f"未找到项目绩效目标表（没有含“项目名称”和指标表栏目的工作表；工作表：{sheets}）", [], [], [],
        )
    base = index * _SEQ_LIMIT
    projects: list[tuple[Any, ...]] = []
    indicators: list[tuple[Any, ...]] = []
    seq_of: dict[tuple[str, str], int] = {}
    for seq, p in enumerate(read.projects[: _SEQ_LIMIT - 1]):
        pord = base + seq
        seq_of.setdefault((p.sheet, p.name), pord)
        kept = [i for i in p.indicators if not _is_placeholder(i)]
        projects.append((
            pord, index, p.name, p.department, p.implementer, p.total,
            p.raw.get("total", "") if p.total is None else "",
            p.funding.province, p.funding.city, p.funding.district, p.funding.other,
            p.start, p.end, p.overview, p.long_term_goal, p.annual_goal, len(kept), path, p.sheet, p.profile,
            json.dumps(p.cells, ensure_ascii=False), _key(p.name), _key(p.implementer),
        ))
        ranks = _level_ranks(p.profile)
        for k, ind in enumerate(kept):
            indicators.append((
                pord, k, ind.level1, ind.level2, ind.name, ind.operator or ind.operator_raw, ind.target, ind.value,
                ind.unit, _QUALITATIVE if ind.qualitative else "定量", ind.cell,
                ranks.get((_key(ind.level1), _key(ind.level2)), len(ranks)), _form_value(ind.operator, ind.target),
            ))
    findings = [
        _finding_tuple(f, seq_of.get((f.sheet, f.project)), base)
        for f in (validate_projects(read.projects, profile=options.profile) if options.validate else [])
        if f.code not in CATALOGUE or not CATALOGUE[f.code].batch  # batch rules run once over all files
    ]
    skipped = f"；未含项目表的工作表：{'、'.join(read.skipped_sheets)}" if read.skipped_sheets else ""
    return FileResult(index, STATUS_MERGED, f"{len(projects)} 个项目{skipped}", projects, indicators, findings)


def _finding_tuple(f: Any, pord: int | None, base: int) -> tuple[Any, ...]:
    sort_key = pord if pord is not None else base - 1
    return (sort_key, pord, f.file, f.sheet, f.cell, f.project, f.code, f.severity.value, f.message)


def _is_placeholder(ind: Any) -> bool:
    """A pre-laid row with nothing real in it ('……' or blank): not an indicator to list."""
    return not ind.operator_raw and not ind.target and not ind.name.strip("…．.。·、 -—xX")


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """Comparison form of a name or label (cached: 一级/二级 names repeat in every table)."""
    from xltool.core.text import normalize_label

    return normalize_label(text)


@lru_cache(maxsize=None)
def _level_ranks(profile: str) -> dict[tuple[str, str], int]:
    from xltool.core.frameworks import load_profiles

    found = load_profiles().get(profile)
    return {(_key(a), _key(b)): i for i, (a, b) in enumerate(found.pairs())} if found else {}


def _form_value(operator: str, target: str) -> str:
    """指标值 as the 部门整体 form shows it: ``≥90%``; "=" and 定性 are not repeated."""
    if operator and operator not in ("=", _QUALITATIVE) and target and not target.startswith(operator):
        return f"{operator}{target}"
    return target


def _read_chunk(chunk: Sequence[tuple[int, str]], options: ReadOptions) -> list[FileResult]:
    return [read_file(index, path, options) for index, path in chunk]


def _worker_init(memory_mb: int) -> None:
    """Workers leave Ctrl-C to the parent and get an address-space limit, so a runaway
    file raises MemoryError inside its own try/except instead of starving the machine."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # a native crash (calamine's allocation failure) prints English text: keep it off the user's screen
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
    if memory_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no limit, isolation still holds
        pass


# ---------------------------------------------------------------------------
# Running the reads


def default_jobs() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _DEFAULT_JOBS_CAP))


def _pool_context() -> Any:
    import multiprocessing

    # fork starts a worker in milliseconds with the parser already imported.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _chunks(items: list[tuple[int, str]], jobs: int) -> list[list[tuple[int, str]]]:
    size = max(1, min(16, len(items) // (jobs * 8)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def read_all(
    items: list[tuple[int, str]], on_result: Callable[[FileResult], None], *, jobs: int, options: ReadOptions
) -> None:
    """Read ``(index, path)`` items, calling ``on_result`` once per file, in any order.

    With a pool, a worker's death (BrokenProcessPool) loses only the unfinished
    chunks: they are re-run file by file in a fresh pool, and files still unfinished
    after a second death run one at a time, so exactly the file that kills its
    worker is reported as failed.
    """
    if jobs <= 1 or len(items) < POOL_MIN_FILES:
        for index, path in items:
            on_result(read_file(index, path, options))
        return
    pending = _chunks(items, jobs)
    for _ in range(2):
        pending = _run_pool(pending, on_result, jobs=jobs, options=options)
        if not pending:
            return
        pending = [[item] for chunk in pending for item in chunk]
    _run_isolated([item for chunk in pending for item in chunk], on_result, options=options)


def _new_pool(jobs: int, options: ReadOptions) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=_pool_context(), initializer=_worker_init, initargs=(options.memory_mb,)
    )


def _run_pool(
    chunks: list[list[tuple[int, str]]], on_result: Callable[[FileResult], None], *, jobs: int, options: ReadOptions
) -> list[list[tuple[int, str]]]:
    """Run chunks in one pool; return the chunks lost to a worker's death."""
    lost: list[list[tuple[int, str]]] = []
    pool = _new_pool(min(jobs, len(chunks)), options)
    try:
        futures = {pool.submit(_read_chunk, chunk, options): chunk for chunk in chunks}
        for future in as_completed(futures):
            chunk = futures.pop(future)  # a finished future holds its results: let them go
            try:
                results = future.result()
            except BrokenProcessPool:
                lost.append(chunk)
                continue
            except Exception as exc:  # e.g. a result that cannot be sent back
                results = [_failed(i, f"读取时程序出错（{type(exc).__name__}）") for i, _ in chunk]
            for result in results:
                on_result(result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return lost


def _run_isolated(
    items: list[tuple[int, str]], on_result: Callable[[FileResult], None], *, options: ReadOptions
) -> None:
    """One file at a time in a single worker: a death now names its file."""
    pool: ProcessPoolExecutor | None = None
    try:
        for index, path in items:
            pool = pool or _new_pool(1, options)
            try:
                on_result(pool.submit(read_file, index, path, options).result())
            except BrokenProcessPool:
                on_result(_failed(index, "读取该文件时进程异常退出（文件可能已损坏或占用内存过多）"))
                pool.shutdown(wait=True)
                pool = None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------
# The store: compact rows in a temporary SQLite file


_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = FILE;
CREATE TABLE files (idx INTEGER PRIMARY KEY, path TEXT, status TEXT, reason TEXT, projects INTEGER, silent INTEGER);
CREATE TABLE projects (
    pord INTEGER PRIMARY KEY, file_idx INTEGER, name TEXT, department TEXT, implementer TEXT, total REAL,
    total_text TEXT, province REAL, city REAL, district REAL, other REAL, start TEXT, end_ TEXT, overview TEXT,
    long_term_goal TEXT, annual_goal TEXT, n_ind INTEGER, file TEXT, sheet TEXT, profile TEXT, cells TEXT,
    name_key TEXT, impl_key TEXT, note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE indicators (
    pord INTEGER, seq INTEGER, level1 TEXT, level2 TEXT, name TEXT, operator TEXT, target TEXT, value REAL,
    unit TEXT, kind TEXT, cell TEXT, l_rank INTEGER, form_value TEXT, PRIMARY KEY (pord, seq)
) WITHOUT ROWID;
CREATE INDEX projects_by_department ON projects (department, pord);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY, sort_key INTEGER, pord INTEGER, file TEXT, sheet TEXT, cell TEXT, project TEXT,
    code TEXT, severity TEXT, message TEXT
);
"""

_SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


class MergeStore:
    """Compact rows of every file in SQLite; implements :class:`summary.SummarySource`."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- filling

    def add_file(self, entry: InputFile, status: str, reason: str, projects: int = 0) -> None:
        self.db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
            (entry.index, entry.display, status, reason, projects, int(bool(entry.silent))),
        )

    def add_result(self, entry: InputFile, result: FileResult) -> None:
        with self.db:
            self.add_file(entry, result.status, result.reason, len(result.projects))
            self.db.executemany(f"INSERT INTO projects VALUES ({', '.join('?' * 23)}, '')", result.projects)
            self.db.executemany(f"INSERT INTO indicators VALUES ({', '.join('?' * 13)})", result.indicators)
            self.add_findings(result.findings)
            if result.status != STATUS_MERGED and not entry.silent:
                code = CODE_FILE_FAILED if result.status == STATUS_FAILED else CODE_FILE_SKIPPED
                severity = "error" if result.status == STATUS_FAILED else "warning"
                self.add_findings([(
                    entry.index * _SEQ_LIMIT - 1, None, entry.display, "", "", "", code, severity,
                    f"该文件{result.status}，未计入汇总：{result.reason}",
                )])

    def add_findings(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.db.executemany(
            "INSERT INTO findings (sort_key, pord, file, sheet, cell, project, code, severity, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def mark_duplicates(self) -> int:
        """Flag every project whose 项目名称 + 实施单位 occurs in another table; keep all."""
        groups = self.db.execute(
            "SELECT group_concat(pord) FROM projects WHERE name_key != '' "
            "GROUP BY name_key, impl_key HAVING count(*) > 1"
        ).fetchall()
        flagged = 0
        with self.db:
            for (pords,) in groups:
                rows = self.db.execute(
                    f"SELECT pord, name, implementer, file, sheet, cells FROM projects "
                    f"WHERE pord IN ({','.join('?' * len(pords.split(',')))}) ORDER BY pord",
                    [int(p) for p in pords.split(",")],
                ).fetchall()
                for pord, name, implementer, file, sheet, cells in rows:
                    others = [f"{o[3]}［{o[4]}］" for o in rows if o[0] != pord]
                    shown = "、".join(others[:5]) + ("等" if len(others) > 5 else "")
                    note = f"重复：与 {shown} 同名同实施单位"
                    self.db.execute("UPDATE projects SET note = ? WHERE pord = ?", (note, pord))
                    message = (
                        f"项目“{name}”（实施单位：{implementer or '未填写'}）在 {len(rows)} 张表中出现，另见 {shown}。"
                        "各份均已保留在汇总中，请核实是否重复申报"
                    )
                    cell = json.loads(cells or "{}").get("name", "")
                    self.add_findings([(pord, pord, file, sheet, cell, name, CODE_DUPLICATE, "warning", message)])
                    flagged += 1
        return flagged

    def run_batch_rules(self, profile: str | None) -> int:
        """Copied-text rules across all files, over text-only project stubs."""
        from xltool.core.model import Funding, Project
        from xltool.rules import RuleContext, iter_catalogue

        batch = [info for info in iter_catalogue() if info.batch]
        if not batch:
            return 0
        stubs: list[Project] = []
        where: dict[tuple[str, str, str], int] = {}
        for row in self.db.execute(
            "SELECT pord, name, department, implementer, total, province, city, district, other, overview, "
            "long_term_goal, annual_goal, file, sheet, profile, cells FROM projects ORDER BY pord"
        ):
            pord, name, dept, impl, total, prov, city, dist, other, overview, long_goal, goal, *place = row
            file, sheet, prof, cells = place
            stubs.append(Project(
                name=name, department=dept, implementer=impl, total=total,
                funding=Funding(province=prov, city=city, district=dist, other=other), overview=overview,
                long_term_goal=long_goal, annual_goal=goal, file=file, sheet=sheet, profile=prof,
                cells=json.loads(cells or "{}"),
            ))
            where.setdefault((file, sheet, name), pord)
        if not stubs:
            return 0
        ctx = RuleContext.for_profile(profile or stubs[0].profile or None)
        rows = []
        for info in batch:
            for f in info.func(stubs, ctx):
                pord = where.get((f.file, f.sheet, f.project))
                rows.append((pord if pord is not None else -1, pord, f.file, f.sheet, f.cell, f.project, f.code,
                             f.severity.value, f.message))
        with self.db:
            self.add_findings(rows)
        return len(rows)

    def counts(self) -> tuple[int, int, int]:
        """(projects, indicators, findings) stored."""
        return tuple(  # type: ignore[return-value]
            self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("projects", "indicators", "findings")
        )

    # -- SummarySource

    def projects(self) -> Iterator[ProjectRow]:
        sql = (
            "SELECT p.name, p.department, p.implementer, p.total, p.total_text, p.province, p.city, p.district, "
            "p.other, p.start, p.end_, p.annual_goal, p.n_ind, coalesce(e.errors, 0), coalesce(e.warnings, 0), "
            "p.file, p.sheet, p.note FROM projects p LEFT JOIN ("
            "  SELECT pord, sum(severity = 'error') AS errors, sum(severity = 'warning') AS warnings "
            "  FROM findings WHERE pord IS NOT NULL GROUP BY pord) e ON e.pord = p.pord ORDER BY p.pord"
        )
        return (ProjectRow._make(r) for r in self.db.execute(sql))

    def indicators(self) -> Iterator[IndicatorRow]:
        sql = (
            "SELECT p.name, i.level1, i.level2, i.name, i.operator, i.target, i.value, i.unit, i.kind, p.file, "
            "p.sheet, i.cell FROM indicators i JOIN projects p ON p.pord = i.pord ORDER BY i.pord, i.seq"
        )
        return (IndicatorRow._make(r) for r in self.db.execute(sql))

    def departments(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT department FROM projects GROUP BY department ORDER BY min(pord)")]

    def department_tasks(self, department: str) -> Iterator[TaskRow]:
        sql = "SELECT name, overview, total, annual_goal FROM projects WHERE department = ? ORDER BY pord"
        return (TaskRow._make(r) for r in self.db.execute(sql, (department,)))

    def department_indicators(self, department: str) -> Iterator[DepartmentIndicatorRow]:
        """The department's indicators in form order; the same indicator with the same
        value in several projects is one row naming its projects."""
        sql = (
            "SELECT i.level1, i.level2, i.name, i.form_value, count(*), group_concat(p.name, '、') "
            "FROM indicators i JOIN projects p ON p.pord = i.pord WHERE p.department = ? "
            "GROUP BY i.l_rank, i.level1, i.level2, i.name, i.form_value ORDER BY i.l_rank, min(i.pord), min(i.seq)"
        )
        for level1, level2, name, value, count, projects in self.db.execute(sql, (department,)):
            shown = projects if count <= 3 else "、".join(projects.split("、", 3)[:3]) + f"等 {count} 个项目"
            yield DepartmentIndicatorRow(level1, level2, name, value, shown)

    def findings(self) -> Iterator[FindingRow]:
        sql = "SELECT file, sheet, cell, project, code, severity, message FROM findings ORDER BY sort_key, id"
        return (
            FindingRow(f, s, c, p, code, _SEVERITY_LABELS.get(sev, sev), m)
            for f, s, c, p, code, sev, m in self.db.execute(sql)
        )

    def files(self) -> Iterator[FileRow]:
        sql = "SELECT path, status, reason, projects FROM files ORDER BY idx"
        return (FileRow._make(r) for r in self.db.execute(sql))


# ---------------------------------------------------------------------------
# The whole run


@dataclass
class MergeReport:
    """What a merge did, for the CLI's message and exit code."""

    output: Path
    backup: Path | None = None
    files: int = 0
    merged: int = 0
    skipped: int = 0  # reported skips (not the silent ones)
    failed: int = 0
    silent: int = 0  # lock and hidden files
    ignored: int = 0  # non-workbook files in folders
    projects: int = 0
    indicators: int = 0
    findings: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # rows written per summary sheet
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (for the benchmark)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (file, status, reason)

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.skipped or self.failed else EXIT_OK

    def problem_lines(self) -> list[str]:
        """One line per file that was skipped or failed (for stderr)."""
        return [f"{status}：{file}：{reason}" for file, status, reason in self.problems]

    def summary_line(self) -> str:
        parts = [f"已汇总 {self.merged}/{self.files - self.silent} 个文件，共 {self.projects} 个项目、{self.indicators} 条指标"]
        if self.skipped or self.failed:
            parts.append(f"跳过 {self.skipped} 个、失败 {self.failed} 个（原因见文件清单）")
        parts.append(f"问题 {self.findings} 条" + (f"（其中 {self.duplicates} 个项目重复出现）" if self.duplicates else ""))
        lines = ["；".join(parts) + "。", f"汇总表：{self.output}（用时 {self.seconds:.1f} 秒）"]
        if self.backup:
            lines.append(f"原有的同名文件已备份为：{self.backup}")
        if self.silent or self.ignored:
            lines.append(f"已忽略 {self.silent} 个临时锁文件或隐藏文件、{self.ignored} 个非工作簿文件。")
        return "\n".join(lines)


def merge_workbooks(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    profile: str | None = None,
    progress: ProgressCallback | None = None,
    validate: bool = True,
    memory_mb: int = WORKER_MEMORY_MB,
) -> MergeReport:
    """Merge workbooks and folders of workbooks into the summary workbook ``output``.

    Raises :class:`XltoolError` (exit code 2) for wrong arguments or when not one
    project could be merged; then nothing is written.
    """
    from xltool.io.files import atomic_output, backup_file, check_not_locked, check_output_dir, ensure_not_input
    from xltool.core.frameworks import get_profile
    from xltool.write.summary import write_summary

    started = time.perf_counter()
    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise XltoolError("汇总表须保存为 .xlsx 文件（例如 汇总.xlsx）", file=target, exit_code=EXIT_INPUT)
    if profile:
        get_profile(profile)
    check_output_dir(target)
    collected = collect_inputs(inputs)
    if not collected.files:
        given = "、".join(str(i) for i in inputs)
        raise XltoolError(
            f"输入（{given}）中没有找到任何工作簿（.xlsx/.xlsm/.xls/.ods；~$ 开头的锁文件和隐藏文件不计）",
            exit_code=EXIT_INPUT,
        )
    ensure_not_input(target, [f.path for f in collected.files if not _is_previous_summary(f.path, target)])
    check_not_locked(target)

    # The previous summary found in an input folder is replaced, not read (see ensure_not_input above).
    collected.files = [
        replace(f, silent="本次的输出文件（上次生成的汇总表），不作为输入") if _same_path(f.path, target) else f
        for f in collected.files
    ]
    report = MergeReport(output=target, files=len(collected.files), ignored=collected.ignored)
    entries = {f.index: f for f in collected.files}
    done = 0

    with (
        tempfile.TemporaryDirectory(prefix="xltool-merge-") as tmp,
        closing(MergeStore(Path(tmp) / "merge.sqlite")) as store,
    ):

        def record(entry: InputFile, result: FileResult) -> None:
            nonlocal done
            if result.reason == SUMMARY_REASON:
                entry = replace(entry, silent=SUMMARY_REASON)
            store.add_result(entry, result)
            if entry.silent:
                report.silent += 1
            elif result.status == STATUS_MERGED:
                report.merged += 1
            else:
                report.skipped += result.status == STATUS_SKIPPED
                report.failed += result.status == STATUS_FAILED
                report.problems.append((entry.display, result.status, result.reason))
            done += 1
            if progress:
                progress(done, len(collected.files))

        to_read: list[tuple[int, str]] = []
        for entry in collected.files:
            if entry.silent or entry.noted:
                record(entry, FileResult(entry.index, STATUS_SKIPPED, entry.silent or entry.noted, [], [], []))
            else:
                to_read.append((entry.index, entry.display))
        _warm_imports()
        stage = time.perf_counter()
        read_all(
            to_read, lambda r: record(entries[r.index], r),
            jobs=jobs or default_jobs(), options=ReadOptions(profile, validate, memory_mb),
        )
        if report.merged == 0:
            raise XltoolError(_nothing_merged(report, inputs), exit_code=EXIT_INPUT)
        report.timings["read"] = time.perf_counter() - stage
        stage = time.perf_counter()
        report.duplicates = store.mark_duplicates()
        if validate:
            store.run_batch_rules(profile)
        report.projects, report.indicators, report.findings = store.counts()
        report.timings["batch"] = time.perf_counter() - stage
        stage = time.perf_counter()
        with atomic_output(target) as temp:
            report.rows = write_summary(temp, store)
            if target.exists():
                report.backup = backup_file(target)
        report.timings["write"] = time.perf_counter() - stage
    report.seconds = time.perf_counter() - started
    return report


def _warm_imports() -> None:
    """Import the parser and rules once in the parent, so forked workers start ready."""
    from xltool import rules
    from xltool.parse import reader  # noqa: F401

    list(rules.iter_catalogue())  # registers the rule modules


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _is_previous_summary(path: Path, target: Path) -> bool:
    """An existing output found among the inputs is replaced only if it is one of our summaries."""
    if not _same_path(path, target):
        return False
    from xltool.io.gate import safe_open_calamine

    try:
        return _is_summary_workbook(safe_open_calamine(path).sheet_names)
    except XltoolError:
        return False


def _nothing_merged(report: MergeReport, inputs: Iterable[str | Path]) -> str:
    given = "、".join(str(i) for i in inputs)
    lines = [f"没有可汇总的项目表：输入（{given}）中的 {report.files} 个文件均未能汇总。"]
    lines += [f"  {status} {file}：{reason}" for file, status, reason in report.problems[:20]]
    if len(report.problems) > 20:
        lines.append(f"  ……另有 {len(report.problems) - 20} 个文件")
    return "\n".join(lines)


@contextmanager
def progress_bar(label: str = "正在读取") -> Iterator[ProgressCallback | None]:
    """A click progress bar on stderr when it is a terminal; None otherwise."""
    import click

    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
