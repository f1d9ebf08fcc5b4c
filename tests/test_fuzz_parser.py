"""Fuzzing the grid parser and the workbook reader behind it.

Two properties, each bounded for CI (the whole file runs in well under a minute):

* ``reader.parse_grid`` on grids built from the form's real vocabulary (every label
  synonym in the field table ``data/fields.toml``, the seed's titles, operators and targets, full-width
  and padded text, numbers including NaN/inf, dates, booleans, None), both laid out like
  a real 附件3 table and then disturbed, and as free random rows: it never raises, and
  every cell it reports (indicator cells, their row, the header fields' cells) lies
  inside the grid it was given.
* ``reader.read_workbook`` on a real department workbook whose bytes, or whose cells'
  types and values inside the sheet XML, were mutated: nothing but ``XltoolError``
  escapes. Each read runs in a forked child under ``RLIMIT_AS`` and a time limit, so a
  native abort (python-calamine aborts instead of raising on some inputs), a memory
  blow-up or a hang is reported as such instead of taking the test run down.

``test_safety.py`` already fuzzes the gate and the raw parsers; this file fuzzes what
the reader does with the values they return.
"""

from __future__ import annotations

import datetime as dt
import functools
import faulthandler
import os
import pickle
import re
import signal
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hostile  # noqa: E402  (tests/ is on sys.path, as for conftest)
from benchmarks.common import IndicatorSpec, ProjectSpec, write_department_workbook  # noqa: E402
from xltool.core.errors import XltoolError  # noqa: E402
from xltool.core.grid import Grid, split_ref  # noqa: E402
from xltool.parse.reader import parse_grid  # noqa: E402
from xltool.apps.sources import read_workbook  # noqa: E402

POSIX = hasattr(os, "fork")

# ---------------------------------------------------------------------------
# Vocabulary: what real tables hold


def _label_synonyms() -> list[str]:
    from xltool.core.fields import synonyms

    return sorted({s for section in ("header", "columns") for labels in synonyms(section).values() for s in labels})


LABELS = _label_synonyms()
# How the seed and other regions decorate labels: units, "其中：", padding, full-width.
DECORATED = [
    "项目总金额（万元）", "其中：部省级财政（万元）", "      市级财政（万元）", "区级财政(万元)", "其他（万元）",
    "　项目名称　", "项目名称：", "ＰＲＯＪＥＣＴ", "三级指标\n", "年度目标值（元）", "项目名称（万元）", "其中:",
]
TITLES = ["附件3", "附件", "2022年度区级预算绩效管理项目绩效目标表", "项目绩效目标表", "2023 年项目支出绩效目标申报表"]
LEVELS = ["产出指标", "产出数量指标", "产出质量指标", "产出时效指标", "产出成本指标", "效果指标", "效益指标",
          "社会效益指标", "经济效益指标", "满意度指标", "服务对象满意度指标", "可持续影响指标"]
OPERATORS = ["=", "≥", "≤", ">", "<", "定性", "＞＝", ">=", "不低于", "≧", "==", "约等于"]
TARGETS = ["≥90%", "100%", "90％", "8085.11平方米", "3间", "1,234.5万元", "较好", "按实际数量", "≤1小时",
           "２０２２.１２", "2022.1", "2022年10月", "2022-13", "-5", "1e309", "0.95", "……", "—", "/", "无"]
TEXTS = ["档案整理项目", "区行政审批局", "推进行政审批档案专业化整理与维护。\n包括1、2、3。", "　", "", " \t ", "\u200b"]

CELL = st.one_of(
    st.none(),
    st.sampled_from(LABELS + DECORATED),
    st.sampled_from(TITLES + LEVELS + OPERATORS + TARGETS + TEXTS),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.text(max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=8),  # full-width
)


def _seed_layout(name: Any, values: list[Any], indicators: list[list[Any]]) -> list[list[Any]]:
    """The seed's 附件3 layout (label, value, label, value), values drawn by hypothesis."""
    v = iter(values)
    rows: list[list[Any]] = [["附件3"], ["2022年度区级预算绩效管理项目绩效目标表"]]
    rows.append(["项目名称", name, "项目总金额（万元）", next(v)])
    for left, right in (("主管部门", "其中：部省级财政（万元）"), ("实施单位", "市级财政（万元）"),
                        ("计划开始时间", "区级财政（万元）"), ("计划结束时间", "其他（万元）")):
        rows.append([left, next(v), right, next(v)])
    for label in ("项目概况", "中长期绩效目标", "年度绩效目标"):
        rows.append([label, next(v), None, None, None])
    rows.append(["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"])
    rows.extend(indicators)
    return rows


