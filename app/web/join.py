"""Joining from a phone (works without JavaScript), and the phone's own page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.errors import error_headers
from app.links import page_path
from app.models import Language
from app.numbers import whole_number
from app.services import uow, workshops
from app.services.auth import Role
from app.services.errors import DomainError
from app.web.common import check_csrf, language, panel_block, render
from app.web.deps import ParticipantPage, set_role_cookie
from app.web.views import participant_view

router = APIRouter(dependencies=[Depends(check_csrf)])


def _organizations(request: Request, code: str, lang: str) -> list[str]:
    """What the join form offers: the workshop's organizations when the code names one (looked
    up as a join attempt is, since the list tells whether a code is right), else the default
    list (what is typed is matched to the workshop's list on joining anyway)."""
    found = None
    if code:
        client = request.client.host if request.client else ""
        found = uow.run(workshops.join_form_organizations, code, client)
    return found or workshops.DEFAULT_ORGANIZATIONS[Language.en if lang == "en" else Language.sv]


def _code_was_right(error: DomainError | None) -> bool:
    """After a refused join the code is looked up again only if the refusal was about another
    field (a wrong or throttled code was just counted)."""
    return error is None or error.field not in (None, "join_code")


def _join_form(
    request: Request,
    code: str,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    lang = language(request)
    return render(
        request,
        "join.html",
        lang=lang,
        form=form or {"join_code": code},
        organizations=_organizations(request, code if _code_was_right(error) else "", lang),
        error=error,
        status_code=status_code,
    )


@router.get("/join")
def join_page(request: Request) -> Response:
    return _join_form(request, request.query_params.get("code", "")[:20])


@router.get("/j/{code}")
def join_link(code: str, request: Request) -> Response:
    """Where the QR code points: the join form with the code filled in."""
    return _join_form(request, code[:20])


@router.post("/join")
async def join(
    request: Request,
    join_code: Annotated[str, Form(max_length=100)] = "",
    display_name: Annotated[str, Form(max_length=2000)] = "",
    organization: Annotated[str, Form(max_length=2000)] = "",
    organization_other: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "join_code": join_code,
        "display_name": display_name,
        "organization": organization,
        "organization_other": organization_other,
    }
    try:
        joined = await uow.submit(
            workshops.join,
            join_code,
            display_name,
            # Written in: matched to the workshop's list (or "Annan"/"Other") by the service.
            organization_other.strip() or organization,
            client=request.client.host if request.client else "",
        )
    except DomainError as error:
        response = await run_in_threadpool(
            _join_form, request, join_code, form=form, error=error, status_code=error.status_code
        )
        response.headers.update(error_headers(error) or {})
        return response
    assert joined.workshop.id is not None
    response = RedirectResponse(page_path(joined.workshop, "p"), status_code=303)
    set_role_cookie(response, joined.workshop.id, Role.participant, joined.token)
    return response


@router.get("/w/{slug}/p")
def participant_page(request: Request, principal: ParticipantPage) -> Response:
    area_id = whole_number(request.query_params.get("area"))
    with reading() as session:
        view = participant_view(session, principal, principal.workshop_id, area_id)
    return render(
        request,
        "participant.html",
        lang=language(request, view.workshop),
        block=panel_block(request),
        v=view,
    )
