"""JX610: an amount out of scale is asked about (a warning worded as a question), with its cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltool.cli import main
from xltool.core.findings import Severity
from xltool.core.model import Funding, Project
from xltool.rules import CATALOGUE, validate_projects


def _asked(project: Project) -> list[str]:
    return [f.message for f in validate_projects([project]) if f.code == "JX610"]


@pytest.mark.parametrize("project, words", [
    (Project(name="a", total=1_120_000, funding=Funding(district=112)), ("约一万倍", "项目总金额是否按元填写")),
    (Project(name="a", total=112, funding=Funding(district=1_120_000)), ("约一万倍", "资金来源合计是否按元填写")),
    (Project(name="a", total=30_000, funding=Funding(district=30)), ("约一千倍",)),  # 千元 read as 万元
    (Project(name="a", total=0.0112), ("0.0112 万元", "112 元")),  # a 元 line applied to a row in 万元
    (Project(name="a", total=5_000_000), ("500 亿元", "以元计")),
    (Project(name="a", total=112, overview="项目总投资1120000万元，用于道路养护"), ("项目概况", "约一万倍")),
])
def test_an_amount_out_of_scale_is_asked(project: Project, words: tuple[str, ...]) -> None:
    [message] = _asked(project)[:1]
    assert all(w in message for w in words), message
    assert "？" in message  # a question, not a verdict


@pytest.mark.parametrize("project", [
    Project(name="a", total=112, funding=Funding(district=100, other=12)),
    Project(name="a", total=112, funding=Funding(district=80)),  # JX601's matter: the sums differ, the scale does not
    Project(name="a", total=0.5),
    Project(name="a", total=112, overview="总投资112万元，其中今年安排100万元"),
    Project(name="a", total=900_000),
    Project(name="a"),
])
def test_amounts_of_one_scale_are_not_asked(project: Project) -> None:
    assert _asked(project) == []


def test_the_rule_is_catalogued_as_a_warning_with_examples() -> None:
    validate_projects([Project(name="a")])  # the catalogue loads its modules
    info = CATALOGUE["JX610"]
    assert info.severity is Severity.WARNING and info.why and info.bad and info.good


def test_the_seed_tables_raise_no_scale_question(seed_projects: list[Project]) -> None:
    assert [f.message for f in validate_projects(seed_projects) if f.code == "JX610"] == []


def test_validate_names_the_total_cell_of_a_workbook_typed_in_yuan(tmp_path: Path) -> None:
    from xltool.write.template import write_projects

    project = Project(name="道路养护", total=1_120_000, funding=Funding(district=112), department="县交通局")
    path = write_projects([project], tmp_path / "表.xlsx")
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "JX610"]
    assert finding["severity"] in ("warning", "警告") and finding["cell"] and finding["field"] == "total"


@pytest.mark.parametrize("project", [
    Project(name="a", total=float("inf"), funding=Funding(district=112)),  # a 400-digit 总金额 reads as infinity
    Project(name="a", total=112, funding=Funding(district=float("inf"))),
    Project(name="a", total=112, overview="项目总投资" + "1" + "0" * 400 + "万元"),
])
def test_an_infinite_amount_is_not_compared_and_does_not_raise(project: Project) -> None:
    assert _asked(project) == []


def test_a_ratio_past_any_float_is_worded_not_raised() -> None:
    [asked] = _asked(Project(name="a", total=1e300, funding=Funding(district=1e-300)))[:1]
    assert "相差悬殊" in asked
