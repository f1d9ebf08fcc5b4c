"""The JSON API: the same data as the CLI's ``--json``, for scripts and add-ins.

Errors are ``{"error": {"code", "message"}}`` with a 4xx status (see :mod:`xltool.web.app`).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from xltool.web import quick, service
from xltool.web.app import Web
from xltool.web.downloads import XLSX, bytes_download, file_download
from xltool.core.errors import XltoolError
from xltool.web.errors import JOB_PART, WebError, from_library, scrub
from xltool.web.store import UPLOADS, Job

MAX_GRID_CELLS = 2_000_000
INLINE_MAX = quick.INLINE_MAX


def int_param(value: str | None, name: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise WebError(400, "args.invalid", f"{name}应为 {low}–{high} 之间的整数")
    return number


def profile_param(value: str | None) -> str | None:
    if not value:
        return None
    if value not in dict(service.profiles()):
        names = "、".join(n for n, _ in service.profiles())
        raise WebError(400, "args.invalid", f"未知的指标体系“{value[:40]}”，可选：{names}")
    return value


async def template(web: Web, request: Request) -> Response:
    year = int_param(request.query_params.get("year"), "年度", 2000, 2100)
    profile = profile_param(request.query_params.get("profile"))
    data = await web.in_worker(service.make_template, year=year, profile=profile)
    return bytes_download(data, f"项目绩效目标表模板{year or ''}.xlsx")


async def run_validation(web: Web, request: Request) -> Job:
    """Uploads → validation → the job record holding the CLI's JSON with the user's file names."""
    length = request.headers.get("content-length") or ""
    if length.isdigit() and int(length) <= INLINE_MAX:
        return await _quick_validation(web, request, int(length))
    job, folder, saved = await web.receive_job(request, "validate", service.WORKBOOKS)
    async with discarded_on_failure(web, job):
        profile = profile_param(job.data["fields"].get("profile"))
        result = await web.in_worker(service.validate, [p for _, p in saved.files], profile=profile)
        hide = [folder / UPLOADS, folder]
        job.data.update(scrub({"files": result.files, "findings": result.findings, "notes": result.notes,
                               "skipped": result.skipped}, hide))
        job.notices += [f"已跳过 {name}：{why}" for name, why in job.data["skipped"]]
        job.state = "done"
        await web.in_thread(web.store.save, job)
    return job


@contextlib.asynccontextmanager
async def discarded_on_failure(web: Web, job: Job) -> AsyncIterator[None]:
    """A request refused after its uploads were saved (a bad field, a failed call) leaves no job folder behind."""
    try:
        yield
    except BaseException:
        web.store.discard(job.id)
        raise


async def _quick_validation(web: Web, request: Request, length: int) -> Job:
    """A small upload: the form read in memory, then stored and validated in one worker hand-off (see ``quick``)."""
    from xltool.core.errors import XltoolError

    uploads, fields = await web.receive_small(request, length)
    profile = profile_param(fields.get("profile"))
    job = web.store.reserve("validate")
    job.data["fields"] = fields
    folder = web.store.jobs_dir / job.id
    try:
        done = await web.in_worker(quick.stage_and_validate, web.store.jobs_dir, job.to_dict(), uploads,
                                   suffixes=service.WORKBOOKS, max_files=web.settings.max_files,
                                   max_zip_total=web.max_zip_total, profile=profile)
    except XltoolError as exc:  # the worker removed the job folder
        raise from_library(exc, [folder / UPLOADS, folder, web.store.root]) from None
    except WebError:  # a crashed or stopped worker leaves its folder: removed here, not by the sweeper later
        await web.in_thread(web.store.discard, job.id)
        raise
    finally:
        web.store.finished(job)
    return Job(**done)


def marked_links(job: Job) -> dict[str, str]:
    """A marked copy for every markable file that was read (made on first download)."""
    return {f["file"]: f"/v/{job.id}/marked/{i}" for i, f in enumerate(job.data["files"])
            if f["status"] == "ok" and f["file"].lower().endswith(service.MARKABLE)}


async def validate(web: Web, request: Request) -> Response:
    job = await run_validation(web, request)
    return JSONResponse({"files": job.data["files"], "findings": job.data["findings"], "marked": marked_links(job),
                         "report": f"/v/{job.id}", "notices": job.notices})


async def validate_grid(web: Web, request: Request) -> Response:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise WebError(400, "args.invalid", "请求内容不是有效的 JSON") from None
    book, sheets = _grid_request(body)
    profile = profile_param(body.get("profile"))
    result = await web.in_worker(service.validate_grid, book, sheets, profile=profile)
    return JSONResponse({"files": result.files, "findings": result.findings})


def _grid_request(body: Any) -> tuple[str, list[dict[str, Any]]]:
    """``{"book": name, "sheets": [{"name", "values": [[...]]}]}`` checked for shape and size."""
    bad = WebError(400, "args.invalid", '请求格式应为 {"book": 工作簿名称, "sheets": [{"name": 工作表名称, "values": [[单元格值, …], …]}]}')
    if not isinstance(body, dict) or not isinstance(body.get("sheets"), list) or not body["sheets"]:
        raise bad
    book = body.get("book") or "工作簿"
    if not isinstance(book, str):
        raise bad
    cells = 0
    sheets = []
    for sheet in body["sheets"]:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise bad
        values = sheet.get("values")
        if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
            raise bad
        for row in values:
            cells += len(row)
            if any(isinstance(v, (dict, list)) for v in row):
                raise bad
        sheets.append({"name": sheet["name"], "values": values})
    if cells > MAX_GRID_CELLS:
        raise WebError(413, "file.too_large", f"单元格过多（{cells} 个），超过上限 {MAX_GRID_CELLS}")
    return book[:200], sheets


async def run_import(web: Web, request: Request) -> Job:
    """Uploads → one template workbook kept in the job folder; the job holds the importer's notices."""
    job, folder, saved = await web.receive_job(request, "import", service.IMPORTABLE)
    async with discarded_on_failure(web, job):
        fields = job.data["fields"]
        profile = profile_param(fields.get("profile"))
        year = int_param(fields.get("year"), "年度", 2000, 2100)
        output = folder / "out" / "导入结果.xlsx"
        await web.in_thread(output.parent.mkdir, exist_ok=True)
        name = (Path(saved.files[0][0]).stem + "_导入.xlsx") if len(saved.files) == 1 else "导入结果.xlsx"
        try:
            projects, notices, incomplete = await web.in_worker(service.import_tables, [p for _, p in saved.files],
                                                                output, profile=profile, year=year)
        except XltoolError as exc:  # a table naming no project: the refusal offers its layout file
            err = from_library(exc, [web.store.root])
            err.layouts = await web.in_thread(_layout_files, output, name, web.store.root)
            if err.layouts:  # the message names the file as the user downloads it
                err.message = err.message.replace(f"{output.stem}.版式", f"{Path(name).stem}.版式")
            raise err from None
        job.notices += scrub(notices, [folder / UPLOADS, folder])
        layouts = await web.in_thread(_layout_files, output, name, web.store.root)
        if layouts:  # titles not understood: the workbook and the layout file to fill in, together
            zipped = output.with_suffix(".zip")
            data = _zipped([(name, output.read_bytes())] + [(n, t.encode("utf-8")) for n, t in layouts])
            await web.in_thread(zipped.write_bytes, data)
            name = Path(name).stem + ".zip"
            job.result = zipped.name
        else:
            job.result = output.name
        job.data.update({"projects": projects, "incomplete": incomplete, "name": name})
        job.state = "done"
        await web.in_thread(web.store.save, job)
    return job


