"""The input safety gate: every hostile file becomes one Chinese XltoolError, bounded.

The hostile corpus is generated at test time by ``tests/hostile.py``. XML attacks run
in a subprocess under ``RLIMIT_AS = 1 GiB`` so that an entity expansion would show up
as a crash or MemoryError instead of taking the test machine down.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import hostile
except ImportError:  # pragma: no cover
    import hostile  # type: ignore[no-redef]
from xltool.io import containers, gate as safety
from xltool.core.errors import EXIT_INPUT, XltoolError
from xltool.io.extents import fast_extent, scan_extent
from xltool.io.gate import MAX_COLS, MAX_ROWS, check_input_file, guard_calamine, guard_openpyxl, is_lock_or_hidden, safe_load_workbook, safe_open_calamine
from xltool.io.xmlguard import harden_xml, scan_prolog

REPO = Path(__file__).resolve().parent.parent
POSIX = os.name == "posix"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build_corpus(tmp_path_factory.mktemp("hostile"))


def assert_user_error(exc: XltoolError, path: Path, *needles: str) -> None:
    """Chinese message naming the file, exit code 2, and the expected wording."""
    text = str(exc)
    assert exc.exit_code == EXIT_INPUT == 2
    assert path.name in text
    assert exc.file == str(path)
    for needle in needles:
        assert needle in text, text
    assert "Traceback" not in text


# ---------------------------------------------------------------------------
# Valid inputs pass


def test_valid_workbook_passes_all_entry_points(corpus: dict[str, Path]) -> None:
    path = corpus["valid"]
    assert check_input_file(path) == "xlsx"
    wb = safe_load_workbook(path)
    assert wb["项目1"]["B1"].value == "示例项目"
    cal = safe_open_calamine(path)
    with guard_calamine(path):
        rows = cal.get_sheet_by_name("项目1").to_python(nrows=MAX_ROWS)
    assert rows[0][:2] == ["项目名称", "示例项目"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [("valid", "xlsx"), ("minimal", "xlsx"), ("unrelated", "xlsx"), ("ods", "ods"), ("docx", "docx"), ("xls", "xls")],
)
def test_kind_is_detected_from_bytes(corpus: dict[str, Path], name: str, kind: str) -> None:
    assert check_input_file(corpus[name]) == kind


def test_unrelated_workbook_is_not_a_gate_concern(corpus: dict[str, Path]) -> None:
    # No project sheet is for the reader to report, not a safety failure.
    wb = safe_load_workbook(corpus["unrelated"], read_only=True)
    with guard_openpyxl(corpus["unrelated"]):
        assert [ws.title for ws in wb.worksheets] == ["通讯录"]
    wb.close()


def test_extension_is_ignored_in_favour_of_magic(tmp_path: Path, corpus: dict[str, Path]) -> None:
    disguised = tmp_path / "其实是xlsx.xls"
    disguised.write_bytes(corpus["valid"].read_bytes())
    assert check_input_file(disguised) == "xlsx"
    # openpyxl refuses a .xls name on its own; the gate already knows better.
    assert safe_load_workbook(disguised)["项目1"]["A1"].value == "项目名称"


# ---------------------------------------------------------------------------
# Every hostile file is refused by every entry point

REFUSALS: dict[str, tuple[str, ...]] = {
    "random": ("不是有效的 Excel 工作簿",),
    "empty": ("文件为空",),
    "truncated": ("损坏或不完整",),
    "text": ("不是有效的 Excel 工作簿",),
    "html": ("不是有效的 Excel 工作簿", "HTML", "另存为"),
    "pdf": ("不是有效的 Excel 工作簿", "PDF"),
    "lock": ("临时锁文件",),
    "folder": ("文件夹",),
    "missing_parts": ("[Content_Types].xml",),
    "zip_bomb": ("压缩炸弹", "压缩比"),
    "zip_declared_huge": ("压缩炸弹", "总大小"),
    "zip_size_lie": ("压缩炸弹", "自相矛盾"),
    "zip_many_entries": ("压缩炸弹", "条目"),
    "zip_overlap": ("压缩炸弹", "重叠"),
    "zip_duplicate": ("重名",),
    "zip_empty_name": ("名称为空",),
    "billion_laughs": ("不安全的 XML 结构", "xl/sharedStrings.xml"),
    "billion_laughs_workbook": ("不安全的 XML 结构", "xl/workbook.xml"),
    "xxe": ("不安全的 XML 结构", "DTD"),
    "xxe_sheet": ("不安全的 XML 结构", "xl/worksheets/sheet1.xml"),
    "xxe_core": ("不安全的 XML 结构", "docProps/core.xml"),
    "xxe_workbook": ("不安全的 XML 结构", "xl/workbook.xml"),
    "xxe_padded": ("不安全的 XML 结构", "冗长"),
    "xxe_utf16": ("不安全的 XML 结构", "DTD"),
    "xxe_fifo": ("不安全的 XML 结构",),
    "encrypted": ("已设置打开密码", "用密码进行加密，清空密码"),
    "encrypted_xls": ("已设置打开密码",),
    "ole_not_excel": ("不是有效的 Excel 工作簿", "Word"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
@pytest.mark.parametrize("entry", [check_input_file, safe_load_workbook, safe_open_calamine], ids=lambda f: f.__name__)
def test_hostile_file_is_refused(corpus: dict[str, Path], name: str, entry: object) -> None:
    if name not in corpus:
        pytest.skip("FIFO unavailable on this platform")
    path = corpus[name]
    with pytest.raises(XltoolError) as info:
        entry(path)  # type: ignore[operator]
    assert_user_error(info.value, path, *REFUSALS[name])
    assert hostile.SECRET_MARKER not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "不存在.xlsx"
    with pytest.raises(XltoolError) as info:
        check_input_file(path)
    assert_user_error(info.value, path, "文件不存在")


def test_missing_parent_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "a.txt"
    blocker.write_text("x")
    path = blocker / "b.xlsx"  # a file used as a directory: NotADirectoryError
    with pytest.raises(XltoolError) as info:
        check_input_file(path)
    assert_user_error(info.value, path, "文件不存在")


def test_file_locked_by_excel_is_explained(monkeypatch: pytest.MonkeyPatch, corpus: dict[str, Path]) -> None:
    # On Windows, Excel's share lock makes open() raise PermissionError; simulate it.
    def locked(*_args: object, **_kw: object) -> object:
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(safety, "_open_binary", locked)
    path = corpus["valid"]
    with pytest.raises(XltoolError) as info:
        check_input_file(path)
    assert_user_error(info.value, path, "文件被占用或无权限读取，请关闭 Excel 中打开的该文件后再试")


@pytest.mark.skipif(not POSIX or os.geteuid() == 0, reason="needs a non-root POSIX user for chmod 000 to bite")
def test_unreadable_file_real_permissions(tmp_path: Path, corpus: dict[str, Path]) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(corpus["valid"].read_bytes())
    path.chmod(0)
    try:
        with pytest.raises(XltoolError) as info:
            check_input_file(path)
        assert_user_error(info.value, path, "文件被占用或无权限读取")
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_named_xlsx_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe.xlsx"
    os.mkfifo(path)
    with pytest.raises(XltoolError) as info:
        check_input_file(path)  # opening it would block forever
    assert_user_error(info.value, path, "不是普通文件")


def test_file_over_size_limit(corpus: dict[str, Path]) -> None:
    path = corpus["valid"]
    with pytest.raises(XltoolError) as info:
        check_input_file(path, max_bytes=1000)
    assert_user_error(info.value, path, "文件过大")


def test_legacy_formats_get_save_as_advice(corpus: dict[str, Path]) -> None:
    for name in ("xls", "ods"):
        with pytest.raises(XltoolError) as info:
            safe_load_workbook(corpus[name])
        assert_user_error(info.value, corpus[name], "另存为")


# ---------------------------------------------------------------------------
# Zip bombs are judged from the central directory alone


@pytest.mark.parametrize("name", ["zip_bomb", "zip_declared_huge", "zip_size_lie", "zip_overlap"])
def test_bomb_entry_is_never_decompressed(monkeypatch: pytest.MonkeyPatch, corpus: dict[str, Path], name: str) -> None:
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, member: object, *args: object, **kw: object) -> object:
        opened.append(member.filename if isinstance(member, zipfile.ZipInfo) else str(member))
        return real_open(self, member, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(XltoolError):
        check_input_file(corpus[name])
    assert opened == []


def test_zip_bomb_on_disk_is_small(corpus: dict[str, Path]) -> None:
    with zipfile.ZipFile(corpus["zip_bomb"]) as zf:
        declared = sum(i.file_size for i in zf.infolist())
    assert corpus["zip_bomb"].stat().st_size < 400_000
    assert declared > 200 * 1024 * 1024


# ---------------------------------------------------------------------------
# XML attacks: refused at the gate, and the parsers behind it are safe on their own

PROBE = r"""
import json, resource, sys
limit = 1 << 30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
path, marker = sys.argv[1], sys.argv[2]
from xltool.core.errors import XltoolError
from xltool.io import gate as safety, xmlguard

