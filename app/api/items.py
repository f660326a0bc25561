"""Notes: add, list, change, merge, delete."""

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from app.api import schemas
from app.api.deps import PrincipalDep
from app.deps import SessionDep
from app.services import items
from app.services.auth import Principal
from app.services.errors import NotFound
from app.services.items import ItemView

router = APIRouter(prefix="/api/v1", tags=["items"])


def item_out(view: ItemView) -> schemas.ItemOut:
    item = view.item
    return schemas.ItemOut(
        id=view.id,
        kind=item.kind,
        focus_area_id=item.focus_area_id,
        text=item.text,
        links=view.links,
        linked_from=view.linked_from,
        hidden=item.hidden,
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
    )


def one_item(session: Session, principal: Principal, item_id: int) -> schemas.ItemOut:
    item = items.get_item(session, item_id)
    views = items.list_items(session, principal, item.workshop_id, item_id=item_id)
    if not views:
        raise NotFound("No such note.")
    return item_out(views[0])


@router.post("/workshops/{workshop_id}/items", status_code=201, response_model=schemas.ItemOut)
def add_item(
    workshop_id: int,
    body: schemas.ItemCreate,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    idempotency_key: str | None = Header(default=None, max_length=200),
) -> schemas.ItemOut:
    item, created = items.add_item(
        session,
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
    assert item.id is not None
    return one_item(session, principal, item.id)


@router.get("/workshops/{workshop_id}/items", response_model=list[schemas.ItemOut])
def list_items(
    workshop_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    kind: str | None = Query(default=None, max_length=20),
) -> list[schemas.ItemOut]:
    return [item_out(v) for v in items.list_items(session, principal, workshop_id, kind=kind)]


@router.get("/items/{item_id}", response_model=schemas.ItemOut)
def read_item(item_id: int, principal: PrincipalDep, session: SessionDep) -> schemas.ItemOut:
    return one_item(session, principal, item_id)


@router.patch("/items/{item_id}", response_model=schemas.ItemOut)
def update_item(
    item_id: int, body: schemas.ItemPatchIn, principal: PrincipalDep, session: SessionDep
) -> schemas.ItemOut:
    patch = items.ItemPatch(**{name: getattr(body, name) for name in body.model_fields_set})
    items.update_item(session, principal, item_id, patch)
    return one_item(session, principal, item_id)


@router.post("/items/{item_id}/merge", response_model=schemas.ItemOut)
def merge_item(
    item_id: int, body: schemas.MergeIn, principal: PrincipalDep, session: SessionDep
) -> schemas.ItemOut:
    survivor = items.merge_items(session, principal, item_id, body.into)
    assert survivor.id is not None
    return one_item(session, principal, survivor.id)


@router.delete("/items/{item_id}", status_code=204)
def delete_item(item_id: int, principal: PrincipalDep, session: SessionDep) -> Response:
    items.delete_item(session, principal, item_id)
    return Response(status_code=204)
