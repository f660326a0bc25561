"""Notes from phones, and the facilitator's moderation. Each route parses the form and calls one
service function; the SSE stream then updates every screen that shows the note."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from app.deps import SessionDep
from app.services import items, timer
from app.services.auth import Role
from app.services.errors import DomainError, Invalid
from app.web.common import check_csrf, facilitator_done, page_principal, phone_answer

router = APIRouter(prefix="/w/{workshop_id}", dependencies=[Depends(check_csrf)])

TextField = Annotated[str, Form(max_length=5000)]


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


@router.post("/p/notes")
async def add_note(workshop_id: int, request: Request, session: SessionDep) -> Response:
    form = await request.form()
    area_id = _int_or_none(str(form.get("focus_area_id", "")))
    links = [int(v) for v in form.getlist("links") if isinstance(v, str) and v.isdigit()]
    typed: dict[str, object] = {
        "text": str(form.get("text", ""))[:5000],
        "links": links,
        "idempotency_key": str(form.get("idempotency_key", ""))[:64],
    }
    principal = page_principal(request, session, workshop_id, Role.participant)
    try:
        items.add_item(
            session,
            principal,
            workshop_id,
            str(form.get("kind", ""))[:20],
            area_id,
            str(typed["text"]),
            links,
            str(typed["idempotency_key"]) or None,
        )
    except DomainError as error:
        session.rollback()
        return phone_answer(request, session, workshop_id, area_id, error, typed)
    return phone_answer(request, session, workshop_id, area_id)


@router.post("/p/notes/{item_id}")
def change_note(
    workshop_id: int,
    item_id: int,
    request: Request,
    session: SessionDep,
    text: TextField = "",
    delete: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.participant)
    item = items.get_item(session, item_id)
    area_id = item.focus_area_id
    try:
        if delete:
            items.delete_item(session, principal, item_id)
        else:
            items.update_item(session, principal, item_id, items.ItemPatch(text=text))
    except DomainError as error:
        session.rollback()
        return phone_answer(request, session, workshop_id, area_id, error)
    return phone_answer(request, session, workshop_id, area_id)


@router.post("/facilitate/notes")
def facilitator_adds_note(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    kind: Annotated[str, Form(max_length=20)] = "",
    focus_area_id: Annotated[str, Form(max_length=20)] = "",
    text: TextField = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    items.add_item(session, principal, workshop_id, kind, _int_or_none(focus_area_id), text)
    return facilitator_done(request, workshop_id)


@router.post("/facilitate/items/{item_id}")
async def facilitator_changes_note(
    workshop_id: int, item_id: int, request: Request, session: SessionDep
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    form = await request.form()
    patch = items.ItemPatch()
    if "text" in form:
        patch.text = str(form["text"])[:5000]
    if "hidden" in form:
        patch.hidden = form["hidden"] == "true"
    if "group_label" in form:
        patch.group_label = str(form["group_label"])[:1000]
    if "focus_area_id" in form:
        patch.focus_area_id = _int_or_none(str(form["focus_area_id"]))
    items.update_item(session, principal, item_id, patch)
    return facilitator_done(request, workshop_id)


@router.post("/facilitate/items/{item_id}/merge")
def facilitator_merges(
    workshop_id: int,
    item_id: int,
    request: Request,
    session: SessionDep,
    into: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    target = _int_or_none(into)
    if target is None:
        raise Invalid("Choose the note to merge into.", field="into")
    items.merge_items(session, principal, item_id, target)
    return facilitator_done(request, workshop_id)


@router.post("/facilitate/names")
def facilitator_shows_names(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    show: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    items.set_show_names(session, principal, workshop_id, show == "true")
    return facilitator_done(request, workshop_id)


@router.post("/facilitate/timer")
def facilitator_timer(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    action: Annotated[str, Form(max_length=10)] = "",
    minutes: Annotated[str, Form(max_length=10)] = "0",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    timer.control(session, principal, workshop_id, action, _int_or_none(minutes) or 0)
    return facilitator_done(request, workshop_id)
