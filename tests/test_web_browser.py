"""The web page in a real browser: Debian's chromium driven by Selenium (driver path given; nothing downloaded).

Uploads go through the forms, as a user does them; what the page shows is checked
against the library and the CLI on the same files. Two screenshots go to docs/.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import hostile
    from tests.lo_helper import need
    from tests.test_web_api import books, cli, live_server  # noqa: F401  (books is a fixture)
except ImportError:  # pragma: no cover
    import hostile  # type: ignore[no-redef]
    from lo_helper import need  # type: ignore[no-redef]
    from test_web_api import books, cli, live_server  # type: ignore[no-redef]  # noqa: F401

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def screenshot(driver: Any, name: str, tmp_path: Path) -> Path:
    """Screenshots go to the test's folder; with XLTOOL_WEB_SCREENSHOTS=1 also to docs/ (to be looked at and committed)."""
    path = tmp_path / name
    driver.save_screenshot(str(path))
    if os.environ.get("XLTOOL_WEB_SCREENSHOTS"):
        shutil.copyfile(path, DOCS / name)
    return path


@pytest.fixture(scope="module", autouse=True)
def _chromium_installed() -> None:
    need(os.path.exists(CHROMIUM) and os.path.exists(DRIVER),
         "需要 Debian 的 chromium 和 chromium-driver（scripts/setup.sh 会安装）：未找到 /usr/bin/chromium 或 /usr/bin/chromedriver")


