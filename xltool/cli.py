"""The ``xltool`` command line: small click commands over the library.

Every command turns :class:`~xltool.errors.XltoolError` into a Chinese message on
stderr and its exit code; nothing a user can cause prints a traceback. Heavy
imports happen inside commands so ``xltool --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import EXIT_INPUT, XltoolError
from .cli_zh import install_chinese_click

install_chinese_click()

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class XltoolGroup(click.Group):
    """A group whose commands report failures in Chinese, never as tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except XltoolError as exc:
            click.echo(f"错误：{exc.describe()}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断：未写出任何不完整的文件。", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except MemoryError:
            click.echo("错误：内存不足，文件过大或结构异常。", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as exc:  # last line of defence: a Chinese message, no traceback
            if os.environ.get("XLTOOL_DEBUG"):
                raise
            click.echo(
                f"错误：程序内部错误（{type(exc).__name__}: {exc}）。请把命令和文件发给维护人员；"
                "设置环境变量 XLTOOL_DEBUG=1 可查看详细信息。",
                err=True,
            )
            sys.exit(3)


@click.group(cls=XltoolGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", message="xltool %(version)s")
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

    FILES 为一个或多个 .xlsx/.xlsm 文件。任一文件无法读取时退出码为 2。
    """
    from .reader import read_workbook

    projects: list[dict[str, Any]] = []
    failed: list[XltoolError] = []
    for path in files:
        try:
            result = read_workbook(path, profile=profile)
        except XltoolError as exc:
            if len(files) == 1:
                raise
            failed.append(exc)
            click.echo(f"错误：{exc.describe()}", err=True)
            continue
        projects.extend(p.to_json_dict() for p in result.projects)
    if as_json:
        _echo_json(projects)
    else:
        for p in projects:
            total = "" if p["total"] is None else f"{p['total']:.2f} 万元"
            click.echo(f"{p['file']} [{p['sheet']}] {p['name']}  {total}  指标 {len(p['indicators'])} 条")
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
    from .template import build_template

    path = build_template(output, profile=profile, year=year, sheets=sheets)
    click.echo(f"已生成模板：{path}")


# --- import commands (issue 3) ---

# --- validate commands (issue 4) ---

# --- merge commands (issue 6) ---

# --- addin commands (issue 5) ---
