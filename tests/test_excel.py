"""The ribbon's xlwings layer (xltool.addin.ribbon), run for real on xlwings' remote engine.

The remote engine takes a workbook as a JSON payload (``xw.Book(json=...)``) and,
instead of driving Excel, queues the actions Excel would perform
(``book.json()["actions"]``). :class:`FakeExcel` applies those actions to the
payload the way the Excel client does, so a second click (validate again, clear)
reads what the first one wrote — as it would in Excel.

What only a real Excel can confirm, and is stood in for here:

* reading a cell's current fill and its note (the remote engine cannot do it
  synchronously): :class:`RecordingNote` keeps fills and notes in the fake and
  records every note call;
* very hidden sheets (the remote engine knows only "Hidden"), the message box's
  look, note box sizes, and ``new_project_sheet``'s copy from a freshly generated
  template across workbooks (the remote engine copies within one book only, which
  is the path tested here).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest

import xltool.addin.ribbon as excel
import xltool.write.marking.xlwings_backend as xlbackend
from xltool.core.findings import Finding, Severity
from xltool.core.grid import Grid, cell_ref, split_ref
from xltool.core.model import Project
from xltool.parse.reader import parse_grid, projects_from_grids
from xltool.core.names import MARKS_SHEET, RESULTS_SHEET, SERVICE_SHEETS
from xltool.write.report import RESULTS_HEADERS, cells_to_mark, count_line, hex_color, result_rows, worst
from xltool.rules import CATALOGUE, rule, validate_projects

try:
    from tests.test_annotate import make_workbook
except ImportError:  # pragma: no cover - run from inside tests/
    from test_annotate import make_workbook  # type: ignore[no-redef]

_VISIBILITY = {"visible": "Visible", "hidden": "Hidden", "veryHidden": "VeryHidden"}


# ---------------------------------------------------------------------------
# The simulated Excel client
# ---------------------------------------------------------------------------


def _fill_hex(cell: Any) -> str | None:
    fill = cell.fill
    if fill.fill_type == "solid" and isinstance(fill.fgColor.rgb, str):
        return "#" + fill.fgColor.rgb[-6:].upper()
    return None


class FakeExcel:
    """A workbook as the remote engine sees it, updated by the actions it queues."""

    def __init__(self, path: Path, *, active: int = 0) -> None:
        wb = openpyxl.load_workbook(path)
        self.sheets: list[dict[str, Any]] = []
        self.fills: dict[tuple[str, str], str] = {}
        self.notes: dict[tuple[str, str], tuple[str, str]] = {}
        for ws in wb.worksheets:
            values = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
            self.sheets.append({"name": ws.title, "values": values or [[]], "pictures": [], "tables": [],
                                "charts": [], "shapes": [], "notes": [], "visibility": _VISIBILITY[ws.sheet_state]})
            for row in ws.iter_rows():
                for c in row:
                    color = _fill_hex(c)
                    if color:
                        self.fills[(ws.title, c.coordinate)] = color
        self.names = [{"name": n, "refers_to": "=" + d.attr_text, "book_scope": True, "scope_sheet_index": None,
                       "scope_sheet_name": None} for n, d in wb.defined_names.items()]
        self.active = active
        self.alerts: list[list[Any]] = []
        self.actions: list[dict[str, Any]] = []
        self.pending_notes: list[tuple[str, str, str, str | None]] = []

    # -- the payload and the click ------------------------------------------------
    def payload(self) -> dict[str, Any]:
        import xlwings as xw

        return {"client": "Microsoft Office Scripts", "version": xw.__version__,
                "book": {"name": "绩效目标表.xlsx", "active_sheet_index": self.active, "selection": "A1"},
                "names": copy.deepcopy(self.names), "sheets": copy.deepcopy(self.sheets)}

    def click(self, function: Any) -> list[dict[str, Any]]:
        """Run one ribbon function against the current state and apply what it queued."""
        import xlwings as xw

        book = xw.Book(json=self.payload())
        book.set_mock_caller()
        function()
        return self.apply(book.json()["actions"])

    def apply(self, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Apply queued actions as the Excel client does (the notes recorded meanwhile last)."""
        self.actions = actions
        for action in actions:
            getattr(self, "_" + action["func"], self._ignored)(action)
        # The remote engine defers its actions to the end of the run, so the note
        # calls (immediate in Excel) are applied after them to keep Excel's order.
        for kind, sheet, ref, text in self.pending_notes:
            if kind == "set":
                self.notes[(sheet, ref)] = (text, "Excel 用户")
            else:
                self.notes.pop((sheet, ref), None)
        self.pending_notes = []
        return actions

    # -- helpers ---------------------------------------------------------------------
    def index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.sheets) if s["name"] == name)

    def sheet(self, name: str) -> dict[str, Any]:
        return self.sheets[self.index(name)]

    def value(self, sheet: str, ref: str) -> Any:
        r, c = split_ref(ref)
        rows = self.sheet(sheet)["values"]
        return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""

    def set_value(self, sheet: str, ref: str, value: Any) -> None:
        r, c = split_ref(ref)
        rows = self.sheet(sheet)["values"]
        while len(rows) < r:
            rows.append([])
        for row in rows:
            row.extend([""] * (max(c, max(len(x) for x in rows)) - len(row)))
        rows[r - 1][c - 1] = value

    def grid(self, name: str) -> Grid:
        rows = [[None if v == "" else v for v in row] for row in self.sheet(name)["values"]]
        return Grid(rows=rows, name=name)

    def _cells(self, action: dict[str, Any]) -> Iterator[tuple[int, int, str]]:
        for dr in range(action["row_count"]):
            for dc in range(action["column_count"]):
                r, c = action["start_row"] + dr + 1, action["start_column"] + dc + 1
                yield dr, dc, cell_ref(r, c)

    def _set_fill(self, sheet: str, ref: str, color: str | None) -> None:
        if color is None:
            self.fills.pop((sheet, ref), None)
        else:
            self.fills[(sheet, ref)] = color.upper()

    # -- the actions (as the Excel client applies them) ------------------------------
    def _ignored(self, action: dict[str, Any]) -> None:
        pass

    def _alert(self, action: dict[str, Any]) -> None:
        self.alerts.append(action["args"])

    def _addSheet(self, action: dict[str, Any]) -> None:
        ix, name = action["args"]
        self.sheets.insert(ix, {"name": name, "values": [[]], "pictures": [], "tables": [], "charts": [],
                                "shapes": [], "notes": [], "visibility": "Visible"})
        self.active = ix

    def _setSheetVisibility(self, action: dict[str, Any]) -> None:
        self.sheets[action["sheet_position"]]["visibility"] = action["args"][0]

    def _sheetClearContents(self, action: dict[str, Any]) -> None:
        self.sheets[action["sheet_position"]]["values"] = [[]]

    def _sheetClear(self, action: dict[str, Any]) -> None:
        name = self.sheets[action["sheet_position"]]["name"]
        self.sheets[action["sheet_position"]]["values"] = [[]]
        self.fills = {k: v for k, v in self.fills.items() if k[0] != name}

    def _setValues(self, action: dict[str, Any]) -> None:
        """Excel keeps formulas and shows their result; a leading apostrophe only marks text."""
        name = self.sheets[action["sheet_position"]]["name"]
        for dr, dc, ref in self._cells(action):
            value = action["values"][dr][dc]
            if isinstance(value, str) and value.startswith("=HYPERLINK("):
                value = re.fullmatch(r'=HYPERLINK\(".*","(.*)"\)', value, re.S).group(1).replace('""', '"')
            elif isinstance(value, str) and value.startswith("'"):
                value = value[1:]
            self.set_value(name, ref, value)

    def _rangeClearContents(self, action: dict[str, Any]) -> None:
        name = self.sheets[action["sheet_position"]]["name"]
        for _, _, ref in self._cells(action):
            self.set_value(name, ref, "")

    def _setRangeColor(self, action: dict[str, Any]) -> None:
        name = self.sheets[action["sheet_position"]]["name"]
        for _, _, ref in self._cells(action):
            self._set_fill(name, ref, action["args"][0])

    def _setRangeColors(self, action: dict[str, Any]) -> None:
        name = self.sheets[action["sheet_position"]]["name"]
        matrix = action["args"][0]
        for dr, dc, ref in self._cells(action):
            if matrix[dr][dc] != "keep":
                self._set_fill(name, ref, matrix[dr][dc])

    def _copySheet(self, action: dict[str, Any]) -> None:
        position, target, name = action["args"]
        source = self.sheets[action["sheet_position"]]
        new = copy.deepcopy(source)
        new["name"] = name
        self.sheets.insert(target if position == "Before" else target + 1, new)
        for (sheet, ref), color in list(self.fills.items()):  # Excel copies formats …
            if sheet == source["name"]:
                self.fills[(name, ref)] = color
        for (sheet, ref), note in list(self.notes.items()):  # … and notes
            if sheet == source["name"]:
                self.notes[(name, ref)] = note

    def _setSheetName(self, action: dict[str, Any]) -> None:
        old = self.sheets[action["sheet_position"]]["name"]
        new = action["args"][0]
        self.sheets[action["sheet_position"]]["name"] = new
        self.fills = {((new if s == old else s), r): v for (s, r), v in self.fills.items()}
        self.notes = {((new if s == old else s), r): v for (s, r), v in self.notes.items()}

    def _sheetDelete(self, action: dict[str, Any]) -> None:
        name = self.sheets.pop(action["sheet_position"])["name"]
        self.fills = {k: v for k, v in self.fills.items() if k[0] != name}
        self.active = min(self.active, len(self.sheets) - 1)

    def _activateSheet(self, action: dict[str, Any]) -> None:
        self.active = action["args"][0]


