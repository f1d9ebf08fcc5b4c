"""``xltool addin``: build, install, uninstall and check the Excel add-in (click only).

The add-in's work lives in :mod:`xltool.addin`; its modules load only when a
subcommand runs, so ``xltool --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli.zh import ZhUsageError


_HELP_OPTION = {"help_option_names": ["-h", "--help"]}


@click.group(name="addin", context_settings=_HELP_OPTION, help="Excel 加载项（xltool.xlam）：生成、安装、卸载、检查。")
def addin_group() -> None:
    """Command group; the subcommands below do the work."""


@addin_group.command("build", context_settings=_HELP_OPTION,
                     help="生成 Excel 加载项文件 xltool.xlam；加 --wps 则生成 WPS 表格加载项文件夹。")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="输出文件路径（默认 xltool.xlam）；--wps 时为输出文件夹（默认 xltool-WPS）。",
)
@click.option("--wps", is_flag=True, help="生成 WPS 表格加载项（ribbon.xml、main.js 等），通过 xltool 服务器校验。")
@click.option("--server", default=None, metavar="网址",
              help="--wps 时加载项使用的 xltool 服务器；默认为本机的 xltool serve（127.0.0.1:8765）。")
def build_command(output: Path | None, wps: bool, server: str | None) -> None:
    if wps:
        from xltool.addin.wps import DEFAULT_SERVER, build_wps_addin

        built = build_wps_addin(output or Path("xltool-WPS"), server=server or DEFAULT_SERVER)
        click.echo(f"已生成 WPS 加载项：{built.folder}（服务器 {built.server}）")
        click.echo("登记方法见该文件夹中的“说明.txt”。")
        return
    if server:
        raise ZhUsageError("--server 只能与 --wps 一起使用。")
    from xltool.addin.build import build_addin

    path = build_addin(output or Path("xltool.xlam"))
    click.echo(f"已生成加载项：{path}")


@addin_group.command(
    "install", context_settings=_HELP_OPTION, help="安装加载项到 Excel 启动文件夹，并配置当前 Python 解释器。"
)
@click.option(
    "--trusted",
    is_flag=True,
    help="同时把启动文件夹登记为 Excel 的受信任位置（Windows，写入当前用户的注册表），并列出需要 IT 放行的设置。",
)
@click.option("--wps", is_flag=True, help="改为给 WPS 表格登记加载项（写入 WPS 的 jsaddons/publish.xml，保留其他加载项）。")
@click.option("--server", default=None, metavar="网址",
              help="--wps 时 xltool 服务器的地址，默认为本机的 xltool serve（127.0.0.1:8765）。")
@click.option("--token", default=None, help="--wps 时服务器的访问口令（服务器用 --token 启动时）。")
@click.option(
    "--fresh-process/--persistent-process", "fresh_process", default=None,
    help="按钮每次点击都启动新的 Python 进程（--fresh-process），或在常驻的 Python 进程中运行（--persistent-process，"
    "Windows 上的默认做法：第一次点击后的点击快得多）。都不加时保留配置文件中已有的设置。macOS 总是每次启动新进程。",
)
def install_command(trusted: bool, wps: bool, server: str | None, token: str | None,
                    fresh_process: bool | None) -> None:
    if wps and fresh_process is not None:
        raise ZhUsageError("--fresh-process 和 --persistent-process 只用于 Excel 加载项，不能与 --wps 一起使用。")
    if wps:
        from xltool.addin.wps import DEFAULT_SERVER
        from xltool.addin.wps.install import install_wps

        done = install_wps(server or DEFAULT_SERVER, token=token)
        for note in done.notes:
            click.echo(note)
        if done.backup:
            click.echo(f"原登记文件已备份为：{done.backup}")
        if done.changed:
            click.echo(f"已登记 WPS 加载项：{done.url}（{done.publish}）")
            click.echo("请重新启动 WPS 表格，功能区中将出现“绩效目标”选项卡；校验时该服务器须已启动。")
        return
    if server or token:
        raise ZhUsageError("--server 和 --token 只能与 --wps 一起使用。")
    from xltool.addin.install import install_addin

    result = install_addin(trusted=trusted, fresh_process=fresh_process)
    click.echo(f"已安装加载项：{result.addin}")
    click.echo(f"已写入配置：{result.config_file}")
    for note in result.notes:
        click.echo(note)
    click.echo("请重新启动 Excel，功能区中将出现“绩效目标”选项卡。按钮不能使用时请运行 xltool addin doctor 检查。")


@addin_group.command("uninstall", context_settings=_HELP_OPTION, help="从 Excel 启动文件夹卸载加载项。")
@click.option("--wps", is_flag=True, help="改为删除 WPS 表格中 xltool 加载项的登记（其他加载项不变）。")
def uninstall_command(wps: bool) -> None:
    if wps:
        from xltool.addin.wps.install import uninstall_wps

        done = uninstall_wps()
        if not done.changed:
            click.echo("WPS 中没有登记 xltool 加载项，无需卸载。")
            return
        click.echo(f"已删除 WPS 加载项的登记（{done.publish}；原文件备份为 {done.backup}）。请重新启动 WPS 表格。")
        return
    from xltool.addin.install import uninstall_addin

    result = uninstall_addin()
    for note in result.notes:
        click.echo(note)
    if not result.removed:
        click.echo("未找到已安装的加载项，无需卸载。")
        return
    for path in result.removed:
        click.echo(f"已删除：{path}")
    click.echo("请重新启动 Excel 以使更改生效。")


@addin_group.command(
    "doctor",
    context_settings={"help_option_names": ["-h", "--help"]},
    short_help="检查本机能否使用加载项，并说明需要怎样修改。",
    help="检查本机是否具备使用加载项的条件（Excel、Python、xlwings、配置文件、宏设置），并说明需要怎样修改。"
    "退出码：0 没有问题；1 有需要处理的项目。",
)
def doctor_command() -> None:
    from xltool.addin.doctor import Machine, diagnose

    report = diagnose(Machine.current())
    click.echo(report.render())
    sys.exit(report.exit_code)
