"""Notes: add, list, change, merge, delete."""

from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api import schemas
from app.api.deps import CallerDep
from app.db import reading
from app.deps import ItemId, WorkshopId
from app.errors import domain_error_body
from app.services import audit, items, uow
from app.services.audit import Line
from app.services.auth import Principal
from app.services.errors import Stale
from app.services.items import ItemView, sees_everything

router = APIRouter(prefix="/api/v1", tags=["items"])


def item_out(view: ItemView, principal: Principal) -> schemas.ItemOut:
    item = view.item
    return schemas.ItemOut(
        id=view.id,
        kind=item.kind,
        focus_area_id=item.focus_area_id,
        text=item.text,
        links=view.links,
        linked_from=view.linked_from,
        hidden=item.hidden,
        held=item.held,
        merged_into=item.merged_into_id,
        group_label=item.group_label,
        votes=view.votes,
        my_votes=view.my_votes,
        mine=view.mine,
        author_name=view.author_name,
        author_organization=view.author_organization,
        created_at=item.created_at,
        shortlisted=item.shortlisted,
        owner_organization=item.owner_organization,
        owner_person=item.owner_person,
        due_date=item.due_date,
        status=item.status,
        priority=item.priority,
        version=item.version,
        number=item.number,
        goal=item.goal,
        indicator=item.indicator,
        follow_up=item.follow_up,
        follow_up_note=item.follow_up_note,
        # How to reach the owner is for the people who follow the plan up, not the room.
        owner_contact=item.owner_contact if sees_everything(principal) else None,
        carried_from=item.carried_from_id,
        review=item.review,
    )


def line_out(line: Line) -> schemas.HistoryLineOut:
    return schemas.HistoryLineOut.model_validate(line, from_attributes=True)


def one_item(principal: Principal, item_id: int) -> schemas.ItemOut:
    with reading() as session:
        return item_out(items.view_of(session, principal, item_id), principal)


@router.post("/workshops/{workshop_id}/items", status_code=201, response_model=schemas.ItemOut)
async def add_item(
    workshop_id: WorkshopId,
    body: schemas.ItemCreate,
    principal: CallerDep,
    response: Response,
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> schemas.ItemOut:
    view, created = await uow.submit(
        items.add_item,
        principal,
        workshop_id,
        body.kind,
        body.focus_area_id,
        body.text,
        body.links,
        idempotency_key,
    )
    if not created:
        response.status_code = 200
    return item_out(view, principal)


@router.get("/workshops/{workshop_id}/items", response_model=list[schemas.ItemOut])
def list_items(
    workshop_id: WorkshopId,
    principal: CallerDep,
    kind: str | None = Query(default=None, max_length=20),
) -> list[schemas.ItemOut]:
    with reading() as session:
        views = items.list_items(session, principal, workshop_id, kind=kind)
    return [item_out(v, principal) for v in views]


@router.get("/items/{item_id}", response_model=schemas.ItemOut)
def read_item(item_id: ItemId, principal: CallerDep) -> schemas.ItemOut:
    return one_item(principal, item_id)


@router.patch(
    "/items/{item_id}",
    response_model=schemas.ItemOut,
    responses={409: {"description": "Stale `version`: `item` holds the note as it is now."}},
)
async def update_item(
    item_id: ItemId, body: schemas.ItemPatchIn, principal: CallerDep, request: Request
) -> Any:
    """Send only what changes, and `version` (the note as you last saw it): when someone changed
    it since, the answer is 409 with the note as it is now, and nothing changes."""
    sent = body.model_fields_set - {"version"}
    patch = items.ItemPatch(**{name: getattr(body, name) for name in sent})
    try:
        view = await uow.submit(
            items.update_item, principal, item_id, patch, body.version, via="api"
        )
    except Stale as exc:
        answer = domain_error_body(request, exc)
        if isinstance(exc.current, ItemView):
            answer["item"] = item_out(exc.current, principal).model_dump(mode="json")
        return JSONResponse(answer, status_code=exc.status_code)
    return item_out(view, principal)


@router.get("/items/{item_id}/history", response_model=list[schemas.HistoryLineOut])
def item_history(item_id: ItemId, principal: CallerDep) -> list[schemas.HistoryLineOut]:
    """Every change to the note, oldest first: when, which field, from → to, by which role and
    through what (page, api, import). For the facilitator and the follow-up link."""
    with reading() as session:
        lines = audit.item_history(session, principal, item_id)
    return [line_out(line) for line in lines]


@router.post("/items/{item_id}/merge", response_model=schemas.ItemOut)
async def merge_item(
    item_id: ItemId, body: schemas.MergeIn, principal: CallerDep
) -> schemas.ItemOut:
    survivor = await uow.submit(items.merge_items, principal, item_id, body.into)
    assert survivor.id is not None
    return await run_in_threadpool(one_item, principal, survivor.id)


@router.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: ItemId, principal: CallerDep) -> Response:
    await uow.submit(items.delete_item, principal, item_id)
    return Response(status_code=204)