class RecordingNote(xlbackend.CellAccess):
    """Stand-in for ``Range.note`` and for reading ``Range.color``, which only a real Excel can do.

    Notes and fills live in the :class:`FakeExcel`; every note call is recorded.
    """

    def __init__(self, fake: FakeExcel) -> None:  # no super(): that refuses the remote engine
        self.fake = fake
        self.calls: list[tuple[str, str, str, str | None]] = []

    def fill_of(self, sheet: str, address: str) -> str | None:
        return self.fake.fills.get((sheet, address))

    def note_of(self, sheet: str, address: str) -> tuple[str, str] | None:
        return self.fake.notes.get((sheet, address))

    def set_note(self, sheet: str, address: str, text: str) -> None:
        self.calls.append(("set", sheet, address, text))
        self.fake.pending_notes.append(("set", sheet, address, text))

    def delete_note(self, sheet: str, address: str) -> None:
        self.calls.append(("delete", sheet, address, None))
        self.fake.pending_notes.append(("delete", sheet, address, None))


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture()
def remote(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """xlwings' remote engine, licensed for the tests only (the product never needs a key)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings as xw

    added = None
    if "remote" not in xw.engines.engines_by_name:  # xlwings was imported before the key was set
        from xlwings.pro import _xlremote

        added = xw.Engine(impl=_xlremote.engine)
        xw.engines.add(added)
    try:
        yield xw
    finally:
        if hasattr(xw.Book, "_mock_caller"):
            del xw.Book._mock_caller
        if added is not None:
            xw.engines.engines.remove(added)
            del xw.engines.engines_by_name["remote"]


@pytest.fixture(scope="module")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workbook(tmp_path_factory.mktemp("excel") / "绩效目标表.xlsx")


@pytest.fixture()
def fake(remote: Any, template_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeExcel:
    state = FakeExcel(template_path)
    monkeypatch.setattr(excel, "cell_access", lambda book: RecordingNote(state))
    return state


def project_sheets(fake: FakeExcel) -> list[str]:
    return [s["name"] for s in fake.sheets if s["name"] not in SERVICE_SHEETS and parse_grid(fake.grid(s["name"]))]


def library_findings(fake: FakeExcel) -> list[Finding]:
    """What the file-based validator says about the fake's current contents."""
    grids = [fake.grid(s["name"]) for s in fake.sheets if s["name"] not in (MARKS_SHEET, RESULTS_SHEET)]
    return validate_projects(projects_from_grids(grids, file="绩效目标表.xlsx").projects)


def color_actions(actions: list[dict[str, Any]], sheet_index: int) -> list[dict[str, Any]]:
    return [a for a in actions if a["func"] in ("setRangeColor", "setRangeColors")
            and a["sheet_position"] == sheet_index]


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_validate_workbook_colours_exactly_the_reported_cells_in_one_call_per_sheet(fake: FakeExcel) -> None:
    initial = dict(fake.fills)
    findings = library_findings(fake)
    wanted = cells_to_mark(findings)
    assert wanted, "the seed-like projects must give cell findings"
    actions = fake.click(excel.validate_workbook)
    for sheet in project_sheets(fake):
        assert len(color_actions(actions, fake.index(sheet))) == 1  # batched
    for (sheet, ref), items in wanted.items():
        assert fake.fills[(sheet, ref)] == hex_color(worst(items)).upper()
    for key, color in initial.items():
        if key not in wanted:
            assert fake.fills.get(key) == color, key
    assert {k for k in fake.fills if k[0] in project_sheets(fake)} - set(initial) <= set(wanted)
    for (sheet, ref), items in wanted.items():
        text, _ = fake.notes[(sheet, ref)]
        assert all(f.message in text and f.code in text for f in items)


def test_results_sheet_is_one_array_with_links_and_the_alert_gives_the_counts(fake: FakeExcel) -> None:
    findings = library_findings(fake)
    actions = fake.click(excel.validate_workbook)
    results_ix = fake.index(RESULTS_SHEET)
    writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == results_ix]
    assert len(writes) == 1
    table = writes[0]["values"]
    assert tuple(table[0]) == RESULTS_HEADERS
    expected = result_rows(findings, sheets=[s["name"] for s in fake.sheets])
    link_col = RESULTS_HEADERS.index("单元格")
    assert len(table) == len(expected) + 1
    for got, want in zip(table[1:], expected):
        assert [v for i, v in enumerate(got) if i != link_col] == \
               [v for i, v in enumerate(want.values) if i != link_col]
        assert got[link_col] == f'=HYPERLINK("#{want.link}","{want.values[link_col]}")'
    [alert] = fake.alerts
    assert count_line(findings) in alert[0] and alert[1] == excel.ALERT_TITLE and alert[3] == "info"
    assert fake.sheets[fake.active]["name"] == fake.sheets[0]["name"]  # the user's sheet stays active
    assert fake.sheet(MARKS_SHEET)["visibility"] in ("Hidden", "VeryHidden")


