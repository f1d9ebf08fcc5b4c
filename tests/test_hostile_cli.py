"""Every command, through the real ``xltool`` executable, against hostile and user-caused input.

Each command runs in its own process under ``RLIMIT_AS = 2 GiB`` and a timeout, the way
a user meets it: what is checked is the exit code, what reaches stdout/stderr (Chinese,
naming the file, no traceback, no native crash message, no leaked secret) and what is
left on disk (no partial output, no temp files, inputs never modified).

The hostile corpus comes from ``tests/hostile.py`` plus a few files built here: a
readable table with non-finite numbers, a sheet that *declares* a huge dimension, a
sheet whose value cells span 5 M cells (passes the gate, costs calamine 160 MB), an
.ods whose one far cell makes python-calamine try to allocate gigabytes, and a
1,000,000-row sheet. ``RUST_BACKTRACE`` and ``XLTOOL_DEBUG`` are removed from the
environment, as on a user's machine.

Most runs are forked from a pre-imported zygote (tests/warm_cli.py: the same session, memory
limit, cwd, environment, stdio and exit status as a fresh ``python -m xltool``, ~0.4 s less
each). Fresh interpreters stay in: a few runs of the matrix per command (``FRESH``), every run
that drops root's file access (a capability drop takes effect at exec) and ``argv0`` runs.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import generate_departments  # noqa: E402
from xltool.io.gate import check_for_calamine  # noqa: E402

try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import hostile, warm_cli
except ImportError:  # pragma: no cover
    import hostile  # type: ignore[no-redef]
    import warm_cli  # type: ignore[no-redef]

XLTOOL = [sys.executable, "-m", "xltool"]  # this interpreter's xltool, never another copy on PATH
MEMORY = 2 << 30  # RLIMIT_AS of every command run here
TIMEOUT = 120
BOUNDED_SECONDS = 30  # what any single hostile input may cost one command

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX rlimits")

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CRASH_MARKERS = ("Traceback", "stack backtrace", "panicked at", "memory allocation of", "Fatal Python error")

# ---------------------------------------------------------------------------
# Running the real command


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float
    pid: int = 0  # also the process group of the run (its own session)
    how: str = "real"  # "warm": forked from tests/warm_cli.py's zygote; "real": a fresh interpreter

    @property
    def text(self) -> str:
        return self.out + self.err

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return f"xltool {' '.join(self.args)} → {self.code} in {self.seconds:.1f}s ({self.how})\n--stdout--\n{self.out[-1500:]}\n--stderr--\n{self.err[-1500:]}"


def limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def user_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no debug switches of xltool or Rust."""
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_BACKTRACE", "XLTOOL_DEBUG")}
    env.update(extra)
    return env


