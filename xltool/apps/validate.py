"""The ``xltool validate`` run: read files, run the rules once over all projects, mark, report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.io.calamine import read_workbook
from xltool.rules import validate_projects
from xltool.write.report import FileStatus, ValidationRun, format_json, format_text


def validate_files(files: Iterable[str | Path], *, profile: str | None = None) -> ValidationRun:
    """Read every file and run the rules once over all projects (copied text is a batch rule).

    A file that cannot be read is reported and skipped; the others are still validated.
    """

    statuses: list[FileStatus] = []
    projects: list[Any] = []
    for path in files:
        status = FileStatus(file=str(path))
        statuses.append(status)
        try:
            result = read_workbook(path, profile=profile)
        except XltoolError as exc:
            status.status = "failed"
            status.message = exc.message
            continue
        status.projects = len(result.projects)
        status.message = f"项目表 {len(result.projects)} 张"
        if result.skipped_sheets:
            status.notes.append("未包含项目表、已跳过的工作表：" + "、".join(result.skipped_sheets))
        for project in result.projects:
            status.notes.extend(f"工作表“{project.sheet}”：{n}" for n in project.notes)
        projects.extend(result.projects)
    findings = validate_projects(projects, profile=profile) if projects else []
    return ValidationRun(statuses, findings)


@dataclass
class CommandOutput:
    stdout: str
    stderr: list[str]
    exit_code: int


def run_validate_command(files: list[Path], *, as_json: bool = False, mark: bool = False,
                         mark_to: Path | None = None, force: bool = False,
                         profile: str | None = None) -> CommandOutput:
    """Validate, optionally mark, and render the report; argument errors raise XltoolError."""
    if mark and mark_to is not None:
        raise XltoolError("--mark 与 --mark-to 只能选用一个", exit_code=EXIT_INPUT)
    if mark_to is not None:
        from xltool.write.marking import check_output_suffix
        from xltool.io.files import check_output_dir, ensure_not_input

        if len(files) != 1:
            raise XltoolError("--mark-to 只能用于一个输入文件；多个文件请用 --mark 分别标注", exit_code=EXIT_INPUT)
        ensure_not_input(mark_to, files)
        check_output_suffix(Path(files[0]), Path(mark_to))
        check_output_dir(mark_to)
    run = validate_files(files, profile=profile)
    stderr: list[str] = []
    if mark or mark_to is not None:
        from xltool.write.marking import lost_message, mark_file

        for status in run.files:
            if status.status != "ok":
                continue
            try:
                result = mark_file(status.file, run.findings_for(status.file), output=mark_to, force=force)
            except XltoolError as exc:
                status.status = "not_marked"
                status.message = exc.message
                stderr.append(f"错误：{exc.describe()}")
                continue
            status.message = f"已标注 {result.marked_cells} 个单元格，写入：{result.output}"
            if result.backup is not None:
                status.message += f"（覆盖前已备份为 {result.backup.name}）"
            if result.at_risk:
                warning = lost_message(result.at_risk) + "（标注后的文件中可能缺失或变样）"
                status.notes.append(warning)
                stderr.append(f"警告：文件 {status.file}：{warning}")
            status.notes.extend(result.notices)
    for status in run.files:
        if status.status == "failed":
            stderr.append(f"错误：文件 {status.file}：{status.message}")
    text = format_json(run) if as_json else format_text(run)
    return CommandOutput(text, stderr, run.exit_code)