def test_a_table_that_does_not_start_at_a1_is_marked_on_its_real_cells(fake: FakeExcel) -> None:
    """The grid keeps the used range's top/left, so findings name real cells."""
    sheet = fake.sheets[0]
    sheet["values"] = [[""] * (len(sheet["values"][0]) + 2)] * 3 + [["", ""] + row for row in sheet["values"]]
    last = cell_ref(len(sheet["values"]), len(sheet["values"][0]))
    sheet["used_range_address"] = f"C4:{last}"  # Excel's used range starts at the table
    wanted = {k for k in cells_to_mark(library_findings(fake)) if k[0] == sheet["name"]}
    assert wanted and all(split_ref(ref)[0] >= 4 and split_ref(ref)[1] >= 3 for _, ref in wanted)
    fake.click(excel.validate_active_sheet)
    marked = {k for k, v in fake.fills.items() if k[0] == sheet["name"] and v in
              {hex_color(s).upper() for s in Severity}}
    assert marked == wanted


@pytest.fixture()
def operator_rule() -> Iterator[str]:
    """The catalogue reduced to one test rule: every '≧' typed as 计算符号 is a warning.

    Typing '≥' fixes it, so the test controls exactly which cells are flagged.
    """
    import xltool.rules as rules

    rules._load_rule_modules()
    saved = dict(CATALOGUE)
    CATALOGUE.clear()
    code = "JX9X1"

    @rule(code, Severity.WARNING, "测试", why="测试", bad="≧", good="≥")
    def _wide(project: Project, ctx: Any) -> Iterator[Finding]:
        for ind in project.indicators:
            if ind.operator_raw == "≧":
                yield ctx.finding(code, "测试用：请改为“≥”", cell=ind.cells["operator"], field="indicator")

    try:
        yield code
    finally:
        CATALOGUE.clear()
        CATALOGUE.update(saved)