@st.composite
def structured_grids(draw: st.DrawFn) -> tuple[Grid, bool]:
    """A real-looking table (one or two on the sheet), then rows inserted, deleted, cut short."""
    tables = draw(st.integers(1, 2))
    rows: list[list[Any]] = []
    for _ in range(tables):
        indicators = draw(st.lists(st.lists(CELL, min_size=0, max_size=6), max_size=8))
        rows += _seed_layout(draw(CELL), draw(st.lists(CELL, min_size=12, max_size=12)), indicators)
    name_label_kept = True
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "truncate", "replace"]))
        at = draw(st.integers(0, max(0, len(rows) - 1)))
        if op == "insert":
            rows.insert(at, draw(st.lists(CELL, max_size=7)))
        elif rows and op == "delete":
            name_label_kept &= "项目名称" not in rows[at]
            del rows[at]
        elif rows and op == "truncate":
            cut = draw(st.integers(0, 5))
            name_label_kept &= "项目名称" not in rows[at][:1] or cut > 0
            rows[at] = rows[at][:cut]
        elif rows and rows[at]:
            col = draw(st.integers(0, len(rows[at]) - 1))
            name_label_kept &= rows[at][col] != "项目名称"
            rows[at][col] = draw(CELL)
    top, left = draw(st.integers(1, 1_000_000)), draw(st.integers(1, 16_000))
    return Grid(rows=rows, name=draw(st.text(max_size=6)), top=top, left=left), name_label_kept


random_grids = st.builds(
    lambda rows, top, left: Grid(rows=rows, name="随机", top=top, left=left),
    st.lists(st.lists(CELL, max_size=9), max_size=25),
    st.integers(1, 1000),
    st.integers(1, 100),
)


def _inside(grid: Grid, ref: str) -> bool:
    row, col = split_ref(ref)
    return grid.top <= row < grid.top + grid.height and grid.left <= col < grid.left + grid.width


def _beside(grid: Grid, ref: str) -> bool:
    """Inside the grid, or the empty cell just right of it (where a label's missing value goes)."""
    row, col = split_ref(ref)
    return grid.top <= row < grid.top + grid.height and grid.left <= col <= grid.left + grid.width


def _check_projects(grid: Grid, projects: list[Any]) -> None:
    for project in projects:
        assert project.sheet == grid.name
        for fieldname, ref in project.cells.items():
            # A label with no value points at the cell to its right, which is where the
            # value belongs even when the sheet's used range ends at the label.
            assert _beside(grid, ref), (fieldname, ref, grid.top, grid.left, grid.height, grid.width)
        for ind in project.indicators:
            assert ind.cell and _inside(grid, ind.cell), (ind.cell, grid.top, grid.height, grid.width)
            assert split_ref(ind.cell)[0] == ind.row  # the row it says is the row it points at
            for ref in ind.cells.values():
                assert _inside(grid, ref), (ref, grid.top, grid.left, grid.height, grid.width)
            assert isinstance(ind.target, str) and isinstance(ind.name, str)


# 100 disturbed real layouts (was 150; each is a whole 附件3 table, ~0.1 s): every label synonym still drawn often.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(structured_grids())
def test_parse_grid_on_disturbed_real_layouts_never_raises_and_points_inside(case: tuple[Grid, bool]) -> None:
    grid, name_label_kept = case
    projects = parse_grid(grid, file="fuzz.xlsx")
    event(f"projects={len(projects)}")
    event(f"indicators>0={any(p.indicators for p in projects)}")
    _check_projects(grid, projects)
    if name_label_kept:
        # Every 项目名称 label starts a table, whatever surrounds it.
        assert projects


# 200 free random grids (was 300) of the same vocabulary.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_grids)
def test_parse_grid_on_random_vocabulary_grids_never_raises_and_points_inside(grid: Grid) -> None:
    projects = parse_grid(grid, file="fuzz.xlsx")
    event(f"projects={len(projects)}")
    _check_projects(grid, projects)


def test_fuzz_vocabulary_reaches_the_parser() -> None:
    """Guard against a vacuous fuzz: an undisturbed layout from the same vocabulary parses fully."""
    indicators = [["产出指标", "产出数量指标", "档案库房租赁数", "=", "3间"], [None, "产出质量指标", "验收合格率", "≥", "90%"]]
    values = [115.5, "区行政审批局", None, "区行政审批局", None, "2022.01", 115.5, "2022.12", None, "概况", "长期目标", "年度目标"]
    grid = Grid(rows=_seed_layout("业务档案费", values, indicators), name="项目1", top=7, left=3)
    (project,) = parse_grid(grid)
    assert project.name == "业务档案费" and project.total == 115.5
    assert [(i.level1, i.level2, i.name, i.operator, i.target) for i in project.indicators] == [
        ("产出指标", "产出数量指标", "档案库房租赁数", "=", "3间"),
        ("产出指标", "产出质量指标", "验收合格率", "≥", "90%"),
    ]
    assert project.indicators[0].cell == "G18"  # grid row 11 → sheet row 7 + 11; column 3 + 4
    _check_projects(grid, [project])


