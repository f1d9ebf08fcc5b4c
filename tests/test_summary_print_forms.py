"""The marked copy's 校验结果 and the template (project sheets and 填写说明) as they print.

Rendered by LibreOffice to PDF and read back with poppler: every page xltool set up
carries the one footer (file and sheet, 第 x 页 / 共 y 页), no text falls back to a serif
face (a hyperlink font without a name did), and every 填写说明 table that is on a page
starts there with its column titles.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xltool.write.report import RESULTS_HEADERS

try:
    from tests.lo_helper import convert_all, lo_available, need
except ImportError:  # pragma: no cover - run from inside tests/
    from lo_helper import convert_all, lo_available, need  # type: ignore[no-redef]

pytestmark = pytest.mark.libreoffice
ROOT = Path(__file__).resolve().parents[1]
_FOOTER = re.compile(r"第\s*\d+\s*页\s*/\s*共\s*\d+\s*页")


def _cli(*args: object) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    subprocess.run([sys.executable, "-m", "xltool", *map(str, args)], capture_output=True, cwd=ROOT, env=env,
                   timeout=300)


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need(lo_available() and shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None,
         "LibreOffice or poppler-utils (pdftotext, pdffonts) is not installed")
    root = tmp_path_factory.mktemp("forms")
    marked, template = root / "标注副本.xlsx", root / "模板.xlsx"
    _cli("validate", ROOT / "examples" / "broken_demo.xlsx", "--mark-to", marked)
    _cli("template", "--sheets", 2, "-o", template)
    assert marked.exists() and template.exists()
    marked_pdf, template_pdf = convert_all([marked, template], "pdf", root / "pdf")  # both in one call
    return {"marked": marked_pdf, "template": template_pdf}


def test_results_sheet_pages_carry_the_footer_and_no_serif(rendered: dict[str, Path]) -> None:
    results = [p for p in _pages(rendered["marked"]) if "校验结果" in p.strip().splitlines()[-1]]
    assert results
    for page in results:
        last = page.strip().splitlines()[-1]
        assert "标注副本.xlsx" in last and _FOOTER.search(last), last
        assert all(h in page for h in RESULTS_HEADERS)  # the header row on every page
    fonts = subprocess.run(["pdffonts", str(rendered["marked"])], capture_output=True, text=True, check=True).stdout
    assert "Serif" not in fonts, fonts


def test_template_pages_carry_the_footer_and_tables_their_titles(rendered: dict[str, Path]) -> None:
    pages = _pages(rendered["template"])
    for page in pages:
        last = page.strip().splitlines()[-1]
        assert "模板.xlsx" in last and _FOOTER.search(last), last
    help_pages = [p for p in pages if "填写说明" in p.strip().splitlines()[-1]]
    assert len(help_pages) >= 2
    for page in help_pages:  # a page that holds a table's rows holds its title and column row
        body = page.strip().splitlines()[:-1]
        first_text = next(line.strip() for line in body if line.strip())
        assert re.match(r"(填写说明|[一二三四五六七八九十]+、)", first_text), first_text
    fonts = subprocess.run(["pdffonts", str(rendered["template"])], capture_output=True, text=True, check=True).stdout
    assert "Serif" not in fonts, fonts
