"""The ``xltool validate`` run: find the files, read them, run the rules once over all projects, mark, report.

Inputs go through the same discovery as ``merge`` (``io.discovery``): folders are
searched, lock files, hidden files and xltool's own outputs (backups, ``--mark-to``
copies) are skipped with a notice naming them, and an xltool summary named
explicitly is refused (exit 2) — its rows are not project tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from xltool.core.errors import EXIT_FINDINGS, EXIT_INPUT, XltoolError
from xltool.io.discovery import SUMMARY_REASON, discover, own_output_reason
from xltool.rules import validate_projects
from xltool.write.report import FileStatus, ValidationRun, format_json, format_text

SUMMARY_REFUSED = "这是 xltool merge 生成的汇总表，不是项目绩效目标表，不能校验；请校验各单位报送的原表（汇总表中的问题见其“问题清单”）"
_MARKABLE = (".xlsx", ".xlsm")


@dataclass
class Checked:
    """A validation run plus the files skipped on the way (not read)."""

    run: ValidationRun
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


@dataclass
class Inputs:
    """What discovery made of the inputs: files to read, those found inside folders, notices."""

    to_read: list[Path]
    in_folders: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)  # files passed over, said once each


def find_inputs(files: Iterable[str | Path]) -> Inputs:
    """Folders searched, lock/hidden files and xltool's own outputs passed over (as ``merge`` does)."""
    found = discover(list(files))
    return Inputs([f.path for f in found.to_read], frozenset(str(f.path) for f in found.to_read if not f.explicit),
                  found.notice_lines())


def _read(path: Path, profile: str | None, *, skip_own: bool, explicit: bool = True) -> tuple[Any, str]:
    """(WorkbookRead, "") or (None, reason to skip); raises XltoolError for unreadable files.

    A summary named explicitly is refused; one found in a folder is skipped like merge skips it.
    """
    from xltool.io.calamine import grids_from_calamine

    grids = grids_from_calamine(path)
    own = own_output_reason((g.name for g in grids), path if skip_own else None)
    if own == SUMMARY_REASON and explicit:
        raise XltoolError(SUMMARY_REFUSED, file=path, exit_code=EXIT_INPUT, code="input.summary")
    if own:
        return None, own
    return read_grids(grids, file=str(path), profile=profile), ""


def without_own_sheets(grids: list[Any]) -> list[Any]:
    """A live workbook's sheets without xltool's marks sheet and results sheet (as the ribbon reads them)."""
    from xltool.core.names import MARKS_SHEET
    from xltool.write.report import RESULTS_HEADERS

    def own_sheet(grid: Any) -> bool:
        first = next(iter(grid.rows), [])
        return grid.name == MARKS_SHEET or tuple(v for v in first if v is not None and v != "") == RESULTS_HEADERS

    return [g for g in grids if not own_sheet(g)]


def read_grids(grids: list[Any], *, file: str, profile: str | None = None) -> Any:
    """Grids of one workbook → its projects (``WorkbookRead``); raises ``input.no_table`` when there are none."""
    from xltool.parse.reader import projects_from_grids

    result = projects_from_grids(grids, file=file, profile=profile)
    if not result.projects:
        raise XltoolError(result.no_project_message(), file=file, code="input.no_table")
    return result


def _file_status(status: FileStatus, result: Any) -> None:
    status.projects = len(result.projects)
    status.message = f"项目表 {len(result.projects)} 张"
    if result.skipped_sheets:
        status.notes.append("未包含项目表、已跳过的工作表：" + result.skipped_note())
    for project in result.projects:
        status.notes.extend(f"工作表“{project.sheet}”：{n}" for n in project.notes)


def check_files(files: Iterable[str | Path], *, profile: str | None = None, skip_own: bool = False,
                found_in_folder: frozenset[str] = frozenset(),
                progress: Callable[[int, int], None] | None = None) -> Checked:
    """Read every file and run the rules once over all projects (copied text is a batch rule).

    A file that cannot be read is reported and skipped; the others are still validated.
    With ``skip_own``, marked copies are skipped (reported in ``skipped``).
    ``progress(done, total)`` is called after each file is read.
    """
    files = list(files)
    if profile:  # a wrong --profile is the command's mistake, not each file's
        from xltool.core.frameworks import get_profile

        get_profile(profile)
    statuses: list[FileStatus] = []
    skipped: list[tuple[str, str]] = []
    projects: list[Any] = []
    for done, path in enumerate(files, start=1):
        status = FileStatus(file=str(path))
        try:
            result, reason = _read(Path(path), profile, skip_own=skip_own, explicit=str(path) not in found_in_folder)
        except XltoolError as exc:
            status.status = "failed"
            status.message = exc.message
            status.code = exc.code
            statuses.append(status)
            result, reason = None, ""
        if result is None and reason:
            skipped.append((str(path), reason))
        elif result is not None:
            statuses.append(status)
            _file_status(status, result)
            projects.extend(result.projects)
        if progress is not None:
            progress(done, len(files))
    findings = validate_projects(projects, profile=profile) if projects else []
    return Checked(ValidationRun(statuses, findings), skipped)


