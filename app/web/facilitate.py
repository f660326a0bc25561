"""The facilitator's page: stage stepper, join code, who has joined, moderation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from app.db import reading
from app.deps import ItemId
from app.links import base_url
from app.services import followup, uow, workshops
from app.services.errors import Stale
from app.web.common import check_csrf, facilitator_done, language, panel_block, render
from app.web.deps import FacilitatorPage
from app.web.views import facilitator_view

router = APIRouter(prefix="/w/{slug}", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=40)]


@router.get("/facilitate")
def facilitator_page(request: Request, principal: FacilitatorPage) -> Response:
    with reading() as session:
        view = facilitator_view(session, principal, principal.workshop_id, base_url(request))
    return render(
        request,
        "facilitate.html",
        lang=language(request, view.workshop),
        block=panel_block(request),
        v=view,
    )


@router.post("/facilitate/stage")
async def set_stage(
    request: Request,
    principal: FacilitatorPage,
    stage: Small = "",
    step: Small = "",
    expected: Annotated[str, Form(alias="from", max_length=40)] = "",
) -> Response:
    """A stage button, or a step: the page says which stage it showed (`from`), so a double
    click or a second tab cannot move the room twice."""
    try:
        if step in ("1", "-1"):
            await uow.submit(
                workshops.step_stage, principal, principal.workshop_id, int(step), expected or None
            )
        else:
            await uow.submit(
                workshops.set_stage, principal, principal.workshop_id, stage, expected or None
            )
    except Stale:
        if request.headers.get("hx-request"):
            raise  # 409: the page fetches where the room really is
        # A plain form from a page that missed a move: back to the page, which shows it.
    return facilitator_done(request)


@router.post("/facilitate/review/{item_id}")
async def review_action(
    item_id: ItemId, request: Request, principal: FacilitatorPage, decision: Small = ""
) -> Response:
    """Done, continue or drop for an action carried from the previous workshop ("" undecides)."""
    await uow.submit(followup.review_action, principal, item_id, decision or None, via="page")
    return facilitator_done(request)
