"""The HTML pages: plain forms that work with JavaScript off; script only adds live progress."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from xltool.core.grid import cell_ref, column_letter, split_ref
from xltool.core.names import UNNAMED_PROJECT
from xltool.web import api, service
from xltool.web.app import Web
from xltool.web.downloads import LEVELS, bytes_download, file_download, findings_csv, findings_xlsx
from xltool.web.errors import WebError, from_library
from xltool.web.store import UPLOADS, Job

RANK = {"error": 0, "warning": 1, "info": 2}


async def home(web: Web, request: Request) -> Response:
    year = dt.date.today().year + 1
    return web.page("home.html", title="首页", profiles=service.profiles(), year=year,
                    max_mb=web.settings.max_upload_mb, max_files=web.settings.max_files,
                    # the file pickers offer what the server takes (service's lists), and a .zip of them
                    accept_workbooks=",".join((*service.WORKBOOKS, ".zip")),
                    accept_import=",".join((*service.IMPORTABLE, ".zip")))


async def rules(web: Web, request: Request) -> Response:
    return web.page("rules.html", title="规则", rules=await web.in_thread(service.rules_catalogue), levels=LEVELS)


async def validate(web: Web, request: Request) -> Response:
    job = await api.run_validation(web, request)
    return RedirectResponse(f"/v/{job.id}", status_code=303)


def grouped(job: Job) -> list[dict[str, Any]]:
    """Files → sheets → projects → findings, in the order the files were uploaded."""
    by_file: dict[str, Any] = OrderedDict()
    for index, status in enumerate(job.data["files"]):
        by_file[status["file"]] = {"index": index, "status": status, "sheets": OrderedDict(),
                                   "notes": job.data.get("notes", {}).get(status["file"], []),
                                   "counts": {"error": 0, "warning": 0, "info": 0}}
    for f in job.data["findings"]:
        entry = by_file.get(f["file"])
        if entry is None:
            continue
        entry["counts"][f["severity"]] = entry["counts"].get(f["severity"], 0) + 1
        sheet = entry["sheets"].setdefault(f["sheet"] or "（整个工作簿）", OrderedDict())
        sheet.setdefault(f["project"] or UNNAMED_PROJECT, []).append(f)
    return list(by_file.values())


async def result(web: Web, request: Request) -> Response:
    job = api.find_job(web, request, "validate")
    counts = {k: sum(1 for f in job.data["findings"] if f["severity"] == k) for k in RANK}
    return web.page("result.html", title="校验结果", job=job, files=grouped(job), counts=counts, levels=LEVELS,
                    marked=api.marked_links(job))


def _upload_path(web: Web, job: Job, index: int) -> tuple[str, Path]:
    try:
        name = job.data["files"][index]["file"]
    except (IndexError, KeyError):
        raise WebError(404, "not_found", "文件不存在") from None
    folder = web.store.folder(job.id)
    if folder is None:
        raise WebError(404, "not_found", "任务不存在或已过期")
    path = (folder / UPLOADS / name).resolve()
    if not path.is_relative_to((folder / UPLOADS).resolve()):
        raise WebError(404, "not_found", "文件不存在")
    return name, path


def _index(request: Request, key: str = "index") -> int:
    value = request.path_params.get(key) if key in request.path_params else request.query_params.get(key)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise WebError(404, "not_found", "文件不存在") from None


async def marked(web: Web, request: Request) -> Response:
    job = api.find_job(web, request, "validate")
    name, source = _upload_path(web, job, _index(request))
    if name not in api.marked_links(job):
        raise WebError(400, "file.not_markable", "只能标注 .xlsx/.xlsm 工作簿；请先在 Excel 或 WPS 中另存为 .xlsx")
    folder = web.store.folder(job.id)
    assert folder is not None
    stem, suffix = Path(name).stem, Path(name).suffix
    output = folder / "out" / f"marked-{_index(request)}{suffix}"
    if not output.exists():
        output.parent.mkdir(exist_ok=True)
        findings = [f for f in job.data["findings"] if f["file"] == name]
        # Findings name the file as the user knows it; marking needs the path only for the source.
        await web.in_worker(service.mark, source, findings, output)
    return file_download(output, f"{stem}_标注{suffix}")


async def findings_download(web: Web, request: Request) -> Response:
    job = api.find_job(web, request, "validate")
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise WebError(404, "not_found", "页面不存在")
    if kind == "csv":
        return bytes_download(findings_csv(job.data["findings"]), "问题清单.csv", "text/csv; charset=utf-8")
    return bytes_download(await web.in_thread(findings_xlsx, job.data["findings"]), "问题清单.xlsx")


async def preview(web: Web, request: Request) -> Response:
    job = api.find_job(web, request, "validate")
    index = _index(request, "f")
    name, path = _upload_path(web, job, index)
    sheet = request.query_params.get("sheet", "")
    cell = request.query_params.get("cell", "").upper()
    try:
        target = split_ref(cell) if cell else None
    except (ValueError, KeyError, IndexError):
        target = None
    try:
        data = await web.in_worker(service.sheet_preview, path, sheet, max_rows=max(120, (target or (0, 0))[0] + 10))
    except Exception as exc:  # noqa: BLE001
        from xltool.core.errors import XltoolError
        if isinstance(exc, XltoolError):
            raise from_library(exc, [path.parent]) from None
        raise
    here = [f for f in job.data["findings"] if f["file"] == name and f["sheet"] == sheet and f["cell"] == cell]
    return web.page("preview.html", title=f"{sheet} {cell}", job=job, name=name, sheet=sheet, cell=cell,
                    table=_table(data, target), findings=here, levels=LEVELS, note=data["notes"].get(target) if target else None,
                    truncated=data["truncated"])


def _table(data: dict[str, Any], target: tuple[int, int] | None) -> dict[str, Any]:
    """Rows of cells with rowspan/colspan from merged ranges; cells hidden under a merge are left out."""
    covered: set[tuple[int, int]] = set()
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r1, c1, r2, c2 in data["merged"]:
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1))
    hit = target
    if target is not None:  # a finding on a covered cell highlights the merge that shows it
        for r1, c1, r2, c2 in data["merged"]:
            if r1 <= target[0] <= r2 and c1 <= target[1] <= c2:
                hit = (r1, c1)
    rows = []
    for r in range(1, data["rows"] + 1):
        cells = []
        for c in range(1, data["cols"] + 1):
            if (r, c) in covered:
                continue
            rowspan, colspan = spans.get((r, c), (1, 1))
            cells.append({"ref": cell_ref(r, c), "text": _show(data["values"].get((r, c))), "rowspan": rowspan,
                          "colspan": colspan, "hit": (r, c) == hit, "note": (r, c) in data["notes"]})
        rows.append({"number": r, "cells": cells})
    return {"columns": [column_letter(c) for c in range(1, data["cols"] + 1)], "rows": rows}


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    return str(value)


async def import_form(web: Web, request: Request) -> Response:
    job = await api.run_import(web, request)
    return RedirectResponse(f"/i/{job.id}", status_code=303)


async def import_page(web: Web, request: Request) -> Response:
    """The import's result: the download and every notice ``xltool import`` prints."""
    job = api.find_job(web, request, "import")
    return web.page("import.html", title="导入结果", job=job, info=api.import_json(job))


