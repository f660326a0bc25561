"""Joining from a phone (works without JavaScript), and the phone's own page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.db import reading
from app.links import page_path
from app.numbers import whole_number
from app.services import uow, workshops
from app.services.auth import Role
from app.services.errors import DomainError
from app.web.common import check_csrf, language, panel_block, render
from app.web.deps import ParticipantPage, set_role_cookie
from app.web.views import participant_view

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/join")
def join_page(request: Request) -> Response:
    code = request.query_params.get("code", "")[:20]
    return render(request, "join.html", lang=language(request), form={"join_code": code})


@router.get("/j/{code}")
def join_link(code: str, request: Request) -> Response:
    """Where the QR code points: the join form with the code filled in."""
    return render(request, "join.html", lang=language(request), form={"join_code": code[:20]})


@router.post("/join")
async def join(
    request: Request,
    join_code: Annotated[str, Form(max_length=100)] = "",
    display_name: Annotated[str, Form(max_length=2000)] = "",
    organization: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {"join_code": join_code, "display_name": display_name, "organization": organization}
    try:
        joined = await uow.submit(
            workshops.join,
            join_code,
            display_name,
            organization,
            client=request.client.host if request.client else "",
        )
    except DomainError as error:
        return render(
            request,
            "join.html",
            lang=language(request),
            form=form,
            error=error,
            status_code=error.status_code,
        )
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
