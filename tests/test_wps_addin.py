"""The WPS add-in: its JavaScript under node, against a fake WPS object model and the real ``xltool serve``.

The workbook is real: a project table (examples/broken_demo.xlsx's) written twice with
openpyxl — once at A1, once starting at B3 so the used range's origin matters — and a
sheet that is no project table. ``python -m xltool validate --json`` on that file gives
the findings; xltool's own Python functions (note text, colours, results rows) turn
them into what the add-in must produce. ``node --test tests/wps/addin.test.js`` then
clicks the buttons of the add-in ``xltool addin build --wps`` wrote, with the fake WPS
(tests/wps/fake_wps.js) holding the same cells and the server started here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel

try:
    from tests.lo_helper import need
except ImportError:  # pragma: no cover
    from lo_helper import need  # type: ignore[no-redef]
from xltool.core.findings import Finding
from xltool.write.report import (
    cells_to_mark, count_line, hex_color, merge_note, note_text, result_rows, worst,
)

ROOT = Path(__file__).resolve().parent.parent
WPS_TESTS = ROOT / "tests" / "wps"
DECLARATIONS = WPS_TESTS / "node_modules" / "et-jsapi-declare"
SOURCE = ROOT / "examples" / "broken_demo.xlsx"
FIRST, SECOND, OTHER = "项目 甲", "项目乙", "说明"


@pytest.fixture(scope="module", autouse=True)
def _node_installed() -> None:
    need(shutil.which("node") is not None, "node is not installed (scripts/setup.sh installs nodejs)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _value(v: Any) -> Any:
    """A cell value as WPS's Range.Value2 gives it (dates as serial numbers)."""
    if isinstance(v, (dt.datetime, dt.date)):
        return to_excel(v)
    return v


def _workbook(path: Path) -> None:
    """Two copies of the demo project table (at A1 and from B3) and a sheet of plain text."""
    src = openpyxl.load_workbook(SOURCE)
    table = next(ws for ws in src if ws.sheet_state == "visible" and ws.title != "填写说明")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, dr, dc in ((FIRST, 2, 1), (SECOND, 0, 0)):
        ws = wb.create_sheet(title)
        for row in table.iter_rows():
            for cell in row:
                if cell.value is None and cell.protection.locked is not False:
                    continue
                target = ws.cell(cell.row + dr, cell.column + dc, cell.value)
                target.protection = openpyxl.styles.Protection(locked=cell.protection.locked is not False)
    other = wb.create_sheet(OTHER)
    other["A1"], other["A2"] = "填写说明", "请在各项目表的白色单元格中填写。"
    wb.save(path)


