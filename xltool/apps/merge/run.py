"""The whole merge run: discover, read (writing 指标明细 as results arrive), check across files, write.

The summary is written to a temporary file beside the output, which replaces the
output only when complete; a bad file never stops the run, and every input file
appears in 文件清单 with its status.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.core.names import PARTIAL_READ
from xltool.io.discovery import SUMMARY_REASON, TEXT_SOURCE_SUFFIXES, InputFile, discover
from xltool.write.summary import STATUS_FAILED, STATUS_MERGED, STATUS_SKIPPED
from .pool import Beside, default_jobs, read_all
from .records import WORKER_MEMORY_MB, FileResult, IndicatorRecord, ReadItem, ReadOptions
from .store import MergeStore, batch_findings

ProgressCallback = Callable[[int, int], None]


@dataclass
class MergeReport:
    """What a merge did: counts, problems, where the summary went (the facade and the CLI word it)."""

    output: Path
    backup: Path | None = None
    files: int = 0
    merged: int = 0
    skipped: int = 0  # reported skips (inputs that are the user's problem)
    failed: int = 0
    quiet: list[tuple[str, str]] = field(default_factory=list)  # (file, reason): locks, hidden, own outputs
    ignored: int = 0  # non-workbook files in folders
    ignored_names: list[str] = field(default_factory=list)
    projects: int = 0  # counted once
    indicators: int = 0
    findings: int = 0
    duplicates: list[str] = field(default_factory=list)  # one console line per duplicated project
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # rows written per summary sheet
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (for the benchmark)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (file, status, reason)
    partial: list[tuple[str, str]] = field(default_factory=list)  # (file, what was not read): merged files only
    merged_files: list[tuple[str, int]] = field(default_factory=list)  # (file, projects read)

    @property
    def has_problems(self) -> bool:
        """A file was skipped or failed, or a project came twice (the CLI exits 1 then)."""
        return bool(self.skipped or self.failed or self.duplicates or self.partial)

    def problem_lines(self) -> list[str]:
        """One line per file skipped or failed and per duplicated project (for stderr)."""
        return ([f"{status}：{file}：{reason}" for file, status, reason in self.problems]
                + [f"{PARTIAL_READ}：{file}：{what}" for file, what in self.partial] + self.duplicates)

    def summary_line(self) -> str:
        parts = [f"已汇总 {self.merged}/{self.files - len(self.quiet)} 个文件，共 {self.projects} 个项目、{self.indicators} 条指标"]
        if self.skipped or self.failed:
            parts.append(f"跳过 {self.skipped} 个、失败 {self.failed} 个（原因见文件清单）")
        if self.partial:
            parts.append(f"{len(self.partial)} 个文件中有未读取的工作表（见文件清单）")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} 个项目重复报送，各只计一次")
        parts.append(f"问题 {self.findings} 条")
        lines = ["；".join(parts) + "。", f"汇总表：{self.output}（用时 {self.seconds:.1f} 秒）"]
        if self.backup:
            lines.append(f"原有的同名文件已备份为：{self.backup}")
        lines += [f"已跳过 {file}：{reason}" for file, reason in self.quiet[:20]]
        if len(self.quiet) > 20:
            lines.append(f"……另有 {len(self.quiet) - 20} 个文件已跳过（见文件清单）")
        if self.ignored:
            lines.append(ignored_line(self.ignored, self.ignored_names))
        return "\n".join(lines)


IMPORTABLE_SUFFIXES = TEXT_SOURCE_SUFFIXES  # besides .docx (listed as skipped): text and pages ``xltool import`` reads


def ignored_line(count: int, names: list[str]) -> str:
    """The files in the folders that are not workbooks, named (a few), with the import hint where
    one may hold a table: "另有 2 个不是工作簿的文件未列入：README.md、表.txt…"."""
    shown = "、".join(names[:5]) + (" 等" if len(names) > 5 else "")
    line = f"文件夹中另有 {count} 个不是工作簿的文件，未列入汇总：{shown}。"
    text = [n for n in names if n.lower().endswith(IMPORTABLE_SUFFIXES)]
    if text:
        line += f"其中 {'、'.join(text[:3])}{' 等' if len(text) > 3 else ''} 是文本文件或网页，若含项目表，请先用 xltool import 导入为工作簿。"
    return line


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
    from xltool.core.frameworks import get_profile
    from xltool.io.tempdirs import owned_tempdir
    from xltool.io.files import atomic_output, backup_file, check_not_locked, check_output_dir, ensure_not_input, require_suffix
    from xltool.write.summary import SummaryWriter

    started = time.perf_counter()
    if Path(output).is_dir():
        raise XltoolError(f"“{output}”是一个文件夹；-o 须给出汇总表的文件名，例如 {Path(output) / '汇总.xlsx'}",
                          exit_code=EXIT_INPUT)
    target = require_suffix(output, ".xlsx", "汇总表须保存为 .xlsx 文件（例如 汇总.xlsx）")
    if profile:
        get_profile(profile)
    check_output_dir(target)
    found = discover(inputs)
    if not found.files:
        given = "、".join(str(i) for i in inputs)
        raise XltoolError(
            f"输入（{given}）中没有找到任何工作簿（.xlsx/.xlsm/.xls/.ods；~$ 开头的锁文件和隐藏文件不计）",
            exit_code=EXIT_INPUT,
        )
    previous = [f for f in found.files if _same_path(f.path, target)]
    ensure_not_input(target, [f.path for f in found.files if f not in previous or not _is_previous_summary(f.path)])
    check_not_locked(target)
    report = MergeReport(output=target, files=len(found.files), ignored=found.ignored,
                         ignored_names=found.ignored_names)
    entries = {f.index: f for f in found.files}
    done = 0
    waiting: dict[int, list[IndicatorRecord]] = {}  # 指标明细 is written in input order
    next_index = 0

    with (
        owned_tempdir("merge") as tmp,  # sweeps the folders of runs killed outright (kill -9)
        closing(MergeStore(Path(tmp) / "merge.sqlite")) as store,
        atomic_output(target) as temp,
    ):
        writer: SummaryWriter | None = None

        def summary() -> SummaryWriter:
            """The workbook, opened when the first result arrives: the workers are busy by then."""
            nonlocal writer
            if writer is None:
                writer = SummaryWriter(temp, tmpdir=tmp)
            return writer

        try:

            def record(entry: InputFile, result: FileResult) -> None:
                nonlocal done, next_index
                if entry.note:  # read despite a doubt (a backup-like name …): 文件清单 says why
                    result = result._replace(reason=f"{result.reason}；{entry.note}")
                store.add_result(entry, result)
                if entry.quiet or result.own:
                    report.quiet.append((entry.in_summary, result.reason))
                elif result.status == STATUS_MERGED:
                    report.merged += 1
                    report.merged_files.append((entry.in_summary, len(result.projects)))
                    if result.unread:
                        report.partial.append((entry.in_summary, result.unread))
                else:
                    report.skipped += result.status == STATUS_SKIPPED
                    report.failed += result.status == STATUS_FAILED
                    report.problems.append((entry.in_summary, result.status, result.reason))
                waiting[entry.index] = result.indicators
                while next_index in waiting:
                    summary().add_indicators(r.row for r in waiting.pop(next_index))
                    next_index += 1
                done += 1
                if progress:
                    progress(done, len(found.files))

            to_read: list[ReadItem] = []
            for entry in found.files:
                if entry in previous:
                    entry = entries[entry.index] = InputFile(entry.index, entry.path, SUMMARY_REASON, "own",
                                                             entry.explicit, entry.shown)
                if entry.skip:
                    record(entry, FileResult(entry.index, STATUS_SKIPPED, entry.skip, [], [], []))
                else:
                    to_read.append((entry.index, str(entry.path), entry.in_summary))
            _warm_imports()
            stage = time.perf_counter()
            options = ReadOptions(profile, validate, memory_mb)
            read_all(to_read, lambda r: record(entries[r.index], r), jobs=jobs or default_jobs(), options=options)
            if report.merged == 0:
                raise XltoolError(_nothing_merged(report, inputs), exit_code=EXIT_INPUT)
            book = summary()
            report.timings["read"] = time.perf_counter() - stage
            stage = time.perf_counter()
            store.finish_loading()
            report.duplicates = store.mark_duplicates()
            store.mark_unnamed()
            if validate:
                # The batch rules run beside the 部门整体 form, which does not depend on them.
                batch = Beside(batch_findings, store.path, options)
                try:
                    book.write_department(store)
                    store.add_batch_findings(batch.result())
                finally:
                    batch.close()
            else:  # HZ001 alone: quick
                store.add_batch_findings(batch_findings(store.path, options))
            report.projects, report.indicators, report.findings = store.counts()
            report.timings["batch"] = time.perf_counter() - stage
            stage = time.perf_counter()
            report.rows = book.finish(store)
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
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


def _is_previous_summary(path: Path) -> bool:
    """An existing output found among the inputs is replaced only if it is one of our summaries."""
    from xltool.io.own_copies import own_output_reason
    from xltool.io.gate import safe_open_calamine

    try:
        return own_output_reason(safe_open_calamine(path).sheet_names) == SUMMARY_REASON
    except XltoolError:
        return False


def _nothing_merged(report: MergeReport, inputs: Iterable[str | Path]) -> str:
    given = "、".join(str(i) for i in inputs)
    lines = [f"没有可汇总的项目表：输入（{given}）中的 {report.files} 个文件均未能汇总。"]
    lines += [f"  {status} {file}：{reason}" for file, status, reason in report.problems[:20]]
    lines += [f"  已跳过 {file}：{reason}" for file, reason in report.quiet[:20]]
    if len(report.problems) > 20:
        lines.append(f"  ……另有 {len(report.problems) - 20} 个文件")
    return "\n".join(lines)
