"""Property tests: the reader recovers what a generated form put in (tests/form_generator.py).

Example counts are bounded so the suite stays fast; a failure prints the drawn layout."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings

from form_generator import Form, forms
from xltool.core.grid import Grid
from xltool.core.model import normalize_operator
from xltool.apps.sources import read_workbook
from xltool.parse.imported import projects_from_grid, split_operator


def _op_target(operator: str, target: str) -> tuple[str, str]:
    """"≥" + "600人次" and "" + "≥600人次" are the same reading (the reader keeps a target as typed)."""
    embedded, rest = split_operator(target)
    return normalize_operator(operator or embedded), rest if embedded else target


def _with_unit(target: str, unit: str) -> str:
    """A unit column read beside the value: the value as one text ("600" + "人次")."""
    return target if not unit or target.endswith(unit) else f"{target}{unit}"


def _recovered(form: Form, projects: list) -> None:  # type: ignore[type-arg]
    assert len(projects) == 1, form.layout
    [p] = projects
    assert (p.name, p.department, p.year) == (form.name, form.department, form.year), form.layout
    assert p.total == pytest.approx(form.total), form.layout
    got = [(i.level1, i.level2, i.name, *_op_target(i.operator, _with_unit(i.target, i.unit)))
           for i in p.indicators]
    want = [(l1, l2, name, op, target) for l1, l2, name, op, target in form.indicators]
    assert got == want, form.layout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_generated_forms_read_back_from_the_grid(form: Form) -> None:
    _recovered(form, projects_from_grid(Grid(rows=[list(r) for r in form.rows], name="表1"), file="x"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_generated_forms_read_back_from_xlsx(form: Form) -> None:
    with tempfile.TemporaryDirectory(prefix="xltool-gen-") as folder:
        path = Path(folder) / "f.xlsx"
        wb = openpyxl.Workbook()
        for row in form.rows:
            wb.active.append(row)
        for row in wb.active.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # "=100%" typed as text (openpyxl would write a formula)
        wb.save(path)
        _recovered(form, read_workbook(path).projects)


def _as_text(form: Form, path: Path) -> Path:
    """The form as text copied from Word: one-cell rows as lines, the others TAB rows keeping empty cells."""
    lines = []
    for row in form.rows:
        cells = ["" if v is None else str(v) for v in row]
        filled = [c for c in cells if c]
        lines.append(filled[0] if len(filled) == 1 and cells[0] else "\t".join(cells))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_generated_forms_read_back_from_text_and_word_with_merged_cells(form: Form) -> None:
    """The same form as copied text, and as a .docx and an .xlsx whose empty 一级/二级 cells are merged
    into the filled one above (as Word and Excel users merge), spanning values merged across
    (tests/corpus_forms.py)."""
    from corpus_forms import write_form
    from xltool.apps.sources import load_source

    with tempfile.TemporaryDirectory(prefix="xltool-gen-") as folder:
        text = _as_text(form, Path(folder) / "f.txt")
        _recovered(form, load_source(text).projects)
        _recovered(form, load_source(write_form(text, Path(folder) / "f.docx", "docx")).projects)
        _recovered(form, load_source(write_form(text, Path(folder) / "f.xlsx", "xlsx")).projects)
