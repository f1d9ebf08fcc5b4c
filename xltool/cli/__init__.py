"""The ``xltool`` command line: small click commands over the library.

Every command turns :class:`~xltool.core.errors.XltoolError` into a Chinese message on
stderr and its exit code; nothing a user can cause prints a traceback. Heavy
imports happen inside commands so ``xltool --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from xltool import __version__
from xltool.core.errors import EXIT_FINDINGS, EXIT_INPUT, XltoolError
from xltool.cli.zh import VERSION_HELP, ZhGroup

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class XltoolGroup(ZhGroup):
    """A group whose commands report failures in Chinese, never as tracebacks.

    Usage and parameter errors are :class:`~xltool.cli.zh.ZhGroup`'s; this adds what
    the commands themselves raise.
    """

    def invoke(self, ctx: click.Context) -> Any:
        from xltool.api.console import legible_streams
        from xltool.api.process import exit_code_of, install_stop_signals, restore_signals

        legible_streams(sys.stdout, sys.stderr)  # a file name in GBK bytes is printed decoded, never a crash
        previous = install_stop_signals()  # SIGTERM/SIGHUP end a run like Ctrl+C: cleanup runs, exit 143/129 (130)
        try:
            return super().invoke(ctx)
        except XltoolError as exc:
            click.echo(f"错误：{exc.describe()}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            click.echo("已中断：未写出任何不完整的文件。", err=True)
            sys.exit(exit_code_of(exc))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except MemoryError:
            click.echo("错误：内存不足，文件过大或结构异常。", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as exc:  # last line of defence: a Chinese message, no traceback
            from xltool.api.process import is_disk_full

            if is_disk_full(exc) and not os.environ.get("XLTOOL_DEBUG"):  # e.g. the temporary folder is full
                click.echo(f"错误：磁盘空间不足（{getattr(exc, 'filename', None) or '临时文件夹'}），"
                           "未写出任何文件。请清理磁盘或换一个位置后重试。", err=True)
                sys.exit(EXIT_INPUT)
            if os.environ.get("XLTOOL_DEBUG"):
                raise
            click.echo(
                f"错误：程序内部错误（{type(exc).__name__}: {exc}）。请把命令和文件发给维护人员；"
                "设置环境变量 XLTOOL_DEBUG=1 可查看详细信息。",
                err=True,
            )
            sys.exit(3)
        finally:
            restore_signals(previous)


@click.group(cls=XltoolGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="xltool %(version)s", help=VERSION_HELP)
def main() -> None:
    """xltool：项目绩效目标表（附件3）的模板、导入、校验与汇总工具。

    \b
    常用命令：
      xltool template -o 绩效目标表.xlsx     生成空白模板
      xltool import 旧表.docx -o 新表.xlsx    把旧表导入模板
      xltool validate 绩效目标表.xlsx          校验并报告问题
      xltool merge 各单位文件夹 -o 汇总.xlsx   汇总多个工作簿
    """


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@main.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（项目列表）。")
@click.option("--profile", default=None, help="指标体系名称；默认读取工作簿中记录的体系或自动识别。")
def read_command(files: tuple[Path, ...], as_json: bool, profile: str | None) -> None:
    """读取工作簿中的每张项目表，输出项目与指标。

    “文件”为一个或多个 .xlsx/.xlsm/.xls/.ods 工作簿。任一文件无法读取时退出码为 2。
    """
    import xltool

    report = xltool.read(list(files), profile=profile)
    failed = [f.error for f in report.files if f.status == "failed"]
    if failed and len(files) == 1:
        raise failed[0]
    read_so_far = 0
    for entry in report.files:  # file by file, as they were read (projects come in the same order)
        if entry.status == "failed":
            click.echo(f"错误：{entry.error.describe()}", err=True)
            continue
        for project in report.projects[read_so_far:read_so_far + entry.projects]:
            for note in project.notes:
                click.echo(f"提示：文件 {project.file}，工作表 {project.sheet}，项目“{project.label}”：{note}", err=True)
        read_so_far += entry.projects
    # One count everywhere: template rows left blank or "……" are not indicators (as in validate and merge).
    projects = [{**p.to_json_dict(), "_count": len(p.real_indicators)} for p in report.projects]
    if as_json:
        _echo_json([{k: v for k, v in p.items() if k != "_count"} for p in projects])
    else:
        for p in projects:
            total = "" if p["total"] is None else f"{p['total']:.2f} 万元"
            click.echo(f"{p['file']} [{p['sheet']}] {p['name']}  {total}  指标 {p['_count']} 条")
        click.echo(f"共 {len(projects)} 个项目。")
    if failed:
        sys.exit(EXIT_INPUT)


@main.command("template")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("绩效目标表模板.xlsx"),
              show_default=True, help="输出文件路径。")
@click.option("--profile", default=None, help="指标体系：district-2022（默认）、national-2021、national-2015。")
@click.option("--year", type=int, default=None, help="预算年度，写入标题；默认为明年。")
@click.option("--sheets", type=click.IntRange(1, 200), default=1, show_default=True, help="预置的项目表张数。")
def template_command(output: Path, profile: str | None, year: int | None, sheets: int) -> None:
    """生成空白的项目绩效目标表模板（含下拉列表、输入提示和自动检查）。"""
    import xltool

    def backups() -> set[Path]:
        return set(output.parent.glob(f"{output.stem}.bak-*{output.suffix}"))

    before = backups()
    path = xltool.make_template(output=output, profile=profile, year=year, sheets=sheets)
    click.echo(f"已生成模板：{path}")
    for backup in sorted(backups() - before):  # the file that was there is never replaced silently
        click.echo(f"原有的同名文件已备份为：{backup}")


# --- import ---


@main.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="输出工作簿（.xlsx）：所有项目写入同一个工作簿，每个项目一张工作表。")
@click.option("--split", "split_dir", type=click.Path(path_type=Path), default=None,
              help="改为每个项目写一个工作簿，放在此文件夹中（文件名取项目名称）。")
@click.option("--profile", default=None, help="指标体系名称；默认按导入的指标自动识别。")
@click.option("--year", type=int, default=None, help="预算年度，写入标题；默认取原表标题中的年度。")
@click.option("--layout", type=click.Path(path_type=Path), default=None,
              help="版式文件（每行“原表文字 = 栏目”），让 xltool 认识原表自己的栏目写法。")
@click.option("--layouts", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="版式文件夹：其中的版式自动应用于栏目相同（指纹相同）的表。默认为环境变量 XLTOOL_LAYOUTS，"
                   "否则 Windows 为 %APPDATA%\\xltool\\版式，其他系统为 ~/.config/xltool/layouts。")
def import_command(sources: tuple[Path, ...], output: Path | None, split_dir: Path | None,
                   profile: str | None, year: int | None, layout: Path | None, layouts: Path | None) -> None:
    """把往年的绩效目标表导入为模板工作簿（下拉列表、提示和自动检查照常可用）。

    \b
    “源文件”可以是：
      .txt  从 Word 复制出的表格文本（UTF-8 或 GBK 编码，可含多张表）
      .docx Word 文档（可含多张表，合并单元格自动处理）
      .xlsx/.xls/.ods 其他地区格式的工作簿
    原表内容按原样导入（包括其中的问题，留给 xltool validate 检查）；
    无法对应到模板栏目的内容保留在“项目名称”单元格的批注中，并逐条提示。
    \b
    认不出的栏目或标签会逐个提示（工作表、单元格、原文），并在输出旁写出版式文件
    “输出.版式.toml”：在其中填上栏目名，用 --layout 该文件 重新导入即可读全；
    把它放进版式文件夹（见 --layouts），以后栏目相同的表自动按它读取，并提示用了哪个版式。
    连项目名称一栏也认不出的表不导入，但同样写出版式文件，列出表头中的栏目，填上后即可导入。
    退出码：0 成功；1 有表格未能导入；2 文件无法读取或参数错误（此时不写出工作簿）。
    """
    import xltool

    if (output is None) == (split_dir is None):
        raise XltoolError("请用 -o 指定输出工作簿，或用 --split 指定输出文件夹（二者选一）", exit_code=EXIT_INPUT)
    try:
        run = xltool.import_tables(list(sources), output=output, split=split_dir, profile=profile, year=year,
                                     layout=layout, layouts=layouts)
    except XltoolError as exc:
        if exc.code == "output.not_folder":
            raise XltoolError("--split 需要一个文件夹，但该路径是文件", file=exc.file, exit_code=exc.exit_code,
                              code=exc.code) from None
        raise
    for line in run.notices:
        click.echo(f"提示：{line}", err=True)
    if run.profile_notice:
        click.echo(f"提示：{run.profile_notice}；如需各按其体系生成，请改用 --split", err=True)
    where = run.output
    click.echo(f"已从 {run.sources} 个文件导入 {len(run.projects)} 个项目，写入 {where}"
               + (f"（{len(run.written)} 个工作簿）" if split_dir is not None else ""))
    sys.exit(EXIT_FINDINGS if run.incomplete else 0)


# --- validate ---


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（文件状态与问题清单）。")
@click.option("--mark", is_flag=True, help="在原文件上标注问题（标注前在原文件旁保存备份）。")
@click.option("--mark-to", type=click.Path(path_type=Path), default=None,
              help="把标注后的副本写到此文件（仅限一个输入文件，原文件不变）。")
@click.option("--force", is_flag=True, help="原文件含 openpyxl 无法完整保留的内容（图表等）时仍用 --mark 标注。")
@click.option("--profile", default=None, help="指标体系名称；默认读取工作簿中记录的体系或自动识别。")
def validate_command(files: tuple[Path, ...], as_json: bool, mark: bool, mark_to: Path | None,
                     force: bool, profile: str | None) -> None:
    """校验项目绩效目标表，按文件和项目列出问题（错误/警告/提示）。

    \b
    “文件”可以是工作簿或文件夹（逐级查找其中的工作簿）；锁文件、隐藏文件和 xltool 生成的备份、
    标注副本会跳过并逐个提示；汇总表不能校验。
    退出码：0 无错误；1 发现错误；2 有文件无法读取或无法标注。
    多个文件一起校验时，也会检查不同项目之间相互复制的文字和重复报送的项目。
    """
    import xltool

    if mark and mark_to is not None:
        raise XltoolError("--mark 与 --mark-to 只能选用一个", exit_code=EXIT_INPUT)
    found = xltool.find_inputs(list(files))
    markable = xltool.MARKABLE_SUFFIXES if (mark or mark_to is not None) else ()
    if mark_to is not None:
        if len(found.to_read) != 1:
            raise XltoolError("--mark-to 只能用于一个输入文件；多个文件请用 --mark 分别标注", exit_code=EXIT_INPUT)
        if found.to_read[0].suffix.lower() not in markable:
            raise _not_markable(found.to_read[0])
        xltool.check_mark_output(found.to_read[0], mark_to)
    if mark and found.to_read and all(p.suffix.lower() not in markable for p in found.to_read):
        raise _not_markable(found.to_read[0])
    report = xltool.validate(found, profile=profile)
    notices = [f"提示：{line}" for line in report.notices]
    notices += [f"提示：已跳过 {f.file}：{f.message}" for f in report.files if f.error_code == "input.skipped"]
    if not report.read_files:
        given = "、".join(str(f) for f in files)
        lines = "".join(f"\n  {n.removeprefix('提示：')}" for n in notices[:20])
        raise XltoolError(f"输入（{given}）中没有可校验的工作簿（.xlsx/.xlsm/.xls/.ods）{lines}", exit_code=EXIT_INPUT)
    problems: list[str] = []
    if markable:
        problems = _mark_files(xltool, report, mark_to=mark_to, force=force)
    problems += [f"错误：文件 {s.file}：{s.message}" for s in report.read_files if s.status == "failed"]
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        # Each error said once: where stderr carries the reason (scripts and the ribbon read it there),
        # the report only points to it.
        for status in report.read_files:
            if status.status in ("failed", "not_marked"):
                status.message = "原因见下方“错误：”一行"
        click.echo(report.to_text())
    for line in notices + problems:
        click.echo(line, err=True)
    if any(s.status != "ok" for s in report.read_files):
        sys.exit(EXIT_INPUT)
    # A folder that could not be opened may hold tables: never a clean exit 0.
    sys.exit(EXIT_FINDINGS if report.errors or found.unreadable else 0)


def _not_markable(path: Path) -> XltoolError:
    return XltoolError(
        f"xltool 只能在 .xlsx/.xlsm 工作簿上标注，该文件是 {path.suffix} 格式。请在 WPS 或 LibreOffice 中把它"
        f"“另存为”Excel 工作簿（{path.stem}.xlsx），再运行：xltool validate {path.stem}.xlsx --mark-to 标注副本.xlsx",
        file=path,
        exit_code=EXIT_INPUT,
    )


def _mark_files(xltool: Any, report: Any, *, mark_to: Path | None, force: bool) -> list[str]:
    """Mark every file that was read (in place, or the one file to ``mark_to``); the stderr lines it causes."""
    problems: list[str] = []
    for status in report.read_files:
        if status.status != "ok":
            continue
        if Path(status.file).suffix.lower() not in xltool.MARKABLE_SUFFIXES:
            status.status = "not_marked"
            status.message = _not_markable(Path(status.file)).message
            problems.append(f"错误：文件 {status.file}：{status.message}")
            continue
        try:
            result = xltool.mark(status.file, findings=report.findings_for(status.file), output=mark_to,
                                 in_place=mark_to is None, force=force)
        except XltoolError as exc:
            if exc.code == "output.at_risk":  # the CLI knows the way out: its flags
                exc = XltoolError(exc.message + "；可改用 --mark-to 输出标注副本，或加 --force 仍在原文件上标注（会先备份）",
                                  file=exc.file, sheet=exc.sheet, cell=exc.cell, exit_code=exc.exit_code, code=exc.code)
            status.status = "not_marked"
            status.message = exc.message
            problems.append(f"错误：{exc.describe()}")
            continue
        status.marked = True
        status.message = f"已标注 {result.marked_cells} 个单元格，写入：{result.output}"
        if result.backup is not None:
            status.message += f"（覆盖前已备份为 {result.backup.name}）"
        if result.warning:
            status.notes.append("部分内容无法完整保留，见下方“警告：”一行")
            problems.append(f"警告：文件 {status.file}：{result.warning}")
        status.notes.extend(result.notices)
    return problems


# --- merge ---


@main.command("merge")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, metavar="汇总.xlsx",
              help="汇总工作簿（.xlsx）。")
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0, metavar="进程数",
              help="并行读取的进程数；0（默认）为按 CPU 核数自动选择，1 为不用子进程。")
@click.option("--profile", default=None, help="指标体系名称；默认读取各工作簿记录的体系或自动识别。")
@click.option("--no-validate", is_flag=True, help="只汇总，不运行审核规则（问题清单只列文件问题和重复项目）。")
def merge_command(inputs: tuple[Path, ...], output: Path, jobs: int, profile: str | None, no_validate: bool) -> None:
    """把多个单位的工作簿汇总为一个部门汇总工作簿。

    \b
    “文件或文件夹”为工作簿（.xlsx/.xlsm/.xls/.ods）或文件夹（逐级查找其中的工作簿）。
    汇总表含：项目汇总、指标明细、资金汇总、资金图表、部门整体绩效目标、问题清单、文件清单。
    Excel 临时锁文件（~$ 开头）、隐藏文件和 xltool 自己生成的文件（备份、标注副本、汇总表）
    不计入，逐个列在文件清单中并说明原因；同一项目（名称+实施单位）在两个文件中出现时只计一次。
    退出码：0 全部汇总；1 有文件被跳过、读取失败或项目重复（汇总表照常写出）；2 没有可汇总的项目或参数错误。
    """
    import xltool

    with _progress_bar() as progress:
        report = xltool.merge(list(inputs), output=output, jobs=jobs or None, profile=profile, progress=progress,
                              validate=not no_validate)
    for line in report.problem_lines():
        click.echo(line, err=True)
    click.echo(report.summary_line())
    sys.exit(EXIT_FINDINGS if report.has_problems else 0)


@contextmanager
def _progress_bar(label: str = "正在读取") -> Iterator[Callable[[int, int], None] | None]:
    """A click progress bar on stderr when it is a terminal; None otherwise."""
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


# --- addin ---


from xltool.cli.addin import addin_group  # noqa: E402  (light: the add-in modules load only when a subcommand runs)

main.add_command(addin_group, "addin")  # rebuilt from the Chinese classes by ZhGroup.add_command
from xltool.cli.serve import serve_command  # noqa: E402  (light: the web stack loads only when serve runs)

main.add_command(serve_command, "serve")
from xltool.cli.bundle import bundle_group  # noqa: E402

main.add_command(bundle_group, "bundle")
