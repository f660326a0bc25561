"""Error pages in the user's language."""

from typing import Any

from fastapi import Request, Response

from app.web.common import language, render


def error_page(request: Request, status: int, message: str, params: dict[str, Any]) -> Response:
    return render(
        request,
        "error.html",
        lang=language(request),
        status_code=status,
        message=message,
        params=params,
        status=status,
    )
