"""Notes from phones, and the facilitator's moderation. Each route parses the form and makes one
change; the SSE stream then updates every screen that shows the note."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.deps import ItemId
from app.numbers import whole_number
from app.services import items, timer, uow, workshops
from app.services.auth import Principal
from app.services.errors import DomainError, Invalid
from app.web.common import (
    check_csrf,
    facilitator_done,
    form_id,
    form_int,
    language,
    phone_answer,
    render,
)
from app.web.deps import FacilitatorPage, ParticipantPage

router = APIRouter(prefix="/w/{slug}", dependencies=[Depends(check_csrf)])

TextField = Annotated[str, Form(max_length=5000)]
Small = Annotated[str, Form(max_length=100)]


@router.post("/p/notes")
async def add_note(
    request: Request,
    principal: ParticipantPage,
    text: TextField = "",
    kind: Small = "",
    focus_area_id: Small = "",
    idempotency_key: Small = "",
    links: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    area_id = whole_number(focus_area_id)  # the tab to come back to, if it is one
    typed: dict[str, object] = {"text": text, "links": [], "idempotency_key": idempotency_key[:64]}
    try:
        area_id = form_id(focus_area_id, "focus_area_id")
        link_ids = [n for n in (form_id(v, "links") for v in links) if n is not None]
        typed["links"] = link_ids
        await uow.submit(
            items.add_item,
            principal,
            principal.workshop_id,
            kind,
            area_id,
            text,
            link_ids,
            idempotency_key or None,
        )
    except DomainError as error:
        return await phone_answer(request, principal, area_id, error, typed)
    return await phone_answer(request, principal, area_id)


@router.post("/p/notes/{item_id}")
async def change_note(
    item_id: ItemId,
    request: Request,
    principal: ParticipantPage,
    text: TextField = "",
    delete: Annotated[str, Form(max_length=5)] = "",
    version: Small = "",
) -> Response:
    """The author's own note: reword it (with the version the phone showed) or take it back."""
    try:
        if delete:
            await uow.submit(items.delete_item, principal, item_id)
        else:
            patch = items.ItemPatch(text=text)
            seen = form_int(version, "version")
            await uow.submit(items.update_item, principal, item_id, patch, seen, via="page")
    except DomainError as error:
        return await phone_answer(request, principal, error=error, item_id=item_id)
    return await phone_answer(request, principal, item_id=item_id)


@router.post("/facilitate/notes")
async def facilitator_adds_note(
    request: Request,
    principal: FacilitatorPage,
    kind: Small = "",
    focus_area_id: Small = "",
    text: TextField = "",
) -> Response:
    await uow.submit(
        items.add_item,
        principal,
        principal.workshop_id,
        kind,
        form_id(focus_area_id, "focus_area_id"),
        text,
    )
    return facilitator_done(request)


def _editor(
    request: Request,
    principal: Principal,
    item_id: int,
    error: DomainError | None = None,
    page: bool = False,
) -> Response:
    with reading() as session:
        note = items.view_of(session, principal, item_id)
        others = items.merge_targets(session, principal, item_id)
        workshop = workshops.get_workshop(session, principal.workshop_id)
        areas = workshops.focus_areas(session, principal.workshop_id)
    return render(
        request,
        "facilitate_edit.html" if page else "partials/facilitator/_editor.html",
        lang=language(request, workshop),
        block=None if page else "editor",
        n=note,
        others=others,
        areas=areas,
        slug=workshop.slug,
        error=error,
    )


@router.get("/facilitate/items/{item_id}/edit")
def facilitator_opens_editor(
    item_id: ItemId, request: Request, principal: FacilitatorPage
) -> Response:
    """The note's editor, into its card (HTMX), or as a page without JavaScript."""
    if request.query_params.get("close"):
        return Response("", media_type="text/html")
    return _editor(request, principal, item_id, page=not request.headers.get("hx-request"))


def _from_editor(request: Request, item_id: int) -> bool:
    return request.headers.get("hx-target") == f"edit-{item_id}"


@router.post("/facilitate/items/{item_id}")
async def facilitator_changes_note(
    item_id: ItemId,
    request: Request,
    principal: FacilitatorPage,
    text: Annotated[str | None, Form(max_length=5000)] = None,
    hidden: Annotated[str | None, Form(max_length=5)] = None,
    held: Annotated[str | None, Form(max_length=5)] = None,
    group_label: Annotated[str | None, Form(max_length=1000)] = None,
    focus_area_id: Annotated[str | None, Form(max_length=20)] = None,
    version: Small = "",
) -> Response:
    """Only the fields the form sent change; `version` is the note as the page showed it."""
    patch = items.ItemPatch()
    if text is not None:
        patch.text = text
    if hidden is not None:
        patch.hidden = hidden == "true"
    if held is not None:
        patch.held = held == "true"
    if group_label is not None:
        patch.group_label = group_label
    if focus_area_id is not None:
        patch.focus_area_id = form_id(focus_area_id, "focus_area_id")
    try:
        await uow.submit(
            items.update_item, principal, item_id, patch, form_int(version, "version"), via="page"
        )
    except DomainError as error:
        if not _from_editor(request, item_id):
            raise
        # Back into the editor: the message, and on a stale version the note as it is now.
        return await run_in_threadpool(_editor, request, principal, item_id, error)
    if _from_editor(request, item_id):
        return Response("", media_type="text/html")  # saved: the editor closes
    return facilitator_done(request)


@router.post("/facilitate/items/{item_id}/merge")
async def facilitator_merges(
    item_id: ItemId, request: Request, principal: FacilitatorPage, into: Small = ""
) -> Response:
    target = form_id(into, "into")
    if target is None:
        raise Invalid("Choose the note to merge into.", field="into")
    await uow.submit(items.merge_items, principal, item_id, target)
    return facilitator_done(request)


@router.post("/facilitate/names")
async def facilitator_shows_names(
    request: Request, principal: FacilitatorPage, show: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    await uow.submit(items.set_show_names, principal, principal.workshop_id, show == "true")
    return facilitator_done(request)


@router.post("/facilitate/timer")
async def facilitator_timer(
    request: Request,
    principal: FacilitatorPage,
    action: Annotated[str, Form(max_length=10)] = "",
    minutes: Annotated[str, Form(max_length=10)] = "0",
) -> Response:
    await uow.submit(
        timer.control, principal, principal.workshop_id, action, form_int(minutes, "minutes") or 0
    )
    return facilitator_done(request)


@router.post("/facilitate/retention")
async def facilitator_sets_retention(
    request: Request, principal: FacilitatorPage, days: Small = ""
) -> Response:
    """How many days after closing the situation and cause notes are erased."""
    await uow.submit(
        workshops.set_retention, principal, principal.workshop_id, form_int(days, "days")
    )
    return facilitator_done(request)