def chain(exc):
    out = []
    while exc is not None and len(out) < 6:
        out.append(f"{type(exc).__module__}.{type(exc).__name__}: {str(exc)[:200]}")
        exc = exc.__cause__ or exc.__context__
    return out

def openpyxl_values(wb):
    vals = [wb.properties.title, wb.properties.creator]
    vals += [(n, d.attr_text) for n, d in wb.defined_names.items()]
    for ws in wb.worksheets:
        vals.append(ws.title)
        rows = min(ws.max_row or safety.MAX_ROWS, safety.MAX_ROWS)
        cols = min(ws.max_column or safety.MAX_COLS, safety.MAX_COLS)
        vals += list(ws.iter_rows(max_row=rows, max_col=cols, values_only=True))
    return vals

def calamine_values(wb):
    vals = list(wb.sheet_names)
    for name in wb.sheet_names:
        vals += wb.get_sheet_by_name(name).to_python(nrows=safety.MAX_ROWS)
    return vals

def raw_openpyxl():
    import openpyxl
    xmlguard.harden_xml()
    vals = []
    for ro in (False, True):
        vals += openpyxl_values(openpyxl.load_workbook(path, read_only=ro))
    return vals

def raw_calamine():
    from python_calamine import CalamineWorkbook
    return calamine_values(CalamineWorkbook.from_path(path))