def test_validate_again_and_clear_restore_original_fills_and_notes_exactly(fake: FakeExcel,
                                                                          operator_rule: str) -> None:
    ours = [f for f in library_findings(fake) if f.code == operator_rule]
    assert len(ours) >= 2
    first, second = [(f.sheet, f.cell) for f in ours[:2]]
    fake.fills[first] = "#FFFF00"  # the user's own yellow on a cell the rule flags
    fake.notes[first] = ("填表人自己的批注", "张三")
    initial_fills, initial_notes = dict(fake.fills), dict(fake.notes)

    fake.click(excel.validate_workbook)
    warn = hex_color(Severity.WARNING).upper()
    assert fake.fills[first] == warn and fake.fills[second] == warn
    text, _ = fake.notes[first]
    assert text.startswith("填表人自己的批注") and "测试用：请改为“≥”" in text
    marks = {(r[0], r[1]): r for r in fake.sheet(MARKS_SHEET)["values"][1:]}
    assert json.loads(marks[first][2]) == {"color": "#FFFF00"} and marks[first][3] == "填表人自己的批注"
    assert json.loads(marks[second][2]) == {"color": initial_fills.get(second)}

    fake.set_value(first[0], first[1], "≥")  # the user fixes one of them
    fake.click(excel.validate_workbook)
    assert fake.fills[first] == "#FFFF00" and fake.notes[first] == ("填表人自己的批注", "Excel 用户")
    assert fake.fills[second] == warn
    marks = {(r[0], r[1]): r for r in fake.sheet(MARKS_SHEET)["values"][1:]}
    assert first not in marks and json.loads(marks[second][2]) == {"color": initial_fills.get(second)}

    fake.click(excel.clear_marks)
    assert fake.fills == initial_fills  # every fill back, "no fill" included
    assert {k: v[0] for k, v in fake.notes.items()} == {k: v[0] for k, v in initial_notes.items()}
    assert RESULTS_SHEET not in [s["name"] for s in fake.sheets]
    assert fake.sheet(MARKS_SHEET)["values"][1:] == []  # only the header row is left
    assert "已清除" in fake.alerts[-1][0]


