"""The merge's process plumbing: worker priority and the batch rules run beside the writer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from xltool.apps.merge import pool
from xltool.apps.merge.records import ReadOptions
from xltool.apps.merge.store import MergeStore, batch_findings

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are a Linux/Unix path")


def _niceness() -> int:
    return os.nice(0)


def _pid() -> int:
    return os.getpid()


def _dies_unless_in(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)  # a worker killed by the OS (out of memory, a native crash)
    return "在本进程中运行"


@needs_fork
def test_workers_run_below_the_writing_parent() -> None:
    executor = pool._new_pool(1, ReadOptions(memory_mb=0))
    try:
        assert executor.submit(_niceness).result() == os.nice(0) + pool.WORKER_NICENESS
    finally:
        executor.shutdown()


@needs_fork
def test_beside_runs_in_another_process_and_joins() -> None:
    beside = pool.Beside(_pid)
    assert beside.result() != os.getpid()
    assert beside.pool is None  # joined and shut down


@needs_fork
def test_beside_falls_back_to_the_caller_when_its_process_dies() -> None:
    beside = pool.Beside(_dies_unless_in, os.getpid())
    assert beside.result() == "在本进程中运行"


@needs_fork
def test_a_forked_pool_leaves_the_host_processs_frozen_heap_frozen(tmp_path: Path) -> None:
    """A host that froze its heap (a server before it forks, this test run after collection) keeps it
    frozen through a merge and a Beside: the pool's own freeze must not end in an unfreeze of all."""
    import gc

    from benchmarks.common import generate_departments
    from xltool.apps.merge import merge_workbooks

    assert pool._pool_context().get_start_method() == "fork"  # else this test would prove nothing
    generate_departments(tmp_path / "in", 4, per_workbook=(2, 2), seed=5)
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    merge_workbooks([tmp_path / "in"], tmp_path / "汇总.xlsx", jobs=2)
    assert gc.get_freeze_count() > frozen * 0.9  # (a frozen object freed by its last reference leaves it)
    assert pool.Beside(_pid).result() != os.getpid()
    assert gc.get_freeze_count() > frozen * 0.9  # (a frozen object freed by its last reference leaves it)


def test_batch_findings_beside_equal_the_in_process_ones(tmp_path: Path) -> None:
    """The copied-text rules read the store through their own connection: same findings either way,
    and the merge (which runs them beside the 部门整体 form) lists them in 问题清单."""
    import dataclasses

    import openpyxl

    from benchmarks.common import generate_departments, write_department_workbook
    from xltool.apps.merge import merge_workbooks
    from xltool.apps.merge.reading import read_file
    from xltool.io.discovery import discover

    data = tmp_path / "data"
    specs = generate_departments(data, 30, seed=3)
    original = specs[0].projects[0]
    copy = dataclasses.replace(original, name="另一个项目", department="区另一局", implementer="区另一局")
    write_department_workbook(data / "区另一局.xlsx", [copy])  # another department files the same texts

    report = merge_workbooks([data], tmp_path / "汇总.xlsx", jobs=2)
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    codes = [row[4] for row in wb["问题清单"].iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert "JX701" in codes and report.findings == len(codes)

    store = MergeStore(tmp_path / "store.sqlite")
    try:
        for entry in discover([data]).files:
            store.add_result(entry, read_file(entry.index, str(entry.path), shown=entry.in_summary))
        store.finish_loading()
        here = batch_findings(store.path, ReadOptions())
        there = pool.Beside(batch_findings, store.path, ReadOptions()).result()
    finally:
        store.close()
    assert "JX701" in {f.code for f in here}
    assert here == there


@needs_fork
def test_interrupt_while_the_copied_text_rules_run_beside_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C while the 部门整体 form is written (the batch process running): no output, no
    temporary folder, no process left behind."""
    import multiprocessing
    import tempfile

    from benchmarks.common import generate_departments
    from xltool.apps.merge import merge_workbooks
    from xltool.write.summary import SummaryWriter

    data = tmp_path / "data"
    generate_departments(data, 30, seed=4)
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))

    def interrupted(self: SummaryWriter, source: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(SummaryWriter, "write_department", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merge_workbooks([data], tmp_path / "汇总.xlsx", jobs=2)
    assert not (tmp_path / "汇总.xlsx").exists()
    assert list(work.iterdir()) == []
    assert multiprocessing.active_children() == []


@needs_fork
def test_a_pool_started_beside_other_threads_is_spawned_not_forked(tmp_path: Path) -> None:
    """A web server merges in a job thread: a worker forked beside other threads can wait for
    ever on a lock one of them held at the fork (seen as a web merge that never finished)."""
    import shutil
    import threading

    source = Path(__file__).resolve().parents[1] / "examples" / "区行政审批局_2022.xlsx"
    items = []
    for i in range(pool.POOL_MIN_FILES):
        copy = tmp_path / f"单位{i}.xlsx"
        shutil.copyfile(source, copy)
        items.append((i, str(copy), copy.name))
    serial: list = []
    pool.read_all(items, serial.append, jobs=1, options=ReadOptions(memory_mb=0))
    assert pool._pool_context().get_start_method() == "fork"  # a lone thread still forks (fast)
    gate = threading.Event()
    other = threading.Thread(target=gate.wait, daemon=True)
    other.start()
    try:
        assert pool._pool_context().get_start_method() == "spawn"
        pooled: list = []
        pool.read_all(items, pooled.append, jobs=2, options=ReadOptions(memory_mb=0))
    finally:
        gate.set()
        other.join()
    key = lambda results: sorted((r.index, r.status, [p[:4] for p in r.projects]) for r in results)  # noqa: E731
    assert key(pooled) == key(serial) and len(pooled) == len(items)
    assert {r.status for r in pooled} == {"已汇总"} and all(r.projects for r in pooled)


@needs_fork
def test_an_ods_read_beside_other_threads_is_not_forked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.xls/.ods are read in a child process; beside other threads that child is spawned, never forked."""
    import multiprocessing
    import threading
    import zipfile

    from xltool.io import calamine

    path = tmp_path / "表.ods"
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="项目1"><table:table-row>'
               '<table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell>'
               '<table:table-cell office:value-type="string"><text:p>档案数字化</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')

    fork = multiprocessing.get_context("fork")

    class NoForkBesideThreads:
        def Pipe(self, duplex: bool = True) -> object:  # noqa: N802 - multiprocessing's name
            return fork.Pipe(duplex)

        def Process(self, *args: object, **kwargs: object) -> object:  # noqa: N802
            assert threading.active_count() == 1, "a child forked beside other threads"
            return fork.Process(*args, **kwargs)

    monkeypatch.setattr(calamine, "_CHILD_CONTEXT", NoForkBesideThreads())
    alone = calamine.grids_from_calamine(path)
    gate = threading.Event()
    other = threading.Thread(target=gate.wait, daemon=True)
    other.start()
    try:
        beside = calamine.grids_from_calamine(path)
    finally:
        gate.set()
        other.join()
    values = lambda grids: [(g.name, g.rows) for g in grids]  # noqa: E731
    assert values(beside) == values(alone) and "档案数字化" in str(values(alone))


def test_stopping_a_pool_caught_while_starting_its_manager_thread_does_not_hide_the_interrupt() -> None:
    """Ctrl+C inside ``submit`` can leave the pool's manager thread made but not started; stopping the pool then
    must not raise "cannot join thread before it is started" (the user saw 程序内部错误 instead of 已中断)."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1)
    executor._executor_manager_thread = threading.Thread(target=lambda: None)  # made, never started
    pool.stop_pool(executor)  # raises RuntimeError without the guard