def check_grids(book: str, grids: list[Any], *, profile: str | None = None) -> ValidationRun:
    """One workbook already in memory (a spreadsheet host's sheets) through the same read → rules."""
    status = FileStatus(file=book)
    try:
        result = read_grids(without_own_sheets(grids), file=book, profile=profile)
    except XltoolError as exc:
        status.status, status.message, status.code = "failed", exc.message, exc.code
        return ValidationRun([status], [])
    _file_status(status, result)
    return ValidationRun([status], validate_projects(result.projects, profile=profile))


def validate_files(files: Iterable[str | Path], *, profile: str | None = None) -> ValidationRun:
    """Validate exactly these files (the library call; the CLI adds discovery)."""
    return check_files(files, profile=profile).run


@dataclass
class CommandOutput:
    stdout: str
    stderr: list[str]
    exit_code: int


def _not_markable(path: Path) -> XltoolError:
    return XltoolError(
        f"xltool 只能在 .xlsx/.xlsm 工作簿上标注，该文件是 {path.suffix} 格式。请在 WPS 或 LibreOffice 中把它"
        f"“另存为”Excel 工作簿（{path.stem}.xlsx），再运行：xltool validate {path.stem}.xlsx --mark-to 标注副本.xlsx",
        file=path,
        exit_code=EXIT_INPUT,
    )


def run_validate_command(files: list[Path], *, as_json: bool = False, mark: bool = False,
                         mark_to: Path | None = None, force: bool = False,
                         profile: str | None = None) -> CommandOutput:
    """Discover, validate, optionally mark, and render the report; argument errors raise XltoolError.

    Each message is printed once: errors and warnings about files on stderr (the report on
    stdout points to them), findings in the report, skipped files as notices on stderr.
    """
    if mark and mark_to is not None:
        raise XltoolError("--mark 与 --mark-to 只能选用一个", exit_code=EXIT_INPUT)
    found = discover(files)
    to_read = [f.path for f in found.to_read]
    if mark_to is not None:
        from xltool.io.files import check_output_dir, ensure_not_input
        from xltool.write.marking import check_output_suffix

        if len(to_read) != 1:
            raise XltoolError("--mark-to 只能用于一个输入文件；多个文件请用 --mark 分别标注", exit_code=EXIT_INPUT)
        if to_read[0].suffix.lower() not in _MARKABLE:
            raise _not_markable(to_read[0])
        ensure_not_input(mark_to, to_read)
        check_output_suffix(to_read[0], Path(mark_to))
        check_output_dir(mark_to)
    in_folders = frozenset(str(f.path) for f in found.to_read if not f.explicit)
    if mark and to_read and all(p.suffix.lower() not in _MARKABLE for p in to_read):
        raise _not_markable(to_read[0])
    checked = check_files(to_read, profile=profile, skip_own=True, found_in_folder=in_folders)
    run = checked.run
    notices = [f"提示：{line}" for line in found.notice_lines()]
    notices += [f"提示：已跳过 {file}：{reason}" for file, reason in checked.skipped]
    if not run.files:
        given = "、".join(str(f) for f in files)
        lines = "".join(f"\n  {n.removeprefix('提示：')}" for n in notices[:20])
        raise XltoolError(f"输入（{given}）中没有可校验的工作簿（.xlsx/.xlsm/.xls/.ods）{lines}", exit_code=EXIT_INPUT)
    errors: list[str] = []
    if mark or mark_to is not None:
        from xltool.write.marking import lost_message, mark_file

        for status in run.files:
            if status.status != "ok":
                continue
            if Path(status.file).suffix.lower() not in _MARKABLE:
                status.status = "not_marked"
                status.message = _not_markable(Path(status.file)).message
                errors.append(f"错误：文件 {status.file}：{status.message}")
                continue
            try:
                result = mark_file(status.file, run.findings_for(status.file), output=mark_to, force=force)
            except XltoolError as exc:
                status.status = "not_marked"
                status.message = exc.message
                errors.append(f"错误：{exc.describe()}")
                continue
            status.message = f"已标注 {result.marked_cells} 个单元格，写入：{result.output}"
            if result.backup is not None:
                status.message += f"（覆盖前已备份为 {result.backup.name}）"
            if result.at_risk:
                warning = lost_message(result.at_risk) + "（标注后的文件中可能缺失或变样）"
                status.notes.append(warning)
                errors.append(f"警告：文件 {status.file}：{warning}")
            status.notes.extend(result.notices)
    errors += [f"错误：文件 {s.file}：{s.message}" for s in run.files if s.status == "failed"]
    text = format_json(run) if as_json else format_text(_pointing_to_stderr(run))
    # A folder that could not be opened may hold tables: never a clean exit 0.
    code = max(run.exit_code, EXIT_FINDINGS) if found.unreadable else run.exit_code
    return CommandOutput(text, notices + errors, code)


def _pointing_to_stderr(run: ValidationRun) -> ValidationRun:
    """The report for stdout with each error said once: where stderr carries the reason
    (scripts and the ribbon read it there), the report only points to it."""
    see = "原因见下方“错误：”一行"
    statuses = []
    for s in run.files:
        if s.status in ("failed", "not_marked"):
            s = replace(s, message=see, notes=[n for n in s.notes if "可能缺失或变样" not in n])
        elif any("可能缺失或变样" in n for n in s.notes):
            s = replace(s, notes=[n if "可能缺失或变样" not in n else "部分内容无法完整保留，见下方“警告：”一行" for n in s.notes])
        statuses.append(s)
    return ValidationRun(statuses, run.findings)