# ---------------------------------------------------------------------------
# Mutated real workbooks through read_workbook, each read in a forked child


def _isolated(fn: Callable[[], Any], *, seconds: int = 20, memory: int = 1 << 30) -> tuple[str, str]:
    """Run ``fn`` in a forked child: ("ok"|"xltool"|"raised"|"signal"|"timeout", detail)."""
    return _isolated_each([fn], seconds=seconds, memory=memory)[0]


def _isolated_each(fns: list[Callable[[], Any]], *, seconds: int = 20, memory: int = 1 << 30) -> list[tuple[str, str]]:
    """Each of ``fns`` run out of pytest's process, in as few forks as it takes: one child runs them in turn
    and reports each outcome as it ends; a child that dies (a native abort, the time limit) takes only the
    function it was running with it, and the rest go on in a new child. (A fork per call of a worker that
    has run web servers and browsers costs more than most reads.)"""
    results: list[tuple[str, str]] = []
    while len(results) < len(fns):
        first = len(results)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            code = 0
            try:
                os.close(read_fd)
                import resource

                # ``memory`` more than the child already maps: a fork of a test process that ran a web server or a
                # browser before may map more than 1 GiB, and a limit below that fails every allocation (a crash
                # that depends on test order, not on the file).
                mapped = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") \
                    if Path("/proc/self/statm").exists() else 0
                resource.setrlimit(resource.RLIMIT_AS, (mapped + memory, mapped + memory))
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)  # a native abort's message would only clutter the report: the signal is kept
                # pytest's faulthandler writes to its own copy of the old stderr, which the dup2
                # does not reach: switch it off so an abort prints no "Fatal Python error".
                faulthandler.disable()
                signal.signal(signal.SIGALRM, signal.SIG_DFL)  # pytest-timeout may have installed a handler
                with os.fdopen(write_fd, "wb") as fh:
                    for fn in fns[first:]:
                        signal.alarm(seconds)
                        try:
                            fn()
                            outcome = ("ok", "")
                        except XltoolError as exc:
                            outcome = ("xltool", f"{exc.exit_code}|{exc}")
                        except BaseException:  # noqa: BLE001 - reporting exactly what escaped is the point
                            outcome = ("raised", traceback.format_exc(limit=8))
                        signal.alarm(0)
                        pickle.dump(outcome, fh)
                        fh.flush()
            except BaseException:  # noqa: BLE001
                code = 3
            finally:
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as fh:
            while True:
                try:
                    results.append(pickle.load(fh))
                except (EOFError, pickle.UnpicklingError):
                    break
        _, status = os.waitpid(pid, 0)
        if len(results) < len(fns):  # the child died running fns[len(results)]
            if os.WIFSIGNALED(status):
                sig = os.WTERMSIG(status)
                results.append(("timeout", "") if sig == signal.SIGALRM else ("signal", signal.Signals(sig).name))
            else:
                results.append(("signal", f"exit {os.WEXITSTATUS(status)}"))
    return results


def _seed_workbook(folder: Path) -> Path:
    """A real department workbook: two tables in the 附件3 layout plus a 填报说明 sheet."""
    project = ProjectSpec(
        name="业务档案费", department="区行政审批局", implementer="区行政审批局", total=115.5,
        province=None, city=None, district=115.5, other=None, overview="推进行政审批档案专业化整理与维护。",
        long_term_goal="提高档案管理水平。", annual_goal="有序推进档案整理。",
        indicators=(
            IndicatorSpec("产出指标", "产出数量指标", "档案库房租赁数", "=", "3间"),
            IndicatorSpec("产出指标", "产出质量指标", "验收合格率", "≥", "90%"),
            IndicatorSpec("效果指标", "社会效益指标", "群众办事等候时间缩短", "≥", "10%"),
            IndicatorSpec("效果指标", "满意度指标", "服务对象满意率", "≥", "90%"),
        ),
    )
    other = ProjectSpec(**{**project.__dict__, "name": "信息化运维", "total": 20.0, "district": 20.0})
    return write_department_workbook(folder / "区行政审批局.xlsx", [project, other], extra_sheets=("填报说明",))


