"""Every message the command line can show is Chinese, click's own ones included.

Each command and subcommand (found by walking the group, so a new command is covered
without editing this file) is run with bad arguments: unknown option, missing
argument or option value, a flag given a value, bad integers and choices, a path of
the wrong kind, an extra argument, an unknown subcommand, and ``--help``. The output
may hold no ASCII word of three or more letters except option names, file names and
the proper nouns listed in ``ALLOWED``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import click
from click.testing import CliRunner

from xltool.cli import main

# Proper nouns and values a user types literally (profile names, file types).
ALLOWED = {
    "xltool", "Excel", "WPS", "JSON", "Word", "Python", "openpyxl", "xlwings", "Windows", "macOS", "Linux", "CPU",
    "UTF", "GBK", "XLTOOL_DEBUG", "XLTOOL_LAYOUTS", "APPDATA", "auto", "Ctrl",  # typed literally: --token auto, Ctrl+C, variables
    "district", "national", "docx", "txt", "xlsx", "xlsm", "xls", "ods", "xlam",
}
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
_FILE = re.compile(r"[\w~$./\\-]*\.[A-Za-z]{2,4}\b|(?:/[\w.-]+)+")
_WORD = re.compile(r"[A-Za-z_]{3,}")


def english_words(text: str) -> list[str]:
    """ASCII words of 3+ letters left once options, file names, command names and allowed
    nouns are removed."""
    text = _FILE.sub(" ", _OPTION.sub(" ", text))
    names = {n for path, _ in commands() for n in path}
    return [w for w in _WORD.findall(text) if w not in ALLOWED and w not in names]


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def bad_calls(path: tuple[str, ...], cmd: click.Command, tmp: Path) -> Iterator[list[str]]:
    """Command lines that must fail (or show help) without doing any work."""
    base = list(path)
    yield [*base, "--help"]
    yield [*base, "--no-such-option"]
    if isinstance(cmd, click.Group):
        yield [*base, "没有此命令"]
        return
    required = [p for p in cmd.params if p.required]
    # The other required parameters, filled with harmless values, so one bad value is the only fault.
    filler: list[str] = []
    for p in required:
        if isinstance(p, click.Argument):
            filler.append(str(tmp / "不存在.xlsx"))
        else:
            filler += [p.opts[0], str(tmp / "输出.xlsx")]
    if required:
        yield base  # missing argument / option
    if not any(isinstance(p, click.Argument) and p.nargs == -1 for p in cmd.params):
        yield [*base, *filler, "多余参数"]
    for p in cmd.params:
        if not isinstance(p, click.Option) or p.hidden or p.name == "help":
            continue
        name = p.opts[-1]
        if p.is_flag:
            yield [*base, *filler, f"{name}=1"]
            continue
        yield [*base, *filler, name]  # the value is missing
        kind = p.type
        if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):  # ranges included
            yield [*base, *filler, name, "十二"]  # echoed back, so not ASCII
            if isinstance(kind, (click.IntRange, click.FloatRange)) and kind.min is not None:
                yield [*base, *filler, name, str(kind.min - 5)]
        if isinstance(kind, click.Choice):
            yield [*base, *filler, name, "不是选项"]
        if isinstance(kind, click.Path):
            if not kind.dir_okay:
                yield [*base, *filler, name, str(tmp)]  # a folder where a file is wanted
            if not kind.file_okay:
                yield [*base, *filler, name, str(tmp / "文件.txt")]
            if kind.exists:
                yield [*base, *filler, name, str(tmp / "不存在")]
    for p in cmd.params:
        if isinstance(p, click.Argument):
            yield [*base, *[f for f in filler if f != str(tmp / "不存在.xlsx")], str(tmp / "不存在.xlsx")]
            break


def all_calls(tmp: Path) -> list[list[str]]:
    return [args for path, cmd in commands() for args in bad_calls(path, cmd, tmp)]


def test_the_walk_reaches_every_command() -> None:
    found = {" ".join(path) for path, _ in commands()}
    assert {"template", "read", "import", "validate", "merge", "addin", "addin build", "addin install",
            "addin uninstall"} <= found


def test_every_message_for_bad_arguments_is_chinese(tmp_path: Path) -> None:
    (tmp_path / "文件.txt").write_text("x", encoding="utf-8")
    runner = CliRunner()
    english: dict[str, list[str]] = {}
    calls = all_calls(tmp_path)
    assert len(calls) > 40
    for args in calls:
        result = runner.invoke(main, args, prog_name="xltool", catch_exceptions=False)
        output = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert output.strip(), args
        assert "Traceback" not in output, (args, output)
        words = english_words(output.replace(str(tmp_path), ""))
        if words:
            english[" ".join(args)] = words
    assert not english, "\n".join(f"{k}: {v}" for k, v in english.items())


def test_typical_errors_read_as_expected(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["template", "--sheets", "abc"], prog_name="xltool").output
    assert "“--sheets” 的取值无效：“abc”不是整数。" in out and "用法：xltool template [选项]" in out
    out = runner.invoke(main, ["template", "--sheets", "0"], prog_name="xltool").output
    assert "0 不在取值范围 1～200 内" in out
    out = runner.invoke(main, ["template", "--help"], prog_name="xltool").output
    assert "--sheets 整数" in out and "取值 1～200" in out and "INTEGER" not in out
    result = runner.invoke(main, ["validate"], prog_name="xltool")
    assert result.exit_code == 2 and "缺少参数 “文件...”" in result.output


def test_the_checker_sees_english() -> None:
    assert english_words("Error: No such option --foo in 表.xlsx") == ["Error", "such", "option"]
    assert english_words("错误：选项 --sheets 的取值无效（xltool、Excel）") == []
