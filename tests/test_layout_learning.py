"""Say what could not be mapped and remember what a person maps (issue 25, item 3).

A table whose titles or labels the field table does not know is imported with each one named
(sheet, cell, text) and a layout file written beside the output; filled in, ``--layout`` reads
the table fully; kept in the layouts folder, it is applied to tables of the same fingerprint
(set of normalised titles and labels) and to no other."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from corpus_forms import tabbed_form, write_form
from form_generator import Form, forms
from test_generated_forms import _recovered
from xltool.cli import main
from xltool.core.grid import Grid
from xltool.apps.sources import read_workbook
from xltool.parse.imported import projects_from_grid
from xltool.parse.layouts import applied_layout, layout_library, read_layout, render_layout
from xltool.parse.mapping import mapping_of

UNKNOWN_NAME_TITLE = "考核内容"  # no wording of columns.name in data/fields.toml


def _renamed(form: Form) -> list[list[object]]:
    """The form with its 三级指标 title in words the field table does not know."""
    return [[UNKNOWN_NAME_TITLE if v == "三级指标" else v for v in row] for row in form.rows]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(forms())
def test_an_unknown_title_is_named_then_one_edited_layout_reads_the_form(tmp_path: Path, form: Form) -> None:
    assume(form.layout[0] == "standard")  # older forms name their rows under 绩效内容, not 三级
    rows = _renamed(form)
    assume(any(UNKNOWN_NAME_TITLE in row for row in rows))
    [first] = projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x")
    mapping = mapping_of(first)
    assert mapping is not None
    named = [u for u in mapping.unmapped if u.text == UNKNOWN_NAME_TITLE]
    if not named:  # the body told the names apart (titles over two rows): then the form reads as it is
        _recovered(form, [first])
        return
    assert not any(i.name for i in first.indicators), form.layout  # the names are what was not understood
    [unknown] = named
    assert unknown.section == "columns" and unknown.where.startswith("工作表“表1”")
    assert any(UNKNOWN_NAME_TITLE in n and unknown.cell in n for n in first.notes)
    text = render_layout(mapping)
    assert f'"{UNKNOWN_NAME_TITLE}" = ""' in text
    path = tmp_path / "版式.toml"
    path.write_text(text, encoding="utf-8")
    assert read_layout(path).wordings == {"header": {}, "columns": {}}  # written as it is, it reads and maps nothing
    path.write_text(text.replace(f'"{UNKNOWN_NAME_TITLE}" = ""', f'"{UNKNOWN_NAME_TITLE}" = "name"'), encoding="utf-8")
    saved = read_layout(path)
    assert saved.fingerprint == mapping.fingerprint
    with applied_layout(saved.wordings):
        _recovered(form, projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x"))
    with layout_library([saved]):  # kept in the folder: applied by fingerprint, and said
        again = projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x")
        _recovered(form, again)
        assert any("版式.toml" in n for n in again[0].notes)
        # the form with its own titles is another table: the layout is not applied to it
        [plain] = projects_from_grid(Grid(rows=[list(r) for r in form.rows], name="表1"), file="x")
        assert not any("版式" in n for n in plain.notes)
        _recovered(form, [plain])


N = None
OWN_WORDS = [
    ["2024年项目支出绩效目标表"],
    ["项目名称", "河道保洁", N, N, N],
    ["主管部门", "县水利局", N, N, N],
    ["年度经费额度（万元）", 12, N, N, N],
    ["年度绩效目标", "完成全县河道保洁", N, N, N],
    ["一级指标", "二级指标", "考核内容", "指标方向", "考核值"],
    ["产出指标", "数量指标", "保洁河长", "≥", "30公里"],
    [N, "质量指标", "水面清洁率", "≥", "95%"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90%"],
]


def _import(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["import", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", ["txt", "docx", "xlsx"])
def test_import_writes_a_layout_file_that_round_trips_and_is_kept(kind: str, tmp_path: Path) -> None:
    source = tabbed_form(OWN_WORDS, tmp_path / "own.txt", kind)
    folder = tmp_path / "版式文件夹"
    out = tmp_path / "out.xlsx"
    code, output = _import(str(source), "-o", str(out), "--layouts", str(folder))
    assert code == 0, output
    draft = tmp_path / "out.版式.toml"
    assert draft.is_file() and str(draft) in output
    for text in ("年度经费额度", "考核内容"):  # each named with its place
        assert f"“{text}" in output and ("第 1 张表" in output or "工作表“" in output)
    [p] = read_workbook(out).projects
    assert p.total is None and not any(i.name for i in p.indicators)
    layout = draft.read_text(encoding="utf-8")
    assert '"年度经费额度（万元）" = ""' in layout or '"年度经费额度" = ""' in layout
    # the user fills in the two lines; the edited file reads the table fully
    edited = layout.replace('"年度经费额度（万元）" = ""', '"年度经费额度（万元）" = "total"')
    edited = edited.replace('"年度经费额度" = ""', '"年度经费额度" = "total"')
    edited = edited.replace(f'"{UNKNOWN_NAME_TITLE}" = ""', f'"{UNKNOWN_NAME_TITLE}" = "name"')
    draft.write_text(edited, encoding="utf-8")
    out2 = tmp_path / "out2.xlsx"
    code, output = _import(str(source), "-o", str(out2), "--layout", str(draft), "--layouts", str(folder))
    assert code == 0, output
    assert not (tmp_path / "out2.版式.toml").exists() and "未能识别" not in output  # nothing left to map
    [p] = read_workbook(out2).projects
    assert (p.name, p.total) == ("河道保洁", 12.0)
    assert [(i.name, i.operator, i.target) for i in p.indicators] == [
        ("保洁河长", "≥", "30公里"), ("水面清洁率", "≥", "95%"), ("群众满意度", "≥", "90%")]
    # kept in the layouts folder, it applies itself to the same table, and the notice names it
    folder.mkdir()
    shutil.copy(draft, folder / "河道保洁.toml")
    out3 = tmp_path / "out3.xlsx"
    code, output = _import(str(source), "-o", str(out3), "--layouts", str(folder))
    assert code == 0, output
    assert "河道保洁.toml" in output and "已按该版式读取" in output
    [p] = read_workbook(out3).projects
    assert p.total == 12.0 and [i.name for i in p.indicators] == ["保洁河长", "水面清洁率", "群众满意度"]
    # a different form (one more column) is another table: the kept layout is not applied to it
    other = [row + ([] if len(row) == 1 else [("权重" if row[0] == "一级指标" else 10)]) for row in OWN_WORDS]
    other_source = tabbed_form(other, tmp_path / "other.txt")
    code, output = _import(str(other_source), "-o", str(tmp_path / "out4.xlsx"), "--layouts", str(folder))
    assert code == 0 and "已按该版式读取" not in output and (tmp_path / "out4.版式.toml").is_file()


def test_a_layout_applied_while_titles_remain_keeps_the_users_lines(tmp_path: Path) -> None:
    """Re-importing with a half-filled layout writes a new one keeping what the user filled in,
    active, and backs up the old file rather than losing it."""
    source = tabbed_form(OWN_WORDS, tmp_path / "own.txt")
    out = tmp_path / "out.xlsx"
    assert _import(str(source), "-o", str(out), "--layouts", str(tmp_path / "none"))[0] == 0
    draft = tmp_path / "out.版式.toml"
    half = draft.read_text(encoding="utf-8").replace(f'"{UNKNOWN_NAME_TITLE}" = ""', f'"{UNKNOWN_NAME_TITLE}" = "name"')
    draft.write_text(half, encoding="utf-8")
    code, output = _import(str(source), "-o", str(out), "--layout", str(draft), "--layouts", str(tmp_path / "none"))
    assert code == 0, output
    rewritten = draft.read_text(encoding="utf-8")
    assert f'\n"{UNKNOWN_NAME_TITLE}" = "name"\n' in rewritten and "年度经费额度" in rewritten
    assert list(tmp_path.glob("out.版式.bak-*.toml"))  # the user's file, kept
    assert read_layout(draft).fingerprint == read_layout(next(tmp_path.glob("out.版式.bak-*.toml"))).fingerprint


def test_a_broken_file_in_the_layouts_folder_is_named_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "坏.toml").write_text("[header\n", encoding="utf-8")
    (folder / "无指纹.toml").write_text('[columns]\n"考核值" = "target"\n', encoding="utf-8")
    source = tabbed_form(OWN_WORDS, tmp_path / "own.txt")
    code, output = _import(str(source), "-o", str(tmp_path / "o.xlsx"), "--layouts", str(folder))
    assert code == 0, output
    assert "坏.toml" in output and "无指纹.toml" in output and "Traceback" not in output


def test_the_default_layouts_folder_is_the_users_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xltool.apps.layout_files import layouts_folder

    monkeypatch.delenv("XLTOOL_LAYOUTS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert layouts_folder() == tmp_path / "cfg" / "xltool" / "layouts"
    monkeypatch.setenv("XLTOOL_LAYOUTS", str(tmp_path / "mine"))
    assert layouts_folder() == tmp_path / "mine"


def test_an_unknown_label_written_inside_its_cell_is_named_and_mapped(tmp_path: Path) -> None:
    """"年度经费额度：12万元" in one cell: the label is named with its cell, goes into the layout
    file, and once mapped the amount is read (in 万元, as the cell says); the fingerprint holds."""
    rows = [["2024年项目支出绩效目标表", N, N, N], ["项目名称", "河道保洁", N, N], ["主管部门", "县水利局", N, N],
            ["年度经费额度：12万元", N, N, N], ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "保洁河长", "≥30公里"]]
    [p] = projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x")
    mapping = mapping_of(p)
    assert p.total is None and mapping is not None
    assert [(u.text, u.where) for u in mapping.unmapped] == [("年度经费额度", "工作表“表1”A4")]
    assert any("“年度经费额度”（工作表“表1”A4）" in n for n in p.notes)
    path = tmp_path / "l.toml"
    path.write_text(render_layout(mapping).replace('"年度经费额度" = ""', '"年度经费额度" = "total"'), encoding="utf-8")
    saved = read_layout(path)
    with layout_library([saved]):
        [again] = projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x")
    assert again.total == 12.0 and mapping_of(again).fingerprint == mapping.fingerprint  # type: ignore[union-attr]


def test_the_library_call_returns_the_layout_file_to_offer(tmp_path: Path) -> None:
    """No output asked (the web page): nothing is written, the layout file comes back as text."""
    import xltool

    source = tabbed_form(OWN_WORDS, tmp_path / "own.txt")
    result = xltool.import_tables([source], layouts=tmp_path / "none")
    [draft] = result.layouts
    assert result.data and draft.path is None and not list(tmp_path.glob("*.toml"))
    assert f'"{UNKNOWN_NAME_TITLE}" = ""' in draft.text and draft.mapping.fingerprint in draft.text
    assert {u.text for u in draft.mapping.unmapped} >= {UNKNOWN_NAME_TITLE, "考核值"}


def test_a_layout_kept_from_the_text_copy_applies_to_the_word_and_excel_forms(tmp_path: Path) -> None:
    """The fingerprint is the table's titles and labels, not its file kind or cell addresses."""
    source = tabbed_form(OWN_WORDS, tmp_path / "own.txt")
    assert _import(str(source), "-o", str(tmp_path / "o.xlsx"), "--layouts", str(tmp_path / "none"))[0] == 0
    folder = tmp_path / "kept"
    folder.mkdir()
    text = (tmp_path / "o.版式.toml").read_text(encoding="utf-8")
    (folder / "河道.toml").write_text(text.replace(f'"{UNKNOWN_NAME_TITLE}" = ""', f'"{UNKNOWN_NAME_TITLE}" = "name"'),
                                     encoding="utf-8")
    for kind in ("docx", "xlsx"):
        form = write_form(source, tmp_path / f"own.{kind}", kind)
        out = tmp_path / f"{kind}.xlsx"
        code, output = _import(str(form), "-o", str(out), "--layouts", str(folder))
        assert code == 0 and "河道.toml" in output, output
        [p] = read_workbook(out).projects
        assert [i.name for i in p.indicators] == ["保洁河长", "水面清洁率", "群众满意度"]


def test_a_layout_applied_in_one_thread_never_reaches_a_read_in_another() -> None:
    """The facade is called from a web server's threads: one import's layout (or kept layouts)
    must not change how another thread reads its table at the same moment."""
    import threading

    rows = [list(r) for r in OWN_WORDS]
    names = lambda: [i.name for p in projects_from_grid(Grid(rows=[list(r) for r in rows], name="表1"), file="x")  # noqa: E731
                     for i in p.indicators]
    alone = names()
    assert not any(alone)  # without the layout, 考核内容 is not a name column
    layout = {"header": {}, "columns": {"name": (UNKNOWN_NAME_TITLE,)}}
    with applied_layout(layout):
        assert all(names())  # with it, every indicator has its name
    stop = threading.Event()
    seen: list[list[object]] = []

    def with_layout() -> None:
        while not stop.is_set():
            with applied_layout(layout):
                names()

    other = threading.Thread(target=with_layout)
    other.start()
    try:
        for _ in range(40):
            seen.append(names())
    finally:
        stop.set()
        other.join()
    assert all(s == alone for s in seen), [s for s in seen if s != alone][:1]