def xltool(*args: Any, cwd: Path | None = None, timeout: float = TIMEOUT, preexec: Callable[[], None] = limit_memory,
           env: dict[str, str] | None = None, argv0: list[str] | None = None, fresh: bool = False) -> Run:
    """Run the command in its own session (so a timeout kills its workers too).

    Forked from tests/warm_cli.py's pre-imported zygote when that is the same as a fresh
    ``python -m xltool`` (the memory limit only, no ``argv0``); ``fresh=True``, another
    ``preexec`` or ``argv0`` start a real interpreter.
    """
    started = time.perf_counter()
    if argv0 is None and preexec is limit_memory:
        proc: Any = warm_cli.popen(list(map(str, args)), cwd=cwd, env=env or user_env(), memory=MEMORY, warm=not fresh)
    else:
        proc = subprocess.Popen([*(argv0 or XLTOOL), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=cwd, env=env or user_env(), preexec_fn=preexec, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"xltool {' '.join(map(str, args))} still running after {timeout}s (unbounded time)\n{err[-800:]}")
    return Run(tuple(map(str, args)), proc.returncode, out, err, time.perf_counter() - started, proc.pid,
               warm_cli.describe(proc))


def assert_clean(run: Run, *, worker_abort_lines: bool = False) -> None:
    """No traceback, no native crash, no internal-error fallback, no leaked secret.

    ``worker_abort_lines``: a merge whose worker process died may show the dead worker's
    native message; that defect has its own test (test_a_crashing_worker_shows_the_user_only_chinese).
    """
    for marker in _CRASH_MARKERS:
        if worker_abort_lines and marker == "memory allocation of":
            continue
        assert marker not in run.text, f"{marker!r} in output of {run}"
    assert run.code >= 0, f"killed by signal {-run.code}: {run}"
    assert run.code not in (3, 134, 137, 139), str(run)
    assert "程序内部错误" not in run.text, str(run)
    assert hostile.SECRET_MARKER not in run.text, f"secret leaked: {run}"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → hash (or '<dir>'/'<fifo>') of everything under ``folder``."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_fifo():
            out[rel] = "<fifo>"
        elif p.is_dir():
            out[rel] = "<dir>"
        else:
            out[rel] = sha(p)
    return out


def run_all(jobs: dict[Any, Callable[[], Run]], workers: int = 3) -> dict[Any, Run]:
    """Run independent commands concurrently (each is its own process, so threads suffice)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


# ---------------------------------------------------------------------------
# Files built here (the one-sheet writer is tests/hostile.write_sheet_xlsx)


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, str):
        escaped = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def table_rows(*, start: Any = "2022.01", total: Any = 100) -> list[str]:
    """A complete 附件3 table in rows 1–16 (``start``/``total`` may be raw XML numbers like inf)."""
    table: list[list[Any]] = [
        ["附件3"], ["2022年度区级预算绩效管理项目绩效目标表"],
        ["项目名称", "档案整理项目", "项目总金额（万元）", total],
        ["主管部门", "区档案局", "其中：部省级财政（万元）", None],
        ["实施单位", "区档案馆", "市级财政（万元）", None],
        ["计划开始时间", start, "区级财政（万元）", 100],
        ["计划结束时间", "2022.12", "其他（万元）", None],
        ["项目概况", "整理馆藏档案三万卷，完成数字化扫描。"], ["中长期绩效目标", "档案管理规范化、数字化。"],
        ["年度绩效目标", "全年完成三万卷档案整理。"],
        ["一级指标", "二级指标", "三级指标", "计算符号", "年度目标值"],
        ["产出指标", "产出数量指标", "整理档案卷数", "≥", "30000卷"],
        [None, "产出质量指标", "验收合格率", "≥", "95%"],
        [None, "产出时效指标", "按期完成率", "=", "100%"],
        ["效果指标", "社会效益指标", "档案利用便利度提升", "定性", "明显提升"],
        [None, "满意度指标", "档案利用者满意率", "≥", "90%"],
    ]
    return [
        f'<row r="{r}">' + "".join(_cell(f"{'ABCDE'[c]}{r}", v) for c, v in enumerate(row) if v is not None) + "</row>"
        for r, row in enumerate(table, start=1)
    ]


class RawNumber:
    """A number cell whose ``<v>`` text is written as given: ``1E999`` is a lexically valid xsd:double that overflows to inf."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def make_ods_far_cell(path: Path, rows: int = 5000, cols: int = 16000, *, hidden: bool = False) -> Path:
    """A 1 KB .ods with one value at row ``rows``+2, column ``cols``+1: calamine asks for ~3 GB.

    Under any memory limit that allocation fails and Rust aborts the process (SIGABRT). The
    gate's pre-check of content.xml refuses it first. ``hidden``: a ``>`` inside an attribute
    value ends the tag for the pre-check's pattern (a gap SECURITY.md names), so the file reaches
    calamine and crashes it: what the isolation tests need, a file that kills its reader.
    """
    hiding = ' table:style-name="a>b"' if hidden else ""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="项目1">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell>'
        '</table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell/></table:table-row>'
        f'<table:table-row><table:table-cell{hiding} table:number-columns-repeated="{cols}"/>'
        '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def make_row_mismatch_xlsx(path: Path) -> Path:
    """A real table plus, inside row 1, a cell addressed ZZ1048576: 736 M cells to calamine.

    Readers place a cell by its own ``r``; a scan that trusts the ``<row r>`` numbers (and
    allows two-letter columns) sees a 16-row sheet.
    """
    rows = table_rows()
    rows[0] = rows[0].replace("</row>", '<c r="ZZ1048576"><v>1</v></c></row>')
    return hostile.write_sheet_xlsx(path, rows)


def make_hog_xlsx(path: Path) -> Path:
    """Values in A1 and AX100000: 5,000,000 cells, exactly the gate's limit (calamine: 160 MB)."""
    return hostile.write_sheet_xlsx(path, ['<row r="1"><c r="A1"><v>1</v></c></row>',
                                   '<row r="100000"><c r="AX100000"><v>2</v></c></row>'])


# Readable workbooks with something odd in them: every command must still finish normally.
def build_odd_tables(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "nonfinite_date": hostile.write_sheet_xlsx(folder / "开始时间为inf.xlsx", table_rows(start=RawNumber("1E999"))),
        "nonfinite_amount": hostile.write_sheet_xlsx(folder / "总金额为inf.xlsx", table_rows(total=RawNumber("1E999"))),
        "declared_dimension": hostile.write_sheet_xlsx(folder / "声明区域巨大.xlsx", table_rows(), dimension="A1:XFD1048576"),
    }


# Names in hostile.build_corpus() that are not hostile: the baseline the others start from.
BASELINES = {"secret", "valid"}
# Every other corpus name, plus the files built here: none may be read as a project table.
UNREADABLE = (
    "minimal", "unrelated", "ods", "docx", "xls", "random", "empty", "truncated", "text", "html", "pdf", "lock",
    "folder", "missing_parts", "zip_declared_huge", "zip_size_lie", "zip_many_entries", "zip_overlap",
    "zip_duplicate", "zip_empty_name", "billion_laughs", "billion_laughs_workbook", "xxe", "xxe_sheet", "xxe_core", "xxe_workbook",
    "xxe_padded", "xxe_utf16", "encrypted", "encrypted_xls", "ole_not_excel", "far_cell", "xxe_fifo", "zip_bomb",
    "hog", "ods_far_cell", "row_mismatch",
)
ODD_READABLE = ("nonfinite_date", "nonfinite_amount", "declared_dimension")
# Merge lists a readable workbook without a table as skipped; everything the gate refuses as failed.
# "html" (a page saved as .xls, as budget systems export) is read as a page: its one cell is no table.
MERGE_SKIPPED = {"minimal", "unrelated", "xls", "hog", "lock", "html"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile_cli")
    files = hostile.build_corpus(root / "corpus")
    files["hog"] = make_hog_xlsx(root / "corpus" / "hog.xlsx")
    files["ods_far_cell"] = make_ods_far_cell(root / "corpus" / "远处单元格.ods")
    files["row_mismatch"] = make_row_mismatch_xlsx(root / "corpus" / "单元格地址与行号不符.xlsx")
    files.update(build_odd_tables(root / "odd"))
    return files


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Ten ordinary department workbooks (one table each)."""
    specs = generate_departments(tmp_path_factory.mktemp("good"), 10, per_workbook=(1, 1), seed=11)
    return [s.path for s in specs]


def test_the_matrix_covers_every_file_the_hostile_corpus_builds(corpus: dict[str, Path]) -> None:
    """A new entry in tests/hostile.py must be added to UNREADABLE (or to a documented exception)."""
    built = set(corpus) - BASELINES
    assert built == set(UNREADABLE) | set(ODD_READABLE)


# ---------------------------------------------------------------------------
# 1. Every hostile file through read, validate --mark, import


@pytest.fixture(scope="module")
def matrix(corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run read / validate --mark / import on every file once, concurrently; keep the runs."""
    work = tmp_path_factory.mktemp("matrix")
    before = snapshot(corpus["valid"].parent)
    jobs: dict[tuple[str, str], Callable[[], Run]] = {}
    marked: dict[str, Path] = {}
    for name in (*UNREADABLE, *ODD_READABLE):
        src = corpus[name]
        jobs[("read", name)] = lambda src=src, fresh=("read", name) in FRESH: xltool("read", src, fresh=fresh)
        # validate --mark works on a private copy: marking in place must not race the other runs.
        copy_dir = work / "mark" / name
        copy_dir.mkdir(parents=True)
        copy = copy_dir / src.name
        if src.is_dir():
            shutil.copytree(src, copy)
        else:
            shutil.copy2(src, copy)
        marked[name] = copy
        jobs[("validate", name)] = lambda copy=copy, fresh=("validate", name) in FRESH: xltool(
            "validate", "--mark", copy, fresh=fresh)
        out_dir = work / "import" / name
        out_dir.mkdir(parents=True)
        jobs[("import", name)] = lambda src=src, out_dir=out_dir, fresh=("import", name) in FRESH: xltool(
            "import", src, "-o", out_dir / "导入.xlsx", fresh=fresh)
    runs = run_all(jobs)
    return {"runs": runs, "before": before, "marked": marked, "work": work}


COMMANDS = ("read", "validate", "import")
# Runs of the matrix on a fresh interpreter, the rest forked warm: each command at least once, the
# two files that abort python-calamine among them (a native crash under the memory limit).
FRESH = {("read", "ods_far_cell"), ("validate", "row_mismatch"), ("import", "encrypted"),
         ("read", "nonfinite_date")}


def test_the_matrix_runs_each_command_on_a_fresh_interpreter_too(matrix: dict[str, Any]) -> None:
    how = {key: run.how for key, run in matrix["runs"].items()}
    assert {key for key, h in how.items() if h == "real"} >= FRESH
    assert {command for command, _ in FRESH} == set(COMMANDS)
    if warm_cli.enabled():  # otherwise every run is real, which is fine too
        assert sum(h == "warm" for h in how.values()) >= len(how) - len(FRESH), how


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_file_exits_2_naming_the_file_without_traceback(
    matrix: dict[str, Any], corpus: dict[str, Path], command: str, name: str
) -> None:
    run = matrix["runs"][(command, name)]
    assert_clean(run)
    assert run.code == 2, str(run)
    path = matrix["marked"][name] if command == "validate" else corpus[name]
    assert str(path) in run.text, f"the file is not named: {run}"
    assert _CJK.search(run.err if command != "validate" else run.text), str(run)
    assert run.seconds < BOUNDED_SECONDS, str(run)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ODD_READABLE)
def test_readable_table_with_odd_values_is_read_normally(
    matrix: dict[str, Any], command: str, name: str
) -> None:
    """Non-finite numbers and a huge declared dimension are data, not a reason to fail."""
    run = matrix["runs"][(command, name)]
    assert_clean(run)
    assert run.seconds < BOUNDED_SECONDS, str(run)
    if command == "validate":
        # Each table has error findings (exit 1), and marking the copy in place succeeds.
        assert run.code == 1 and "项目“档案整理项目”" in run.out, str(run)
        assert "未标注" not in run.out, str(run)
    else:
        assert run.code == 0, str(run)
    if command == "read":
        assert "档案整理项目" in run.out and "共 1 个项目" in run.out, str(run)


def test_validate_reports_an_unreadable_file_on_stderr_too(matrix: dict[str, Any]) -> None:
    """Scripts and the ribbon read stderr for errors; the text report on stdout is not enough."""
    missing = [name for name in UNREADABLE if str(matrix["marked"][name]) not in matrix["runs"][("validate", name)].err]
    assert not missing, f"validate names these unreadable files only on stdout: {missing}"


def test_failed_import_writes_nothing(matrix: dict[str, Any]) -> None:
    leftovers = {
        name: sorted(p.name for p in (matrix["work"] / "import" / name).iterdir())
        for name in UNREADABLE
        if any((matrix["work"] / "import" / name).iterdir())
    }
    assert not leftovers


def test_inputs_are_never_modified_and_nothing_is_left_beside_them(
    matrix: dict[str, Any], corpus: dict[str, Path]
) -> None:
    assert snapshot(corpus["valid"].parent) == matrix["before"]  # read/import ran on these
    for name in UNREADABLE:  # validate --mark ran on these copies
        copy = matrix["marked"][name]
        original = corpus[name]
        if original.is_dir():
            continue
        assert sha(copy) == sha(original), name
        assert sorted(p.name for p in copy.parent.iterdir()) == [copy.name], name


# ---------------------------------------------------------------------------
# 1b. merge with hostile files


def _file_list(summary: Path) -> dict[str, tuple[str, str, Any]]:
    wb = openpyxl.load_workbook(summary, read_only=True)
    rows = list(wb["文件清单"].iter_rows(values_only=True))
    wb.close()
    assert rows[0][:4] == ("文件", "状态", "原因", "项目数")
    return {r[0]: (r[1], r[2], r[3]) for r in rows[1:] if r and r[0]}


def _package_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


@pytest.fixture(scope="module")
def merged_with_hostile(corpus: dict[str, Path], good: list[Path], tmp_path_factory: pytest.TempPathFactory
                        ) -> dict[str, Any]:
    out_dir = tmp_path_factory.mktemp("merge_out")
    inputs = [corpus[name] for name in UNREADABLE] + good
    run = xltool("merge", *inputs, "-o", out_dir / "汇总.xlsx", "-j", "2")
    return {"run": run, "out": out_dir / "汇总.xlsx", "dir": out_dir}


def test_merge_with_hostile_files_writes_the_summary_and_exits_1(merged_with_hostile: dict[str, Any]) -> None:
    run = merged_with_hostile["run"]
    assert_clean(run, worker_abort_lines=True)
    assert run.code == 1, str(run)
    assert merged_with_hostile["out"].is_file()
    assert sorted(p.name for p in merged_with_hostile["dir"].iterdir()) == ["汇总.xlsx"]  # no temp files


def test_merge_lists_every_hostile_file_with_its_status_and_a_chinese_reason(
    merged_with_hostile: dict[str, Any], corpus: dict[str, Path], good: list[Path]
) -> None:
    listed = _file_list(merged_with_hostile["out"])
    for path in good:
        assert listed[str(path)][0] == "已汇总", listed.get(str(path))
    wrong = {}
    for name in UNREADABLE:
        if name == "folder":  # an (empty) folder given as input is searched, not listed
            continue
        status, reason, count = listed.get(str(corpus[name]), ("（未列出）", "", 0))
        expected = "已跳过" if name in MERGE_SKIPPED else "失败"
        if status != expected or not _CJK.search(reason or "") or count not in (0, None):
            wrong[name] = (status, reason)
    assert not wrong, wrong
    run = merged_with_hostile["run"]
    for name in set(UNREADABLE) - MERGE_SKIPPED - {"folder"}:
        assert str(corpus[name]) in run.err, f"{name} not named on stderr"


def test_merge_summary_holds_no_leaked_content(merged_with_hostile: dict[str, Any]) -> None:
    text = _package_text(merged_with_hostile["out"])
    assert hostile.SECRET_MARKER not in text
    assert "lollollol" not in text  # no expanded entity either


def test_merge_of_only_unusable_files_exits_2_and_writes_nothing(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    # In-process (-j 1): every file here is refused by the gate before a parser sees it (the far-cell
    # .ods and the cell addressed beyond its row included); a file that kills its reader is the
    # isolation tests' own (below).
    names = [n for n in UNREADABLE if n != "folder"]
    run = xltool("merge", *(corpus[n] for n in names), "-o", tmp_path / "汇总.xlsx", "-j", "1")
    assert_clean(run)
    assert run.code == 2, str(run)
    assert list(tmp_path.iterdir()) == []
    named = [n for n in names if str(corpus[n]) in run.err]
    assert len(named) >= min(20, len(names) - 1), run.err  # the message lists up to 20 files
    assert "没有可汇总的项目表" in run.err


@pytest.mark.parametrize("name", ["lock", "folder"])
def test_merge_with_nothing_to_merge_names_what_it_was_given(corpus: dict[str, Path], tmp_path: Path,
                                                             name: str) -> None:
    """A lone lock file or an empty folder: the message must say which input and why."""
    run = xltool("merge", corpus[name], "-o", tmp_path / "汇总.xlsx")
    assert_clean(run)
    assert run.code == 2, str(run)
    assert str(corpus[name]) in run.err, str(run)
    assert list(tmp_path.iterdir()) == []


def test_merge_of_tables_with_non_finite_numbers_writes_a_summary(
    corpus: dict[str, Path], good: list[Path], tmp_path: Path
) -> None:
    run = xltool("merge", *(corpus[n] for n in ODD_READABLE), good[0], "-o", tmp_path / "汇总.xlsx")
    assert_clean(run)
    # Every file merged, none skipped; the odd files hold the same project, so it counts once (exit 1).
    assert run.code == 1 and "重复项目：“档案整理项目”" in run.err, str(run)
    assert "已汇总 4/4 个文件" in run.out, str(run)
    listed = _file_list(tmp_path / "汇总.xlsx")
    assert {listed[str(corpus[n])][0] for n in ODD_READABLE} == {"已汇总"}, listed


def test_a_table_that_declares_a_huge_dimension_costs_nothing_in_any_command(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    """``<dimension ref="A1:XFD1048576"/>`` is a few bytes; no reader may trust it."""
    path = corpus["declared_dimension"]
    runs = run_all({
        "mark_to": lambda: xltool("validate", path, "--mark-to", tmp_path / "标注.xlsx"),
        "merge": lambda: xltool("merge", path, "-o", tmp_path / "汇总.xlsx"),
    }, workers=2)
    expected = {"mark_to": 1, "merge": 0}  # the table has error findings; the merge skips nothing
    for key, run in runs.items():
        assert_clean(run)
        assert run.code == expected[key] and run.seconds < BOUNDED_SECONDS, str(run)
    wb = openpyxl.load_workbook(tmp_path / "标注.xlsx", read_only=True)
    assert "Sheet1" in wb.sheetnames
    wb.close()


# ---------------------------------------------------------------------------
# 2. Failures a user causes


def test_missing_input_in_every_command(tmp_path: Path) -> None:
    missing = tmp_path / "不存在" / "绩效目标表.xlsx"
    runs = run_all({
        "read": lambda: xltool("read", missing),
        "validate": lambda: xltool("validate", missing),
        "import": lambda: xltool("import", missing, "-o", tmp_path / "导入.xlsx"),
        "merge": lambda: xltool("merge", missing, "-o", tmp_path / "汇总.xlsx"),
    })
    for command, run in runs.items():
        assert_clean(run)
        assert run.code == 2, str(run)
        # (validate's stderr is covered by test_validate_reports_an_unreadable_file_on_stderr_too)
        shown = run.text if command == "validate" else run.err
        assert str(missing) in shown and "不存在" in shown, f"{command}: {run}"
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_in_every_command_that_writes(good: list[Path], tmp_path: Path) -> None:
    target = Path("/nonexistent") / "目录" / "结果.xlsx"
    runs = run_all({
        "import": lambda: xltool("import", good[0], "-o", target),
        "merge": lambda: xltool("merge", good[0], "-o", target),
        "mark_to": lambda: xltool("validate", good[0], "--mark-to", target),
    })
    for command, run in runs.items():
        assert_clean(run)
        assert run.code == 2, f"{command}: {run}"
        assert str(target) in run.err and "不存在" in run.err, f"{command}: {run}"
    assert not Path("/nonexistent").exists()


def test_output_equal_to_an_input_is_refused_in_every_spelling(good: list[Path], tmp_path: Path) -> None:
    book = tmp_path / "区档案局.xlsx"
    other = tmp_path / "区财政局.xlsx"
    shutil.copy(good[0], book)
    shutil.copy(good[1], other)
    os.link(book, tmp_path / "硬链接.xlsx")
    os.symlink(book.name, tmp_path / "软链接.xlsx")
    before = snapshot(tmp_path)
    cases = {
        "mark_to same": ("validate", book, "--mark-to", book),
        "mark_to ./": ("validate", book, "--mark-to", "./区档案局.xlsx"),
        "mark_to hardlink": ("validate", book, "--mark-to", tmp_path / "硬链接.xlsx"),
        "mark_to symlink": ("validate", book, "--mark-to", tmp_path / "软链接.xlsx"),
        "merge -o input": ("merge", book, other, "-o", other),
        "merge -o hardlink": ("merge", book, other, "-o", tmp_path / "硬链接.xlsx"),
        "import -o source": ("import", book, "-o", book),
        "import -o symlink": ("import", book, "-o", tmp_path / "软链接.xlsx"),
    }
    runs = run_all({key: (lambda args=args: xltool(*args, cwd=tmp_path)) for key, args in cases.items()})
    for key, run in runs.items():
        assert_clean(run)
        assert run.code == 2, f"{key}: {run}"
        assert "不能与输入文件相同" in run.err, f"{key}: {run}"
    assert snapshot(tmp_path) == before  # no backup, no temp file, nothing replaced


def test_a_workbook_open_in_excel_is_not_marked_or_overwritten(good: list[Path], tmp_path: Path) -> None:
    book = tmp_path / "区档案局.xlsx"
    shutil.copy(good[0], book)
    hostile.make_lock_file(tmp_path, f"~${book.name}")
    target = tmp_path / "上次的汇总.xlsx"
    shutil.copy(good[1], target)
    hostile.make_lock_file(tmp_path, f"~${target.name}")
    before = snapshot(tmp_path)
    runs = run_all({
        "mark": lambda: xltool("validate", "--mark", book),
        "merge": lambda: xltool("merge", good[2], "-o", target),
        "import": lambda: xltool("import", good[2], "-o", target),
        "mark_to": lambda: xltool("validate", good[2], "--mark-to", target),
    })
    for key, run in runs.items():
        assert_clean(run)
        assert run.code == 2, f"{key}: {run}"
        assert "打开" in run.text and ("关闭" in run.text), f"{key}: {run}"
    assert str(book) in runs["mark"].text
    assert str(target) in runs["merge"].err and str(target) in runs["import"].err
    assert snapshot(tmp_path) == before


_libc = ctypes.CDLL(None, use_errno=True) if hasattr(ctypes, "CDLL") else None
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def without_root_file_access() -> None:
    """preexec: as root, drop the capabilities that let root ignore file modes (then limit memory).

    Dropping them from the bounding set takes effect at exec, so the command runs with
    ordinary permission checks, as a clerk's account would.
    """
    if os.geteuid() == 0 and _libc is not None:
        for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                os._exit(97)
    limit_memory()


def _permissions_enforced(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    try:
        done = subprocess.run(["cat", str(probe)], capture_output=True, preexec_fn=without_root_file_access)
    finally:
        probe.chmod(0o644)
        probe.unlink()
    return done.returncode not in (0, 97)


def test_permission_denied_on_inputs_and_output_folders(good: list[Path], tmp_path: Path) -> None:
    if not _permissions_enforced(tmp_path):
        pytest.skip("running as root without the right to drop CAP_DAC_OVERRIDE: file modes cannot deny access")
    folder = tmp_path / "各单位"
    folder.mkdir()
    shutil.copy(good[0], folder / "可读.xlsx")
    secret = folder / "无权限.xlsx"
    shutil.copy(good[1], secret)
    secret.chmod(0)
    readonly = tmp_path / "只读"
    readonly.mkdir()
    readonly.chmod(0o555)
    try:
        runs = run_all({
            "read": lambda: xltool("read", secret, preexec=without_root_file_access),
            "merge folder": lambda: xltool("merge", folder, "-o", tmp_path / "汇总.xlsx",
                                           preexec=without_root_file_access),
            "import to ro": lambda: xltool("import", good[0], "-o", readonly / "x.xlsx",
                                           preexec=without_root_file_access),
            "merge to ro": lambda: xltool("merge", good[0], "-o", readonly / "x.xlsx",
                                          preexec=without_root_file_access),
            "mark_to ro": lambda: xltool("validate", good[0], "--mark-to", readonly / "x.xlsx",
                                         preexec=without_root_file_access),
        })
    finally:
        secret.chmod(0o644)
        readonly.chmod(0o755)
    for run in runs.values():
        assert_clean(run)
    assert runs["read"].code == 2 and str(secret) in runs["read"].err, str(runs["read"])
    merge = runs["merge folder"]
    assert merge.code == 1, str(merge)
    status, reason, _ = _file_list(tmp_path / "汇总.xlsx")[str(secret.relative_to(tmp_path))]  # named from its folder down
    assert status == "失败" and "权限" in reason
    for key in ("import to ro", "merge to ro", "mark_to ro"):
        assert runs[key].code == 2 and "权限" in runs[key].err, f"{key}: {runs[key]}"
    assert list(readonly.iterdir()) == []


# -- a million rows ---------------------------------------------------------


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real table on top of 1,000,000 rows of three numbers (~18 MB, ~4 s to write)."""
    def rows() -> Iterable[str]:
        yield from table_rows()
        for r in range(20, 1_000_001):
            yield f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r * 7 % 1000}</v></c><c r="C{r}"><v>1</v></c></row>'

    return hostile.write_sheet_xlsx(tmp_path_factory.mktemp("million") / "百万行.xlsx", rows())


def test_a_million_row_sheet_is_read_in_bounded_time_with_a_clear_outcome(million_rows: Path) -> None:
    """Read, with a notice that rows beyond the reading limit were cut off."""
    run = xltool("read", million_rows, timeout=90)
    assert_clean(run)
    assert run.code == 0, str(run)
    assert run.seconds < 60, str(run)
    assert re.search(r"5[,，]?000\s*行", run.text), f"rows beyond the reading limit were dropped silently: {run}"


def test_marking_a_million_row_sheet_is_bounded(million_rows: Path, tmp_path: Path) -> None:
    """validate --mark-to loads the workbook with openpyxl: it must not take minutes and gigabytes."""
    run = xltool("validate", million_rows, "--mark-to", tmp_path / "标注.xlsx", timeout=30)
    assert_clean(run)
    # Refused before loading (the extent check), naming the file; nothing is written. The refusal comes
    # before the validation it would waste (no report of the file's projects): seconds, not tens of seconds.
    assert run.code == 2, str(run)
    assert str(million_rows) in run.err and "数据区域过大" in run.err, str(run)
    assert "项目表" not in run.out + run.err, str(run)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------
# 4. Batch isolation: a file that kills its worker costs that file only


@pytest.fixture(scope="module")
def isolation(corpus: dict[str, Path], good: list[Path], tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, Any]:
    """merge of ten good files + the far-cell .ods, with worker processes (-j 2) and in-process."""
    root = tmp_path_factory.mktemp("isolation")
    pooled = root / "pooled"
    pooled.mkdir()
    small = root / "small"
    small.mkdir()
    for path in good:
        shutil.copy(path, pooled / path.name)
    for path in good[:2]:
        shutil.copy(path, small / path.name)
    crasher = make_ods_far_cell(root / "远处单元格.ods", hidden=True)
    check_for_calamine(crasher)  # passes the gate: it reaches calamine, which aborts (SIGABRT)
    for folder in (pooled, small):
        shutil.copy(crasher, folder / crasher.name)
    runs = run_all({
        "pooled": lambda: xltool("merge", pooled, "-o", root / "pooled.xlsx", "-j", "2"),
        "small": lambda: xltool("merge", small, "-o", root / "small.xlsx"),
    }, workers=2)
    return {"root": root, "runs": runs, "pooled": pooled, "small": small}


@pytest.mark.parametrize("case", ["pooled", "small"])
def test_a_file_that_crashes_the_parser_is_reported_failed_and_the_rest_is_merged(
    isolation: dict[str, Any], case: str
) -> None:
    run = isolation["runs"][case]
    for marker in ("Traceback", "stack backtrace", "panicked at"):
        assert marker not in run.text, str(run)
    assert run.code == 1, str(run)
    listed = _file_list(isolation["root"] / f"{case}.xlsx")
    crashing = str((isolation[case] / "远处单元格.ods").relative_to(isolation[case].parent))
    assert listed[crashing][0] == "失败" and _CJK.search(listed[crashing][1]), listed[crashing]
    merged = [k for k, v in listed.items() if v[0] == "已汇总"]
    assert len(merged) == len(listed) - 1
    assert crashing in run.err
    assert not [p.name for p in isolation["root"].iterdir() if p.name.startswith(".")]  # no temp files
    deadline = time.monotonic() + 5
    while not warm_cli.session_gone(run.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warm_cli.session_gone(run.pid), "worker processes outlived the merge"


def test_a_crashing_worker_shows_the_user_only_chinese(isolation: dict[str, Any]) -> None:
    """The worker's native abort message ("memory allocation of … failed") must not reach the user."""
    run = isolation["runs"]["pooled"]
    foreign = [line for line in run.err.splitlines() if line.strip() and not _CJK.search(line)]
    assert not foreign, foreign


# -- discovery: nothing dropped silently, nothing counted twice --------------


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A reviewer's folder with every way a walk used to drop or double money, run through every command.

    A GBK-named file, a table 1,200 folders down, a symlink cycle, a symlinked folder kept
    elsewhere, a subfolder without read permission, a unit's file named like a backup, a
    marked copy whose source is gone, one a unit corrected and sent back, and one proven ours.
    """
    base = tmp_path_factory.mktemp("walk")
    if not _permissions_enforced(base):
        pytest.skip("running as root without the right to drop CAP_DAC_OVERRIDE: file modes cannot deny access")
    specs = generate_departments(base / "src", 8, per_workbook=(1, 1), seed=23)
    t = [s.path for s in specs]
    root = base / "各单位"
    root.mkdir()
    source = Path(shutil.copy(t[5], root / "单位5.xlsx"))
    total_cell = next(c.coordinate for row in openpyxl.load_workbook(source)["项目1"].iter_rows() for c in row
                      if c.value == specs[5].projects[0].total)
    try:
        yield from _walk_every_command(base, root, specs, source, total_cell)
    finally:
        if (root / "深").exists():
            hostile.remove_tree(root / "深")


def _walk_every_command(base: Path, root: Path, specs: list[Any], source: Path, total_cell: str
                        ) -> Iterator[dict[str, Any]]:
    t = [s.path for s in specs]
    files = {
        "gbk": hostile.make_gbk_named(root, t[0]),
        "deep": hostile.make_deep_tree(root / "深", t[1]),
        "cycle": hostile.make_symlink_cycle(root),
        "linked": hostile.make_linked_folder(root, base / "外部", t[2]),
        "fake_backup": hostile.make_fake_backup(root, t[3]),
        "lone_copy": hostile.make_returned_marked_copy(root, t[4], "早已移走.xlsx", edit=None),
        "edited_copy": hostile.make_returned_marked_copy(root, source, source.name, edit=("项目1", total_cell, 1.5),
                                                         name="单位5_改后交回.xlsx"),
        "proven_copy": hostile.make_returned_marked_copy(root, source, source.name, edit=None),
        "broken_link": hostile.make_broken_link(root),
        "unreadable": hostile.make_unreadable_folder(root, t[6]),
    }
    shutil.copy(t[7], root / "单位8.xlsx")  # eight files to read: merge -j 2 runs its worker pool
    expected = round(sum(specs[k].projects[0].total for k in (0, 1, 2, 3, 4, 5, 7)), 2)  # t[6] cannot be read
    alone = base / "只有GBK"
    hostile.make_gbk_named(alone, t[0])
    out = base / "out"
    out.mkdir()
    drop = without_root_file_access
    try:
        runs = run_all({
            "merge": lambda: xltool("merge", root, "-o", out / "汇总.xlsx", "-j", "2", preexec=drop),
            "merge_alone": lambda: xltool("merge", alone, "-o", out / "只有GBK.xlsx", preexec=drop),
            "validate": lambda: xltool("validate", root, preexec=drop),
            "validate_json": lambda: xltool("validate", root, "--json", preexec=drop),
            "import": lambda: xltool("import", root, "-o", out / "导入.xlsx", preexec=drop),
            "read_gbk": lambda: xltool("read", files["gbk"], preexec=drop),
            "read_fake_backup": lambda: xltool("read", files["fake_backup"], preexec=drop),
        })
    finally:
        files["unreadable"].chmod(0o755)
    yield {"runs": runs, "files": files, "root": root, "out": out, "specs": specs, "expected": expected}


def test_every_command_walks_a_hostile_folder_without_a_traceback(walked: dict[str, Any]) -> None:
    for key, run in walked["runs"].items():
        assert_clean(run)
        assert "\\udc" not in run.text and "\ufffd" not in run.text, f"{key}: illegible name in {run}"


def test_merge_counts_every_reachable_yuan_once_and_lists_what_it_could_not_read(walked: dict[str, Any]) -> None:
    run, out = walked["runs"]["merge"], walked["out"] / "汇总.xlsx"
    assert run.code == 1, str(run)  # a folder could not be opened: never a clean 0
    rows = list(openpyxl.load_workbook(out, read_only=True, data_only=True)["项目汇总"].iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and rows[-1][4] == pytest.approx(walked["expected"], abs=0.01)
    listed = _file_list(out)
    by_name = {Path(k).name: v for k, v in listed.items()}
    assert by_name[hostile.GBK_NAME][0] == "已汇总"  # shown decoded, read for real
    assert by_name["深处.xlsx"][0] == "已汇总" and by_name["链接处的表.xlsx"][0] == "已汇总"
    status, reason, _ = by_name["无权限子文件夹"]
    assert status == "已跳过" and "权限" in reason and "未读取" in reason
    assert "无权限子文件夹" in run.err
    assert "链接" in by_name["回到上级"][1]
    status, reason, _ = by_name["已移走的资料"]
    assert status == "已跳过" and "断开的链接" in reason
    status, reason, _ = by_name[hostile.FAKE_BACKUP_NAME]
    assert status == "已汇总" and "旁边没有原文件" in reason
    status, reason, _ = by_name["早已移走_标注副本.xlsx"]
    assert status == "已汇总" and "原文件不在" in reason
    status, reason, _ = by_name["单位5_改后交回.xlsx"]
    assert status == "已汇总" and "内容已与原文件不同" in reason
    status, reason, _ = by_name["单位5_标注副本.xlsx"]
    assert status == "已跳过" and "标注副本" in reason and "单位5.xlsx" in reason
    assert "重复项目" in run.err and "单位5_改后交回.xlsx" in run.err  # the returned copy is flagged, counted once


def test_the_library_calls_see_the_same_walk(walked: dict[str, Any], tmp_path: Path) -> None:
    """What the web page will call: discover() and merge_workbooks() in-process, names legible."""
    from xltool.apps.merge import merge_workbooks
    from xltool.io.discovery import discover

    root = walked["root"]  # the unreadable folder has its mode back by now: it is read here
    found = discover([root])
    shown = [f.in_summary for f in found.files]
    assert any(s.endswith(hostile.GBK_NAME) for s in shown) and not any("\\udc" in repr(s) for s in shown)
    assert [f.kind for f in found.files if f.path.name == "回到上级"] == ["link"]
    assert [f.kind for f in found.files if f.path.name == "已移走的资料"] == ["unreadable"]
    report = merge_workbooks([root], tmp_path / "库.xlsx", jobs=1)
    assert report.merged == 9 and report.has_problems  # the broken link, the duplicate project
    rows = list(openpyxl.load_workbook(tmp_path / "库.xlsx", read_only=True, data_only=True)["项目汇总"]
                .iter_rows(values_only=True))
    expected = walked["expected"] + walked["specs"][6].projects[0].total
    assert rows[-1][4] == pytest.approx(expected, abs=0.01)


def test_merge_of_a_folder_of_gbk_names_writes_its_summary(walked: dict[str, Any]) -> None:
    run = walked["runs"]["merge_alone"]
    assert run.code == 0, str(run)
    listed = _file_list(walked["out"] / "只有GBK.xlsx")
    assert [Path(k).name for k in listed] == [hostile.GBK_NAME]
    assert hostile.GBK_NAME in run.out or "1/1" in run.out


def test_validate_and_import_see_the_same_files_and_exit_1(walked: dict[str, Any]) -> None:
    import json

    runs = walked["runs"]
    check = runs["validate"]
    assert check.code == 1, str(check)
    assert "无法读取" in check.err and "无权限子文件夹" in check.err
    assert hostile.GBK_NAME in check.out and "深处.xlsx" in check.out
    assert "旁边没有原文件" in check.err and "单位5_标注副本.xlsx" in check.err
    report = json.loads(runs["validate_json"].out)
    names = sorted(Path(f["file"]).name for f in report["files"])
    assert names == sorted([hostile.GBK_NAME, "深处.xlsx", "链接处的表.xlsx", hostile.FAKE_BACKUP_NAME,
                            "早已移走_标注副本.xlsx", "单位5.xlsx", "单位5_改后交回.xlsx", "单位8.xlsx"])
    imported = runs["import"]
    assert imported.code == 1 and "无权限子文件夹" in imported.err, str(imported)
    book = openpyxl.load_workbook(walked["out"] / "导入.xlsx", read_only=True)
    names = {s.projects[0].name for k, s in enumerate(walked["specs"]) if k != 6}
    titles = [ws["B3"].value for ws in book.worksheets if ws.sheet_state == "visible" and ws["A3"].value == "项目名称"]
    assert names <= set(titles) and len(titles) == 8, titles


def test_read_shows_a_gbk_name_decoded_and_reads_a_backup_named_file(walked: dict[str, Any]) -> None:
    runs, specs = walked["runs"], walked["specs"]
    gbk = runs["read_gbk"]
    assert gbk.code == 0 and hostile.GBK_NAME in gbk.out and specs[0].projects[0].name in gbk.out, str(gbk)
    assert f"{specs[0].projects[0].total:.2f} 万元" in gbk.out
    fake = runs["read_fake_backup"]
    assert fake.code == 0 and specs[3].projects[0].name in fake.out, str(fake)


# -- a full disk ---------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted for the test (root only), unmounted afterwards."""
    mount = tmp_path / "小盘"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root and mount rights): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(folder: Path) -> None:
    """Write zeros until the file system is full."""
    fd = os.open(folder / "占满磁盘的文件", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    assert shutil.disk_usage(folder).free < 8192


def test_a_full_disk_is_a_chinese_message_for_every_command_that_writes(full_disk: Path, good: list[Path]) -> None:
    """Old outputs kept byte for byte, nothing left beside them, the output and the space needed named."""
    disk = full_disk
    book = Path(shutil.copy(good[0], disk / "标注我.xlsx"))
    olds = {
        "template": disk / "模板.xlsx",
        "import": disk / "导入.xlsx",
        "merge": disk / "汇总.xlsx",
        "mark_to": disk / "标注副本.xlsx",
        "addin": disk / "xltool.xlam",
    }
    assert xltool("template", "-o", olds["template"]).code == 0
    assert xltool("import", good[1], "-o", olds["import"]).code == 0
    assert xltool("merge", good[2], "-o", olds["merge"]).code == 0
    shutil.copy(good[3], olds["mark_to"])
    olds["addin"].write_bytes(b"an older add-in")
    _fill(disk)
    before = snapshot(disk)
    runs = {
        "template": xltool("template", "-o", olds["template"]),
        "import": xltool("import", good[1], "-o", olds["import"]),
        "merge": xltool("merge", good[2], good[4], "-o", olds["merge"]),
        "mark_to": xltool("validate", good[3], "--mark-to", olds["mark_to"]),
        "mark": xltool("validate", "--mark", book),
        "addin": xltool("addin", "build", "-o", olds["addin"]),
        "new_file": xltool("template", "-o", disk / "新模板.xlsx"),
        "split": xltool("import", good[1], "--split", disk / "拆分"),
    }
    for key, run in runs.items():
        assert_clean(run)
        assert run.code == 2, f"{key}: {run}"
        assert "磁盘空间不足" in run.err and "MB" in run.err, f"{key}: {run}"
        assert "Exception ignored" not in run.err and "Errno" not in run.err, f"{key}: {run}"
    for key, path in olds.items():
        assert str(path) in runs[key].err, f"{key}: the output is not named: {runs[key]}"
    assert str(book) in runs["mark"].err
    assert snapshot(disk) == before  # old outputs intact, no temporary file, no backup, no new file


def _free_to(folder: Path, room: int) -> None:
    """Shrink the filler (see _fill) until about ``room`` bytes are free."""
    filler = folder / "占满磁盘的文件"
    free = shutil.disk_usage(folder).free
    os.truncate(filler, max(0, filler.stat().st_size - (room - free)))
    assert abs(shutil.disk_usage(folder).free - room) <= 8192


def test_import_split_that_fills_the_disk_part_way_leaves_the_folder_as_it_was(
    full_disk: Path, good: list[Path]
) -> None:
    """All or nothing: a full disk at the 4th of 10 workbooks leaves no workbook of this run (and no
    staging folder); the user's own files there, one with a project's name, untouched, no backup."""
    folder = full_disk / "拆分"
    folder.mkdir()
    (folder / "说明.txt").write_text("用户自己的文件", encoding="utf-8")
    done = xltool("import", good[0], "-o", full_disk / "样本.xlsx")
    assert done.code == 0, str(done)
    size = (full_disk / "样本.xlsx").stat().st_size  # one split workbook, about
    (full_disk / "样本.xlsx").unlink()
    first = xltool("import", good[0].parent, "--split", full_disk / "看名字")
    assert first.code == 0, str(first)
    same = sorted((full_disk / "看名字").iterdir())[0].name  # a name this import will write
    shutil.rmtree(full_disk / "看名字")
    shutil.copy(good[5], folder / same)  # the user's workbook that happens to carry that name
    _fill(full_disk)
    _free_to(full_disk, int(size * 3.5) + 8192)
    before = snapshot(folder)
    run = xltool("import", good[0].parent, "--split", folder)
    assert_clean(run)
    assert run.code == 2, str(run)
    assert "磁盘空间不足" in run.err and str(folder) in run.err and "MB" in run.err, str(run)
    written = re.search(r"写到第 (\d+) 个", run.err)
    assert written and int(written.group(1)) >= 2, f"the disk did not fill part-way: {run.err}"
    assert "一个也没有写入" in run.err
    assert snapshot(folder) == before  # nothing added (staging, workbooks, backups), nothing changed

    # Room for every workbook but not for the backup of the user's (large) file: nothing moved in either.
    os.unlink(full_disk / "占满磁盘的文件")
    big = folder / same
    big.write_bytes(os.urandom(500 * 1024))
    free = shutil.disk_usage(full_disk).free
    assert size * 10 * 1.5 < free < big.stat().st_size + size * 10, free  # the staged files fit, then no backup
    before = snapshot(folder)
    run = xltool("import", good[0].parent, "--split", folder)
    assert_clean(run)
    assert run.code == 2 and "磁盘空间不足" in run.err and "备份" in run.err and str(big) in run.err, str(run)
    assert snapshot(folder) == before


# -- a text longer than an Excel cell holds --------------------------------------


def test_import_says_where_and_how_much_of_an_overlong_text_it_cut(good: list[Path], tmp_path: Path) -> None:
    source = hostile.make_overlong_overview(tmp_path, good[0])
    out = tmp_path / "导入.xlsx"
    run = xltool("import", source, "-o", out)
    assert_clean(run)
    assert run.code == 1, str(run)  # data changed: never a clean 0
    cut = hostile.OVERLONG - (32_767 - len("……（超出单元格长度上限，已截断）"))
    assert "单元格 B8" in run.err and f"{hostile.OVERLONG:,} 个字符" in run.err and f"截去末尾 {cut:,} 个字符" in run.err
    wb = openpyxl.load_workbook(out, read_only=True)
    ws = next(ws for ws in wb.worksheets if ws["A8"].value == "项目概况")
    text = ws["B8"].value
    assert len(text) == 32_767 and text.endswith("已截断）") and text.startswith("本项目用于保障全区档案数字化工作。")
