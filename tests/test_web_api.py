"""The web API (``xltool serve``) from a script: the CLI's data, Chinese errors, and the security promises.

Runs the real application in-process (Starlette's TestClient) and, where sockets
matter (a client hanging up mid-upload), a real uvicorn server in a thread.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:  # tests/ as a package (rootdir on sys.path) or as a plain directory (prepend mode)
    from tests import hostile, run_cache
    from tests.conftest import load_seed_projects
except ImportError:  # pragma: no cover
    import hostile  # type: ignore[no-redef]
    import run_cache  # type: ignore[no-redef]
    from conftest import load_seed_projects  # type: ignore[no-redef]

from starlette.testclient import TestClient  # noqa: E402

from xltool.web.app import Settings  # noqa: E402
from xltool.web.downloads import findings_csv, findings_xlsx  # noqa: E402
from xltool.web.server import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three filled workbooks from the seed (its real defects included)."""
    from xltool.write.template import write_projects

    folder = tmp_path_factory.mktemp("books")
    projects = load_seed_projects()
    return {
        "甲单位.xlsx": write_projects(projects[:3], folder / "甲单位.xlsx"),
        "乙单位.xlsx": write_projects(projects[3:6], folder / "乙单位.xlsx"),
        "丙单位.xlsx": write_projects(projects[6:8], folder / "丙单位.xlsx"),
    }


def make_client(tmp_path: Path, **kw: object) -> TestClient:
    return TestClient(create_app(Settings(data=tmp_path / "data", **kw)), base_url="http://127.0.0.1:8765")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One server, with its worker processes, for the tests that only send requests and read the answers
    (starting one costs a second of CPU for its spawned workers); a test that looks into the server's data
    folder or needs other settings starts its own (``fresh_client``, ``make_client``)."""
    with make_client(tmp_path_factory.mktemp("server")) as c:
        yield c


@pytest.fixture
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    """A server of this test alone, its data folder in ``tmp_path / "data"``."""
    with make_client(tmp_path) as c:
        yield c


def server_root(client: TestClient) -> Path:
    """The folder the server's data folder is in: no answer may name it."""
    return client.app.web.settings.data.parent  # type: ignore[attr-defined]


def upload(*paths: Path, names: list[str] | None = None) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", ((names or [p.name for p in paths])[i], p.read_bytes())) for i, p in enumerate(paths)]


def assert_clean(text: str, *folders: Path) -> None:
    """Nothing of the server's disk layout or a traceback in a response."""
    assert "Traceback" not in text and 'File "' not in text
    for folder in folders:
        assert str(folder) not in text
    assert "/tmp/" not in text and hostile.SECRET_MARKER not in text


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xltool", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


# --- template, validate, validate-grid, import