def safe_openpyxl():
    return openpyxl_values(safety.safe_load_workbook(path))

def safe_calamine():
    wb = safety.safe_open_calamine(path)
    with safety.guard_calamine(path):
        return calamine_values(wb)

out = {}
for name, fn in [("safe_openpyxl", safe_openpyxl), ("safe_calamine", safe_calamine),
                 ("raw_openpyxl", raw_openpyxl), ("raw_calamine", raw_calamine)]:
    try:
        vals = fn()
        out[name] = {"outcome": "ok", "leak": marker in repr(vals)}
    except XltoolError as exc:
        out[name] = {"outcome": "XltoolError", "exit_code": exc.exit_code, "message": str(exc),
                     "leak": marker in str(exc)}
    except BaseException as exc:
        out[name] = {"outcome": type(exc).__name__, "chain": chain(exc), "leak": marker in repr(chain(exc))}
out["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out, ensure_ascii=False))
"""


@functools.lru_cache(maxsize=None)
def run_probe(path: Path, timeout: float = 120) -> dict[str, object]:
    """Run PROBE on ``path`` in a child with a 1 GiB address-space cap; it must finish.

    Cached: several tests inspect different entries of the same file's result.
    """
    child_env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), hostile.SECRET_MARKER],
        capture_output=True,
        text=True,
        timeout=timeout,  # a parser blocking on the FIFO would trip this
        env=child_env,
        cwd=str(REPO),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert hostile.SECRET_MARKER not in proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not POSIX, reason="RLIMIT_AS is POSIX-only")
@pytest.mark.parametrize("name", hostile.XML_ATTACKS)
def test_xml_attack_is_bounded_and_leaks_nothing(corpus: dict[str, Path], name: str) -> None:
    if name not in corpus:
        pytest.skip("FIFO unavailable on this platform")
    path = corpus[name]
    result = run_probe(path)
    for entry in ("safe_openpyxl", "safe_calamine"):
        res = result[entry]
        assert res["outcome"] == "XltoolError", res
        assert res["exit_code"] == 2
        assert path.name in res["message"] and "不安全的 XML 结构" in res["message"]
    # Bypassing the gate: whatever the parser does, it neither leaks nor blows up.
    for entry in ("raw_openpyxl", "raw_calamine"):
        res = result[entry]
        assert res["leak"] is False, res
        assert res["outcome"] not in ("MemoryError", "PanicException"), res
    assert result["maxrss_kb"] < 1024 * 1024


@pytest.mark.skipif(not POSIX, reason="RLIMIT_AS is POSIX-only")
@pytest.mark.parametrize("name", ["billion_laughs", "xxe", "xxe_sheet", "xxe_workbook"])
def test_calamine_does_not_process_dtd_entities(corpus: dict[str, Path], name: str) -> None:
    """python-calamine (quick-xml) ignores the DTD, so any declared entity is unknown to it."""
    res = run_probe(corpus[name])["raw_calamine"]
    assert res["outcome"] == "XmlError", res
    assert "unrecognized entity" in res["chain"][0], res


@pytest.mark.skipif(not POSIX, reason="RLIMIT_AS is POSIX-only")
@pytest.mark.parametrize("name", ["billion_laughs", "xxe", "xxe_sheet"])
def test_openpyxl_streamed_parts_are_refused_by_defusedxml(corpus: dict[str, Path], name: str) -> None:
    res = run_probe(corpus[name])["raw_openpyxl"]
    assert res["outcome"] == "ValueError", res  # openpyxl's wrapper around the parse error
    assert any("defusedxml" in link for link in res["chain"]), res


def test_leak_detector_is_not_vacuous(corpus: dict[str, Path]) -> None:
    """Positive control: an entity-resolving parser does read the secret from our XXE file."""
    from lxml import etree

    data = zipfile.ZipFile(corpus["xxe"]).read("xl/sharedStrings.xml")
    unsafe = etree.XMLParser(resolve_entities=True)
    assert hostile.SECRET_MARKER in etree.tostring(etree.fromstring(data, unsafe)).decode()


# ---------------------------------------------------------------------------
# harden_xml


def test_harden_xml_is_idempotent_and_installs_defusedxml() -> None:
    import defusedxml.ElementTree as defused_et
    import openpyxl.reader.strings
    import openpyxl.worksheet._reader

    harden_xml()
    second = harden_xml()
    assert second.patched_modules == ()
    assert openpyxl.reader.strings.iterparse is defused_et.iterparse
    assert openpyxl.worksheet._reader.iterparse is defused_et.iterparse


def test_openpyxl_still_round_trips_after_hardening(tmp_path: Path) -> None:
    import openpyxl

    harden_xml()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目名称"
    wb.active["B2"] = 12.5
    wb.save(tmp_path / "rt.xlsx")
    again = safe_load_workbook(tmp_path / "rt.xlsx")
    assert (again.active["A1"].value, again.active["B2"].value) == ("项目名称", 12.5)


@pytest.mark.skipif(not POSIX, reason="RLIMIT_AS is POSIX-only")
def test_harden_xml_repairs_openpyxl_with_defusedxml_switched_off(corpus: dict[str, Path]) -> None:
    """OPENPYXL_DEFUSEDXML=False / OPENPYXL_LXML=False leave openpyxl on bare stdlib parsers."""
    script = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import openpyxl, openpyxl.reader.strings as s
from xltool.io import gate as safety, xmlguard
before = s.iterparse.__module__
report = xmlguard.harden_xml()
try:
    openpyxl.load_workbook(sys.argv[1])
    outcome = "loaded"
except Exception as exc:
    causes = []
    while exc is not None:
        causes.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    outcome = causes
print(json.dumps({"defused": report.openpyxl_defusedxml, "lxml": report.openpyxl_lxml, "before": before,
                  "after": s.iterparse.__module__, "outcome": outcome, "patched": list(report.patched_modules)}))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENPYXL_DEFUSEDXML": "False", "OPENPYXL_LXML": "False"}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(corpus["billion_laughs"])],
        capture_output=True, text=True, timeout=120, env=env, cwd=str(REPO),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["defused"] is False and res["lxml"] is False
    assert res["before"].startswith("xml.etree")
    assert res["after"] == "defusedxml.common"
    assert "openpyxl.reader.strings" in res["patched"]
    assert "EntitiesForbidden" in res["outcome"]


# ---------------------------------------------------------------------------
# python-calamine would abort (SIGABRT) on a far-away cell: refused before it can


class Bounds(NamedTuple):
    """How much of a sheet to read, and whether that cuts anything off (a test helper: the
    readers clamp to MAX_ROWS x MAX_COLS themselves)."""

    rows: int
    cols: int
    truncated: bool


def bounded(max_row: int | None, max_col: int | None) -> Bounds:
    """Clamp a sheet's declared extent to ``MAX_ROWS`` x ``MAX_COLS``.

    ``None`` (unknown extent, e.g. openpyxl read-only mode without a dimension) maps to
    the limit itself, so callers can pass ``ws.max_row`` / ``ws.max_column`` blindly.
    """
    rows = MAX_ROWS if max_row is None else max(0, min(max_row, MAX_ROWS))
    cols = MAX_COLS if max_col is None else max(0, min(max_col, MAX_COLS))
    truncated = (max_row is not None and max_row > MAX_ROWS) or (max_col is not None and max_col > MAX_COLS)
    return Bounds(rows, cols, truncated)


def test_far_away_cell_is_refused_before_calamine_allocates(corpus: dict[str, Path]) -> None:
    path = corpus["far_cell"]
    assert check_input_file(path) == "xlsx"  # a valid workbook…
    with pytest.raises(XltoolError) as info:
        safe_open_calamine(path)  # …whose range calamine cannot allocate
    assert_user_error(info.value, path, "数据区域过大", "XFD1048576")
    # openpyxl stores cells sparsely, so it is fine as long as reads are bounded.
    ws = safe_load_workbook(path).active
    assert bounded(ws.max_row, ws.max_column) == (MAX_ROWS, MAX_COLS, True)


def test_sheet_extent_scanner_follows_implicit_positions() -> None:
    xml = (
        b'<worksheet><sheetData><row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c></row>'
        b"<row><c><v>3</v></c><c s='1'/><c></c></row>"
        b'<x:row r="9"><x:c r="AA9" t="s"><x:v>0</x:v></x:c></x:row></sheetData></worksheet>'
    )
    assert scan_extent(io.BytesIO(xml)) == ((3, 1), (9, 27))


# ---------------------------------------------------------------------------
# Small helpers


@pytest.mark.parametrize(
    ("name", "expected"),
    [("~$项目.xlsx", True), (".~lock.a.xlsx#", True), ("._a.xlsx", True), ("项目.xlsx", False), ("a~$.xlsx", False)],
)
def test_is_lock_or_hidden(tmp_path: Path, name: str, expected: bool) -> None:
    assert is_lock_or_hidden(tmp_path / name) is expected


def test_bounded_clamps_declared_extent() -> None:
    assert bounded(60, 10) == (60, 10, False)
    assert bounded(1_048_576, 16_384) == (MAX_ROWS, MAX_COLS, True)
    assert bounded(None, None) == (MAX_ROWS, MAX_COLS, False)
    assert bounded(MAX_ROWS, MAX_COLS + 1).truncated


def test_biff_filepass_detection() -> None:
    assert containers.biff_has_filepass(hostile.biff_globals(encrypted=True))
    assert not containers.biff_has_filepass(hostile.biff_globals(encrypted=False))
    assert not containers.biff_has_filepass(b"\x09\x08")  # truncated: no verdict, no crash


@pytest.mark.parametrize(
    ("data", "verdict"),
    [
        (b'<?xml version="1.0"?>\r\n<sst/>', "clean"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><!-- note --><sst/>", "clean"),
        (b"<?xml version='1.0'?>" + b" " * 1019 + b"<!-- c --><root/>", "clean"),  # "<!-" split at 1024
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x/>", "dtd"),
        (b"<?xml version='1.0'?><!-- hide --><!doctype x><x/>", "dtd"),
        ("<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE x><x/>".encode("utf-16"), "dtd"),
        ("<?xml version='1.0' encoding='UTF-16'?><x/>".encode("utf-16-be"), "clean"),
        (b"<!--" + b"x" * 20_000 + b"--><x/>", "too_long"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "clean"),
        (b"", "clean"),
    ],
)
def test_prolog_scanner(data: bytes, verdict: str) -> None:
    assert scan_prolog(io.BytesIO(data)) == verdict


def test_gate_never_modifies_inputs(corpus: dict[str, Path]) -> None:
    def snapshot() -> dict[str, tuple[str, int]]:
        return {
            k: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for k, p in corpus.items()
            if p.is_file()
        }

    before = snapshot()
    for path in corpus.values():
        for entry in (check_input_file, safe_load_workbook, safe_open_calamine):
            if path.is_fifo():
                continue
            try:
                entry(path)
            except XltoolError:
                pass
    assert snapshot() == before


# ---------------------------------------------------------------------------
# Fuzz: mutated bytes either load or raise XltoolError, never anything else


def _seed_bytes() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        deflated = hostile.make_valid_xlsx(d).read_bytes()
        minimal = hostile.make_minimal_xlsx(d)
        stored = io.BytesIO()
        with zipfile.ZipFile(minimal) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
        return {"deflated": deflated, "stored": stored.getvalue()}


SEEDS = _seed_bytes()
PARTS = hostile.minimal_xlsx_parts()


_pos = st.integers(min_value=0, max_value=1 << 20)
MUTATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), _pos, st.integers(0, 7)),
        st.tuples(st.just("truncate"), _pos),
        st.tuples(st.just("insert"), _pos, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("delete"), _pos, st.integers(1, 64)),
        st.tuples(
            st.just("overwrite"),
            _pos,
            st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"<!DOCTYPE", b'r="XFD1048576"', b"&amp;"]),
        ),
    ),
    min_size=1,
    max_size=4,
)


def _exercise(path: Path) -> None:
    """Load through every safe entry point and read everything a reader would.

    openpyxl warns (in English) about some damaged parts; the one caller that loads user
    files with it, marking, turns those warnings into Chinese notes, so here they are noise.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _exercise_loaders(path)


def _exercise_loaders(path: Path) -> None:
    try:
        safe_load_workbook(path)  # full mode parses everything inside the call
    except XltoolError as exc:
        assert exc.exit_code == 2 and path.name in str(exc)
    try:
        wb = safe_load_workbook(path, read_only=True)  # read-only mode parses while iterating
        with guard_openpyxl(path):
            for ws in wb.worksheets:
                for _ in ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True):
                    pass
            wb.close()
    except XltoolError as exc:
        assert exc.exit_code == 2 and path.name in str(exc)
    try:
        cal = safe_open_calamine(path)
        with guard_calamine(path):
            for name in cal.sheet_names:
                cal.get_sheet_by_name(name).to_python(nrows=MAX_ROWS)
    except XltoolError as exc:
        assert exc.exit_code == 2 and path.name in str(exc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(sorted(SEEDS)), ops=MUTATIONS)
