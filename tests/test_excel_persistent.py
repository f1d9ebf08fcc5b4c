"""The ribbon in xlwings' persistent Python (``USE UDF SERVER``): many clicks, one interpreter.

With the UDF server every click of every workbook runs in the same Python, so
nothing a click leaves behind (module caches, a profile, the calling book) may change
what a later click does. Each click below runs twice: in one long-lived Python that
has already served the clicks before it (as the server does), and in a fresh Python
(as RunPython without the server does); the two must queue exactly the same Excel
actions and note calls. The books differ in contents and profile but share one file
name, and one book's profile is changed between clicks.

Both interpreters drive the ribbon on xlwings' remote engine (see tests/test_excel.py);
what only a real Excel can confirm is listed in docs/excel-manual-test.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest

from xltool.core.model import Project
from xltool.core.names import LISTS_SHEET, PROFILE_KEY, RESULTS_SHEET
from xltool.write.template import write_projects

try:
    from tests.test_annotate import make_workbook, seed_like_projects
    from tests.test_excel import FakeExcel
except ImportError:  # pragma: no cover - run from inside tests/
    from test_annotate import make_workbook, seed_like_projects  # type: ignore[no-redef]
    from test_excel import FakeExcel  # type: ignore[no-redef]

# One request per line on stdin, one answer per line on stdout: a click in this interpreter.
# Reading a cell's fill and note needs a real Excel; the state sent along stands in for it.
_CLICKER = r"""
import json, os, sys
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
import xlwings as xw
import xltool.addin.ribbon as ribbon

def access(book, state):
    # made on first use, so that its base class is imported by the click as a real click imports it
    from xltool.write.marking.xlwings_backend import CellAccess

    class Access(CellAccess):
        def __init__(self, state): self.state = state
        def fill_of(self, sheet, address): return self.state["fills"].get(sheet + "!" + address)
        def note_of(self, sheet, address):
            note = self.state["notes"].get(sheet + "!" + address)
            return tuple(note) if note else None
        def set_note(self, sheet, address, text): self.state["calls"].append(["set", sheet, address, text])
        def delete_note(self, sheet, address): self.state["calls"].append(["delete", sheet, address, None])

    return Access(state)

for line in sys.stdin:
    request = json.loads(line)
    state = {"fills": request["fills"], "notes": request["notes"], "calls": []}
    ribbon.cell_access = lambda book, state=state: access(book, state)
    before = set(sys.modules)
    book = xw.Book(json=request["payload"])
    book.set_mock_caller()
    getattr(ribbon, request["function"])()
    answer = {"actions": book.json()["actions"], "calls": state["calls"], "modules": sorted(set(sys.modules) - before)}
    print(json.dumps(answer, ensure_ascii=False, default=str), flush=True)
"""


def _request(fake: FakeExcel, function: str) -> str:
    return json.dumps({
        "function": function,
        "payload": fake.payload(),
        "fills": {f"{s}!{r}": c for (s, r), c in fake.fills.items()},
        "notes": {f"{s}!{r}": list(n) for (s, r), n in fake.notes.items()},
    }, ensure_ascii=False, default=str) + "\n"


class PersistentPython:
    """One interpreter serving every click, like xlwings' UDF server."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", _CLICKER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def click(self, fake: FakeExcel, function: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(_request(fake, function))
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the persistent interpreter died"
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def fresh_click(fake: FakeExcel, function: str) -> dict[str, Any]:
    """The same click in a new interpreter (RunPython without the server)."""
    done = subprocess.run([sys.executable, "-c", _CLICKER], input=_request(fake, function), capture_output=True,
                          text=True, encoding="utf-8", check=True, timeout=300)
    return json.loads(done.stdout)


def click_both(server: PersistentPython, fake: FakeExcel, function: str) -> dict[str, Any]:
    """Click in the long-lived interpreter, require what a fresh one does, apply it to ``fake``."""
    fresh = fresh_click(fake, function)
    later = server.click(fake, function)
    assert later["actions"] == fresh["actions"], f"{function}: the persistent interpreter queued other actions"
    assert later["calls"] == fresh["calls"], f"{function}: the persistent interpreter wrote other notes"
    fake.pending_notes = [tuple(call) for call in later["calls"]]
    fake.apply(later["actions"])
    return later


def alerts(answer: dict[str, Any]) -> list[str]:
    return [a["args"][0] for a in answer["actions"] if a["func"] == "alert"]


@pytest.fixture()
def server() -> Iterator[PersistentPython]:
    python = PersistentPython()
    try:
        yield python
    finally:
        python.close()


def _book(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_workbook(path)


def _other_book(path: Path) -> Path:
    """A book of the same file name with other projects, another profile, other defects."""
    path.parent.mkdir(parents=True, exist_ok=True)
    archive, rent = seed_like_projects()
    rent = rent.model_copy(update={"name": "行政服务中心物业费", "total": 88.0, "overview": "物业服务。"})
    changed: list[Project] = [rent, archive.model_copy(update={"annual_goal": ""})]
    return write_projects(changed, path, profile="national-2021", year=2023)


def _set_profile(fake: FakeExcel, profile: str) -> None:
    rows = fake.sheet(LISTS_SHEET)["values"]
    row = next(r for r in rows if r and r[0] == PROFILE_KEY)
    row[1] = profile


def test_clicks_in_one_persistent_python_do_what_fresh_pythons_do_and_import_nothing_new(
        server: PersistentPython, tmp_path: Path) -> None:
    first = FakeExcel(_book(tmp_path / "a" / "绩效目标表.xlsx"))
    second = FakeExcel(_other_book(tmp_path / "b" / "绩效目标表.xlsx"))
    memo = tmp_path / "备忘.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "本月工作安排"
    wb.save(memo)
    no_table = FakeExcel(memo)

    answer = click_both(server, first, "validate_workbook")
    assert alerts(answer)[0].startswith("校验完成") and RESULTS_SHEET in [s["name"] for s in first.sheets]
    assert {"xltool.parse.reader", "xltool.rules.copied", "pydantic"} <= set(answer["modules"])  # the first click
    later = [click_both(server, second, "validate_workbook")]  # another book of the same name
    assert alerts(later[-1])[0].startswith("校验完成")
    first.active = 1  # the second project sheet
    later.append(click_both(server, first, "validate_active_sheet"))
    failed = click_both(server, no_table, "validate_workbook")
    assert alerts(failed)[0].startswith("校验未完成")
    later.append(click_both(server, second, "clear_marks"))
    assert alerts(later[-1])[0].startswith("已清除")
    _set_profile(first, "national-2021")  # the book's own settings changed between clicks
    later.append(click_both(server, first, "validate_workbook"))
    later.append(click_both(server, first, "clear_marks"))
    assert alerts(later[-1])[0].startswith("已清除")
    later.append(server.click(no_table, "validate_workbook"))
    # What makes the server fast: the first click's imports serve every later click of any book. (The first
    # book without a table loads the parser's fallbacks for such books once: failed["modules"].)
    assert [answer["modules"] for answer in later] == [[]] * len(later)