def test_template_download_is_a_workbook_with_the_chinese_name(client: TestClient) -> None:
    home = client.get("/").text
    assert '<option value="district-2022">区级 2022' in home and "{year}" not in home
    r = client.get("/api/template.xlsx", params={"year": 2027, "profile": "district-2022"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "filename*=UTF-8''%E9%A1%B9%E7%9B%AE" in r.headers["content-disposition"]  # 项目…
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert any("2027" in str(c.value) for ws in book.worksheets for row in ws.iter_rows(max_row=3) for c in row)
    bad = client.get("/api/template.xlsx", params={"year": "明年"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "args.invalid"
    bad = client.get("/api/template.xlsx", params={"profile": "nowhere"})
    assert bad.status_code == 400 and "未知的指标体系" in bad.json()["error"]["message"]


def test_validate_gives_exactly_the_cli_json(client: TestClient, books: dict[str, Path], tmp_path: Path) -> None:
    paths = list(books.values())
    r = client.post("/api/validate", files=upload(*paths))
    assert r.status_code == 200
    data = r.json()
    run = cli("validate", "--json", *[p.name for p in paths], cwd=paths[0].parent)
    expected = json.loads(run.stdout)
    assert data["files"] == expected["files"]
    assert data["findings"] == expected["findings"] and len(data["findings"]) > 10
    assert set(data["marked"]) == set(books)
    assert_clean(r.text, tmp_path, server_root(client))


def test_marked_copy_has_the_cli_marks(client: TestClient, books: dict[str, Path], tmp_path: Path) -> None:
    source = books["甲单位.xlsx"]
    data = client.post("/api/validate", files=upload(source)).json()
    r = client.get(data["marked"]["甲单位.xlsx"])
    assert r.status_code == 200 and "%E7%94%B2%E5%8D%95%E4%BD%8D_%E6%A0%87%E6%B3%A8.xlsx" in r.headers["content-disposition"]
    ours = openpyxl.load_workbook(io.BytesIO(r.content))
    out = tmp_path / "cli_marked.xlsx"
    cli("validate", str(source), "--mark-to", str(out), cwd=tmp_path)
    theirs = openpyxl.load_workbook(out)
    assert ours.sheetnames == theirs.sheetnames
    for finding in data["findings"]:
        if finding["cell"]:
            a, b = ours[finding["sheet"]][finding["cell"]], theirs[finding["sheet"]][finding["cell"]]
            assert a.comment is not None and a.comment.text == b.comment.text
            assert a.fill.fgColor.rgb == b.fill.fgColor.rgb


def test_small_and_large_uploads_validate_alike(books: dict[str, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Small uploads go to a worker as bytes (``quick``), large ones are stored first: same answer, same leftovers."""
    from xltool.web import api

    paths = list(books.values())
    answers = []
    for inline_max in (api.INLINE_MAX, 0):
        monkeypatch.setattr(api, "INLINE_MAX", inline_max)
        with make_client(tmp_path / str(inline_max), workers=1) as c:
            r = c.post("/api/validate", files=upload(*paths))
            assert r.status_code == 200
            data = r.json()
            assert c.get(data["marked"]["甲单位.xlsx"]).status_code == 200
            assert c.get(data["report"]).status_code == 200
            bad = c.post("/api/validate", files=[("files", ("坏.zip", b"PK\x03\x04 not a zip"))])
            assert bad.status_code == 400 and "压缩包" in bad.json()["error"]["message"]
            assert_clean(bad.text, tmp_path)
            jobs = sorted(p.name for p in (tmp_path / str(inline_max) / "data" / "jobs").iterdir())
            assert jobs == [data["report"].rsplit("/", 1)[1]]  # the refused upload left no folder
        answers.append({k: data[k] for k in ("files", "findings", "notices")})
    assert answers[0] == answers[1] and answers[0]["findings"]


def test_validate_grid_matches_the_file(client: TestClient, books: dict[str, Path]) -> None:
    """What a WPS add-in sends (each used range from A1 as Value2) gives the file's findings, same cells."""
    source = books["乙单位.xlsx"]
    book = openpyxl.load_workbook(source, data_only=True)
    sheets = [{"name": ws.title, "values": [["" if v is None else v for v in row]
                                            for row in ws.iter_rows(values_only=True)]} for ws in book.worksheets]
    r = client.post("/api/validate-grid", json={"book": "乙单位.xlsx", "sheets": sheets})
    assert r.status_code == 200
    grid = r.json()["findings"]
    whole = client.post("/api/validate", files=upload(source)).json()["findings"]
    key = lambda f: (f["sheet"], f["cell"], f["code"])  # noqa: E731
    assert sorted(map(key, grid)) == sorted(map(key, whole)) and grid
    for bad in ({"book": "x"}, {"sheets": [{"name": 1, "values": []}]}, [1, 2]):
        r = client.post("/api/validate-grid", json=bad)
        assert r.status_code == 400 and r.json()["error"]["code"] == "args.invalid"
    r = client.post("/api/validate-grid", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]


def test_import_returns_a_template_workbook(client: TestClient) -> None:
    seed = ROOT / "examples" / "source" / "区行政审批局_2022.txt"
    r = client.post("/api/import", files=upload(seed))
    assert r.status_code == 200 and r.json()["projects"] == len(load_seed_projects())
    assert r.json()["file"] == "区行政审批局_2022_导入.xlsx" and r.json()["notices"] == []
    r = client.get(r.json()["download"])
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "区行政审批局_2022_导入.xlsx" in unquote(r.headers["content-disposition"])
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert len([ws for ws in book.worksheets if ws.sheet_state == "visible"]) >= len(load_seed_projects())
    r = client.post("/api/import", files=[("files", ("坏文件.docx", b"not a docx"))])
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("文件 坏文件.docx：")
    assert_clean(r.text)
    assert "jobs/" not in r.text


def test_import_offers_the_layout_file_it_wrote(client: TestClient, tmp_path: Path) -> None:
    """Titles not understood: the download is the workbook and its layout file together; a table
    whose 项目名称 label is unknown: the refusal carries the layout file (JSON) or links it (page)."""
    import urllib.parse

    lines = ["2024年项目支出绩效目标表", "{name}\t河道保洁\t\t", "主管部门\t县水利局\t\t", "项目总金额（万元）\t12\t\t",
             "一级指标\t二级指标\t{title}\t指标值", "产出指标\t数量指标\t保洁河长\t≥30公里"]
    own = tmp_path / "河道.txt"
    own.write_text("\n".join(lines).format(name="项目名称", title="考核内容"), encoding="utf-8")
    r = client.post("/api/import", files=upload(own))
    assert r.status_code == 200 and r.json()["file"] == "河道_导入.zip", r.text
    told = [n for n in r.json()["notices"] if "版式文件" in n]
    assert len(told) == 1 and "“考核内容”" in told[0] and "压缩包" in told[0]  # where the file is, as downloaded
    assert_clean(r.text, tmp_path, server_root(client))
    r = client.get(r.json()["download"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(archive.namelist()) == ["河道_导入.xlsx", "河道_导入.版式.toml"]
    layout = archive.read("河道_导入.版式.toml").decode("utf-8")
    assert '"考核内容" = ""' in layout and "fingerprint" in layout
    assert_clean(layout, tmp_path, server_root(client))
    assert "jobs/" not in layout
    openpyxl.load_workbook(io.BytesIO(archive.read("河道_导入.xlsx")))
    unknown = tmp_path / "用途.txt"
    unknown.write_text("\n".join(lines).format(name="资金用途名称", title="三级指标"), encoding="utf-8")
    r = client.post("/api/import", files=upload(unknown))
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"].startswith("文件 用途.txt：") and "项目名称" in error["message"]
    [offered] = error["layouts"]
    assert offered["name"] == "用途_导入.版式.toml" and '"资金用途名称" = ""' in offered["text"]
    assert "用途_导入.版式.toml" in error["message"]  # named as downloaded
    assert_clean(r.text, tmp_path, server_root(client))
    assert "jobs/" not in r.text
    page = client.post("/import", files=upload(unknown), headers={"accept": "text/html"})
    assert page.status_code == 400 and 'download="用途_导入.版式.toml"' in page.text
    href = page.text.split('href="data:text/plain;charset=utf-8,', 1)[1].split('"', 1)[0]
    assert urllib.parse.unquote(href.replace("&amp;", "&")) == offered["text"]
    # the layout file filled in (the 项目名称 row named) and sent back with its source: imported by it
    filled = tmp_path / offered["name"]
    filled.write_text(offered["text"].replace('"资金用途名称" = ""', '"资金用途名称" = "name"'), encoding="utf-8")
    r = client.post("/api/import", files=upload(unknown, filled))
    assert r.status_code == 200 and r.json()["projects"] == 1, r.text
    book = openpyxl.load_workbook(io.BytesIO(client.get(r.json()["download"]).content))
    assert any(c.value == "河道保洁" for row in book.worksheets[0].iter_rows() for c in row)
    alone = client.post("/api/import", files=upload(filled))
    assert alone.status_code == 400 and "版式文件" in alone.json()["error"]["message"]
    broken = tmp_path / "坏.版式.toml"
    broken.write_text('"资金用途名称" = "name', encoding="utf-8")
    r = client.post("/api/import", files=upload(unknown, broken))
    assert r.status_code == 400 and "坏.版式.toml" in r.json()["error"]["message"], r.text
    assert_clean(r.text, tmp_path, server_root(client))


# --- merge jobs


def wait_done(client: TestClient, url: str, timeout: float = 240) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = client.get(url).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.02)  # a merge of a few files takes a tenth of a second: poll as often
    raise AssertionError("merge did not finish")


def test_merge_job_matches_xltool_merge(client: TestClient, books: dict[str, Path], tmp_path: Path) -> None:
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, path in books.items():
            zf.write(path, f"各单位/{name}")
        zf.writestr("各单位/说明.pdf", b"%PDF-1.4")
    r = client.post("/api/merge", files=upload(archive))
    assert r.status_code == 202 and set(r.json()) == {"job", "url"} and len(r.json()["job"]) >= 24
    status = wait_done(client, r.json()["url"])
    assert status["state"] == "done" and status["done"] == status["total"] == 3 and status["error"] is None
    summary = client.get(status["result"])
    assert summary.status_code == 200 and "%E6%B1%87%E6%80%BB.xlsx" in summary.headers["content-disposition"]
    folder = tmp_path / "报送文件"  # the server's name for the upload folder, so 文件清单 reads the same
    (folder / "各单位").mkdir(parents=True)
    for name, path in books.items():
        (folder / "各单位" / name).write_bytes(path.read_bytes())
    cli("merge", str(folder), "-o", str(tmp_path / "cli.xlsx"), cwd=tmp_path)
    ours, theirs = (openpyxl.load_workbook(io.BytesIO(summary.content)), openpyxl.load_workbook(tmp_path / "cli.xlsx"))
    for sheet in ("项目汇总", "指标明细", "资金汇总"):
        rows = list(ours[sheet].iter_rows(values_only=True))
        assert rows == list(theirs[sheet].iter_rows(values_only=True)) and len(rows) >= 3, sheet
    assert status["summary"]["projects"] == 8


def test_a_file_merged_in_part_is_named_on_the_job_page(client: TestClient, tmp_path: Path) -> None:
    """A workbook with one named sheet and one that looks like a table but names no project: its money is
    not in the totals, so the job's problems and its page say so (部分未读取), as the CLI's console does."""
    try:
        from tests.test_layout_unplaced import two_sheet_workbook
    except ImportError:  # tests/ as a plain directory
        from test_layout_unplaced import two_sheet_workbook  # type: ignore[no-redef]

    book = two_sheet_workbook(tmp_path / "两张表.xlsx")
    job = client.post("/api/merge", files=upload(book)).json()
    status = wait_done(client, job["url"])
    assert status["state"] == "done" and status["summary"]["merged"] == 1, status
    [problem] = status["summary"]["problems"]
    assert problem["status"] == "部分未读取" and "两张表.xlsx" in problem["file"] and "“甲”" in problem["reason"]
    page = client.get(f"/m/{job['job']}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "未汇总或未读全的文件（1 个）" in page.text and "部分未读取" in page.text


def test_two_merges_at_once_both_finish(client: TestClient, books: dict[str, Path]) -> None:
    a = client.post("/api/merge", files=upload(books["甲单位.xlsx"], books["乙单位.xlsx"])).json()
    b = client.post("/api/merge", files=upload(books["丙单位.xlsx"])).json()
    sa, sb = wait_done(client, a["url"]), wait_done(client, b["url"])
    assert sa["state"] == sb["state"] == "done"
    assert sa["summary"]["projects"] == 6 and sb["summary"]["projects"] == 2
    assert client.get(sa["result"]).content != client.get(sb["result"]).content


def test_failed_merge_reports_a_chinese_error(client: TestClient) -> None:
    r = client.post("/api/merge", files=[("files", ("坏.xlsx", b"garbage"))])
    status = wait_done(client, r.json()["url"])
    assert status["state"] == "failed" and status["result"] is None
    message = status["error"]["message"]
    assert status["error"]["code"] and ("没有" in message or "无法" in message), status["error"]
    assert_clean(json.dumps(status, ensure_ascii=False))


def test_a_server_stopped_mid_merge_never_serves_a_half_file(tmp_path: Path, books: dict[str, Path]) -> None:
    """A job found running at start-up is failed and its partial output removed; its result is refused."""
    from xltool.web.store import DataStore

    with make_client(tmp_path) as c:
        job = c.app.web.store.new("merge")[0]  # type: ignore[attr-defined]
        job.state, job.total, job.done, job.result = "running", 10, 4, "汇总.xlsx"
        c.app.web.store.save(job)  # type: ignore[attr-defined]
        half = tmp_path / "data" / "jobs" / job.id / "out" / "汇总.xlsx"
        half.parent.mkdir()
        half.write_bytes(b"PK\x03\x04 half")
    DataStore(tmp_path / "data")  # what a restarted server does first
    assert not half.exists()
    with make_client(tmp_path) as c:
        status = c.get(f"/api/jobs/{job.id}").json()
        assert status["state"] == "failed" and status["result"] is None and "停止" in status["error"]["message"]
        r = c.get(f"/m/{job.id}/summary")
        assert r.status_code == 409 and r.json()["error"]["code"] == "job.not_done"


def test_a_restarted_server_clears_its_temp_folder_but_never_a_live_runs(tmp_path: Path) -> None:
    """xltool serve keeps TMPDIR in its data folder: at start-up a killed run's working folder and
    stray files go; a folder whose owner still runs (a process holding it) stays."""
    from xltool.web.store import DataStore

    tmp = tmp_path / "data" / "tmp"
    tmp.mkdir(parents=True)
    code = ("import sys; from pathlib import Path; from xltool.io.tempdirs import make_owned_dir; "
            "print(make_owned_dir('merge', Path(sys.argv[1])), flush=True); sys.stdin.read()")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dead = subprocess.run([sys.executable, "-c", code, str(tmp)], input="", capture_output=True, text=True,
                          env=env, timeout=60)
    dead_folder = Path(dead.stdout.strip())
    live = subprocess.Popen([sys.executable, "-c", code, str(tmp)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        live_folder = Path(live.stdout.readline().strip())  # type: ignore[union-attr]
        (live_folder / "merge.sqlite").write_bytes(b"x")
        (tmp / "stray.tmp").write_bytes(b"x")
        assert dead_folder.is_dir() and live_folder.is_dir()
        DataStore(tmp_path / "data")
        assert sorted(p.name for p in tmp.iterdir()) == [live_folder.name]
        assert (live_folder / "merge.sqlite").exists()
    finally:
        live.communicate("", timeout=60)
    DataStore(tmp_path / "data")  # its owner has ended now
    assert list(tmp.iterdir()) == []


def test_unknown_or_malformed_job_ids_are_404(client: TestClient) -> None:
    for job in ("x" * 32, "..%2F..%2Fetc", "%2e%2e", "short"):
        r = client.get(f"/api/jobs/{job}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


# --- limits and hostile uploads


def test_too_large_upload_is_413_declared_or_streamed(tmp_path: Path) -> None:
    with make_client(tmp_path, max_upload_mb=1) as c:
        big = [("files", ("大.xlsx", b"PK" + os.urandom(1_300_000)))]
        r = c.post("/api/validate", files=big)
        assert r.status_code == 413 and r.json()["error"]["code"] == "upload.too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
            yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xlsx\"\r\n\r\n"
            for _ in range(40):
                yield b"\0" * 65536
            yield b"\r\n--b--\r\n"

        r = c.post("/api/validate", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413 and "上限 1 MB" in r.json()["error"]["message"]
        assert list((tmp_path / "data" / "jobs").iterdir()) == []  # nothing kept of a refused upload


def test_a_grid_body_without_length_that_outgrows_the_limit_is_413(tmp_path: Path) -> None:
    with make_client(tmp_path, max_upload_mb=1) as c:
        def chunks() -> Iterator[bytes]:
            yield b'{"book": "a.xlsx", "sheets": [{"name": "s", "values": [["'
            for _ in range(40):
                yield b"x" * 65536
            yield b'"]]}]}'

        r = c.post("/api/validate-grid", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "upload.too_large"


def test_import_shows_the_notices_the_cli_prints(client: TestClient, tmp_path: Path) -> None:
    """What could not be mapped (a column of no template field, missing fields, the framework recognised) is told
    in the JSON and on the result page, line for line as ``xltool import`` prints it, with the user's file name."""
    import html

    import xltool

    text = ("项目名称\t档案整理\n项目总金额（万元）\t10\n联系电话\t12345678\n年度总体目标\t完成档案整理\n"
            "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t整理卷数\t≥100卷\n").encode()
    cli = xltool.import_tables([xltool.Upload("档案表.txt", text)], output=tmp_path / "导入结果.xlsx")
    # the one notice that differs: the web says the layout file is in the download, not on a disk
    expected = [n if "版式文件" not in n else n.split("；已写出版式文件")[0]
                + "；下载的压缩包中附有版式文件，在其中填上栏目名后，与源文件一起再次上传，即按它导入"
                for n in cli.notices]
    assert any("未识别的栏目“联系电话”" in n for n in expected) and all(n.startswith("文件 档案表.txt：") for n in expected)
    r = client.post("/api/import", files=[("files", ("档案表.txt", text))])
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["notices"] == expected and data["projects"] == 1
    assert_clean(r.text)
    page = client.get(data["report"])
    assert page.status_code == 200
    shown = [html.unescape(li) for li in re.findall(r'<li class="notice">(.*?)</li>', page.text)]
    assert shown == expected
    assert f'href="{data["download"]}"' in page.text
    form = client.post("/import", files=[("files", ("档案表.txt", text))], follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].startswith("/i/")
    assert client.get(form.headers["location"]).text.count('<li class="notice">') == len(expected)


def test_a_request_refused_after_its_upload_keeps_nothing(tmp_path: Path, books: dict[str, Path]) -> None:
    """A wrong field (unknown framework, impossible year) is refused after the files were saved: none is kept."""
    with make_client(tmp_path) as c:
        r = c.post("/api/validate", files=upload(books["甲单位.xlsx"]), data={"profile": "nope"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "args.invalid"
        r = c.post("/api/import", files=[("files", ("表.txt", "项目名称\t档案整理\n".encode()))], data={"year": "1"})
        assert r.status_code == 400
        assert list((tmp_path / "data" / "jobs").iterdir()) == []


def test_file_count_limit(tmp_path: Path, books: dict[str, Path]) -> None:
    with make_client(tmp_path, max_files=2) as c:
        r = c.post("/api/validate", files=upload(*books.values()))
        assert r.status_code == 400 and "最多" in r.json()["error"]["message"]


def zip_of(path: Path, entries: dict[str, bytes], **kw: object) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name) if kw.get("raw") else name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_zip_bomb_and_nested_archives_are_refused_before_unpacking(fresh_client: TestClient, tmp_path: Path) -> None:
    bomb = zip_of(tmp_path / "bomb.zip", {"a.xlsx": b"\0" * (50 * 1024 * 1024)})
    r = fresh_client.post("/api/validate", files=upload(bomb))
    assert r.status_code == 400 and "压缩炸弹" in r.json()["error"]["message"]
    nested = zip_of(tmp_path / "nested.zip", {"inner.zip": bomb.read_bytes()})
    r = fresh_client.post("/api/merge", files=upload(nested))
    assert r.status_code == 400 and "另一个压缩包" in r.json()["error"]["message"]
    many = zip_of(tmp_path / "many.zip", {f"{i}.xlsx": b"x" for i in range(2_100)})
    r = fresh_client.post("/api/validate", files=upload(many))
    assert r.status_code == 400 and "条目过多" in r.json()["error"]["message"]
    assert list((tmp_path / "data" / "jobs").iterdir()) == []


def test_zip_entry_names_never_leave_the_job_folder(fresh_client: TestClient, books: dict[str, Path], tmp_path: Path) -> None:
    data = books["甲单位.xlsx"].read_bytes()
    archive = zip_of(tmp_path / "evil.zip", {"../../逃逸.xlsx": data, "/etc/绝对.xlsx": data,
                                             "C:\\Windows\\盘符.xlsx": data, "ok/../../上级.xlsx": data})
    r = fresh_client.post("/api/validate", files=upload(archive))
    assert r.status_code == 200
    names = sorted(f["file"] for f in r.json()["files"])
    assert names == sorted(["逃逸.xlsx", "etc/绝对.xlsx", "Windows/盘符.xlsx", "ok/上级.xlsx"])
    jobs = tmp_path / "data" / "jobs"
    for path in tmp_path.rglob("*.xlsx"):
        assert path.parent == books["甲单位.xlsx"].parent or jobs in path.parents, path
    r = fresh_client.post("/api/validate", files=[("files", ("..\\..\\x\\..\\甲.xlsx", data))])
    assert [f["file"] for f in r.json()["files"]] == ["甲.xlsx"]


def test_hostile_corpus_gives_chinese_errors_and_leaks_nothing(client: TestClient, tmp_path: Path) -> None:
    corpus = hostile.build_corpus(tmp_path / "corpus")
    for name, path in corpus.items():
        if name == "secret" or not path.is_file():
            continue
        for url in ("/api/validate", "/api/merge"):
            r = client.post(url, files=upload(path, names=[f"{name}{path.suffix}"]))
            assert r.status_code in (200, 202, 400, 413), (name, url, r.status_code)
            assert_clean(r.text, tmp_path, server_root(client))
            if r.status_code >= 400:
                assert r.json()["error"]["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"]["message"])
            elif url == "/api/validate" and name != "valid":
                statuses = {f["status"] for f in r.json()["files"]}
                # A file not read is never dropped without a word: failed, or named in a notice with the reason.
                named = any(name in n for n in r.json()["notices"])
                assert "failed" in statuses or (r.json()["files"] == [] and named), (name, statuses, r.json()["notices"])
            elif url == "/api/merge":
                status = wait_done(client, r.json()["url"])
                assert_clean(json.dumps(status, ensure_ascii=False), tmp_path, server_root(client))


# --- security


def test_security_headers_and_cross_origin_posts(client: TestClient, books: dict[str, Path]) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/app.js").headers["x-content-type-options"] == "nosniff"
    r = client.post("/api/validate", files=upload(books["甲单位.xlsx"]), headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "request.cross_origin"
    r = client.post("/validate", files=upload(books["甲单位.xlsx"]), headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/api/validate", files=upload(books["甲单位.xlsx"]), headers={"origin": "http://127.0.0.1:8765"})
    assert r.status_code == 200


def test_token_by_bearer_or_cookie_from_the_printed_link(tmp_path: Path) -> None:
    with make_client(tmp_path, token="s3cret-token-123") as c:
        for url in ("/", "/api/template.xlsx", "/static/style.css", "/rules"):
            r = c.get(url)
            assert r.status_code == 401 and r.json()["error"]["code"] == "auth.required"
        assert c.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/rules", headers={"authorization": "Bearer s3cret-token-123"}).status_code == 200
        r = c.get("/?token=s3cret-token-123", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
        assert c.get("/").status_code == 200  # the client kept the cookie


def test_serve_refuses_a_network_address_without_a_token(tmp_path: Path) -> None:
    r = cli("serve", "--host", "0.0.0.0", "--data", str(tmp_path / "d"), cwd=tmp_path)
    assert r.returncode == 2 and "--token" in r.stderr and "口令" in r.stderr and "Traceback" not in r.stderr
    r = cli("serve", "--host", "0.0.0.0", "--token", "短", cwd=tmp_path)
    assert r.returncode == 2 and "口令" in r.stderr


@contextmanager
def live_server(tmp_path: Path, **kw: object) -> Iterator[str]:
    """A real uvicorn server in a thread (sockets, disconnects); yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(data=tmp_path / "data", **kw))  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_client_disconnecting_mid_upload_leaves_nothing(tmp_path: Path) -> None:
    import httpx

    with live_server(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n"
                          b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xlsx\"\r\n\r\n"
                          + b"\0" * 200_000)
                time.sleep(0.3)
        jobs = tmp_path / "data" / "jobs"
        end = time.monotonic() + 10  # the server notices each hang-up and clears its upload: polled, not slept
        while any(jobs.iterdir()) and time.monotonic() < end:
            time.sleep(0.05)
        assert httpx.get(base + "/", timeout=10).status_code == 200  # the server still answers
        assert list(jobs.iterdir()) == []


# --- downloads of findings


def test_findings_downloads_neutralise_formulas() -> None:
    findings = [{"file": "=HYPERLINK(\"http://x\")", "sheet": "+1", "project": "-2+3", "cell": "B2", "code": "JX101",
                 "severity": "error", "message": "@SUM(A1)", "level2": "", "indicator": "=1+1", "field": ""}]
    text = findings_csv(findings).decode("utf-8-sig")
    row = text.splitlines()[1]
    assert row.startswith("\"'=HYPERLINK") and ",'+1,'-2+3," in row and "'@SUM(A1)" in row
    book = openpyxl.load_workbook(io.BytesIO(findings_xlsx(findings)))
    cells = list(book["问题清单"].iter_rows(min_row=2, values_only=False))[0]
    assert cells[0].value == "=HYPERLINK(\"http://x\")" and cells[0].data_type == "s"
    assert all(c.data_type == "s" for c in cells)


def test_a_worker_killed_by_a_file_is_replaced() -> None:
    """A worker process that dies (a native crash on a hostile file) fails that request alone."""
    import asyncio

    from xltool.web.errors import WebError
    from xltool.web.workers import Workers

    workers = Workers(1)
    try:
        with pytest.raises(WebError) as caught:
            asyncio.run(workers.run(os._exit, 1))
        assert caught.value.code == "file.damaged" and "异常退出" in caught.value.message
        assert asyncio.run(workers.run(sum, [1, 2, 3])) == 6  # a fresh pool answers the next request
    finally:
        workers.shutdown()


def test_a_hanging_or_abandoned_call_does_not_hold_a_worker() -> None:
    """A call past the timeout has its worker killed and replaced; a cancelled call's answer is never handed on."""
    import asyncio
    import time

    from xltool.web.errors import WebError
    from xltool.web.workers import Workers

    workers = Workers(1, timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(WebError) as caught:
            asyncio.run(workers.run(time.sleep, 60))
        assert caught.value.code == "file.damaged" and "超时" in caught.value.message
        assert time.monotonic() - started < 30
        assert asyncio.run(workers.run(sum, [1, 2])) == 3

        async def abandon_then_ask() -> int:
            task = asyncio.ensure_future(workers.run(time.sleep, 1))
            await asyncio.sleep(0.3)
            task.cancel()
            return await workers.run(sum, [4, 5])  # waits for the worker, then gets its own answer

        assert asyncio.run(abandon_then_ask()) == 9
    finally:
        workers.shutdown()


def test_workers_answer_where_the_loop_cannot_watch_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' proactor loop has no add_reader: the answer is then awaited in a thread."""
    import asyncio

    from xltool.web.workers import Workers

    def refuse(*_a: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(asyncio.SelectorEventLoop, "add_reader", refuse)
    workers = Workers(1)
    try:
        assert asyncio.run(workers.run(sum, [2, 3])) == 5
    finally:
        workers.shutdown()


def test_on_windows_a_pipe_is_never_given_to_the_loops_selector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' selector loop (uvicorn's choice with --workers/--reload) has add_reader, but select() fails on a
    pipe handle and stops the whole loop: on Windows the answer is always awaited in a thread."""
    import asyncio

    from xltool.web.workers import Workers

    def selected(*_a: object) -> None:
        raise AssertionError("a pipe handle given to select()")

    workers = Workers(1)
    try:
        workers.start()  # started before the platform is faked: multiprocessing picks its spawner at import
        monkeypatch.setattr(asyncio.SelectorEventLoop, "add_reader", selected)
        monkeypatch.setattr(sys, "platform", "win32")
        assert asyncio.run(workers.run(sum, [2, 3])) == 5
    finally:
        monkeypatch.undo()
        workers.shutdown()


def test_a_worker_started_while_shutting_down_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """shutdown() arriving while start() spawns a worker: that worker must stop too (its open pipe would keep it,
    and the interpreter's exit that waits for it, alive forever)."""
    from xltool.web import workers as module

    made: list[module._Worker] = []
    real_init = module._Worker.__init__

    def init_then_shutdown(self: module._Worker) -> None:
        real_init(self)
        made.append(self)
        pool.shutdown()  # the server stops during the start-up thread's spawn

    pool = module.Workers(2)
    monkeypatch.setattr(module._Worker, "__init__", init_then_shutdown)
    try:
        pool.start()
        assert len(made) == 1
        made[0].process.join(10)
        assert not made[0].process.is_alive()
    finally:
        for worker in made:
            worker.process.kill()
            worker.process.join(5)


def test_a_request_during_the_start_up_spawn_gets_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server starts its workers from a thread; a request arriving while the only worker is still being
    started waits for it, and must be woken when it is ready (it once waited forever)."""
    import asyncio

    from xltool.web import workers as module

    spawning, go_on = threading.Event(), threading.Event()
    real_init = module._Worker.__init__

    def slow_init(self: module._Worker) -> None:
        spawning.set()
        go_on.wait(30)  # the request below arrives meanwhile
        real_init(self)

    pool = module.Workers(1)
    monkeypatch.setattr(module._Worker, "__init__", slow_init)
    starter = threading.Thread(target=pool.start)
    try:
        starter.start()
        assert spawning.wait(30)

        async def ask() -> int:
            call = asyncio.ensure_future(pool.run(sum, [20, 22]))
            await asyncio.sleep(0.2)  # the request is waiting for the worker in spawn
            assert not call.done()
            go_on.set()
            return await asyncio.wait_for(call, 20)  # a worker starts in about a second

        assert asyncio.run(ask()) == 42
    finally:
        go_on.set()
        starter.join(30)
        pool.shutdown()


def test_a_worker_that_cannot_start_prints_no_traceback_and_the_request_is_answered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up thread meets a worker that cannot start (no processes left): it ends quietly (no English
    traceback on the console of xltool serve); a request then starts one itself."""
    import asyncio

    from xltool.web import workers as module

    real_init = module._Worker.__init__
    failures = [OSError(11, "Resource temporarily unavailable")]

    def init(self: module._Worker) -> None:
        if failures:
            raise failures.pop()
        real_init(self)

    escaped: list[object] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    monkeypatch.setattr(module._Worker, "__init__", init)
    pool = module.Workers(1)
    try:
        starter = threading.Thread(target=pool.start)
        starter.start()
        starter.join(30)
        assert escaped == [] and not failures
        assert asyncio.run(pool.run(sum, [1, 2])) == 3
    finally:
        pool.shutdown()


def test_the_server_keeps_answering_during_a_merge(client: TestClient, tmp_path: Path) -> None:
    # The same 150 tables as the other merges here: generated once per run (tests/run_cache.py).
    specs = run_cache.departments(tmp_path / "各单位", 150, per_workbook=(1, 2), seed=3)
    files = [("files", (p.path.name, p.path.read_bytes())) for p in specs]
    job = client.post("/api/merge", files=files).json()
    answered = []
    while client.get(job["url"]).json()["state"] in ("queued", "running"):
        start = time.perf_counter()
        assert client.get("/rules").status_code == 200
        answered.append(time.perf_counter() - start)
        time.sleep(0.05)  # a user clicking, not a loop taking the CPU from the merge it waits for
    assert answered and max(answered) < 5.0, answered
    assert wait_done(client, job["url"])["summary"]["projects"] == 150


def test_a_server_killed_mid_merge_fails_the_job_after_restart(tmp_path: Path) -> None:
    """A real ``xltool serve`` killed (SIGKILL) while merging; restarted on the same data folder."""
    import signal

    import httpx

    # The same 150 tables as the other merges here: generated once per run (tests/run_cache.py).
    # 97 workbooks: killed after 20 are read, 77 still to read.
    specs = run_cache.departments(tmp_path / "各单位", 150, per_workbook=(1, 2), seed=3)
    files = [("files", (p.path.name, p.path.read_bytes())) for p in specs]
    data = tmp_path / "data"

    def start() -> tuple[subprocess.Popen[bytes], str]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "xltool", "serve", "--port", str(port), "--data", str(data)],
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/", timeout=1)
                return proc, base
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("server did not start")

    proc, base = start()
    try:
        job = httpx.post(base + "/api/merge", files=files, timeout=120).json()
        deadline = time.monotonic() + 120
        while (status := httpx.get(base + job["url"], timeout=10).json())["done"] < 20:
            assert status["state"] in ("queued", "running") and time.monotonic() < deadline, status
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the server and its reader processes, mid-merge
        proc.wait(10)
        left = {p.name for p in (data / "tmp").iterdir()}
        assert any(n.startswith("xltool-merge-") for n in left)  # the merge's working folder, in the data folder
        proc, base = start()
        now = {p.name for p in (data / "tmp").iterdir()}
        assert not left & now, left & now  # the killed server's leftovers are cleared at start
        assert all(n.startswith("pymp-") for n in now), now  # only the new server's fork server socket folder
        status = httpx.get(base + job["url"], timeout=10).json()
        assert status["state"] == "failed" and status["result"] is None and "停止" in status["error"]["message"]
        r = httpx.get(base + f"/m/{job['job']}/summary", timeout=10)
        assert r.status_code == 409
        assert not list((data / "jobs" / job["job"]).glob("out/*"))  # no half summary left behind
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)


def test_content_disposition_carries_the_chinese_name_safely() -> None:
    from urllib.parse import quote, unquote

    from xltool.web.downloads import disposition

    header = disposition('汇总 "终稿".xlsx')
    assert header.startswith('attachment; filename="xltool.xlsx"; ')
    assert unquote(header.split("filename*=UTF-8''")[1]) == '汇总 "终稿".xlsx'
    evil = disposition("a\r\nSet-Cookie: x=1.xlsx")
    assert "\r" not in evil and "\n" not in evil and quote("\r\n") in evil


def test_finished_jobs_expire_and_the_quota_is_kept(tmp_path: Path, books: dict[str, Path]) -> None:
    with make_client(tmp_path, keep_hours=1, quota_mb=1) as c:
        store = c.app.web.store  # type: ignore[attr-defined]
        done = c.post("/api/validate", files=upload(books["甲单位.xlsx"])).json()["report"].rsplit("/", 1)[1]
        running, _ = store.new("merge")
        running.state = "running"
        store.save(running)
        assert store.expire(now=time.time() + 1800) == 0  # younger than the keep time
        assert store.expire(now=time.time() + 7200) == 1
        assert store.get(done) is None and c.get(f"/v/{done}").status_code == 404
        assert store.get(running.id) is not None  # a live job is never swept away
        big = [("files", ("大.xlsx", b"PK\x03\x04" + b"\0" * 700_000))]
        r = c.post("/api/validate", files=big)  # 2 × 0.7 MB does not fit a 1 MB quota
        assert r.status_code == 507 and r.json()["error"]["code"] == "output.disk_full" and "空间" in r.json()["error"]["message"]


def test_a_second_merge_waits_with_its_queue_position(tmp_path: Path) -> None:
    # The same 150 tables as the other merges here: generated once per run (tests/run_cache.py).
    specs = run_cache.departments(tmp_path / "各单位", 150, per_workbook=(1, 2), seed=3)
    files = [("files", (p.path.name, p.path.read_bytes())) for p in specs]
    with make_client(tmp_path, workers=1) as c:
        first = c.post("/api/merge", files=files).json()
        second = c.post("/api/merge", files=files[:3]).json()
        waiting = c.get(second["url"]).json()
        assert c.get(first["url"]).json()["state"] in ("running", "done")
        assert waiting["state"] == "queued" and waiting["queue"] == 1  # one worker: the second waits, first in line
        page = c.get(f"/m/{second['job']}").text
        assert "排队等待中（前面还有 0 个任务）" in page and 'http-equiv="refresh"' in page
        assert wait_done(c, first["url"])["state"] == wait_done(c, second["url"])["state"] == "done"


def test_a_merge_cut_by_the_server_stopping_says_so_not_internal_error(tmp_path: Path) -> None:
    """SIGTERM ends the lifespan (pool shutdown), and the running merge then fails as its reader
    processes go: the job must read 'server stopped, resubmit', not 'internal server error'."""
    from xltool.web.jobs import JobPool
    from xltool.web.store import STOPPED, DataStore

    store = DataStore(tmp_path / "data")
    pool = JobPool(store, 1)
    job, folder = store.new("merge")

    def cut(_job: object, _folder: Path) -> None:
        pool.shutdown()  # what the lifespan's exit does while the merge runs
        raise RuntimeError("A process in the process pool was terminated abruptly")

    pool._run(job, folder, cut)
    saved = store.get(job.id)
    assert saved is not None and saved.state == "failed"
    assert saved.error == {"code": "job.interrupted", "message": STOPPED}


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_zip_entry_names_without_the_utf8_flag_keep_their_chinese(tmp_path: Path, encoding: str) -> None:
    """zip on macOS/Linux writes UTF-8 names, Chinese Windows tools GBK names, both without the
    UTF-8 flag: each uploaded workbook keeps the name its sender gave it (no 鍋滆溅… or σ┐½…)."""
    from xltool.web.uploads import save_uploads

    names = ["停车场费.xlsx", "EMS快递寄件费.xlsx", "大楼运行经费-保安保洁厨师帮工.xlsx"]
    raws = [n.encode(encoding) for n in names]
    book = Path("examples/split/停车场费.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # ASCII stand-ins of the same byte length: no flag set
        for i, raw in enumerate(raws):
            archive.writestr(f"{i}".ljust(len(raw), "_"), book)
    data = buffer.getvalue()
    for i, raw in enumerate(raws):
        stand_in = f"{i}".ljust(len(raw), "_").encode("ascii")
        assert data.count(stand_in) == 2  # local header and central directory
        data = data.replace(stand_in, raw)
    assert not any(info.flag_bits & 0x800 for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    folder = tmp_path / "job"
    folder.mkdir()
    saved = save_uploads([("报送.zip", io.BytesIO(data))], folder, suffixes=(".xlsx",), max_files=10,
                         max_zip_total=10**8)
    assert sorted(name for name, _ in saved.files) == sorted(names) and saved.skipped == []


def test_serve_on_a_port_in_use_says_so_in_chinese_before_announcing_anything(tmp_path: Path) -> None:
    """uvicorn words a taken port in English ("ERROR: [Errno 98] … address already in use") after the
    start-up lines were printed: serve takes the port itself first."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = cli("serve", "--port", str(port), "--data", str(tmp_path / "d"), cwd=tmp_path)
    assert r.returncode == 2 and "端口已被占用" in r.stderr and str(port) in r.stderr
    assert "已启动" not in r.stdout and not re.search(r"[A-Za-z]{4,} [a-z]{3,}", r.stderr), r.stderr
    assert "Traceback" not in r.stderr and "ERROR" not in r.stderr
    r = cli("serve", "--port", "8765", "--data", str(tmp_path / "d"), "--host", "a..b", "--token", "abcdefgh123",
            cwd=tmp_path)
    assert r.returncode == 2 and "无法解析这个地址" in r.stderr and "codec" not in r.stderr


def test_error_pages_have_a_chinese_title(client: TestClient) -> None:
    """The browser tab of an error page reads 出错了, not an empty " - 项目绩效目标表工具"."""
    html = {"accept": "text/html"}
    for r in (client.get("/no-such-page", headers=html), client.get("/m/" + "x" * 32, headers=html),
              client.post("/validate", files=[("files", ("说明.pdf", b"%PDF"))], headers=html)):
        assert r.status_code >= 400 and "<title>出错了 - 项目绩效目标表工具</title>" in r.text, r.text[:300]


def test_a_malformed_form_is_answered_in_chinese_and_logs_no_english(client: TestClient,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """python-multipart logs "Expected boundary character 45, got 103 at index 2" on the serve console."""
    import logging

    with caplog.at_level(logging.DEBUG):
        r = client.post("/api/merge", content=b"garbage", headers={"content-type": "multipart/form-data; boundary=xx"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "upload.invalid"
    assert [rec.getMessage() for rec in caplog.records if rec.name.startswith("python_multipart")] == []


def test_the_home_pages_file_pickers_offer_what_the_server_takes(client: TestClient) -> None:
    """A saved web page (.html) is importable: the import picker must offer it, not only the server accept it."""
    import re

    from xltool.web import service

    accepts = re.findall(r'accept="([^"]*)"', client.get("/").text)
    assert sorted(set(accepts)) == sorted({",".join((*service.WORKBOOKS, ".zip")),
                                           ",".join((*service.IMPORTABLE, ".zip"))})
    assert ".html" in service.IMPORTABLE and ".docx" in service.IMPORTABLE
