"""Dots and ratings from phones; voting state, shortlist and owners from the facilitator."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.deps import SessionDep
from app.services import items, ratings, voting
from app.services.auth import Role
from app.services.errors import DomainError, Invalid, NotFound
from app.web.common import check_csrf, language, page_principal, render
from app.web.views import facilitator_view, participant_view

router = APIRouter(prefix="/w/{workshop_id}", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=200)]


def _phone(
    request: Request, session: SessionDep, workshop_id: int, error: DomainError | None = None
) -> Response:
    htmx = bool(request.headers.get("hx-request"))
    if not htmx and error is None:
        return RedirectResponse(f"/w/{workshop_id}/p", status_code=303)
    principal = page_principal(request, session, workshop_id, Role.participant)
    view = participant_view(session, principal, workshop_id)
    return render(
        request,
        "participant.html",
        lang=language(request, view.workshop),
        block="panel" if htmx else None,
        status_code=200 if htmx or error is None else error.status_code,
        v=view,
        error=error,
    )


def _own(session: SessionDep, workshop_id: int, item_id: int) -> None:
    # The cookie proves who you are in workshop_id; the note must belong to it.
    if items.get_item(session, item_id).workshop_id != workshop_id:
        raise NotFound("No such note.")


@router.post("/p/votes/{item_id}")
def dot(
    workshop_id: int, item_id: int, request: Request, session: SessionDep, remove: Small = ""
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.participant)
    _own(session, workshop_id, item_id)
    try:
        if remove:
            voting.remove_vote(session, principal, item_id)
        else:
            voting.cast_vote(session, principal, item_id)
    except DomainError as error:
        session.rollback()
        return _phone(request, session, workshop_id, error)
    return _phone(request, session, workshop_id)


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
    _own(session, workshop_id, item_id)
    try:
        ratings.rate_action(session, principal, item_id, _score(impact), _score(effort))
    except DomainError as error:
        session.rollback()
        return _phone(request, session, workshop_id, error)
    return _phone(request, session, workshop_id)


def _done(request: Request, workshop_id: int) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204)  # every facilitator screen updates over SSE
    return RedirectResponse(f"/w/{workshop_id}/facilitate", status_code=303)


@router.post("/facilitate/voting")
def set_voting(
    workshop_id: int, request: Request, session: SessionDep, kind: Small = "", state: Small = ""
) -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    voting.set_voting(session, principal, workshop_id, kind, state)
    return _done(request, workshop_id)


@router.post("/facilitate/shortlist")
def shortlist(workshop_id: int, request: Request, session: SessionDep, top: Small = "") -> Response:
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    if not top.isdigit():
        raise Invalid("Shortlist between 1 and %(max)s actions.", field="top", max=50)
    voting.shortlist_top(session, principal, workshop_id, int(top))
    return _done(request, workshop_id)


ACTION_FIELDS = ("owner_organization", "owner_person", "due_date", "status", "priority")


@router.post("/facilitate/actions/{item_id}")
async def update_action(
    workshop_id: int, item_id: int, request: Request, session: SessionDep
) -> Response:
    """Owner, date, status, priority, shortlist flag: only the fields the form sent."""
    principal = page_principal(request, session, workshop_id, Role.facilitator)
    _own(session, workshop_id, item_id)
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
    return _done(request, workshop_id)