@functools.cache
def _seed() -> tuple[bytes, dict[str, bytes]]:
    """The seed's bytes and parts (cached, not a fixture: hypothesis would print it in every report)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _seed_workbook(Path(tmp))
        with zipfile.ZipFile(path) as zf:
            parts = {name: zf.read(name) for name in zf.namelist()}
        return path.read_bytes(), parts


def test_unmutated_seed_reads_cleanly(tmp_path: Path) -> None:
    """The mutations start from a real, fully readable table, so what breaks is the mutation."""
    path = tmp_path / "seed.xlsx"
    path.write_bytes(_seed()[0])
    result = read_workbook(path)
    assert [p.name for p in result.projects] == ["业务档案费", "信息化运维"]
    assert [len(p.indicators) for p in result.projects] == [4, 4]


_CELL_RE = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"([^>]*?)(?:/>|>(.*?)</c>)", re.S)
# (type attribute, value) pairs real or broken writers produce.
ODD_VALUES = [
    (b"", b"inf"), (b"", b"-inf"), (b"", b"NaN"), (b"", b"1e308"), (b"", b"-0"), (b"", b"99999999999999999999999"),
    (b"", b"abc"), (b"", b""), (b' t="b"', b"1"), (b' t="b"', b"2"), (b' t="e"', b"#DIV/0!"), (b' t="e"', b"#N/A"),
    (b' t="d"', b"2022-01-31T00:00:00"), (b' t="d"', b"2022-13-45T99:00:00"), (b' t="d"', b"not a date"),
    (b' t="s"', b"99999"), (b' t="s"', b"-1"), (b' t="s"', b"0"), (b' t="str"', "２０２２.１２".encode()),
    (b' t="str"', "≥90％".encode()), (b' t="str"', "项目名称".encode()), (b' t="str"', "一级指标".encode()),
    (b' t="x"', b"1"), (b"", b"2022.1"), (b"", b"44562"),  # 44562 = 2022-01-01 as a serial date
]
ODD_REFS = [b"A0", b"A1048577", b"XFE1", b"ZZZZ1", b"A1", b"a2", b"", b"B99999999999"]


def _mutate_cells(xml: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Replace chosen value cells' type and value (and sometimes their address).

    Only columns B, D and E are chosen: they hold the header values, 计算符号 and
    年度目标值, the cells whose values the reader converts (amounts, months, targets).
    """
    cells = list(_CELL_RE.finditer(xml))
    targets = [m for m in cells if m.group(1) in (b"B", b"D", b"E")]
    if not targets:
        return xml
    edits: dict[int, bytes] = {}
    for which, value_index, ref_index in ops:
        m = targets[which % len(targets)]
        col, row = m.group(1), m.group(2)
        t, v = ODD_VALUES[value_index % len(ODD_VALUES)]
        ref = col + row if ref_index >= len(ODD_REFS) else ODD_REFS[ref_index]
        attrs = re.sub(rb'\s+t="[^"]*"', b"", m.group(3))
        edits[m.start()] = b'<c r="' + ref + b'"' + attrs + t + b"><v>" + v + b"</v></c>"
    out, pos = bytearray(), 0
    for m in cells:
        if m.start() in edits:
            out += xml[pos : m.start()] + edits[m.start()]
            pos = m.end()
    return bytes(out + xml[pos:])


def _read_only_xltool_errors(path: Path) -> None:
    outcome, detail = _isolated(functools.partial(read_workbook, path))
    event(outcome)
    assert outcome in ("ok", "xltool"), f"{outcome}: {detail}"
    if outcome == "xltool":
        code, _, message = detail.partition("|")
        assert code == "2" and path.name in message and "Traceback" not in message


CELL_OPS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, len(ODD_VALUES) - 1), st.integers(0, 10 * len(ODD_REFS))),
    min_size=1, max_size=6,
)


@pytest.mark.skipif(not POSIX, reason="needs fork() and RLIMIT_AS")
# 30 random multi-cell mutations (was 50; each writes a workbook and reads it in a forked child); every
# single odd value in every converted cell is tried exhaustively by the test after this one.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=st.sampled_from(["xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]), ops=CELL_OPS)
# Found by this fuzz: a cell addressed B99999999999 inside <row r="2"> passed the gate's
# fast path (it trusted the row numbers) and python-calamine aborted allocating 194 GB.
@example(sheet="xl/worksheets/sheet2.xml", ops=[(0, 0, 7)])
def test_read_workbook_with_odd_cell_types_and_values_raises_only_xltool_errors(
    sheet: str, ops: list[tuple[int, int, int]]
) -> None:
    parts = dict(_seed()[1])
    parts[sheet] = _mutate_cells(parts[sheet], ops)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "单元格变异.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
        _read_only_xltool_errors(path)


