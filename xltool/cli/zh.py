"""xltool's own click classes: every word click would show a user comes out in Chinese.

click marks its messages for gettext but ships no translations, and swapping the
``_`` of its modules changes click for the whole process. Instead the commands are
built from these subclasses, which use click's documented hooks only:

* :class:`ZhContext` picks :class:`ZhFormatter` (the ``用法：`` line);
* :class:`ZhCommand` / :class:`ZhGroup` write the option and command sections, the
  help option's text, the ``[选项]`` placeholders, extra-argument and unknown-command
  errors themselves, and :meth:`ZhGroup.main` prints every usage error in Chinese;
* the parameter types (:mod:`xltool.cli.zh_types`) convert and complain in Chinese;
  a command built from plain click types gets them swapped in (:func:`zh_type`), so
  ``type=int`` keeps working.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from click.formatting import join_options

from xltool.cli.zh_types import ZhFloatRange, ZhIntRange, zh_type

# Names shown for positional arguments in usage lines ("xltool read [选项] 文件...").
ARGUMENT_NAMES = {"files": "文件", "sources": "源文件", "inputs": "文件或文件夹"}

HELP_TEXT = "显示本帮助并退出。"
VERSION_HELP = "显示版本号并退出。"


class ZhUsageError(click.UsageError):
    """A usage error whose message xltool wrote (already Chinese)."""


# ---------------------------------------------------------------------------
# Help output
# ---------------------------------------------------------------------------


class ZhFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's two-column list measured in terminal columns: a Chinese character takes two,
        so the help texts line up (click counts it as one)."""
        from xltool.api.console import display_width

        rows = list(rows)
        first_col = min(max((display_width(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            width = display_width(first)
            if width <= first_col - col_spacing:
                self.write(" " * (first_col - width))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_columns(second, max(self.width - first_col - 2, 10))
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


def wrap_columns(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns; Latin words are not split."""
    import re

    from xltool.api.console import display_width

    lines, line, used = [], "", 0
    for token in re.findall(r"[A-Za-z0-9_\-.,:/=\[\]()'\"<>~$%]+|\s+|.", " ".join(text.split())):
        w = display_width(token)
        if used + w > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
            if token.isspace():
                continue
        line += token
        used += w
    lines.append(line.rstrip())
    return lines


class ZhContext(click.Context):
    formatter_class = ZhFormatter


def help_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """An option's line in the help: names, metavar, help and ``[默认：…；必填]``."""
    if not isinstance(param, click.Option):
        return param.get_help_record(ctx)
    if param.hidden:
        return None
    names = []
    for opts in (param.opts, param.secondary_opts):
        if opts:
            text = join_options(opts)[0]
            names.append(text if param.is_flag or param.count else f"{text} {param.make_metavar(ctx)}")
    extra = param.get_help_extra(ctx)
    items = []
    if "envvars" in extra:
        items.append("环境变量：" + "、".join(extra["envvars"]))
    if "default" in extra:
        items.append(f"默认：{extra['default']}")
    if isinstance(param.type, (ZhIntRange, ZhFloatRange)):
        items.append(f"取值 {param.type.describe()}")
    if "required" in extra:
        items.append("必填")
    text = param.help or ""
    if items:
        text = f"{text}  [{'；'.join(items)}]" if text else f"[{'；'.join(items)}]"
    return " / ".join(names), text


class _ZhMixin:
    """What a Chinese command and group share (mixed in before click's class)."""

    context_class = ZhContext

    def _localize(self: Any) -> None:
        self.options_metavar = "[选项]"
        for param in self.params:
            param.type = zh_type(param.type)
            if isinstance(param, click.Argument) and param.metavar is None and param.name in ARGUMENT_NAMES:
                param.metavar = ARGUMENT_NAMES[param.name] + ("..." if param.nargs == -1 else "")

    def get_help_option(self: Any, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_options(self: Any, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [r for r in (help_record(p, ctx) for p in self.get_params(ctx)) if r is not None]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)

    def parse_args(self: Any, ctx: click.Context, args: list[str]) -> list[str]:
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True  # checked here, so the message is ours
        try:
            rest = super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            if exc.ctx is None:  # the option parser raises without one: the usage line needs it
                exc.ctx = ctx
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise ZhUsageError(f"多余的参数（{' '.join(map(str, rest))}）。", ctx)
        return rest


class ZhCommand(_ZhMixin, click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localize()


class ZhGroup(_ZhMixin, click.Group):
    command_class = ZhCommand
    group_class = type  # subgroups are ZhGroups too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localize()
        self.subcommand_metavar = "命令 [参数]..."

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Commands built elsewhere with plain click classes are rebuilt as Chinese ones."""
        super().add_command(adopt(cmd), name)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(n, c) for n in self.list_commands(ctx) if (c := self.get_command(ctx, n)) and not c.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(n) for n, _ in commands)
            with formatter.section("命令"):
                formatter.write_dl([(n, c.get_short_help_str(limit)) for n, c in commands])

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except (click.NoSuchOption, click.BadOptionUsage, ZhUsageError):
            raise
        except click.UsageError:
            raise ZhUsageError(f"没有名为“{args[0]}”的命令。", ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if type(exc) is click.UsageError and exc.ctx is ctx:  # the group's own "Missing command."
                raise ZhUsageError("缺少命令。", ctx) from None
            raise

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """click's main, with every usage error, abort and parameter error printed in Chinese."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            _show_usage_error(exc)
        except click.ClickException as exc:
            click.echo(f"错误：{_chinese(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def adopt(cmd: click.Command) -> click.Command:
    """``cmd`` rebuilt from xltool's Chinese classes (a group with all its subcommands)."""
    if isinstance(cmd, (ZhCommand, ZhGroup)):
        return cmd
    common = dict(name=cmd.name, context_settings=cmd.context_settings, callback=cmd.callback, params=cmd.params,
                  help=cmd.help, epilog=cmd.epilog, short_help=cmd.short_help, add_help_option=cmd.add_help_option,
                  no_args_is_help=cmd.no_args_is_help, hidden=cmd.hidden, deprecated=cmd.deprecated)
    if isinstance(cmd, click.Group):
        group = ZhGroup(invoke_without_command=cmd.invoke_without_command, chain=cmd.chain, **common)
        for name, sub in cmd.commands.items():
            group.add_command(sub, name)
        return group
    return ZhCommand(**common)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _hint(exc: click.BadParameter) -> str:
    if exc.param_hint is not None:
        hint = exc.param_hint
        return " / ".join(f"“{h}”" for h in hint) if isinstance(hint, (list, tuple)) else f"“{hint}”"
    if exc.param is not None:
        if isinstance(exc.param, click.Argument):
            return f"“{exc.param.make_metavar(exc.ctx)}”" if exc.ctx else "参数"
        return " / ".join(f"“{o}”" for o in exc.param.opts)
    return "参数"


def _option(ctx: click.Context | None, name: str) -> click.Option | None:
    if ctx is None:
        return None
    for param in ctx.command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _chinese(exc: click.ClickException) -> str:
    """The Chinese message for any exception click raises on a command line."""
    if isinstance(exc, ZhUsageError):
        return exc.message
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}。"
        if exc.possibilities:
            text += f"您是否想输入 {'、'.join(sorted(exc.possibilities))}？"
        return text
    if isinstance(exc, click.BadOptionUsage):
        option = _option(exc.ctx, exc.option_name)
        if option is not None and (option.is_flag or option.count):
            return f"选项 {exc.option_name} 不接受取值。"
        if option is not None and option.nargs > 1:
            return f"选项 {exc.option_name} 需要 {option.nargs} 个取值。"
        return f"选项 {exc.option_name} 需要一个取值。"
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        return f"缺少{'选项' if kind == 'option' else '参数'} {_hint(exc)}。"
    if isinstance(exc, click.BadParameter):
        return f"{_hint(exc)} 的取值无效：{exc.message}"
    if isinstance(exc, click.UsageError):
        return "命令行参数有误。"
    if isinstance(exc, click.FileError):
        return f"无法打开文件“{exc.ui_filename}”。"
    return "命令执行失败。"


def _show_usage_error(exc: click.UsageError) -> NoReturn:
    ctx = exc.ctx
    if ctx is not None:
        lines = [ctx.get_usage()]
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(f"运行“{ctx.command_path} {ctx.help_option_names[0]}”查看帮助。")
        click.echo("\n".join(lines) + "\n", err=True)
    click.echo(f"错误：{_chinese(exc)}", err=True)
    sys.exit(exc.exit_code)
