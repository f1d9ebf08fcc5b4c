"""Shared test fixtures: where the seed lives, and its projects through the importer."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from xltool.core.model import Project

ROOT = Path(__file__).resolve().parent.parent
# The seed (22 real 2022 tables, defects included) is committed as an example source so
# a clean clone tests against it; test_import.py checks the importer against the raw text.
SEED_PATH = ROOT / "examples" / "source" / "区行政审批局_2022.txt"


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    """Every row of one sheet of a written workbook, values as saved (read with openpyxl)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def terminal_signals() -> None:
    """For ``preexec_fn``: the signal state a terminal gives a foreground command (Ctrl+C, SIGTERM and
    SIGHUP at their defaults, nothing blocked), whatever the test runner inherited. A suite started in
    the background (``cmd &`` in a script ignores SIGINT) or under ``nohup`` (SIGHUP) would otherwise
    hand its children ignored stop signals, and the tests that stop a run with them could not."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def load_seed_projects() -> list[Project]:
    from xltool.apps.sources import load_source

    return load_source(SEED_PATH).projects


@pytest.fixture(scope="session")
def seed_projects() -> list[Project]:
    assert SEED_PATH.is_file(), f"seed missing: {SEED_PATH}"
    return load_seed_projects()


@pytest.fixture(autouse=True, scope="session")
def _no_user_layouts(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Imports in tests never apply layouts the machine's user keeps (apps/layout_files.py):
    the layouts folder is an empty one of the session, unless a test names its own."""
    import os

    before = os.environ.get("XLTOOL_LAYOUTS")
    os.environ["XLTOOL_LAYOUTS"] = str(tmp_path_factory.mktemp("layouts"))
    yield
    if before is None:
        os.environ.pop("XLTOOL_LAYOUTS", None)
    else:
        os.environ["XLTOOL_LAYOUTS"] = before


@pytest.fixture(autouse=True, scope="session")
def _shared_between_workers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A folder of this run that every xdist worker sees, for files built once per run (tests/run_cache.py)."""
    folder = _prebuild().run_folder(tmp_path_factory.getbasetemp()) / "shared"
    folder.mkdir(exist_ok=True)
    before = os.environ.get("XLTOOL_TEST_SHARED")
    os.environ["XLTOOL_TEST_SHARED"] = str(folder)
    yield
    if before is None:
        os.environ.pop("XLTOOL_TEST_SHARED", None)
    else:
        os.environ["XLTOOL_TEST_SHARED"] = before


# Cost of the slowest test files (seconds of test time, from ``--junitxml`` of the whole suite on this 2-core
# machine, 2026-12-07 15:35, a slow hour: the same code takes about a third less when the machine is quiet).
# ``--dist loadfile`` runs a whole file on one worker; handing out the costliest files first, the rest
# after them in collection order, lets both workers finish together (longest-first scheduling) instead
# of one worker starting a long browser or bundle file when the other is nearly done.
# scripts/test.sh passes ``--no-loadscope-reorder`` so that xdist keeps this order (it would otherwise
# sort files by their number of tests, which puts the few long browser tests last). The bundle's
# downloads run in the background from the start (tests/bundle_prebuild.py).
FILE_COST = {
    "test_web_api.py": 65, "test_hostile_cli.py": 63, "test_web_browser.py": 35, "test_interrupt.py": 22,
    "test_fuzz_parser.py": 16, "test_safety.py": 12, "test_summary_print.py": 12, "test_merge.py": 11,
    "test_bundle.py": 9, "test_addin_wheel.py": 9, "test_warm_cli.py": 8, "test_import.py": 8, "test_api.py": 8,
    "test_corpus.py": 7, "test_vba.py": 7, "test_excel_persistent.py": 7, "test_summary_totals.py": 7,
    "test_summary_rows.py": 6, "test_rules.py": 6, "test_own_copies_proof.py": 6, "test_wps_addin.py": 5,
    "test_annotate.py": 5, "test_merge_pool.py": 5, "test_summary_row_heights.py": 5, "test_html_import.py": 5,
    "test_batch_inputs.py": 5, "test_roundtrip.py": 4, "test_layout_learning.py": 4, "test_overview_math.py": 4,
    "test_pool_interrupt.py": 4, "test_excel.py": 4, "test_layout_unplaced.py": 4,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Costliest files first; a file's tests stay together and in their order (the sort is stable)."""
    items.sort(key=lambda item: -FILE_COST.get(item.path.name, 0))


def _prebuild() -> Any:
    try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
        from tests import bundle_prebuild
    except ImportError:  # pragma: no cover
        import bundle_prebuild  # type: ignore[no-redef]
    return bundle_prebuild


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection built; start the offline bundle's build in the background when its tests
    are selected (one process per run).

    Collection leaves a few hundred thousand long-lived objects (every module, test function and
    parametrised item): each of the run's full garbage collections walked them all again, about
    a quarter of a second each. ``gc.freeze`` moves them out of the collector's sight; what the
    tests create is still collected as before (a cycle with a finaliser, an unraisable exception)."""
    import hypothesis  # noqa: F401  (its plugins, run at import, look for referrers, which frozen objects hide)

    gc.collect()
    gc.freeze()
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0":
        return
    if any(item.path.name == "test_bundle.py" and item.get_closest_marker("network") for item in session.items):
        prebuild = _prebuild()
        prebuild.start(prebuild.shared_folder(session.config._tmp_path_factory.getbasetemp()))


def _shut_zygotes() -> None:
    for name in ("tests.warm_cli", "warm_cli"):  # the warm CLI runner's zygotes (they also end with this process)
        if name in sys.modules:
            sys.modules[name].shutdown()


@pytest.fixture(autouse=True, scope="module")
def _zygotes_end_with_their_module() -> Any:
    """The warm CLI runner's zygotes, and the threads that talk to them, end with the test file that started
    them: a later file's in-process merge must find a lone thread (fork) as a user's process does."""
    yield
    _shut_zygotes()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _shut_zygotes()
    for name in ("tests.lo_office", "lo_office"):  # the process's LibreOffice (tests/lo_office.py), if one started
        if name in sys.modules:
            sys.modules[name].shutdown()
    if "bundle_prebuild" in sys.modules or "tests.bundle_prebuild" in sys.modules:
        # A build still running is waited for (another worker may need it), stopped at once after Ctrl+C
        # or a stop on failure; it is never left behind.
        stopped = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop or session.shouldfail)
        _prebuild().finish(kill=stopped)
