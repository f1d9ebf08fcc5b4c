"""Errors as the web layer shows them: JSON ``{"error": {"code", "message"}}`` or a Chinese page, never a path or traceback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse

from xltool.core.errors import XltoolError

INTERNAL = "服务器内部错误，请稍后再试；如反复出现，请把操作步骤告诉管理员"
JOB_PART = re.compile(r"jobs[\\/][A-Za-z0-9_-]{20,}[\\/](?:报送文件[\\/]|out[\\/])?")
_ABSOLUTE = re.compile(r"(?:[A-Za-z]:)?[\\/](?:[^\s\\/：，。；、（）“”]+[\\/])+")


class WebError(Exception):
    """A refusal with an HTTP status, a stable code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.layouts: list[tuple[str, str]] = []  # (name, text) of layout files an import refusal offers


def error_response(status: int, code: str, message: str, layouts: list[tuple[str, str]] | None = None) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if layouts:
        error["layouts"] = [{"name": name, "text": text} for name, text in layouts]
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store"})


def scrub(value: Any, folders: list[Path]) -> Any:
    """Replace server folders in every string of ``value`` by nothing (names stay relative to the upload)."""
    forms = sorted({f"{form}/" for folder in folders for form in (str(folder), str(folder.resolve()))}, key=len,
                   reverse=True)
    forms += [form[:-1] for form in forms]
    return _scrub(value, forms)


def _scrub(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        if "/" in value or "\\" in value:
            for form in forms:
                value = value.replace(form, "")
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, forms) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub(v, forms) for v in value)
    return value


def no_paths(text: str) -> str:
    """Last line of defence: strip anything that still looks like an absolute path."""
    return _ABSOLUTE.sub("", text)


def from_library(exc: XltoolError, folders: list[Path]) -> WebError:
    from xltool.web.service import error_code

    message = JOB_PART.sub("", scrub(exc.describe(), folders))
    status = 413 if error_code(exc) == "file.too_large" else 400
    if error_code(exc) == "output.disk_full":  # the code, never the wording, decides
        return WebError(507, "output.disk_full", no_paths(message))
    return WebError(status, error_code(exc), no_paths(message))


_PAGE = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>出错了</title>'
         '<link rel="stylesheet" href="/static/style.css"></head><body><main><h1>出错了</h1>'
         '<p class="error-box">{message}</p><p class="muted">错误代码：{code}</p><p><a href="/">返回首页</a></p>'
         '</main></body></html>')


def error_for(scope: Any, status: int, code: str, message: str) -> Any:
    """The error as the client reads it: a page for a browser's page request, JSON for the API and scripts."""
    from html import escape

    from starlette.responses import HTMLResponse

    accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
    if scope.get("path", "").startswith("/api/") or "text/html" not in accept:
        return error_response(status, code, message)
    return HTMLResponse(_PAGE.format(message=escape(message), code=escape(code)), status_code=status,
                        headers={"Cache-Control": "no-store"})
