"""Dots and ratings from phones; voting state, shortlist and owners from the facilitator."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from app.deps import SessionDep
from app.services import items, ratings, voting
from app.services.auth import Role
from app.services.errors import DomainError
from app.web.common import (
    check_csrf,
    facilitator_done,
    language,
    page_principal,
    phone_answer,
    render,
)
from app.web.views import facilitator_view

router = APIRouter(prefix="/w/{workshop_id}", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=200)]


@router.post("/p/votes/{item_id}")
def dot(
    workshop_id: int, item_id: int, request: Request, session: SessionDep, remove: Small = ""
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.participant)
    try:
        if remove:
            voting.remove_vote(session, principal, item_id)
        else:
            voting.cast_vote(session, principal, item_id)
    except DomainError as error:
        session.rollback()
        return phone_answer(request, session, workshop_id, error=error)
    return phone_answer(request, session, workshop_id)


def _score(raw: str) -> int | str:
    return int(raw) if raw.isdigit() else raw  # the service says what is wrong with the rest


@router.post("/p/ratings/{item_id}")
def rate(
    workshop_id: int,
    item_id: int,
    request: Request,
    session: SessionDep,
    impact: Small = "",
    effort: Small = "",
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.participant)
    try:
        ratings.rate_action(session, principal, item_id, _score(impact), _score(effort))
    except DomainError as error:
        session.rollback()
        return phone_answer(request, session, workshop_id, error=error)
    return phone_answer(request, session, workshop_id)


@router.post("/facilitate/voting")
def set_voting(
    workshop_id: int, request: Request, session: SessionDep, kind: Small = "", state: Small = ""
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    voting.set_voting(session, principal, workshop_id, kind, state)
    return facilitator_done(request, workshop_id)


@router.post("/facilitate/shortlist")
def shortlist(workshop_id: int, request: Request, session: SessionDep, top: Small = "") -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    # Anything but a whole number becomes 0, which the service refuses with its own limits.
    voting.shortlist_top(session, principal, workshop_id, int(top) if top.isdigit() else 0)
    return facilitator_done(request, workshop_id)


ACTION_FIELDS = ("owner_organization", "owner_person", "due_date", "status", "priority")


@router.post("/facilitate/actions/{item_id}")
async def update_action(
    workshop_id: int, item_id: int, request: Request, session: SessionDep
) -> Response:
    """Owner, date, status, priority, shortlist flag: only the fields the form sent."""
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    form = await request.form()
    patch = items.ItemPatch()
    for name in ACTION_FIELDS:
        if name in form:
            value = str(form[name])[:200].strip()
            if name == "priority":
                setattr(patch, name, int(value) if value.lstrip("-").isdigit() else (value or None))
            else:
                setattr(patch, name, value or None)
    if "shortlisted" in form:
        patch.shortlisted = form["shortlisted"] == "true"
    try:
        items.update_item(session, principal, item_id, patch)
    except DomainError as error:
        session.rollback()
        if not request.headers.get("hx-request"):
            raise
        view = facilitator_view(session, principal, workshop_id, "")
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
    return facilitator_done(request, workshop_id)
