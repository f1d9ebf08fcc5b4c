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
