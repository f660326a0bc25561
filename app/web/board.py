"""The projector board: read-only, readable from the back of the room."""

from fastapi import APIRouter, Request, Response

from app.db import reading
from app.links import base_url
from app.web.common import language, panel_block, render
from app.web.deps import BoardPage
from app.web.views import board_view

router = APIRouter(prefix="/w/{slug}")


@router.get("/board")
def board_page(request: Request, principal: BoardPage) -> Response:
    with reading() as session:
        view = board_view(session, principal, principal.workshop_id, base_url(request))
    return render(
        request,
        "board.html",
        lang=language(request, view.workshop),
        block=panel_block(request),
        v=view,
    )
