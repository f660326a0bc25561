"""The facilitator's page: stage stepper, join code, who has joined, moderation."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.db import reading
from app.deps import ItemId
from app.links import base_url, join_url, secret_url
from app.models import Workshop
from app.services import followup, uow, workshops
from app.services.auth import Principal, Role
from app.services.errors import Stale
from app.web.common import (
    check_csrf,
    facilitator_done,
    language,
    panel_block,
    render,
    workshop_path,
)
from app.web.deps import FacilitatorPage, role_cookie
from app.web.qr import qr_svg
from app.web.views import facilitator_view

router = APIRouter(prefix="/w/{slug}", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=40)]


def _links(request: Request, principal: Principal, workshop: Workshop) -> dict[str, Any]:
    """What partials/facilitator/_links.html needs: every link the facilitator may share."""
    base = base_url(request)
    links: dict[str, str | None] = {"join": join_url(base, workshop.join_code)}
    token = request.cookies.get(role_cookie(principal.workshop_id, Role.facilitator), "")
    with reading() as session:
        shared = workshops.shared_tokens(session, principal, principal.workshop_id, token)
    board = secret_url(base, workshop, "board", shared[Role.board]) if shared else None
    links["board"] = board
    links["followup"] = (
        secret_url(base, workshop, "followup", shared[Role.followup]) if shared else None
    )
    return {"links": links, "workshop": workshop, "board_qr": qr_svg(board) if board else ""}


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
        **_links(request, principal, view.workshop),
    )


@router.get("/facilitate/links")
def links_page(request: Request, principal: FacilitatorPage) -> Response:
    """Where creating a workshop lands: every link to share, safe to reload (it makes nothing)."""
    with reading() as session:
        workshop = workshops.get_workshop(session, principal.workshop_id)
    token = request.cookies.get(role_cookie(principal.workshop_id, Role.facilitator), "")
    # Holds secret links: never cached, like every page (app/security.py).
    return render(
        request,
        "links.html",
        lang=language(request, workshop),
        own_link=secret_url(base_url(request), workshop, "facilitate", token),
        **_links(request, principal, workshop),
    )


@router.post("/facilitate/links")
async def renew_links(request: Request, principal: FacilitatorPage) -> Response:
    token = request.cookies.get(role_cookie(principal.workshop_id, Role.facilitator), "")
    await uow.submit(workshops.renew_links, principal, principal.workshop_id, token)
    return RedirectResponse(workshop_path(request, "facilitate/links"), status_code=303)


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
