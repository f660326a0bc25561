"""The projector board: read-only, readable from the back of the room."""

from fastapi import APIRouter, Request, Response

from app.deps import SessionDep
from app.services.auth import Role
from app.web.common import base_url, exchange_key, language, page_principal, render
from app.web.views import board_view

router = APIRouter(prefix="/w/{workshop_id}")


@router.get("/board")
def board_page(workshop_id: int, request: Request, session: SessionDep) -> Response:
    exchanged = exchange_key(request, session, workshop_id, (Role.board, Role.facilitator))
    if exchanged is not None:
        return exchanged
    # The facilitator's own laptop usually drives the projector: their cookie opens it too.
    principal = page_principal(request, session, workshop_id, Role.board, Role.facilitator)
    view = board_view(session, principal, workshop_id, base_url(request))
    block = "panel" if request.headers.get("hx-request") else None
    return render(request, "board.html", lang=language(request, view.workshop), block=block, v=view)
