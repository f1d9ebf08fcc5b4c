"""``xltool bundle windows``: the offline Windows installer (click only; the work is :mod:`xltool.addin.bundle`)."""

from __future__ import annotations

from pathlib import Path

import click

_HELP_OPTION = {"help_option_names": ["-h", "--help"]}


@click.group(name="bundle", context_settings=_HELP_OPTION, help="生成离线安装包（给不能联网的办公电脑）。")
def bundle_group() -> None:
    """Command group; the subcommands below do the work."""


@bundle_group.command(
    "windows", context_settings=_HELP_OPTION,
    short_help="生成 Windows 离线安装包（.zip）。",
    help="生成 Windows（64 位）离线安装包：xltool 及其全部依赖的程序包、安装.bat、卸载.bat 和说明.txt。"
    "需要在能访问软件包索引的电脑上运行；办公电脑上只需事先装好同一版本的 Python。",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("xltool-离线安装包.zip"), show_default=True, help="输出的 .zip 文件。")
@click.option("--python", "python", type=click.Choice(["3.10", "3.11", "3.12"]), default="3.11", show_default=True,
              help="办公电脑上 Python 的版本（程序包按版本编译，一个安装包只适用于一个版本）。")
@click.option("--wheel", "own_wheel", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="使用已生成的 xltool 程序包（.whl），不从源代码生成。")
def windows_command(output: Path, python: str, own_wheel: Path | None) -> None:
    from xltool.addin.bundle import build_bundle

    click.echo(f"正在下载 Windows（Python {python}）所需的程序包，请稍候…", err=True)
    result = build_bundle(output, python=python, own_wheel=own_wheel)
    if result.backup:
        click.echo(f"原有的同名文件已备份为：{result.backup}")
    click.echo(f"已生成离线安装包：{result.output}（{len(result.wheels)} 个程序包，"
               f"{result.size / 1024 / 1024:.1f} MB，适用于 64 位 Windows 上的 Python {python}）")
    click.echo("把它复制到办公电脑，解压后双击“安装.bat”；详见包内“说明.txt”。")
