"""Request checks every route relies on: the token, same-origin POSTs, and the security headers.

A server on a government intranet: with a token, every request must carry it (the
printed link sets a SameSite=Strict cookie; scripts send ``Authorization: Bearer``);
a POST whose Origin is another site is refused, so a page elsewhere cannot make a
colleague's browser upload or start jobs here.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xltool.web.errors import error_for

COOKIE = "xltool_token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return ""


class Security:
    """ASGI middleware: headers on every response, token check, cross-origin POSTs refused."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        if scope["method"] in UNSAFE and not self._same_origin(scope):
            await error_for(scope, 403, "request.cross_origin", "拒绝来自其他网站的请求")(scope, receive, with_headers)
            return
        if self.token:
            given = self._query_token(scope)
            if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
                await self._set_cookie_and_redirect(scope, with_headers)
                return
            if not self._authorised(scope):
                await error_for(scope, 401, "auth.required",
                                     "需要访问口令：请使用管理员提供的完整链接打开本页，或在请求头中提供 Authorization: Bearer 口令"
                                     )(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)

    def _same_origin(self, scope: Scope) -> bool:
        """No Origin (a script) or the Origin of this very host; browsers always send Origin on POST."""
        origin = _header(scope, b"origin")
        site = _header(scope, b"sec-fetch-site")
        if site:  # browsers say where the request comes from; Origin may then be "null"
            return site in ("same-origin", "none")
        if not origin:
            return True
        host = _header(scope, b"host")
        scheme = scope.get("scheme", "http")
        return origin in (f"{scheme}://{host}",)

    def _authorised(self, scope: Scope) -> bool:
        assert self.token is not None
        auth = _header(scope, b"authorization")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(), self.token.encode()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(_header(scope, b"cookie"))
        except Exception:  # a malformed cookie header is simply no token
            return False
        morsel = cookie.get(COOKIE)
        return morsel is not None and hmac.compare_digest(morsel.value.encode(), self.token.encode())

    @staticmethod
    def _query_token(scope: Scope) -> str | None:
        if scope["method"] != "GET":
            return None
        for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
            if key == "token":
                return value
        return None

    async def _set_cookie_and_redirect(self, scope: Scope, send: Send) -> None:
        """The printed link's token becomes a cookie; the address bar loses it at once."""
        rest = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k != "token"]
        location = quote(scope.get("path", "/")) + (("?" + urlencode(rest)) if rest else "")
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode()),
                                (b"cache-control", b"no-store"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
