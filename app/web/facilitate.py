"""The facilitator's page: stage stepper, join code, who has joined; later moderation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from app.deps import SessionDep
from app.services import workshops
from app.services.auth import Role
from app.web.common import (
    base_url,
    check_csrf,
    exchange_key,
    facilitator_done,
    language,
    page_principal,
    render,
)
from app.web.views import facilitator_view

router = APIRouter(prefix="/w/{workshop_id}", dependencies=[Depends(check_csrf)])


@router.get("/facilitate")
def facilitator_page(workshop_id: int, request: Request, session: SessionDep) -> Response:
    exchanged = exchange_key(request, session, workshop_id, (Role.facilitator,))
    if exchanged is not None:
        return exchanged
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    view = facilitator_view(session, principal, workshop_id, base_url(request))
    block = "panel" if request.headers.get("hx-request") else None
    return render(
        request, "facilitate.html", lang=language(request, view.workshop), block=block, v=view
    )


@router.post("/facilitate/stage")
def set_stage(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    stage: Annotated[str, Form(max_length=40)] = "",
    step: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    if step in ("1", "-1"):
        workshops.step_stage(session, principal, workshop_id, int(step))
    else:
        workshops.set_stage(session, principal, workshop_id, stage)
    return facilitator_done(request, workshop_id)