def test_fuzz_mutated_file_bytes(seed: str, ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.xlsx"
        path.write_bytes(hostile.mutate_bytes(SEEDS[seed], ops))
        _exercise(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(part=st.sampled_from(sorted(PARTS)), ops=MUTATIONS)
def test_fuzz_mutated_xml_parts_with_valid_zip(part: str, ops: list[tuple]) -> None:
    """Mutate one part's XML and re-zip it, so the damage reaches the XML parsers (valid CRCs)."""
    parts = dict(PARTS)
    parts[part] = hostile.mutate_bytes(parts[part], ops)
    with tempfile.TemporaryDirectory() as tmp:
        path = hostile.write_zip(Path(tmp) / "fuzz_part.xlsx", parts)
        _exercise(path)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 200_000), st.integers(1, 702)), min_size=1, max_size=30))
def test_fast_extent_equals_the_exact_scan_for_explicit_references(cells: list[tuple[int, int]]) -> None:
    """The C-level fast path and the per-cell scan agree on what writers produce."""
    import io

    from xltool.core.grid import cell_ref

    body = "".join(f'<row r="{r}"><c r="{cell_ref(r, c)}"><v>1</v></c></row>' for r, c in sorted(cells))
    data = f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()
    assert fast_extent(data) == scan_extent(io.BytesIO(data))
    # The same cells in a part too big for the one-scan path: the letter-by-letter passes agree.
    padded = data.replace(b"</sheetData>", b"</sheetData><!--" + b" " * (1 << 20) + b"-->")
    assert fast_extent(padded) == scan_extent(io.BytesIO(padded))