def test_validate_active_sheet_keeps_the_other_sheets_marks_and_results(fake: FakeExcel) -> None:
    sheets = project_sheets(fake)
    assert len(sheets) == 2
    fake.click(excel.validate_workbook)
    before = {k: v for k, v in fake.fills.items() if k[0] == sheets[0]}
    rows_first = [r for r in fake.sheet(RESULTS_SHEET)["values"][1:] if r[1] == sheets[0]]
    fake.active = fake.index(sheets[1])
    actions = fake.click(excel.validate_active_sheet)
    assert color_actions(actions, fake.index(sheets[0])) == []
    assert {k: v for k, v in fake.fills.items() if k[0] == sheets[0]} == before
    rows = fake.sheet(RESULTS_SHEET)["values"][1:]
    assert [r[1:4] + r[5:] for r in rows if r[1] == sheets[0]] == [r[1:4] + r[5:] for r in rows_first]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # renumbered
    second = [f for f in library_findings(fake) if f.sheet == sheets[1]]
    assert len([r for r in rows if r[1] == sheets[1]]) == len(second)


def test_validate_active_sheet_on_a_sheet_without_a_table_says_so_in_chinese(fake: FakeExcel) -> None:
    fake.active = fake.index("填写说明")
    actions = fake.click(excel.validate_active_sheet)
    assert [a["func"] for a in actions] == ["alert"]
    prompt, title, _, mode, _ = fake.alerts[0]
    assert "不是项目绩效目标表" in prompt and "填写说明" in prompt and mode == "critical"


