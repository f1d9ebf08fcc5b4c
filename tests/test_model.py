"""The model's normalisation: operators, targets, cell text."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from xltool.core.model import Indicator, format_cell_text, normalize_operator, parse_target
from xltool.core.text import normalize_label


@pytest.mark.parametrize(
    "typed, expected",
    [
        (">=", "≥"), ("≧", "≥"), ("＞＝", "≥"), (" ≥ ", "≥"), ("<=", "≤"), ("≦", "≤"),
        ("＞", ">"), ("＜", "<"), ("＝", "="), ("==", "="), ("定性", "定性"), ("　定性　", "定性"),
        ("约", "约"), ("", ""),
    ],
)
def test_operators_normalise_but_unknown_text_is_kept(typed: str, expected: str) -> None:
    assert normalize_operator(typed) == expected


@pytest.mark.parametrize(
    "target, expected",
    [
        ("8085.11平方米", ("", 8085.11, "平方米")),
        ("95%", ("", 95.0, "%")),
        ("≥90%", ("≥", 90.0, "%")),
        (">= 95％", ("≥", 95.0, "%")),
        ("750元/人/月", ("", 750.0, "元/人/月")),
        ("1,500元", ("", 1500.0, "元")),
        ("　115.5", ("", 115.5, "")),
        ("预算数", ("", None, "")),
        ("及时", ("", None, "")),
    ],
)
def test_parse_target(target: str, expected: tuple[str, float | None, str]) -> None:
    assert parse_target(target) == expected


def test_indicator_keeps_what_was_typed() -> None:
    ind = Indicator.from_typed(level1="产出指标", level2="产出质量指标", name="合格率", operator=">=", target="95%")
    assert (ind.operator, ind.operator_raw, ind.target, ind.value, ind.unit) == ("≥", ">=", "95%", 95.0, "%")
    assert not ind.qualitative


def test_box_drawing_equals_sign_is_an_operator() -> None:
    """Yunnan's published 自评表 types "═100%" (U+2550): the same "=" as "＝"."""
    ind = Indicator.from_typed(name="完成率", target="═100%")
    assert (ind.operator, ind.value, ind.unit) == ("=", 100.0, "%")
    assert Indicator.from_typed(name="完成率", operator="═", target="100%").operator == "="


def test_operator_inside_value_is_split_out_when_column_empty() -> None:
    ind = Indicator.from_typed(name="满意度", operator="", target="≥90%")
    assert (ind.operator, ind.value, ind.unit, ind.target) == ("≥", 90.0, "%", "≥90%")


def test_qualitative_from_operator_or_from_text_without_number() -> None:
    assert Indicator.from_typed(name="x", operator="定性", target="5年").qualitative
    assert Indicator.from_typed(name="x", target="达到预期目标").qualitative
    assert not Indicator.from_typed(name="x", target="100%").qualitative


def test_format_cell_text() -> None:
    assert format_cell_text(95.0) == "95"
    assert format_cell_text(0.1 + 0.2) == "0.3"
    assert format_cell_text(None) == ""
    assert format_cell_text("　文本 ") == "文本"


def test_normalize_label_folds_width_and_spaces() -> None:
    assert normalize_label(" 项目总金额（万元） ") == normalize_label("项目总金额(万元)")
    assert normalize_label("项　目　名　称") == "项目名称"


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
       st.sampled_from(["%", "万元", "元/人/月", "平方米", "个", ""]))
def test_parse_target_reads_back_numbers_it_formats(number: float, unit: str) -> None:
    _, value, parsed_unit = parse_target(f"{format_cell_text(number)}{unit}")
    assert value == pytest.approx(number)
    assert parsed_unit == unit


def test_every_operator_spelling_is_split_off_a_typed_value() -> None:
    """core.model's table is the only list of spellings; the importer splits each one off."""
    from xltool.core.model import OPERATOR_PREFIX_RE, OPERATOR_SPELLINGS, normalize_operator
    from xltool.parse.imported import split_operator

    for spelling in OPERATOR_SPELLINGS:
        assert normalize_operator(spelling) in ("=", "≥", "≤", ">", "<")
        for text in (f"{spelling}90%", f"  {spelling} 5"):
            match = OPERATOR_PREFIX_RE.match(text)
            assert match is not None and match.group("op") == spelling, text
            assert split_operator(text.strip())[1].strip() in ("90%", "5"), text
    assert OPERATOR_PREFIX_RE.match("定性 好") is None


def test_one_text_normaliser_drops_spaces_and_zero_width_characters() -> None:
    from xltool.core.text import normalize_label
    from xltool.rules._common import norm

    assert normalize_label("项目\u200b名称") == "项目名称" == norm("项目\u200b名称")
    assert normalize_label("\ufeff项目 名称（万元）\u3000") == "项目名称(万元)"
    assert norm is normalize_label


def test_display_width_counts_chinese_characters_twice() -> None:
    from xltool.core.text import display_width

    assert display_width("abc") == 3
    assert display_width("项目总成本（万元）") == 18
    assert display_width("≥90%") == 4


def test_year_check_is_shared() -> None:
    from xltool.core.errors import XltoolError
    from xltool.core.model import check_year

    assert check_year(2027) == 2027
    for bad in (99, 10000, "二〇二七"):
        with pytest.raises(XltoolError, match="预算年度"):
            check_year(bad)


def test_a_lazy_pattern_compiles_on_its_first_use_and_then_answers_as_re_compile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """core.text.lazy_pattern: no compiling at import (the ribbon's click waits for that), the same answers after."""
    import re

    from xltool.core.text import lazy_pattern

    compiled: list[str] = []
    original = re.compile
    monkeypatch.setattr(re, "compile", lambda pattern, flags=0: compiled.append(pattern) or original(pattern, flags))
    source = r"(\d{4})\s*年(?P<month>\d{1,2})?"
    lazy, eager = lazy_pattern(source, re.I), original(source, re.I)
    assert compiled == []
    text = "2022年3月，2023 年，二〇二四年"
    assert lazy.search(text).group(0, "month") == eager.search(text).group(0, "month")
    assert compiled == [source]
    assert lazy.findall(text) == eager.findall(text) and lazy.sub("#", text) == eager.sub("#", text)
    assert lazy.split(text) == eager.split(text) and lazy.subn("", text) == eager.subn("", text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.match("x") is None and lazy.fullmatch("2022年12").group("month") == "12"
    assert (lazy.pattern, lazy.flags, lazy.groups, lazy.groupindex) == (eager.pattern, eager.flags, 2, {"month": 2})
    assert compiled == [source]  # once
    assert "__getattr__" not in type(lazy).__dict__  # later lookups take no detour
