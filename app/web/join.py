"""Joining from a phone (works without JavaScript), and the phone's own page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.deps import SessionDep
from app.services import workshops
from app.services.auth import Role
from app.services.errors import DomainError, Unauthorized
from app.web.common import check_csrf, language, page_principal, render, set_role_cookie
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
def join(
    request: Request,
    session: SessionDep,
    join_code: Annotated[str, Form(max_length=100)] = "",
    display_name: Annotated[str, Form(max_length=2000)] = "",
    organization: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {"join_code": join_code, "display_name": display_name, "organization": organization}
    try:
        joined = workshops.join(
            session,
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
    response = RedirectResponse(f"/w/{joined.workshop.id}/p", status_code=303)
    set_role_cookie(response, joined.workshop.id, Role.participant, joined.token)
    return response


@router.get("/w/{workshop_id}/p")
def participant_page(workshop_id: int, request: Request, session: SessionDep) -> Response:
    try:
        principal = page_principal(request, session, workshop_id, Role.participant)
    except Unauthorized:
        # A phone without its cookie (another browser, cleared data) joins again.
        workshop = session.get(workshops.Workshop, workshop_id)
        code = workshop.join_code if workshop and workshop.stage != "closed" else ""
        return RedirectResponse(f"/join?code={code}", status_code=303)
    area = request.query_params.get("area", "")
    view = participant_view(session, principal, workshop_id, int(area) if area.isdigit() else None)
    block = "panel" if request.headers.get("hx-request") else None
    return render(
        request, "participant.html", lang=language(request, view.workshop), block=block, v=view
    )
