"""Error pages in the user's language."""

from typing import Any

from fastapi import Request, Response

from app.web.common import language, render


def error_page(
    request: Request,
    status: int,
    message: str,
    params: dict[str, Any],
    field: str | None = None,
) -> Response:
    """The message, and the form field to fix when one is to blame."""
    return render(
        request,
        "error.html",
        lang=language(request),
        status_code=status,
        message=message,
        params=params,
        status=status,
        field=field,
    )