def test_a_python_error_becomes_a_chinese_message_box_not_a_traceback(fake: FakeExcel,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(book: Any) -> xlbackend.CellAccess:
        raise RuntimeError("模拟的故障")

    monkeypatch.setattr(excel, "cell_access", broken)
    fake.click(excel.validate_workbook)  # must not raise
    [alert] = fake.alerts
    assert alert[0].startswith("程序内部错误（RuntimeError: 模拟的故障）") and alert[3] == "critical"
    assert "Traceback" not in alert[0]


def test_the_real_cell_access_refuses_the_remote_engine_with_a_chinese_message(remote: Any,
                                                                               template_path: Path) -> None:
    state = FakeExcel(template_path)
    state.click(excel.validate_workbook)  # no fake: CellAccess itself is used
    [alert] = state.alerts
    assert "桌面版 Excel" in alert[0] and alert[3] == "critical"


def test_without_excel_the_entry_points_print_a_chinese_message(capsys: pytest.CaptureFixture[str]) -> None:
    import xlwings as xw

    assert not hasattr(xw.Book, "_mock_caller")
    excel.validate_workbook()
    assert "无法连接到调用本功能的 Excel 工作簿" in capsys.readouterr().err


def test_show_help_is_one_chinese_message_box(fake: FakeExcel) -> None:
    actions = fake.click(excel.show_help)
    assert [a["func"] for a in actions] == ["alert"]
    assert "校验本表" in fake.alerts[0][0] and "清除标记" in fake.alerts[0][0]


def test_new_project_sheet_copies_a_table_within_the_book_and_empties_its_inputs(fake: FakeExcel) -> None:
    sheets = project_sheets(fake)
    fake.click(excel.validate_workbook)  # the source sheet carries marks that must not be copied
    source_before = copy.deepcopy(fake.sheet(sheets[0])["values"])
    fake.click(excel.new_project_sheet)
    names = [s["name"] for s in fake.sheets]
    assert "项目1" in names and names.index("项目1") == names.index(sheets[-1]) + 1
    assert fake.sheets[fake.active]["name"] == "项目1"
    [project] = parse_grid(fake.grid("项目1"))
    assert project.name == "" and project.total is None and project.overview == ""
    assert project.indicators and all(not (i.name or i.target or i.operator_raw) for i in project.indicators)
    [source] = parse_grid(fake.grid(sheets[0]))
    assert [(i.level1, i.level2) for i in project.indicators] == [(i.level1, i.level2) for i in source.indicators]
    assert fake.sheet(sheets[0])["values"] == source_before
    severity_fills = {hex_color(s).upper() for s in Severity}
    assert not [k for k, v in fake.fills.items() if k[0] == "项目1" and v in severity_fills]
    assert not [k for k in fake.notes if k[0] == "项目1"]
    assert "项目1" in fake.alerts[-1][0]


def test_address_chunks_stay_under_excels_limit_and_cover_every_cell() -> None:
    cells = [cell_ref(r, c) for r in range(1, 120) for c in (3, 5)]
    chunks = xlbackend.address_chunks(cells)
    assert all(len(chunk) <= xlbackend.ADDRESS_LIMIT for chunk in chunks)
    assert [a for chunk in chunks for a in chunk.split(",")] == cells
    for chunk, following in zip(chunks, chunks[1:]):  # greedy: no chunk could have taken one more cell
        assert len(chunk) + 1 + len(following.split(",")[0]) > xlbackend.ADDRESS_LIMIT
    assert xlbackend.address_chunks(["A1"]) == ["A1"] and xlbackend.address_chunks([]) == []


class _DesktopRange:
    def __init__(self, log: list[tuple[str, Any]], address: str) -> None:
        self._log, self._address = log, address

    @property
    def color(self) -> None:  # pragma: no cover - never read
        return None

    @color.setter
    def color(self, value: Any) -> None:
        self._log.append((self._address, value))


class _DesktopBook:
    """Just enough of a desktop (COM) book to see which ranges ``paint`` addresses."""

    class app:  # noqa: N801 - mimics xlwings' attribute
        class engine:  # noqa: N801
            type = "desktop"

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        book = self

        class Sheet:
            def range(self, address: str) -> _DesktopRange:
                return _DesktopRange(book.log, address)

        self.sheets = {"项目1": Sheet()}


def test_on_desktop_excel_paint_makes_one_call_per_colour_and_address_chunk() -> None:
    book = _DesktopBook()
    errors = [cell_ref(r, 5) for r in range(14, 80)]
    xlbackend.paint(book, "项目1", {"#FFC7CE": errors, None: ["B3", "B4"]})
    calls = book.log
    assert {c for _, c in calls} == {"#FFC7CE", None}
    assert all(len(address) <= xlbackend.ADDRESS_LIMIT for address, _ in calls)
    assert sorted(a for address, c in calls if c == "#FFC7CE" for a in address.split(",")) == sorted(errors)
    assert [address for address, c in calls if c is None] == ["B3,B4"]
    assert len(calls) == len(xlbackend.address_chunks(errors)) + 1


def test_importing_the_ribbon_module_loads_neither_xlwings_nor_the_parser() -> None:
    code = ("import sys, xltool.addin.ribbon; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('xlwings', 'openpyxl', 'pydantic', 'xltool', 'python_calamine')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['xltool', 'xltool.addin', 'xltool.addin.ribbon']"


def test_fill_records_written_by_the_openpyxl_marker_are_understood() -> None:
    solid = json.dumps({"xml": '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill>'})
    empty = json.dumps({"xml": "<fill><patternFill/></fill>"})
    assert xlbackend.color_from_fill_record(solid) == "#FFFF00"
    assert xlbackend.color_from_fill_record(empty) is None
    assert xlbackend.color_from_fill_record(json.dumps({"color": "#D9E1F2"})) == "#D9E1F2"
    assert xlbackend.color_from_fill_record("not json") is None


def test_a_users_own_sheet_called_like_the_results_sheet_is_never_overwritten(fake: FakeExcel) -> None:
    fake.sheets.append({"name": RESULTS_SHEET, "values": [["我的备忘", "勿删"]], "pictures": [], "tables": [],
                        "charts": [], "shapes": [], "notes": [], "visibility": "Visible"})
    fake.click(excel.validate_workbook)
    assert fake.sheet(RESULTS_SHEET)["values"] == [["我的备忘", "勿删"]]
    assert tuple(fake.sheet(f"{RESULTS_SHEET}2")["values"][0]) == RESULTS_HEADERS
    fake.click(excel.validate_workbook)  # again: ours is found and refreshed, not a third sheet
    assert [s["name"] for s in fake.sheets].count(f"{RESULTS_SHEET}3") == 0
    fake.click(excel.clear_marks)
    names = [s["name"] for s in fake.sheets]
    assert RESULTS_SHEET in names and f"{RESULTS_SHEET}2" not in names
    assert fake.sheet(RESULTS_SHEET)["values"] == [["我的备忘", "勿删"]]


_CLICK_SCRIPT = """
import json, os, sys
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
import xlwings as xw
before = set(sys.modules)  # xlwings with the remote engine's licence loads jinja2 …: not ours to count
import xltool.addin.ribbon as ribbon
from xltool.write.marking.xlwings_backend import CellAccess

class Access(CellAccess):  # fills and notes: only a real Excel can read them
    def __init__(self, book): pass
    def fill_of(self, sheet, address): return None
    def note_of(self, sheet, address): return None
    def set_note(self, sheet, address, text): pass
    def delete_note(self, sheet, address): pass

alerts = []
ribbon.cell_access = Access
ribbon._alert = lambda book, text, critical=False: alerts.append(text)
book = xw.Book(json=json.load(open(sys.argv[1], encoding="utf-8")))
book.set_mock_caller()
ribbon.validate_workbook()
print(json.dumps({"alerts": alerts, "modules": sorted(set(sys.modules) - before)}))
"""


def test_the_import_benchmark_loads_every_module_a_real_click_loads(tmp_path: Path, template_path: Path) -> None:
    """benchmarks/import_time.py's 一次“校验全部” row must import what a click imports, or its ratio flatters."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_time", Path(__file__).parents[1] / "benchmarks/import_time.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(FakeExcel(template_path).payload(), ensure_ascii=False, default=str), encoding="utf-8")
    click = json.loads(subprocess.run([sys.executable, "-c", _CLICK_SCRIPT, str(payload)], capture_output=True,
                                      text=True, check=True).stdout)
    assert click["alerts"] and click["alerts"][0].startswith("校验完成")  # the click really validated
    measured = subprocess.run([sys.executable, "-c", bench.CLICK_CODE + "; import sys; print(sorted(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout
    loaded = set(eval(measured))  # a printed list of module names
    # The remote engine's own modules and the standard library aside, nothing the click loads may be missing.
    missing = {m for m in click["modules"] if m.split(".")[0] not in sys.stdlib_module_names
               and not m.startswith(("xlwings", "_"))} - loaded
    assert not missing, f"benchmarks/import_time.py CLICK_MODULES misses {sorted(missing)}"
    assert {"xltool.parse.reader", "xltool.rules.copied", "pydantic"} <= loaded


def test_a_clicks_imports_leave_out_what_only_other_paths_use() -> None:
    """A fresh Python per click waits for every import: the click's modules do not load or build what only
    staging files, an error about a file, a close pair of texts or the writing calls need."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_time", Path(__file__).parents[1] / "benchmarks/import_time.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # type: ignore[union-attr]
    code = (bench.CLICK_CODE + "; import sys, tokenize; print(sorted(m for m in ('difflib', 'xltool.api.sources', "
            "'xltool.api.written', 'xltool.core.fsnames') if m in sys.modules), tokenize._compile.cache_info().misses)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "0"]  # nor did pydantic parse a builtin's signature (tokenize's patterns: ~3 ms)


@pytest.mark.parametrize("button", ["validate_workbook", "validate_active_sheet"])
def test_a_workbook_without_a_project_table_gets_the_librarys_words(remote: Any, tmp_path: Path, button: str) -> None:
    """The same message as xltool.validate_grid's file status and the WPS add-in (校验未完成：…), for both buttons."""
    from xltool.api import validate_grid

    wb = openpyxl.Workbook()
    wb.active.title = "备忘"
    wb.active["A1"] = "本月工作安排"
    wb.save(tmp_path / "备忘.xlsx")
    state = FakeExcel(tmp_path / "备忘.xlsx")
    actions = state.click(getattr(excel, button))
    assert [a["func"] for a in actions] == ["alert"]  # nothing marked, nothing written
    [(prompt, _, _, mode, _)] = state.alerts
    expected = validate_grid("绩效目标表.xlsx", [{"name": "备忘", "values": [["本月工作安排"]]}]).files[0]
    assert expected.status == "failed" and expected.error_code == "input.no_table"
    assert prompt == "校验未完成：" + expected.message and mode == "critical"