def test_parts_without_cell_tags_are_not_measured_and_prefixed_cells_are(tmp_path: Path) -> None:
    """<cellXfs>/<color> are not cells (no extent); a prefixed <x:c> anywhere under xl/ is."""
    import zipfile

    from xltool.io.extents import part_extent

    path = tmp_path / "parts.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/styles.xml", b"<styleSheet><cellXfs count='1'><xf/></cellXfs><colors><color rgb='FF'/></colors></styleSheet>")
        zf.writestr("xl/odd.xml", b"<x:worksheet><x:sheetData><x:row r='3'><x:c r='C3'><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>")
        zf.writestr("xl/bare.xml", b"<worksheet><sheetData><row><c><v>1</v></c><c/><c><v>2</v></c></row></sheetData></worksheet>")
    with zipfile.ZipFile(path) as zf:
        assert part_extent(zf, zf.getinfo("xl/styles.xml")) is None
        assert part_extent(zf, zf.getinfo("xl/odd.xml")) == ((3, 3), (3, 3))
        assert part_extent(zf, zf.getinfo("xl/bare.xml")) == ((1, 1), (1, 3))


def _verdict(check: Any, path: Path) -> tuple[str, str]:
    try:
        return "ok", str(check(path))
    except XltoolError as exc:
        return "refused", exc.message


