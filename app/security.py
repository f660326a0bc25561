"""ASGI middleware that every page and route gets: body size limits, CSRF cookie, and security
headers (pages run under script-src 'self'). Pure ASGI so SSE streams pass through untouched.

Caching: every answer but a static file is `Cache-Control: no-store`. Pages, API answers, exports
and streams hold notes, join codes or secret links, and a shared laptop's browser cache or a proxy
must keep none of them; deciding it here, once, means a new route cannot forget it."""

import json
import re
import secrets
from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "ks_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
STATIC_PREFIX = "/static/"  # the only files a cache may keep (they are addressed by content hash)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def cookies_of(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header must not break the page
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, max_body: int, max_upload: int, secure_cookies: bool = False
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload + 64 * 1024 if "import" in scope["path"] else self.max_body
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or len(length) > 15 or int(length) > limit):
            await _too_large(send)
            return

        # The JSON API uses Bearer tokens only: no CSRF cookie to read or hand out there (and no
        # random bytes to draw on the room's hot path).
        api = scope["path"].startswith("/api/")
        token = "" if api else cookies_of(scope).get(CSRF_COOKIE, "")
        is_new = not api and not _TOKEN_RE.match(token)
        if is_new:
            token = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_token"] = token
        scope["state"]["csrf_cookie_present"] = not is_new

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        static = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if is_new:
                    # Lax, not Strict: a Strict cookie is not sent when someone arrives from a
                    # link in mail, a fresh token would replace it, and every open tab of that
                    # browser would send a stale one. The double-submit check still holds.
                    cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
                    if self.secure:
                        cookie += "; Secure"
                    extra.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers + extra
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = json.dumps({"detail": "Request too large."}).encode()
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
