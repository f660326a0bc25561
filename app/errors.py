"""Domain errors → HTTP, in one place: JSON under /api, a page in the user's language elsewhere."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import pick_language, translate
from app.services.errors import Busy, DomainError, Invalid, TooManyAttempts
from app.web.deps import Redirect
from app.web.errors import error_page


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _api_language(request: Request) -> str:
    return (
        pick_language(request.headers.get("accept-language"), None)
        if request.headers.get("accept-language")
        else "en"
    )


def domain_error_body(request: Request, exc: DomainError) -> dict[str, Any]:
    message = translate(_api_language(request), exc.message, **exc.params)
    if isinstance(exc, Invalid):
        # Same shape as FastAPI's own 422s, so clients read every 422 one way.
        return {"detail": [{"loc": ["body", exc.field or ""], "msg": message, "type": "invalid"}]}
    body: dict[str, Any] = {"detail": message}
    if exc.field:
        body["field"] = exc.field
    return body


def error_headers(exc: DomainError) -> dict[str, str] | None:
    """The headers an error's answer carries, on both faces (a page that renders its own error,
    like the join form, sets them too)."""
    if exc.status_code == 401:
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, Busy | TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if _is_api(request):
            return JSONResponse(
                domain_error_body(request, exc), exc.status_code, headers=error_headers(exc)
            )
        response = error_page(request, exc.status_code, exc.message, exc.params, exc.field)
        response.headers.update(error_headers(exc) or {})
        return response

    @app.exception_handler(Redirect)
    async def _redirect(request: Request, exc: Redirect) -> Response:
        return exc.response

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, exc: PoolTimeout) -> Response:
        # Every pooled connection stayed busy for the pool's timeout: too much at once.
        return await _domain(request, Busy("Many people are doing this at once. Try again."))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or exc.status_code not in (404, 405):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
        return error_page(request, exc.status_code, "This page does not exist.", {})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            errors = [
                {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
            return JSONResponse({"detail": errors}, 422)
        fields = [str(e["loc"][-1]) for e in exc.errors() if e.get("loc")]
        return error_page(
            request, 422, "Something in the form was not valid.", {}, fields[0] if fields else None
        )
