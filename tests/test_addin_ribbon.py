"""Every ribbon button of the BUILT add-in checks for an open workbook before RunPython.

xlwings' RunPython starts with ``For Each sht In ActiveWorkbook.Worksheets``; with no
workbook open Excel stops with run-time error 91 on every button. The checks read
the VBA back out of the built .xlam with olevba (an independent reader), take the
callbacks from the customUI XML inside the same file, and also make sure the VBA
is pure ASCII (VBA keeps source in the project's code page).
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

import pytest
from oletools.olevba import VBA_Parser

from xltool.addin import build as addin
from xltool.addin import text as addin_text

GUARD_CALL = "If Not WorkbookIsOpen() Then Exit Sub"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], list[str]]:
    """(module file name -> source, onAction values) read from a freshly built .xlam."""
    xlam = addin.build_addin(tmp_path_factory.mktemp("ribbon") / "xltool.xlam")
    modules = {name: code for _, _, name, code in VBA_Parser(str(xlam)).extract_macros()}
    with zipfile.ZipFile(xlam) as archive:
        root = ElementTree.fromstring(archive.read("customUI/customUI14.xml"))
    actions = [e.get("onAction") for e in root.iter() if e.get("onAction")]
    return modules, actions


def procedures(source: str) -> dict[str, list[str]]:
    """Body lines (stripped, comments dropped) of every Sub/Function, by name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in source.splitlines():
        line = raw.strip()
        start = re.match(r"^(?:(?:Public|Private)\s+)?(?:Sub|Function)\s+(\w+)\s*\(", line)
        if start:
            current = found.setdefault(start.group(1), [])
        elif re.match(r"^End (Sub|Function)$", line):
            current = None
        elif current is not None and line and not line.startswith("'"):
            current.append(line)
    return found


def guarded_before_run_python(body: list[str]) -> bool:
    """True if ``body`` leaves the Sub when there is no workbook, before any RunPython."""
    first_run = next((i for i, line in enumerate(body) if line.startswith("RunPython")), len(body))
    head = body[:first_run]
    if GUARD_CALL in head:
        return True
    if "If ActiveWorkbook Is Nothing Then" in head:
        block = head[head.index("If ActiveWorkbook Is Nothing Then") :]
        return "Exit Sub" in block and "End If" in block[block.index("Exit Sub") :]
    return False


def test_every_on_action_callback_checks_for_a_workbook(built: tuple[dict[str, str], list[str]]) -> None:
    modules, actions = built
    procs = procedures(modules["xltool_ribbon.bas"])
    assert len(actions) == 5
    for action in actions:
        module, _, name = action.rpartition(".")
        assert module == addin.RIBBON_MODULE
        assert name in procs, action
        assert guarded_before_run_python(procs[name]), f"{name} calls RunPython without checking for a workbook"
        assert any(line.startswith("RunPython") for line in procs[name])  # the guard is not all it does


def test_the_guard_function_looks_at_the_active_workbook(built: tuple[dict[str, str], list[str]]) -> None:
    body = procedures(built[0]["xltool_ribbon.bas"])["WorkbookIsOpen"]
    assert body[0] == "If ActiveWorkbook Is Nothing Then"
    assert body[1] == "MsgBox xltool_text.NoWorkbookText(), vbExclamation, xltool_text.TitleText()"
    assert "WorkbookIsOpen = False" in body and "WorkbookIsOpen = True" in body


def test_help_works_without_a_workbook(built: tuple[dict[str, str], list[str]]) -> None:
    body = procedures(built[0]["xltool_ribbon.bas"])["ShowHelp"]
    assert body[:3] == [
        "If ActiveWorkbook Is Nothing Then",
        "MsgBox xltool_text.HelpText(), vbInformation, xltool_text.TitleText()",
        "Exit Sub",
    ]


def test_the_guard_detector_rejects_unguarded_code() -> None:
    assert not guarded_before_run_python(['RunPython "x"'])
    assert not guarded_before_run_python(['RunPython "x"', GUARD_CALL])
    assert not guarded_before_run_python(["If ActiveWorkbook Is Nothing Then", "End If", 'RunPython "x"'])
    assert guarded_before_run_python([GUARD_CALL, 'RunPython "x"'])


def test_all_vba_source_is_ascii(built: tuple[dict[str, str], list[str]]) -> None:
    modules = built[0]
    assert "xltool_text.bas" in modules
    for name, code in modules.items():
        assert code.isascii(), name


def _evaluate(statements: list[str]) -> str:
    """Run the ``s = ...`` statements of a generated function (literals, vbLf, ChrW)."""
    value = ""
    token = re.compile(r'"((?:[^"]|"")*)"|vbLf|ChrW\(&H([0-9A-F]{1,4})&\)|s|&|\s+')
    for statement in statements:
        target, _, expression = statement.partition(" = ")
        assert target == "s"
        result = ""
        for match in token.finditer(expression):
            if match.group(1) is not None:
                result += match.group(1).replace('""', '"')
            elif match.group(0) == "vbLf":
                result += "\n"
            elif match.group(2):
                result += chr(int(match.group(2), 16))
            elif match.group(0) == "s":
                result += value
        assert "".join(m.group(0) for m in token.finditer(expression)) == expression, expression
        value = result
    return value.encode("utf-16", "surrogatepass").decode("utf-16")


def test_generated_text_module_spells_the_python_strings(built: tuple[dict[str, str], list[str]]) -> None:
    modules = built[0]
    procs = procedures(modules["xltool_text.bas"])
    assert set(procs) == set(addin_text.TEXTS)
    for name, text in addin_text.TEXTS.items():
        body = procs[name]
        assert body[0] == "Dim s As String" and body[-1] == f"{name} = s"
        assert _evaluate(body[1:-1]) == text
    assert max(len(line) for line in modules["xltool_text.bas"].splitlines()) < 1023
    used = set(re.findall(r"xltool_text\.(\w+)\(\)", modules["xltool_ribbon.bas"]))
    assert used == set(addin_text.TEXTS)


def test_text_encoding_handles_quotes_and_characters_beyond_the_bmp() -> None:
    text = 'say "hi"\n张三😀'
    source = addin_text.text_module_source({"T": text})
    assert source.isascii()
    body = procedures(source)["T"]
    assert _evaluate(body[1:-1]) == text
    with pytest.raises(ValueError, match="too long"):
        addin_text.text_module_source({"T": "字" * 1024})


def test_chinese_messages_say_what_to_do() -> None:
    assert "打开或新建一个工作簿" in addin_text.NO_WORKBOOK_TEXT
    assert "启用编辑" in addin_text.NO_WORKBOOK_TEXT
    assert "xltool addin doctor" in addin_text.HELP_NO_WORKBOOK_TEXT
