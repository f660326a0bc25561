"""What every page route needs: render with language and CSRF token, and who is asking.

Each role keeps its token in its own HttpOnly cookie per workshop, so a facilitator's laptop can
show the facilitator page and the board side by side. A secret link (`?key=`) is exchanged for the
cookie and then redirected away, so the secret never stays in the address bar on the projector.
"""

import secrets
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.config import get_settings
from app.i18n import pick_language
from app.models import Workshop
from app.security import CSRF_FIELD, CSRF_HEADER
from app.services.auth import Principal, Role, resolve
from app.services.errors import DomainError, Forbidden, NotFound, Unauthorized
from app.web.templating import templates

LANG_COOKIE = "ks_lang"
COOKIE_MAX_AGE = 60 * 60 * 24 * 120  # a workshop plus its follow-up months


def role_cookie(workshop_id: int, role: Role) -> str:
    return f"ks_{workshop_id}_{role.value}"


def set_role_cookie(response: Response, workshop_id: int, role: Role, token: str) -> None:
    response.set_cookie(
        role_cookie(workshop_id, role),
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
    )


def language(request: Request, workshop: Workshop | None = None) -> str:
    choice = request.cookies.get(LANG_COOKIE) or request.query_params.get("lang")
    if choice is None and workshop is not None:
        choice = workshop.language
    return pick_language(request.headers.get("accept-language"), choice)


def base_url(request: Request) -> str:
    configured = get_settings().public_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")


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


def page_principal(request: Request, session: Session, workshop_id: int, *roles: Role) -> Principal:
    """The first of `roles` whose cookie for this workshop holds a valid token."""
    for role in roles:
        token = request.cookies.get(role_cookie(workshop_id, role))
        if not token:
            continue
        try:
            principal = resolve(session, token)
        except Unauthorized:
            continue
        if principal.workshop_id == workshop_id and principal.role is role:
            return principal
    raise Unauthorized("This page needs the link you were given. Open it again.")


def exchange_key(
    request: Request, session: Session, workshop_id: int, roles: tuple[Role, ...]
) -> Response | None:
    """`?key=` in the address: swap it for the role cookie and come back without it."""
    key = request.query_params.get("key")
    if not key:
        return None
    principal = resolve(session, key)
    if principal.workshop_id != workshop_id:
        raise NotFound("No such workshop.")
    if principal.role not in roles:
        raise Forbidden("This link does not open this page.")
    response = RedirectResponse(request.url.path, status_code=303)
    set_role_cookie(response, workshop_id, principal.role, key)
    return response


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


def facilitator_done(request: Request, workshop_id: int) -> Response:
    """After a facilitator's change: HTMX needs nothing back (the SSE stream updates every screen,
    this one too); a plain form post goes back to the page."""
    if request.headers.get("hx-request"):
        return Response(status_code=204)
    return RedirectResponse(f"/w/{workshop_id}/facilitate", status_code=303)


def phone_answer(
    request: Request,
    session: Session,
    workshop_id: int,
    area_id: int | None = None,
    error: DomainError | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    """After a phone's change: HTMX gets the phone's panel (with the error and what was typed,
    as 200, since HTMX swaps only 2xx answers); a plain post is redirected, or on an error gets
    the page with the real status code."""
    from app.web.views import participant_view

    htmx = bool(request.headers.get("hx-request"))
    if not htmx and error is None:
        suffix = f"?area={area_id}" if area_id else ""
        return RedirectResponse(f"/w/{workshop_id}/p{suffix}", status_code=303)
    principal = page_principal(request, session, workshop_id, Role.participant)
    view = participant_view(session, principal, workshop_id, area_id)
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