async def merge(web: Web, request: Request) -> Response:
    job = await api.start_merge(web, request)
    return RedirectResponse(f"/m/{job.id}", status_code=303)


async def job_page(web: Web, request: Request) -> Response:
    job = api.find_job(web, request, "merge")
    return web.page("job.html", title="汇总", job=job, info=api.job_json(web, job))


async def events(web: Web, request: Request) -> Response:
    """Server-sent events: the job's state whenever it changes, until it is done or failed."""
    job = api.find_job(web, request, "merge")

    async def stream() -> Any:
        last = None
        while True:
            status = api.job_json(web, web.store.get(job.id) or job)
            text = json.dumps(status, ensure_ascii=False)
            if text != last:
                last = text
                yield f"data: {text}\n\n"
            if status["state"] in ("done", "failed") or await request.is_disconnected():
                return
            await asyncio.sleep(0.3)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


ROUTES = [
    ("/", home, ["GET"]),
    ("/rules", rules, ["GET"]),
    ("/validate", validate, ["POST"]),
    ("/v/{id}", result, ["GET"]),
    ("/v/{id}/marked/{index}", marked, ["GET"]),
    ("/v/{id}/findings.{kind:str}", findings_download, ["GET"]),
    ("/v/{id}/preview", preview, ["GET"]),
    ("/import", import_form, ["POST"]),
    ("/i/{id}", import_page, ["GET"]),
    ("/i/{id}/result", api.import_download, ["GET"]),
    ("/merge", merge, ["POST"]),
    ("/m/{id}", job_page, ["GET"]),
    ("/m/{id}/events", events, ["GET"]),
]