# The cells whose values the reader converts, in the seed's first table (项目1).
KEY_CELLS = {"D3": "项目总金额", "D4": "部省级财政（空）", "B6": "计划开始时间", "B7": "计划结束时间",
             "D6": "区级财政", "D12": "计算符号", "E12": "年度目标值"}


def _set_cell(xml: bytes, ref: bytes, t: bytes, v: bytes) -> bytes:
    for m in _CELL_RE.finditer(xml):
        if m.group(1) + m.group(2) == ref:
            attrs = re.sub(rb'\s+t="[^"]*"', b"", m.group(3))
            return xml[: m.start()] + b'<c r="' + ref + b'"' + attrs + t + b"><v>" + v + b"</v></c>" + xml[m.end() :]
    raise AssertionError(f"no cell {ref!r} in the seed")


@pytest.mark.skipif(not POSIX, reason="needs fork() and RLIMIT_AS")
@pytest.mark.parametrize("ref", sorted(KEY_CELLS))
def test_every_odd_value_in_every_converted_cell_raises_only_xltool_errors(ref: str, tmp_path: Path) -> None:
    """Exhaustive over ODD_VALUES × KEY_CELLS (the fuzz above samples the same space at random)."""
    paths = []
    for number, (t, v) in enumerate(ODD_VALUES):
        parts = dict(_seed()[1])
        parts["xl/worksheets/sheet2.xml"] = _set_cell(parts["xl/worksheets/sheet2.xml"], ref.encode(), t, v)
        paths.append(tmp_path / f"单元格{number}.xlsx")
        with zipfile.ZipFile(paths[-1], "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    outcomes = _isolated_each([functools.partial(read_workbook, path) for path in paths])
    escaped = [f"{KEY_CELLS[ref]} {ref} = {t.decode()} {v.decode()!r}: {outcome} {detail.strip().splitlines()[-1:]}"
               for (t, v), (outcome, detail) in zip(ODD_VALUES, outcomes) if outcome not in ("ok", "xltool")]
    assert len(outcomes) == len(ODD_VALUES) and not escaped, "\n".join(escaped)


_pos = st.integers(min_value=0, max_value=1 << 16)
BYTE_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), _pos, st.integers(0, 7)),
        st.tuples(st.just("truncate"), _pos),
        st.tuples(st.just("insert"), _pos, st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("delete"), _pos, st.integers(1, 32)),
    ),
    min_size=1, max_size=3,
)


@pytest.mark.skipif(not POSIX, reason="needs fork() and RLIMIT_AS")
# 50 byte mutations (was 80), each read in a forked child; test_safety.py fuzzes the gate on mutated bytes too.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=BYTE_OPS, stored=st.booleans())
def test_read_workbook_with_mutated_bytes_raises_only_xltool_errors(
    ops: list[tuple], stored: bool
) -> None:
    data = _seed()[0]
    if stored:  # without compression the flips land in the XML itself, not only in deflate streams
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "stored.xlsx"
            with zipfile.ZipFile(plain, "w", zipfile.ZIP_STORED) as zf:
                for name, part in _seed()[1].items():
                    zf.writestr(name, part)
            data = plain.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "字节变异.xlsx"
        path.write_bytes(hostile.mutate_bytes(data, ops))
        _read_only_xltool_errors(path)


@pytest.mark.skipif(not POSIX, reason="needs fork() and RLIMIT_AS")
def test_isolation_harness_reports_what_escapes(tmp_path: Path) -> None:
    """The harness must tell an escaped exception, a native abort and a hang apart."""
    assert _isolated(lambda: None) == ("ok", "")
    assert _isolated(lambda: (_ for _ in ()).throw(ValueError("x")))[0] == "raised"
    assert _isolated(lambda: os.abort()) == ("signal", "SIGABRT")
    assert _isolated(lambda: signal.pause(), seconds=1) == ("timeout", "")
    # one child for many: a death costs only the call it happened in, the rest still run
    assert [o for o, _ in _isolated_each([lambda: None, lambda: os.abort(), lambda: 1 / 0, lambda: signal.pause(),
                                          lambda: None], seconds=1)] == ["ok", "signal", "raised", "timeout", "ok"]
    outcome, detail = _isolated(lambda: read_workbook(tmp_path / "缺失.xlsx"))
    assert outcome == "xltool" and detail.startswith("2|") and "缺失.xlsx" in detail
