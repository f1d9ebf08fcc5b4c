"""click's parameter types, converting and complaining in Chinese (``ZhInt``, ``ZhPath`` …).

click's own types word their errors in English; :func:`zh_type` swaps a plain click
type for its Chinese twin when :mod:`xltool.cli.zh` adopts a command.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import click


class ZhText(click.types.StringParamType):
    name = "文本"


class ZhInt(click.types.IntParamType):
    name = "整数"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return int(value)
        except (TypeError, ValueError):
            self.fail(f"“{value}”不是整数。", param, ctx)


class ZhFloat(click.types.FloatParamType):
    name = "数字"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(f"“{value}”不是数字。", param, ctx)


def _num(value: float) -> str:
    """720.0 as 720, 0.1 as 0.1; an integer as itself."""
    return str(value) if isinstance(value, int) else f"{value:g}"


class _ZhRange:
    """A number within bounds (mixed in before click's IntRange or FloatRange); the help shows ``1～200``."""

    min: Any
    max: Any
    min_open: bool
    max_open: bool
    clamp: bool
    _kind: type = int
    _word = "整数"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            number = self._kind(value)
        except (TypeError, ValueError):
            self.fail(f"“{value}”不是{self._word}。", param, ctx)  # type: ignore[attr-defined]
        low = self.min is not None and (number <= self.min if self.min_open else number < self.min)
        high = self.max is not None and (number >= self.max if self.max_open else number > self.max)
        if not (low or high):
            return number
        if self.clamp:
            return self._clamp(  # type: ignore[attr-defined]
                self.min if low else self.max, 1 if low else -1, self.min_open if low else self.max_open)
        self.fail(f"{_num(number)} 不在取值范围 {self.describe()} 内。", param, ctx)  # type: ignore[attr-defined]

    def describe(self) -> str:
        """The range in words: ``1～200``, ``≥ 0``, ``< 10``."""
        if self.min is not None and self.max is not None and not (self.min_open or self.max_open):
            return f"{_num(self.min)}～{_num(self.max)}"
        parts = []
        if self.min is not None:
            parts.append(f"{'>' if self.min_open else '≥'} {_num(self.min)}")
        if self.max is not None:
            parts.append(f"{'<' if self.max_open else '≤'} {_num(self.max)}")
        return "且".join(parts)


class ZhIntRange(_ZhRange, click.IntRange):
    name = "整数"


class ZhFloatRange(_ZhRange, click.FloatRange):
    name = "数字"
    _kind = float
    _word = "数字"


class ZhChoice(click.Choice):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            choices = "、".join(str(c) for c in self.choices)
            self.fail(f"“{value}”不是可选值（{choices}）之一。", param, ctx)


class ZhPath(click.Path):
    """A path; the same checks as click.Path, said in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = "文件" if not self.dir_okay else "文件夹" if not self.file_okay else "路径"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        shown = os.fsdecode(value)
        rv = value
        if self.file_okay and self.allow_dash and rv in (b"-", "-"):
            return self.coerce_path_result(rv)
        if self.resolve_path:
            rv = os.path.realpath(rv)
        try:
            st = os.stat(rv)
        except OSError:
            if not self.exists:
                return self.coerce_path_result(rv)
            self.fail(f"“{shown}”不存在。", param, ctx)
        if not self.file_okay and stat.S_ISREG(st.st_mode):
            self.fail(f"“{shown}”是文件，这里需要文件夹。", param, ctx)
        if not self.dir_okay and stat.S_ISDIR(st.st_mode):
            self.fail(f"“{shown}”是文件夹，这里需要文件。", param, ctx)
        if self.readable and not os.access(rv, os.R_OK):
            self.fail(f"“{shown}”无权读取。", param, ctx)
        if self.writable and not os.access(rv, os.W_OK):
            self.fail(f"“{shown}”无权写入。", param, ctx)
        if self.executable and not os.access(value, os.X_OK):
            self.fail(f"“{shown}”不可执行。", param, ctx)
        return self.coerce_path_result(rv)


def zh_type(kind: click.ParamType) -> click.ParamType:
    """The Chinese equivalent of a click parameter type (itself when already ours or unknown)."""
    if isinstance(kind, (ZhText, ZhInt, ZhFloat, _ZhRange, ZhChoice, ZhPath)):
        return kind
    if isinstance(kind, click.IntRange):
        return ZhIntRange(kind.min, kind.max, min_open=kind.min_open, max_open=kind.max_open, clamp=kind.clamp)
    if isinstance(kind, click.FloatRange):
        return ZhFloatRange(kind.min, kind.max, min_open=kind.min_open, max_open=kind.max_open, clamp=kind.clamp)
    if isinstance(kind, click.Choice):
        return ZhChoice(kind.choices, case_sensitive=kind.case_sensitive)
    if isinstance(kind, click.Path):
        return ZhPath(exists=kind.exists, file_okay=kind.file_okay, dir_okay=kind.dir_okay, writable=kind.writable,
                      readable=kind.readable, resolve_path=kind.resolve_path, allow_dash=kind.allow_dash,
                      path_type=kind.type, executable=kind.executable)
    if type(kind) is click.types.IntParamType:
        return ZhInt()
    if type(kind) is click.types.FloatParamType:
        return ZhFloat()
    if type(kind) is click.types.StringParamType:
        return ZhText()
    return kind