def import_json(job: Job) -> dict[str, Any]:
    """What ``xltool import`` prints: projects imported, every notice; and where the workbook is."""
    return {"projects": job.data["projects"], "incomplete": job.data["incomplete"], "notices": job.notices,
            "file": job.data["name"], "download": f"/i/{job.id}/result", "report": f"/i/{job.id}"}


async def import_tables(web: Web, request: Request) -> Response:
    return JSONResponse(import_json(await run_import(web, request)))


async def import_download(web: Web, request: Request) -> Response:
    job = find_job(web, request, "import")
    folder = web.store.folder(job.id)
    if folder is None or not (folder / "out" / (job.result or "")).is_file():
        raise WebError(404, "not_found", "任务不存在或已过期（结果保存一段时间后会自动删除）")
    media = "application/zip" if job.result.endswith(".zip") else XLSX
    return file_download(folder / "out" / job.result, job.data["name"], media_type=media)


def _layout_files(output: Path, name: str, root: Path) -> list[tuple[str, str]]:
    """The layout files import wrote beside ``output`` (apps/layout_files.py), named after the download,
    the server's folders taken out of the source named in them."""
    found = sorted(output.parent.glob(f"{output.stem}.版式*.toml"))
    return [(Path(name).stem + f.name[len(output.stem):], JOB_PART.sub("", scrub(f.read_text(encoding="utf-8"), [root])))
            for f in found]


def _zipped(files: list[tuple[str, bytes]]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


async def start_merge(web: Web, request: Request) -> Job:
    job, folder, saved = await web.receive_job(request, "merge", service.WORKBOOKS)
    async with discarded_on_failure(web, job):
        job.total = len(saved.files)
        await web.in_thread(web.store.save, job)
        web.pool.submit_merge(job, folder)
    return job


async def merge(web: Web, request: Request) -> Response:
    job = await start_merge(web, request)
    return JSONResponse({"job": job.id, "url": f"/api/jobs/{job.id}"}, status_code=202)


def job_json(web: Web, job: Job) -> dict[str, Any]:
    result = f"/m/{job.id}/summary" if job.state == "done" and job.result else None
    data = {"state": job.state, "done": job.done, "total": job.total, "result": result, "error": job.error,
            "queue": web.pool.position(job.id)}
    if job.state == "done":
        data["summary"] = {k: job.data.get(k) for k in ("files", "merged", "projects", "indicators", "findings",
                                                          "problems", "duplicates")}
    return data


def find_job(web: Web, request: Request, kind: str) -> Job:
    job = web.store.get(request.path_params["id"])
    if job is None or job.kind != kind:
        raise WebError(404, "not_found", "任务不存在或已过期（结果保存一段时间后会自动删除）")
    return job


async def job_status(web: Web, request: Request) -> Response:
    return JSONResponse(job_json(web, find_job(web, request, "merge")), headers={"Cache-Control": "no-store"})


async def summary(web: Web, request: Request) -> Response:
    job = find_job(web, request, "merge")
    folder = web.store.folder(job.id)
    if job.state != "done" or not job.result or folder is None:
        raise WebError(409, "job.not_done", "汇总尚未完成，完成后才能下载")
    return file_download(folder / "out" / job.result, job.result)


ROUTES = [
    ("/api/template.xlsx", template, ["GET"]),
    ("/api/validate", validate, ["POST"]),
    ("/api/validate-grid", validate_grid, ["POST"]),
    ("/api/import", import_tables, ["POST"]),
    ("/api/merge", merge, ["POST"]),
    ("/api/jobs/{id}", job_status, ["GET"]),
    ("/m/{id}/summary", summary, ["GET"]),
]
