"""Data written once: required fields, field prompts, money units and the "no project table" wording.

Each test changes the one place the data lives (the loaded field table) or reads what a
user sees, and checks that every user of it follows: a second copy left somewhere would
not follow and the test fails.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import xltool
from tests.conftest import load_seed_projects
from xltool.core import fields
from xltool.core.frameworks import get_profile
from xltool.core.names import NO_TABLE, no_table_message
from xltool.rules import RuleContext, validate_projects
from xltool.rules._common import cost_money_unit, money_unit  # noqa: PLC2701 - tests may look inside
from xltool.rules.arithmetic.vocab import Lexicon


def _fresh_ctx() -> RuleContext:
    """A context with memos of its own: nothing derived from the field table before the change."""
    return RuleContext(profile=get_profile(None), settings={})


def _with_field(monkeypatch: pytest.MonkeyPatch, key: str, **changes: Any) -> None:
    table = {section: dict(entries) for section, entries in fields._table().items()}
    table["header"][key] = dataclasses.replace(table["header"][key], **changes)
    monkeypatch.setattr(fields, "_table", lambda: table)


def _with_data(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    data = copy.deepcopy(fields._data())
    data.update(changes)
    monkeypatch.setattr(fields, "_data", lambda: data)


def test_required_fields_are_the_field_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_seed_projects()[0]
    project.long_term_goal = ""
    assert "long_term_goal" not in fields.required_keys()
    assert not [f for f in validate_projects([project]) if f.code == "JX103"]

    _with_field(monkeypatch, "long_term_goal", required=True)
    found = [f for f in validate_projects([project]) if f.code == "JX103"]
    assert [f.field for f in found] == ["long_term_goal"]
    assert found[0].message.startswith("“中长期绩效目标”为空：")


def test_an_empty_required_field_is_advised_with_the_template_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_seed_projects()[0]
    project.annual_goal = ""
    (found,) = [f for f in validate_projects([project]) if f.code == "JX103"]
    assert fields.field("annual_goal").prompt.rstrip("。") in found.message

    _with_field(monkeypatch, "annual_goal", prompt="按本地要求写明年度目标。例：{example}", example="完成{year}年任务")
    (found,) = [f for f in validate_projects([project]) if f.code == "JX103"]
    assert found.message.endswith(f"：按本地要求写明年度目标。例：完成{project.year}年任务。")


def test_money_units_live_in_the_field_table_only(monkeypatch: pytest.MonkeyPatch) -> None:
    units = {**fields.money_units(), "十万元": 10.0}
    _with_data(monkeypatch, money_units=units, money_numerals={"units": ["万", "亿", "千"]})
    monkeypatch.setitem(units, "千", 0.1)
    ctx = _fresh_ctx()
    assert money_unit("十万元", ctx) == ("十万元", 10.0, False)  # the rules see the new unit …
    assert dict(Lexicon.from_mapping({}).money)["十万元"] == 10.0  # … and so does the arithmetic check
    # a bare numeral is money on a cost row only, wherever the table says so
    assert money_unit("千", ctx) is None and cost_money_unit("千", ctx) == ("千", 0.1, False)
    assert "千" not in dict(Lexicon.from_mapping({}).money)


def test_no_project_table_is_worded_once(tmp_path: Path) -> None:
    book = tmp_path / "说明.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active["A1"] = "本文件是填报说明，没有项目表。"
    workbook.save(book)
    (entry,) = xltool.read([book]).files
    assert entry.status == "failed" and entry.message == no_table_message()

    text = tmp_path / "纪要.txt"
    text.write_text("这是一份会议纪要。\n请各单位按时报送。\n", encoding="utf-8")
    with pytest.raises(xltool.XltoolError) as caught:
        xltool.import_tables([text], output=tmp_path / "out.xlsx")
    assert caught.value.message.startswith(f"{NO_TABLE}：文本中")


def test_amount_fields_are_the_field_tables_kind_amount() -> None:
    """The reader (which converts and scales them) and the template (which sums and formats them)
    take the amount fields from ``kind = "amount"``: the total first, then every funding source."""
    from xltool.parse.header import AMOUNT_FIELDS as READ
    from xltool.write.sheet_style import AMOUNT_FIELDS as WRITTEN

    declared = tuple(f.key for f in fields.fields("header") if f.kind == "amount")
    assert READ == WRITTEN == declared
    assert declared[0] == "total" and set(declared[1:]) == {f"funding.{k}" for k in fields.funding_keys()}


def test_every_field_the_form_calls_required_is_required_in_the_table() -> None:
    """JX103's published reason names them; a `required = true` left outside its field (at the top of
    fields.toml, where it belongs to no field) once silently dropped 总额: an empty total with its
    sources filled gave no finding, and the summary's 总额 column left that money out."""
    assert set(fields.required_keys()) == {"name", "department", "implementer", "total", "start", "end", "overview",
                                           "annual_goal"}
    assert "required" not in fields._data()  # no stray top-level key


def test_an_empty_total_with_its_sources_filled_is_an_error() -> None:
    project = load_seed_projects()[0]
    assert not project.funding.is_empty()  # the sources are filled
    project.total = None
    project.raw.pop("total", None)
    (found,) = [f for f in validate_projects([project]) if f.code == "JX103"]
    assert found.field == "total" and found.message.startswith("“项目总金额")