def make_driver(downloads: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="xltool-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1366,768", "--lang=zh-CN", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    prefs: dict[str, Any] = {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(120)
    driver._xltool_profile = profile  # type: ignore[attr-defined]
    return driver


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def _chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the file's tests (starting one costs seconds); ``browser`` gives each test a clean one."""
    driver = make_driver(tmp_path_factory.mktemp("downloads"))
    yield driver
    driver.quit()
    shutil.rmtree(driver._xltool_profile, ignore_errors=True)


@pytest.fixture
def browser(_chromium: Any, downloads: Path) -> Iterator[Any]:
    """The shared Chromium with no cookies, downloading into this test's own folder."""
    _chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    _chromium.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield _chromium
    _chromium.get("about:blank")  # leave no page of this test's server running scripts


def wait_file(folder: Path, suffix: str, timeout: float = 60, name: str | None = None) -> Path:
    """Wait for a finished download: Chromium shows the final name (an empty placeholder) before the data is in."""
    end = time.monotonic() + timeout
    seen: dict[Path, int] = {}
    while time.monotonic() < end:
        entries = list(folder.iterdir())
        done = [p for p in entries if p.name.endswith(suffix) and (name is None or p.name == name)]
        if done and not any(p.name.endswith(".crdownload") for p in entries):
            path = done[0]
            size = path.stat().st_size
            complete = size > 0 and seen.get(path) == size  # unchanged over one poll
            if complete and (suffix != ".xlsx" or zipfile.is_zipfile(path)):
                return path
            seen[path] = size
        time.sleep(0.05)
    raise AssertionError(f"no {suffix} downloaded: {list(folder.iterdir())}")


def submit_files(driver: Any, action: str, paths: list[Path]) -> None:
    from selenium.webdriver.common.by import By

    form = driver.find_element(By.CSS_SELECTOR, f"form[action='{action}']")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys("\n".join(str(p) for p in paths))
    form.find_element(By.CSS_SELECTOR, "button").click()


def wait_for(driver: Any, css: str, timeout: float = 120) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # Polled every 50 ms, not Selenium's default 0.5 s: each wait cost up to half a second of an idle core.
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_heading(driver: Any, wanted: tuple[str, ...], timeout: float = 120) -> str:
    """The next page's heading once it is one of ``wanted`` (the old page may still be showing)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    end = time.monotonic() + timeout
    heading = ""
    while time.monotonic() < end:
        try:
            heading = driver.find_element(By.TAG_NAME, "h1").text
        except WebDriverException:
            heading = ""
        if heading in wanted:
            return heading
        time.sleep(0.1)
    return heading


def test_validate_preview_and_marked_copy(browser: Any, books: dict[str, Path], downloads: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    paths = list(books.values())
    expected = cli("validate", "--json", *[p.name for p in paths], cwd=paths[0].parent)
    import json

    findings = json.loads(expected.stdout)["findings"]
    with live_server(tmp_path) as base:
        browser.get(base + "/")
        assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".task h2")] == ["下载模板", "校验", "导入", "汇总"]
        submit_files(browser, "/validate", paths)
        wait_for(browser, "section.file")
        assert browser.find_element(By.TAG_NAME, "h1").text == "校验结果"
        assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.file h2")] == [f"文件：{n}" for n in books]
        rows = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
        assert len(rows) == len(findings)
        levels = {"error": "错误", "warning": "警告", "info": "提示"}
        assert f"错误 {sum(f['severity'] == 'error' for f in findings)} 条" in browser.find_element(By.CSS_SELECTOR, ".counts").text
        first = next(f for f in findings if f["cell"])
        # The rows' texts in one call (a WebDriver round trip per cell took 1.6 s of this test).
        texts = browser.execute_script("return Array.from(arguments[0], r => [r.cells[1].innerText, r.innerText])", rows)
        row = next(r for r, (cell, text) in zip(rows, texts) if cell.strip() == first["cell"] and first["message"] in text)
        assert levels[first["severity"]] in row.text and first["code"] in row.text
        assert screenshot(browser, "web-result.png", tmp_path).stat().st_size > 10_000

        row.find_element(By.LINK_TEXT, first["cell"]).click()
        hit = wait_for(browser, "td.hit")
        book = openpyxl.load_workbook(books[first["file"]], data_only=True)
        ws = book[first["sheet"]]
        shown = ws[first["cell"]]
        for rng in ws.merged_cells.ranges:  # a merged cell shows its top-left value
            if shown.coordinate in rng:
                shown = ws.cell(rng.min_row, rng.min_col)
        value = shown.value
        assert hit.text.strip() == ("" if value is None else str(int(value) if isinstance(value, float) and value.is_integer() else value)).strip()
        assert first["message"] in browser.find_element(By.CSS_SELECTOR, ".finding").text
        spans = browser.find_elements(By.CSS_SELECTOR, "table.sheet td[colspan], table.sheet td[rowspan]")
        assert len(spans) >= len([r for r in ws.merged_cells.ranges if r.min_row <= 120])  # merges honoured
        screenshot(browser, "web-preview.png", tmp_path)

        browser.back()
        wait_for(browser, "a.button")
        browser.find_elements(By.LINK_TEXT, "下载标注副本")[0].click()
        marked = wait_file(downloads, ".xlsx")
        assert marked.name == "甲单位_标注.xlsx"
        wb = openpyxl.load_workbook(marked)
        for f in findings:
            if f["file"] == "甲单位.xlsx" and f["cell"]:
                assert wb[f["sheet"]][f["cell"]].comment is not None, f
        browser.find_element(By.LINK_TEXT, "CSV").click()
        csv_file = wait_file(downloads, ".csv")
        browser.get(base + "/")
        form = browser.find_element(By.CSS_SELECTOR, "form[action='/api/template.xlsx']")
        form.find_element(By.NAME, "year").clear()
        form.find_element(By.NAME, "year").send_keys("2028")
        form.find_element(By.CSS_SELECTOR, "button").click()
        template = wait_file(downloads, ".xlsx", name="项目绩效目标表模板2028.xlsx")
        assert any("2028年度" in str(c.value) for c in openpyxl.load_workbook(template).worksheets[0]["A"][:3])
        assert csv_file.name == "问题清单.csv"
        assert len(csv_file.read_text(encoding="utf-8-sig").splitlines()) == len(findings) + 1


def test_merge_a_zip_and_watch_progress(browser: Any, tmp_path: Path, downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    sys.path.insert(0, str(ROOT))
    from benchmarks.common import generate_departments

    source = tmp_path / "各单位"
    # 60 tables in about 30 workbooks, read one at a time (merge_jobs=1): a second or more of progress to watch
    # at a 0.1 s poll
    generate_departments(source, 60, per_workbook=(1, 3), seed=7)
    (source / "dept001" / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    (source / "dept001" / "坏表.xlsx").write_bytes(b"not a workbook")
    archive = tmp_path / "各单位.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(tmp_path).as_posix())
    with live_server(tmp_path, workers=1, merge_jobs=1) as base:
        browser.get(base + "/")
        submit_files(browser, "/merge", [archive])
        wait_for(browser, "#job")
        seen = set()
        end = time.monotonic() + 240
        while time.monotonic() < end:
            try:
                seen.add(browser.find_element(By.ID, "state").text.split("：")[0])
                if browser.find_elements(By.ID, "download"):
                    break
            except Exception:  # the page reloads itself at the end
                pass
            time.sleep(0.1)
        assert "正在读取" in seen, seen  # progress was pushed while it ran
        assert browser.find_element(By.ID, "bar").get_attribute("value") == browser.find_element(By.ID, "bar").get_attribute("max")
        assert "汇总完成" in browser.find_element(By.ID, "state").text
        table = browser.find_element(By.CSS_SELECTOR, "table.findings").text
        assert "各单位/dept001/坏表.xlsx" in table and "读取失败" in table and "不是有效的 Excel" in table
        assert "已忽略 各单位/dept001/说明.txt" in browser.page_source
        screenshot(browser, "web-merge.png", tmp_path)
        browser.find_element(By.ID, "download").click()
        summary = wait_file(downloads, ".xlsx")
        problems = int(browser.find_element(By.ID, "problems").text)
    cli("merge", str(source), "-o", str(tmp_path / "cli.xlsx"), cwd=tmp_path)
    ours, theirs = openpyxl.load_workbook(summary), openpyxl.load_workbook(tmp_path / "cli.xlsx")
    total = lambda wb: [r for r in wb["资金汇总"].iter_rows(values_only=True) if r[0] == "合计"]  # noqa: E731
    assert total(ours) == total(theirs) and total(ours)
    assert ours["项目汇总"].max_row == theirs["项目汇总"].max_row
    # the page's count is the web summary's 问题清单 (header + one row per finding), and the CLI's on the same files
    assert problems == ours["问题清单"].max_row - 1 == theirs["问题清单"].max_row - 1, problems


def test_pages_work_with_javascript_off(browser: Any, tmp_path: Path, books: dict[str, Path], downloads: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser  # the shared Chromium with scripts switched off (a second one costs seconds to start)
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        driver.get("data:text/html,<title>off</title><script>document.title='on'</script>"
                   "<noscript><p id=n>no script</p></noscript>")
        assert driver.title == "off" and driver.find_element(By.ID, "n").is_displayed()  # scripts really are off
        with live_server(tmp_path) as base:
            driver.get(base + "/")
            submit_files(driver, "/validate", [books["乙单位.xlsx"]])
            wait_for(driver, "section.file")
            assert driver.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
            driver.get(base + "/")
            submit_files(driver, "/merge", list(books.values()))
            wait_for(driver, "#download", timeout=120)  # reached by the page's own refresh
            assert "汇总完成" in driver.find_element(By.ID, "state").text
            driver.get(base + "/rules")
            assert driver.find_elements(By.CSS_SELECTOR, "tr#JX201, tr[id^=JX]")
            driver.get(base + "/")
            submit_files(driver, "/import", [ROOT / "examples" / "source" / "区行政审批局_2022.txt"])
            wait_for(driver, "#download", timeout=120)  # the result page: notices, then the download
            assert "已导入 22 个项目" in driver.find_element(By.ID, "state").text
            driver.find_element(By.ID, "download").click()
            imported = wait_file(downloads, ".xlsx", timeout=120, name="区行政审批局_2022_导入.xlsx")
            book = openpyxl.load_workbook(imported)
            assert sum(ws.sheet_state == "visible" for ws in book.worksheets) >= 20
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_hostile_files_through_the_form(browser: Any, tmp_path: Path) -> None:
    import httpx
    from selenium.webdriver.common.by import By

    corpus = hostile.build_corpus(tmp_path / "corpus")
    bomb = tmp_path / "炸弹.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xlsx", b"\0" * (60 * 1024 * 1024))
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.write(corpus["valid"], "../../../逃出.xlsx")
    files = [p for k, p in corpus.items() if k != "secret" and p.is_file()]
    with live_server(tmp_path / "srv") as base:
        # The files the server reads in a validation go through the form together (one result page lists them
        # all); the ones it refuses outright (a whole request answered 4xx, as the API tests find) and the two
        # zips go one by one, each to its own error page.
        refused = [p for p in files
                   if httpx.post(base + "/api/validate", files=[("files", (p.name, p.read_bytes()))], timeout=60,
                                 headers={"origin": base}).status_code >= 400]
        read = [p for p in files if p not in refused]
        assert len(read) >= 20, read
        for group in (read, *[[p] for p in (*refused, bomb, evil)]):
            browser.get(base + "/")
            submit_files(browser, "/validate", group)
            heading = wait_heading(browser, ("校验结果", "出错了"))
            text = browser.find_element(By.TAG_NAME, "body").text
            assert heading in ("校验结果", "出错了"), ([p.name for p in group], text[:200])
            assert "Traceback" not in text and str(tmp_path) not in text and hostile.SECRET_MARKER not in text
            if group == read:
                assert heading == "校验结果" and all(p.name in text for p in read), text[:500]
            if group == [bomb]:
                assert "压缩炸弹" in text
            if group == [evil]:
                assert "逃出.xlsx" in text
    assert not list(tmp_path.parent.glob("逃出.xlsx")) and not (tmp_path / "逃出.xlsx").exists()


def test_too_large_upload_through_the_form(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    big = tmp_path / "很大.xlsx"
    big.write_bytes(b"PK\x03\x04" + os.urandom(3 * 1024 * 1024))
    with live_server(tmp_path, max_upload_mb=1) as base:
        browser.get(base + "/")
        submit_files(browser, "/validate", [big])
        assert wait_heading(browser, ("出错了",)) == "出错了"
        assert "超过上限 1 MB" in browser.find_element(By.TAG_NAME, "body").text
        assert list((tmp_path / "data" / "jobs").iterdir()) == []