def test_one_pass_gate_gives_the_two_pass_verdict_on_every_hostile_file(corpus: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    """check_for_calamine (one read of each part) refuses exactly what check_input_file followed by
    check_sheet_extents refuses, with the same message, and passes the same files."""

    def two_passes(path: Path) -> str:
        kind = check_input_file(path)
        if kind == "xlsx":
            safety.check_sheet_extents(path)
        return kind

    files = {**corpus, "far_cell": hostile.make_far_cell_xlsx(tmp_path)}
    far_and_dtd = hostile.minimal_xlsx_parts()
    far_and_dtd["xl/worksheets/sheet1.xml"] = far_and_dtd["xl/worksheets/sheet1.xml"].replace(
        b"<c r=\"A1\"", b"<c r=\"XFD1048576\"", 1)
    far_and_dtd["xl/styles.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><styleSheet/>'
    files["far_and_dtd"] = hostile.write_zip(tmp_path / "far_and_dtd.xlsx", far_and_dtd)
    seen = set()
    for name, path in files.items():
        if name == "secret" or not path.exists():
            continue
        expected, got = _verdict(two_passes, path), _verdict(safety.check_for_calamine, path)
        assert got == expected, name
        seen.add(expected[0])
    assert seen == {"ok", "refused"}
    assert "DTD" in _verdict(safety.check_for_calamine, files["far_and_dtd"])[1]  # prologs before extents
    assert "数据区域过大" in _verdict(safety.check_for_calamine, files["far_cell"])[1]
