"""The application factory and the pieces every route shares (settings, uploads into a job, errors).

Routes are thin: they turn a request into a call of :mod:`xltool.web.service` in a
worker thread and the result into JSON (``api``) or a page (``pages``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response

from xltool.core.errors import XltoolError
from xltool.web.errors import INTERNAL, WebError, error_response, from_library
from xltool.web.store import UPLOADS, DataStore, Job, Sweeper
from xltool.web.workers import Workers
from xltool.web.uploads import Saved, UploadTooLarge, save_uploads, too_large_message

HERE = Path(__file__).resolve().parent


@dataclass
class Settings:
    data: Path
    token: str | None = None
    max_upload_mb: int = 200
    max_files: int = 200
    workers: int = 2
    keep_hours: float = 24.0
    quota_mb: int = 4096
    merge_jobs: int | None = None  # reader processes per merge (None: the library's default)
    mounts: tuple[tuple[str, Path], ...] = ()  # extra static folders, e.g. ("/wps", the WPS add-in)

    @property
    def max_upload(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Web:
    """What the routes need: settings, the data store, the job pool, the templates, a thread limiter."""

    def __init__(self, settings: Settings) -> None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        from xltool.web.jobs import JobPool

        self.settings = settings
        self.store = DataStore(settings.data, keep_seconds=settings.keep_hours * 3600,
                               quota_bytes=settings.quota_mb * 1024 * 1024)
        self.pool = JobPool(self.store, settings.workers, settings.merge_jobs)
        self.sweeper = Sweeper(self.store)
        self.limiter = anyio.CapacityLimiter(max(2, settings.workers * 2))
        self.workers = Workers(settings.workers)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))

    async def in_thread(self, func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Light work (a page of rules, a findings file) in a server thread."""
        return await anyio.to_thread.run_sync(lambda: func(*args, **kw), limiter=self.limiter)

    async def in_worker(self, func: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """A library call (validate, import, mark, preview) in a worker process."""
        return await self.workers.run(func, *args, **kw)

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    @property
    def max_zip_total(self) -> int:
        """Bytes a .zip may unpack to."""
        return max(self.settings.max_upload * 4, 64 * 1024 * 1024)

    async def receive_small(self, request: Request, length: int) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
        """The files (name, bytes) and fields of a form of at most ``quick.INLINE_MAX`` bytes, read in memory.

        The limits are those of :meth:`receive_job` (body size while streaming, file and
        field counts); the files are stored later by whoever processes them.
        """
        try:
            if self.store.room_cached(length * 2):
                self.store.check_room(length * 2)  # one statvfs: no thread hop needed
            else:
                await self.in_thread(self.store.check_room, length * 2)
        except XltoolError as exc:
            raise WebError(507, "output.disk_full", exc.message) from None
        try:
            async with request.form(max_files=self.settings.max_files + 1, max_fields=50,
                                    max_part_size=64 * 1024) as form:
                from starlette.datastructures import UploadFile

                uploads = []
                for item in form.getlist("files"):
                    if isinstance(item, UploadFile):
                        item.file.seek(0)
                        uploads.append((item.filename or "", item.file.read()))
                fields = {k: v for k, v in form.items() if isinstance(v, str)}
        except UploadTooLarge:
            raise WebError(413, "upload.too_large", too_large_message(self.settings.max_upload)) from None
        except HTTPException:
            raise WebError(400, "upload.invalid",
                           f"上传的表单无效：文件过多（一次最多 {self.settings.max_files} 个）或格式不正确") from None
        return uploads, fields

    async def receive_job(self, request: Request, kind: str, suffixes: tuple[str, ...]) -> tuple[Job, Path, Saved]:
        """A new job folder with the request's uploads in it, or a WebError (the folder is then removed)."""
        try:  # expiry runs in the sweeper thread: nothing here grows with the number of jobs kept
            await self.in_thread(self.store.check_room, int(request.headers.get("content-length") or 0) * 2)
        except XltoolError as exc:
            raise WebError(507, "output.disk_full", exc.message) from None
        job, folder = await self.in_thread(self.store.new, kind)  # file work off the event loop
        try:
            async with request.form(max_files=self.settings.max_files + 1, max_fields=50,
                                    max_part_size=64 * 1024) as form:
                from starlette.datastructures import UploadFile

                files = [(u.filename or "", u.file) for u in form.getlist("files") if isinstance(u, UploadFile)]
                saved = await self.in_thread(save_uploads, files, folder / UPLOADS, suffixes=suffixes,
                                             max_files=self.settings.max_files,
                                             max_zip_total=self.max_zip_total)
                fields = {k: v for k, v in form.items() if isinstance(v, str)}
        except UploadTooLarge:
            await self.in_thread(self.store.discard, job.id)
            raise WebError(413, "upload.too_large", too_large_message(self.settings.max_upload)) from None
        except ClientDisconnect:
            await self.in_thread(self.store.discard, job.id)
            raise
        except XltoolError as exc:
            await self.in_thread(self.store.discard, job.id)
            raise from_library(exc, [folder / UPLOADS, folder]) from None
        except HTTPException:
            await self.in_thread(self.store.discard, job.id)
            raise WebError(400, "upload.invalid",
                           f"上传的表单无效：文件过多（一次最多 {self.settings.max_files} 个）或格式不正确") from None
        except BaseException:
            self.store.discard(job.id)
            raise
        job.files = [name for name, _ in saved.files]
        job.notices = [f"已忽略 {name}：{why}" for name, why in saved.skipped]
        job.data["fields"] = fields
        return job, folder, saved


def guarded(handler: Callable[[Web, Request], Awaitable[Response]], web: Web, *, html: bool) -> Callable:
    """Every failure a user can cause becomes a Chinese error (JSON for the API, a page otherwise)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(web, request)
        except WebError as err:
            return _error(web, err, html)
        except XltoolError as exc:
            return _error(web, from_library(exc, [web.store.root]), html)
        except ClientDisconnect:
            return Response(status_code=400)
        except UploadTooLarge:  # a body without Content-Length that outgrew the limit outside a file upload
            return _error(web, WebError(413, "upload.too_large", too_large_message(web.settings.max_upload)), html)
        except Exception:  # noqa: BLE001 - never a traceback to the client
            import os
            if os.environ.get("XLTOOL_DEBUG"):
                raise
            return _error(web, WebError(500, "internal", INTERNAL), html)

    return endpoint


def _error(web: Web, err: WebError, html: bool) -> Response:
    if html:
        return web.page("error.html", status=err.status, title="出错了", code=err.code, message=err.message,
                        layouts=err.layouts)
    return error_response(err.status, err.code, err.message, err.layouts)
