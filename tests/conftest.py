"""Shared test fixtures: where the seed lives, and its projects through the importer."""

from __future__ import annotations

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
