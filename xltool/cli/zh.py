"""Simplified Chinese for click's own words (usage, help, parameter errors).

click marks its messages with gettext but ships no catalogues; rather than build
.mo files we swap the ``_``/``ngettext`` each click module bound at import for a
lookup in this table. Unknown messages pass through unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click


ZH: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有名为 {name!r} 的命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such option: {name}": "没有选项：{name}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值 {choices} 之一。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "Aborted!": "已中止！",
    "Did you mean {possibility}?": "您是否想输入 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是否想输入其中之一：{possibilities}？）",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个取值，但只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个取值，但给了 {len} 个。",
    "integer": "整数",
    "float": "数字",
    "required": "必填",
}

# Metavars click derives from type names ("TEXT", "INTEGER") in help texts.
_TYPE_NAMES = {"STRING": "文本", "INT": "整数", "FLOAT": "数字", "BOOL": "是/否"}


def gettext_zh(message: str) -> str:
    return ZH.get(message, message)


def ngettext_zh(singular: str, plural: str, n: int) -> str:
    return ZH.get(singular if n == 1 else plural, singular if n == 1 else plural)


def install_chinese_click() -> None:
    """Point every click module's message functions at the Chinese table (idempotent)."""
    import click
    import importlib

    for name in ("core", "parser", "exceptions", "types", "decorators", "formatting", "termui", "utils"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext_zh  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext_zh  # type: ignore[attr-defined]
    for attr, name in _TYPE_NAMES.items():
        getattr(click, attr).name = name


# Names shown for positional arguments in usage lines ("xltool read [选项] 文件...").
ARGUMENT_NAMES = {"files": "文件", "sources": "源文件", "inputs": "文件或文件夹"}


def localize_metavars(command: click.Command) -> None:
    """Chinese placeholders in every usage line of a command tree ([选项], 命令, 文件...)."""
    import click

    command.options_metavar = "[选项]"
    if isinstance(command, click.Group):
        command.subcommand_metavar = "命令 [参数]..."
        for sub in command.commands.values():
            localize_metavars(sub)
    for param in command.params:
        if isinstance(param, click.Argument) and param.name in ARGUMENT_NAMES:
            param.metavar = ARGUMENT_NAMES[param.name] + ("..." if param.nargs == -1 else "")
