"""Dots and ratings from phones; voting state, shortlist and owners from the facilitator."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.deps import ItemId
from app.numbers import whole_number
from app.services import items, ratings, uow, voting
from app.services.errors import DomainError
from app.web.common import (
    check_csrf,
    facilitator_done,
    form_int,
    language,
    phone_answer,
    render,
)
from app.web.deps import FacilitatorPage, ParticipantPage
from app.web.views import facilitator_view

router = APIRouter(prefix="/w/{slug}", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=200)]


@router.post("/p/votes/{item_id}")
async def dot(
    item_id: ItemId,
    request: Request,
    principal: ParticipantPage,
    remove: Small = "",
    idempotency_key: Small = "",
) -> Response:
    """A dot on or off. A tap sent again with the same key (the wifi dropped before the answer
    came) lands once."""
    change = voting.remove_vote if remove else voting.cast_vote
    try:
        await uow.submit(change, principal, item_id, idempotency_key or None)
    except DomainError as error:
        return await phone_answer(request, principal, error=error)
    return await phone_answer(request, principal)


def _score(raw: str) -> int | str:
    number = whole_number(raw)
    return raw if number is None else number  # the service says what is wrong with the rest


@router.post("/p/ratings/{item_id}")
async def rate(
    item_id: ItemId,
    request: Request,
    principal: ParticipantPage,
    impact: Small = "",
    effort: Small = "",
) -> Response:
    try:
        await uow.submit(ratings.rate_action, principal, item_id, _score(impact), _score(effort))
    except DomainError as error:
        return await phone_answer(request, principal, error=error)
    return await phone_answer(request, principal)


@router.post("/facilitate/voting")
async def set_voting(
    request: Request, principal: FacilitatorPage, kind: Small = "", state: Small = ""
) -> Response:
    await uow.submit(voting.set_voting, principal, principal.workshop_id, kind, state)
    return facilitator_done(request)


@router.post("/facilitate/shortlist")
async def shortlist(
    request: Request, principal: FacilitatorPage, top: Small = "", per_area: Small = ""
) -> Response:
    # Anything but a whole number becomes 0, which the service refuses with its own limits.
    await uow.submit(
        voting.shortlist_top,
        principal,
        principal.workshop_id,
        whole_number(top) or 0,
        per_area=per_area == "true",
    )
    return facilitator_done(request)


def _row_error(
    request: Request, principal: FacilitatorPage, item_id: int, error: DomainError
) -> Response:
    with reading() as session:
        view = facilitator_view(session, principal, principal.workshop_id, "")
    # The row comes back with the message and the value as typed, nothing saved.
    return render(
        request,
        "partials/facilitator/_prioritize_live.html",
        lang=language(request, view.workshop),
        block="row_error",
        v=view,
        error=error,
        item_id=item_id,
    )


@router.post("/facilitate/actions/{item_id}")
async def update_action(
    item_id: ItemId,
    request: Request,
    principal: FacilitatorPage,
    owner_organization: Annotated[str | None, Form(max_length=200)] = None,
    owner_person: Annotated[str | None, Form(max_length=200)] = None,
    due_date: Annotated[str | None, Form(max_length=200)] = None,
    status: Annotated[str | None, Form(max_length=200)] = None,
    priority: Annotated[str | None, Form(max_length=200)] = None,
    shortlisted: Annotated[str | None, Form(max_length=5)] = None,
    goal: Annotated[str | None, Form(max_length=5000)] = None,
    indicator: Annotated[str | None, Form(max_length=5000)] = None,
    owner_contact: Annotated[str | None, Form(max_length=2000)] = None,
    follow_up: Annotated[str | None, Form(max_length=40)] = None,
    follow_up_note: Annotated[str | None, Form(max_length=10_000)] = None,
    version: Small = "",
) -> Response:
    """The action plan's fields and the shortlist flag: only the fields the form sent."""
    patch = items.ItemPatch()
    for name, value in (
        ("owner_organization", owner_organization),
        ("owner_person", owner_person),
        ("due_date", due_date),
        ("status", status),
        ("goal", goal),
        ("indicator", indicator),
        ("owner_contact", owner_contact),
        ("follow_up", follow_up),
        ("follow_up_note", follow_up_note),
    ):
        if value is not None:
            setattr(patch, name, value.strip() or None)
    if priority is not None:
        number = whole_number(priority)
        patch.priority = number if number is not None else (priority.strip() or None)
    if shortlisted is not None:
        patch.shortlisted = shortlisted == "true"
    try:
        await uow.submit(
            items.update_item, principal, item_id, patch, form_int(version, "version"), via="page"
        )
    except DomainError as error:
        if not request.headers.get("hx-request"):
            raise
        return await run_in_threadpool(_row_error, request, principal, item_id, error)
    return facilitator_done(request)
