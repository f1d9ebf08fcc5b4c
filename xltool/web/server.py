"""The ASGI application: the routes of ``api`` and ``pages`` behind the body limit and the security checks."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from xltool.web import api, pages
from xltool.web.app import HERE, Settings, Web, guarded
from xltool.web.errors import error_response
from xltool.web.security import Security
from xltool.web.uploads import BodyLimit


def create_app(settings: Settings) -> Any:
    """The ASGI application: security and body limit around the Starlette routes."""
    web = Web(settings)
    # The form parser logs every malformed upload in English before raising; the raise becomes a
    # Chinese answer (upload.invalid), so the line on the console of `xltool serve` says nothing more.
    logging.getLogger("python_multipart").setLevel(logging.CRITICAL)
    routes = [Route(path, guarded(handler, web, html=False), methods=methods) for path, handler, methods in api.ROUTES]
    routes += [Route(path, guarded(handler, web, html=True), methods=methods) for path, handler, methods in pages.ROUTES]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    routes += [Mount(prefix, StaticFiles(directory=folder, html=True)) for prefix, folder in settings.mounts]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        message = "请求方法不被允许" if status == 405 else "页面不存在或已过期（结果保存一段时间后会自动删除）"
        if request.url.path.startswith("/api/"):
            return error_response(status, "not_found" if status == 404 else "method", message)
        return web.page("error.html", status=status, title="出错了", code="not_found", message=message)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        if not web.sweeper.is_alive():
            web.sweeper.start()
        threading.Thread(target=web.workers.start, name="xltool-workers-start", daemon=True).start()
        try:
            yield
        finally:
            web.sweeper.stopped.set()
            web.pool.shutdown()
            web.workers.shutdown()

    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found}, lifespan=lifespan)
    app.state.web = web
    outer = Security(BodyLimit(app, settings.max_upload), settings.token)
    outer.web = web  # type: ignore[attr-defined]  (tests and the benchmark look inside)
    return outer
