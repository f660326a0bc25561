"""What every page route needs: render with language and CSRF token, and the answers after a
change (a facilitator's, a phone's)."""

import secrets
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.i18n import pick_language
from app.models import Item, Workshop
from app.numbers import MAX_ID, whole_number
from app.security import CSRF_FIELD, CSRF_HEADER
from app.services.auth import Principal
from app.services.errors import DomainError, Forbidden, Invalid
from app.web.templating import templates
from app.web.views import participant_view

LANG_COOKIE = "ks_lang"


def language(request: Request, workshop: Workshop | None = None) -> str:
    choice = request.cookies.get(LANG_COOKIE) or request.query_params.get("lang")
    if choice is None and workshop is not None:
        choice = workshop.language
    return pick_language(request.headers.get("accept-language"), choice)


def render(
    request: Request,
    template: str,
    *,
    lang: str,
    status_code: int = 200,
    block: str | None = None,
    **context: Any,
) -> Response:
    context.update(
        lang=lang,
        csrf_token=request.state.csrf_token,
        path=request.url.path,
    )
    if block is not None:
        return templates.TemplateResponse(
            request, template, context, status_code=status_code, block_name=block
        )
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def form_int(raw: str | None, field: str, *, low: int = -MAX_ID) -> int | None:
    """A whole number typed into (or sent by) a form: None when the field is empty; anything else
    that is not a whole number from `low` to MAX_ID ("²", 5,000 digits, an id past PostgreSQL's
    integer) is refused naming the field, before it changes anything."""
    if not (raw or "").strip():
        return None
    number = whole_number(raw)
    if number is None or number < low:
        raise Invalid("Write a whole number.", field=field)
    return number


def form_id(raw: str | None, field: str) -> int | None:
    """A row's id from a form (a focus area, a note): a whole number from 1 to MAX_ID, or None."""
    return form_int(raw, field, low=1)


def panel_block(request: Request) -> str | None:
    """HTMX asks for the page's panel only (a live update, a reconnect); a browser for the page."""
    return "panel" if request.headers.get("hx-request") else None


async def check_csrf(request: Request) -> None:
    """Every state-changing HTML request carries the CSRF token of this browser, in a form field
    (plain forms) or a header (HTMX, set once on <body>)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.state.csrf_token
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if (
        not request.state.csrf_cookie_present
        or not sent
        or not secrets.compare_digest(sent, expected)
    ):
        raise Forbidden("The form had expired. Reload the page and try again.")
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host"):
        raise Forbidden("The form had expired. Reload the page and try again.")


def workshop_path(request: Request, page: str) -> str:
    """/w/<slug>/<page> of the workshop this request is about."""
    return f"/w/{request.path_params['slug']}/{page}"


def facilitator_done(request: Request) -> Response:
    """After a facilitator's change: HTMX needs nothing back (the SSE stream updates every screen,
    this one too); a plain form post goes back to the page."""
    if request.headers.get("hx-request"):
        return Response(status_code=204)
    return RedirectResponse(workshop_path(request, "facilitate"), status_code=303)


def _phone_panel(
    request: Request,
    principal: Principal,
    area_id: int | None,
    error: DomainError | None,
    form: dict[str, object] | None,
    item_id: int | None,
) -> Response:
    htmx = bool(request.headers.get("hx-request"))
    with reading() as session:
        if area_id is None and item_id is not None:
            # Back to the tab of the note just changed (if it is still there).
            item = session.get(Item, item_id)
            area_id = item.focus_area_id if item is not None else None
        view = participant_view(session, principal, principal.workshop_id, area_id)
    return render(
        request,
        "participant.html",
        lang=language(request, view.workshop),
        block="panel" if htmx else None,
        status_code=200 if htmx or error is None else error.status_code,
        v=view,
        error=error,
        form=form,
    )


async def phone_answer(
    request: Request,
    principal: Principal,
    area_id: int | None = None,
    error: DomainError | None = None,
    form: dict[str, object] | None = None,
    item_id: int | None = None,
) -> Response:
    """After a phone's change: HTMX gets the phone's panel (with the error and what was typed,
    as 200, since HTMX swaps only 2xx answers); a plain post is redirected, or on an error gets
    the page with the real status code."""
    if not request.headers.get("hx-request") and error is None:
        suffix = f"?area={area_id}" if area_id else ""
        return RedirectResponse(workshop_path(request, "p") + suffix, status_code=303)
    return await run_in_threadpool(_phone_panel, request, principal, area_id, error, form, item_id)
