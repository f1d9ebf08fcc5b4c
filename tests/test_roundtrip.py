"""Model → ``write_projects`` → ``read_workbook`` gives the same model back.

Sources: the 22 real tables of the seed (parsed from its text by an independent
text → grid function below, then ``parse_grid``), hypothesis-generated projects, and
workbooks edited the way staff edit them (rows inserted, cells merged, numbers
typed as text, stray full-width spaces) — all written and re-read as real files.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from xltool.core.errors import XltoolError
from xltool.core.frameworks import get_profile
from xltool.core.model import Funding, Indicator, Project
from xltool.parse.reader import column_field, header_field
from xltool.apps.sources import read_workbook
from xltool.write.sheet_style import LAYOUT
from xltool.write.template import write_projects

def comparable(project: Project, *, cells: bool = False) -> dict[str, Any]:
    """The public JSON minus where it came from (cells only when asked)."""
    data = project.to_json_dict()
    for key in ("sheet", "file") + (() if cells else ("cells",)):
        data.pop(key, None)
    if not cells:
        data["indicators"] = [{k: v for k, v in i.items() if k != "cell"} for i in data["indicators"]]
    return data


# ---------------------------------------------------------------------------
# The seed.


@pytest.fixture(scope="module")
def seeds(seed_projects: list[Project]) -> list[Project]:
    return seed_projects


@pytest.fixture(scope="module")
def seed_book(seeds: list[Project], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_projects(seeds, tmp_path_factory.mktemp("seed") / "seed.xlsx")


def test_seed_has_22_projects(seeds: list[Project]) -> None:
    assert len(seeds) == 22
    assert sum(len(p.indicators) for p in seeds) > 200
    assert all(p.year == 2022 and p.profile == "district-2022" for p in seeds)


def test_all_22_seed_projects_round_trip(seeds: list[Project], seed_book: Path) -> None:
    result = read_workbook(seed_book)
    assert result.profile == "district-2022"
    assert len(result.projects) == 22
    for original, back in zip(seeds, result.projects):
        assert comparable(back) == comparable(original), original.name
    # Non-trivial content survived: operators as typed, placeholders, 定性 with numbers.
    typed = {i.operator_raw for p in result.projects for i in p.indicators}
    assert {">=", "≧", "定性", "="} <= typed
    assert any(i.name == "……" for p in result.projects for i in p.indicators)


def test_written_cells_follow_the_layout(seeds: list[Project], seed_book: Path) -> None:
    back = read_workbook(seed_book).projects
    for project in back:
        assert project.cells == dict(LAYOUT.cells)
        assert [i.cell for i in project.indicators] == [
            f"E{LAYOUT.first_indicator_row + n}" for n in range(len(project.indicators))
        ]
    wb = openpyxl.load_workbook(seed_book)
    ws = wb[back[0].sheet]
    assert ws["E3"].data_type == "n" and ws["E3"].value == 115.5 and ws["E3"].number_format == "0.00"
    assert ws["B6"].data_type == "s" and ws["B6"].value == "2022.01"
    assert [ws.title for ws in wb.worksheets][:3] == ["业务档案费", "大楼年租金", "大楼运行经费"]
    # The spare rows after the last indicator are empty and carry the dropdowns.
    last = LAYOUT.first_indicator_row + len(back[0].indicators) - 1
    assert all(ws.cell(r, c).value is None for r in range(last + 1, last + 11) for c in range(1, 6))
    b_dv = [dv for dv in ws.data_validations.dataValidation if f"B{last + 10}" in dv.sqref]
    assert [dv.formula1 for dv in b_dv] == [f"INDIRECT($A{LAYOUT.first_indicator_row})"]


# ---------------------------------------------------------------------------
# Hypothesis projects.

_CJK = "项目名称档案费大楼年租金区行政审批局物业服务满意度定性达到预期目标测算依据通过验收全部完成平方米"
_FULLWIDTH = "ＡＢＣ１２３（）［］：，。、％＋－／"
_ALPHABET = _CJK + _FULLWIDTH + string.ascii_letters + string.digits + " .-=+%/()\n"


def _plain(text: str) -> bool:
    """Texts the reader is documented to treat as structure are not data: exclude them."""
    from xltool.parse.titles import is_form_title  # noqa: PLC0415 - same rule the reader applies

    return header_field(text)[0] is None and column_field(text) is None and not is_form_title(text)


def _clean(text: str) -> str:
    from xltool.core.text import clean_text

    return clean_text(text)


texts = st.text(alphabet=_ALPHABET, max_size=60).map(_clean).filter(_plain)
names = st.one_of(texts, st.text(alphabet=_ALPHABET, min_size=1, max_size=20).map(lambda t: _clean("=" + t)).filter(_plain))
# Amounts in 万元 to at most 6 decimals (1 分) and 13 significant digits: xlsx numbers are
# written with 16 significant digits ("%.16g"), Excel keeps 15.
amounts = st.one_of(
    st.none(),
    st.integers(0, 10**7).map(lambda n: n / 100),
    st.builds(lambda n, k: n / 10**k, st.integers(0, 10**13), st.integers(0, 6)),
)
months = st.one_of(
    st.just(""),
    st.builds(lambda y, m: f"{y:04d}.{m:02d}", st.integers(2000, 2099), st.integers(1, 12)),
)
operators = st.sampled_from(["", "=", "≥", "≤", ">", "<", "定性", ">=", "<=", "≧", "≦", "＞", "＜", "＝", "不低于"])
targets = st.one_of(
    st.just(""),
    st.builds(lambda n, u: f"{n}{u}", st.one_of(st.integers(0, 100000), st.decimals(0, 10000, places=2).map(str)),
              st.sampled_from(["", "%", "％", "平方米", "万元", "元/人/月", "个", "次", "小时"])),
    st.builds(lambda op, n: f"{op}{n}%", st.sampled_from(["≥", "≤", ">=", "<", "＞"]), st.integers(0, 100)),
    st.sampled_from(["达到预期目标", "部分达到预期目标", "较好", "及时", "预算数", "……", "=100%"]),
    texts,
)
profile = get_profile("district-2022")


@st.composite
def indicators(draw: st.DrawFn) -> Indicator:
    level1, level2 = draw(st.sampled_from(profile.pairs()))
    return Indicator.from_typed(
        level1=level1, level2=level2, name=draw(texts), operator=draw(operators), target=draw(targets)
    )


@st.composite
def projects(draw: st.DrawFn) -> Project:
    return Project(
        name=draw(names),
        total=draw(amounts),
        funding=Funding(province=draw(amounts), city=draw(amounts), district=draw(amounts), other=draw(amounts)),
        department=draw(texts),
        implementer=draw(texts),
        start=draw(months),
        end=draw(months),
        overview=draw(st.text(alphabet=_ALPHABET, max_size=400).map(_clean).filter(_plain)),
        long_term_goal=draw(texts),
        annual_goal=draw(texts),
        indicators=draw(st.lists(indicators(), max_size=25)),
        year=draw(st.integers(2015, 2035)),
        profile="district-2022",
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # each writes and reads a workbook
@given(batch=st.lists(projects(), min_size=1, max_size=3))
def test_generated_projects_round_trip(batch: list[Project]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = write_projects(batch, Path(folder) / "gen.xlsx")
        if all(p.is_blank for p in batch):  # nothing typed anywhere: blank sheets, not projects
            with pytest.raises(XltoolError, match="空白项目表"):
                read_workbook(out)
            return
        result = read_workbook(out)
    filled = [p for p in batch if not p.is_blank]  # a blank sheet between filled ones is passed over
    assert len(result.projects) == len(filled)
    assert len(result.blank_sheets) == len(batch) - len(filled)
    for original, back in zip(filled, result.projects):
        expected = comparable(original)
        # The reader drops rows with nothing typed at all; so does the writer.
        expected["indicators"] = [i for i in expected["indicators"] if i["level1"] or i["name"] or i["target"]]
        got = comparable(back)
        # the one note the reader adds to a table it wrote itself: an amount beyond any district budget
        amounts = [original.total, *original.funding.model_dump().values()]
        notes = got.pop("notes", [])
        assert len(notes) == sum(a is not None and a > 1_000_000 for a in amounts)
        assert all("超出任何区县预算" in n for n in notes)
        assert got == expected


# ---------------------------------------------------------------------------
# Workbooks edited by staff.

_SAMPLE = Project(
    name="大楼物业费",
    total=38.4,
    funding=Funding(district=38.4),
    department="区行政审批局",
    implementer="区行政审批局",
    start="2022.10",
    end="2022.12",
    overview="物业服务面积8085.11平方米，单价3.96元/平方米/月，12个月。",
    long_term_goal="保障大楼正常运转",
    annual_goal="全年物业服务到位",
    indicators=[
        Indicator.from_typed(level1="产出指标", level2="产出数量指标", name="物业服务面积", operator="=", target="8085.11平方米"),
        Indicator.from_typed(level1="产出指标", level2="产出数量指标", name="服务月数", operator="=", target="12个月"),
        Indicator.from_typed(level1="产出指标", level2="产出质量指标", name="楼房管理完好率", operator="≥", target="90%"),
        Indicator.from_typed(level1="效果指标", level2="满意度指标", name="服务对象满意率", operator="≥", target="90%"),
    ],
    year=2022,
    profile="district-2022",
)


@pytest.fixture()
def sample_book(tmp_path: Path) -> Path:
    return write_projects([_SAMPLE], tmp_path / "sample.xlsx")


def _edit(path: Path, edit: Any) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.protection.sheet = False
    edit(ws)
    out = path.with_name("edited.xlsx")
    wb.save(out)
    return out


def _unmerge_all(ws: Any) -> None:
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))


def test_rows_inserted_between_header_rows_and_in_the_table(sample_book: Path) -> None:
    def edit(ws: Any) -> None:
        _unmerge_all(ws)  # openpyxl does not move merged ranges when inserting rows
        ws.insert_rows(5, 2)  # two empty rows between 主管部门 and 实施单位
        ws["A5"] = "备注：本行为插入行"
        ws.insert_rows(10, 1)  # a row between 计划结束时间 and 项目概况
        ws.delete_rows(1, 1)  # 附件3 deleted

    back = read_workbook(_edit(sample_book, edit)).projects[0]
    assert comparable(back) == comparable(_SAMPLE)
    assert back.cells["overview"] == "B10" and back.cells["funding.city"] == "E6"
    assert back.indicators[0].cell == "E14"


def test_merged_level_cells_as_in_official_forms(sample_book: Path) -> None:
    def edit(ws: Any) -> None:
        ws["A13"] = ws["A14"] = None
        ws.merge_cells("A12:A14")  # 产出指标 spans its rows
        ws["B13"] = None
        ws.merge_cells("B12:B13")  # 产出数量指标 spans two rows

    assert comparable(read_workbook(_edit(sample_book, edit)).projects[0]) == comparable(_SAMPLE)


def test_numbers_and_months_typed_as_text_or_numbers(sample_book: Path) -> None:
    def edit(ws: Any) -> None:
        ws["E3"] = "38.40"
        ws["E6"] = "　38.4"
        ws["B6"] = 2022.1  # what Excel makes of a typed 2022.10 in a General cell
        ws["B7"].value = "2022.12"

    back = read_workbook(_edit(sample_book, edit)).projects[0]
    assert comparable(back) == comparable(_SAMPLE)
    assert back.total == 38.4 and back.start == "2022.10"


def test_stray_fullwidth_spaces_in_labels(sample_book: Path) -> None:
    def edit(ws: Any) -> None:
        for ref in ("A3", "D3", "A8", "D6", "C11", "E11"):
            ws[ref] = f"　{' '.join(ws[ref].value)}　"
        ws["A4"] = "主管部门\u3000"

    edited = _edit(sample_book, edit)
    wb = openpyxl.load_workbook(edited)
    assert wb.worksheets[0]["A3"].value == "　项 目 名 称　"
    assert comparable(read_workbook(edited).projects[0]) == comparable(_SAMPLE)


def test_editing_breaks_what_it_should(sample_book: Path) -> None:
    """Control: a real change in the sheet does show up in the comparison."""

    def edit(ws: Any) -> None:
        ws["E14"] = "85%"

    back = read_workbook(_edit(sample_book, edit)).projects[0]
    assert comparable(back) != comparable(_SAMPLE)
    assert back.indicators[2].value == 85.0