def _fill(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid" or not isinstance(fill.fgColor.rgb, str):
        return None
    return "#" + fill.fgColor.rgb[-6:].upper()


def _fake_cells(path: Path) -> list[dict[str, Any]]:
    """Each sheet's cells as the fake WPS holds them: value, lock, solid fill, note (and very hidden sheets)."""
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                fill, note = _fill(c), c.comment
                if c.value is None and fill is None and note is None:
                    continue
                cells.append([c.row, c.column, _value(c.value), c.protection.locked is not False, fill,
                              {"text": note.text, "author": note.author or ""} if note else None])
        visible = {"visible": -1, "hidden": 0, "veryHidden": 2}[ws.sheet_state]
        sheets.append({"name": ws.title, "visible": visible, "cells": cells})
    return sheets


def _results(findings: list[Finding], names: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = [["序号", "工作表", "项目", "单元格", "级别", "代码", "说明"]]
    rows += [list(r.values) for r in result_rows(findings, sheets=names)]
    return rows if findings else rows + [["未发现问题。", None, None, None, None, None, None]]


def _expected(findings: list[Finding], user: dict[tuple[str, str], str], names: list[str], message: str) -> dict:
    cells = {f"{sheet}!{ref}": {"fill": hex_color(worst(items)),
                                "note": merge_note(user.get((sheet, ref), ""), note_text(items))}
             for (sheet, ref), items in cells_to_mark(findings).items()}
    return {"cells": cells, "results": _results(findings, names), "message": message,
            "levelFills": [hex_color(f.severity) for f in findings]}


def _wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"xltool serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("xltool serve did not start")


def _npm_declarations() -> str | None:
    """Install et-jsapi-declare into tests/wps (git-ignored); None when done, else why not."""
    if (DECLARATIONS / "lib.et.d.ts").is_file():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed: the declarations (et-jsapi-declare) cannot be fetched"
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(WPS_TESTS)], capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0 or not (DECLARATIONS / "lib.et.d.ts").is_file():
        return "npm could not install et-jsapi-declare (no npm registry?): " + done.stderr.strip()[-300:]
    return None


@pytest.fixture(scope="module")
def node_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("wps")
    book = base / "测试 工作簿.xlsx"
    _workbook(book)
    cli = subprocess.run([sys.executable, "-m", "xltool", "validate", "--json", str(book)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert cli.returncode == 1, cli.stderr  # the demo table has errors
    report = json.loads(cli.stdout)
    findings = [Finding(**f) for f in report["findings"]]
    assert {f.sheet for f in findings} == {FIRST, SECOND} and all(f.cell for f in findings)
    projects = report["files"][0]["projects"]
    names = [FIRST, SECOND, OTHER]

    second = [f for f in findings if f.sheet == SECOND]
    flagged = sorted(cells_to_mark(second))
    first_flagged = sorted(cells_to_mark([f for f in findings if f.sheet == FIRST]))
    fake = _fake_cells(book)
    flagged_refs = {ref for _, ref in flagged}
    plain = next(f"{openpyxl.utils.get_column_letter(c)}{r}" for r, c, *_ in
                 next(s for s in fake if s["name"] == SECOND)["cells"]
                 if f"{openpyxl.utils.get_column_letter(c)}{r}" not in flagged_refs)
    user_marks = [
        {"sheet": SECOND, "cell": flagged[0][1], "fill": "#92D050", "note": "张三的批注：请复核金额", "author": "张三"},
        {"sheet": FIRST, "cell": first_flagged[0][1], "fill": None, "note": "李四：已核", "author": "李四"},
        {"sheet": SECOND, "cell": plain, "fill": "#FFFF00", "note": "原有批注，不要动", "author": "王五"},
    ]
    user = {(m["sheet"], m["cell"]): m["note"] for m in user_marks}
    tail = "。\n有问题的单元格已标色并加批注，全部问题见“校验结果”工作表。"
    expected = {
        "all": _expected(findings, user, names, f"校验完成：{projects} 张项目表共发现{count_line(findings)}{tail}"),
        "sheet": _expected(second, user, names, f"校验完成：工作表“{SECOND}”共发现{count_line(second)}{tail}"),
        "allThenSheet": _expected([f for f in findings if f.sheet != SECOND] + second, user, names, ""),
        "headerFill": "#D9D9D9",
    }

    # The same book with the user's own fill and note on a flagged cell, marked by the CLI (openpyxl's marks).
    noted = base / "已有批注.xlsx"
    wb = openpyxl.load_workbook(book)
    target = wb[SECOND][flagged[0][1]]
    target.fill = openpyxl.styles.PatternFill("solid", fgColor="FF92D050")
    target.comment = openpyxl.comments.Comment("张三的批注：请复核金额", "张三")
    wb.save(noted)
    marked = base / "标注副本.xlsx"
    cli_mark = subprocess.run([sys.executable, "-m", "xltool", "validate", str(noted), "--mark-to", str(marked)],
                              capture_output=True, text=True, timeout=300, check=False)
    assert marked.is_file(), cli_mark.stderr

    addin = base / "WPS 加载项"
    port, dead = _free_port(), _free_port()
    server = f"http://127.0.0.1:{port}"
    built = subprocess.run([sys.executable, "-m", "xltool", "addin", "build", "--wps", "-o", str(addin),
                            "--server", server], capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, built.stderr
    missing = _npm_declarations()
    case = {
        "addin": str(addin), "server": server, "deadServer": f"http://127.0.0.1:{dead}",
        "workbook": {"name": book.name, "sheets": fake}, "projectSheets": [FIRST, SECOND], "otherSheet": OTHER,
        "markedByCli": {"name": marked.name, "sheets": _fake_cells(marked)},
        "beforeCliMarks": {"name": noted.name, "sheets": _fake_cells(noted)},
        "userMarks": user_marks, "expected": expected,
        "declarations": None if missing else [str(DECLARATIONS / "lib.et.d.ts"), str(DECLARATIONS / "lib.kso.d.ts")],
        "declarationsMissing": missing or "",
    }
    case_file = base / "case.json"
    case_file.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")

    serve = subprocess.Popen([sys.executable, "-m", "xltool", "serve", "--port", str(port), "--data",
                              str(base / "serve-data")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(server + "/", serve)
        done = subprocess.run(["node", "--test", "--test-reporter=tap", str(WPS_TESTS / "addin.test.js")],
                              env={**os.environ, "XLTOOL_WPS_CASE": str(case_file)}, capture_output=True,
                              text=True, timeout=300, check=False)
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=20)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        if serve.stderr:
            serve.stderr.close()
    return {"done": done, "missing": missing, "findings": findings}


def _subtest(out: str, name: str) -> str:
    """The TAP line of the node subtest whose name starts with ``name``."""
    return next(line.strip() for line in out.splitlines()
                if line.strip().startswith(("ok ", "not ok ")) and f" - {name}" in line)


def test_node_suite_passes(node_run: dict[str, Any]) -> None:
    done = node_run["done"]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass " in done.stdout


@pytest.mark.parametrize("name", [
    "校验全部 marks exactly the cells the CLI reports",
    "校验本表 marks only the active sheet",
    "校验本表 on a sheet that is no project table",
    "an unreachable server gives the Chinese message",
    "the add-in as xltool serve serves it at /wps/",
    "新建项目表 copies the active project sheet",
    "used range values are placed from A1",
    "a workbook marked by xltool validate --mark-to",
])
def test_behaviour(node_run: dict[str, Any], name: str) -> None:
    line = _subtest(node_run["done"].stdout, name)
    assert line.startswith("ok ") and "# SKIP" not in line, line


def test_against_the_declarations(node_run: dict[str, Any]) -> None:
    need(not node_run["missing"], node_run["missing"])
    line = _subtest(node_run["done"].stdout, "the fake implements only members declared")
    assert line.startswith("ok ") and "# SKIP" not in line, line


def test_build_is_generated_from_the_excel_addin(tmp_path: Path) -> None:
    """ribbon.xml: the Excel ribbon's tab and buttons; config.js: the marking engine's constants."""
    import xml.etree.ElementTree as ET

    from xltool.addin.wps import build_wps_addin

    built = build_wps_addin(tmp_path / "加载项", server="http://10.0.0.5:8765/")
    assert built.server == "http://10.0.0.5:8765"
    names = {p.name for p in built.files}
    assert {"ribbon.xml", "book.js", "marks.js", "main.js", "index.html", "config.js", "publish.xml", "jsplugins.xml"} <= names
    excel = ET.parse(ROOT / "macros" / "customUI14.xml").getroot()
    wps = ET.parse(built.folder / "ribbon.xml").getroot()
    labels = lambda root: [(b.get("id"), b.get("label")) for b in root.iter() if b.tag.endswith("button")]  # noqa: E731
    assert labels(wps) == labels(excel)
    assert [b[1] for b in labels(wps)] == ["校验本表", "校验全部", "清除标记", "新建项目表", "帮助"]
    assert {b.get("onAction") for b in wps.iter() if b.tag.endswith("button")} == {"OnAction"}
    config = (built.folder / "config.js").read_text(encoding="utf-8")
    data = json.loads(config[config.index("{"):config.rindex("}") + 1])
    assert data["server"] == "http://10.0.0.5:8765"
    assert data["colors"] == {"error": "#FFC7CE", "warning": "#FFE699", "info": "#DDEBF7"}
    assert data["colorsBgr"]["error"] == 0xCEC7FF and data["noteHeader"] == "【xltool 校验】"
    publish = ET.parse(built.folder / "publish.xml").getroot()
    (entry,) = list(publish)
    assert entry.tag == "jspluginonline" and entry.get("type") == "et"
    assert entry.get("url") == "http://10.0.0.5:8765/wps/"
    html = (built.folder / "index.html").read_text(encoding="utf-8")
    assert html.index("config.js") < html.index("book.js") < html.index("marks.js") < html.index("main.js")


def test_bad_server_address_is_refused(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "xltool", "addin", "build", "--wps", "-o", str(tmp_path / "x"),
                           "--server", "10.0.0.5:8765"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "服务器地址应以 http:// 或 https:// 开头" in done.stderr
    assert not (tmp_path / "x").exists()
