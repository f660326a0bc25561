"""Workshops: create, join, read, move the stage."""

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from app.api import schemas
from app.api.deps import CallerDep
from app.db import reading
from app.deps import ParticipantId, WorkshopId
from app.links import base_url, workshop_urls
from app.services import audit, breakdown, followup, retention, uow, workshops
from app.services.auth import Principal
from app.services.workshops import CreatedWorkshop, WorkshopState

router = APIRouter(prefix="/api/v1", tags=["workshops"])


def created_answer(request: Request, created: CreatedWorkshop) -> schemas.WorkshopCreated:
    workshop = created.workshop
    assert workshop.id is not None
    urls = workshop_urls(base_url(request), created)
    return schemas.WorkshopCreated(
        id=workshop.id,
        join_code=workshop.join_code,
        facilitator_token=created.facilitator_token,
        board_token=created.board_token,
        followup_token=created.followup_token,
        urls=schemas.WorkshopUrls(**urls),
    )


def state_answer(state: WorkshopState) -> schemas.WorkshopOut:
    workshop = state.workshop
    assert workshop.id is not None
    return schemas.WorkshopOut(
        id=workshop.id,
        title=workshop.title,
        date=workshop.date,
        stage=workshop.stage,
        language=workshop.language,
        join_code=workshop.join_code,
        focus_areas=[
            schemas.FocusAreaOut(id=area.id or 0, name=area.name) for area in state.focus_areas
        ],
        participant_count=state.participant_count,
        votes_per_participant=workshop.votes_per_participant,
        max_votes_per_item=workshop.max_votes_per_item,
        voting=schemas.VotingOut(cause=workshop.cause_voting, action=workshop.action_voting),
        role=state.role.value,
        organizations=workshops.organizations_of(workshop),
        erase_notes_after_days=workshop.erase_notes_after_days,
        closed_at=workshop.closed_at,
        erase_notes_at=retention.erase_at(workshop),
        notes_erased_at=workshop.notes_erased_at,
    )


def read_state(principal: Principal, workshop_id: int) -> schemas.WorkshopOut:
    with reading() as session:
        return state_answer(workshops.read_state(session, principal, workshop_id))


@router.post("/workshops", status_code=201, response_model=schemas.WorkshopCreated)
async def create_workshop(
    body: schemas.WorkshopCreate, request: Request
) -> schemas.WorkshopCreated:
    workshops.check_admin_password(request.headers.get("x-admin-password"))
    created = await uow.submit(
        workshops.create_workshop,
        workshops.WorkshopInput(
            title=body.title,
            focus_areas=body.focus_areas,
            language=body.language,
            votes_per_participant=body.votes_per_participant,
            max_votes_per_item=body.max_votes_per_item,
            workshop_date=body.date,
            follows=followup.Follows(body.follows.workshop_id, body.follows.token)
            if body.follows is not None
            else None,
            organizations=body.organizations,
            erase_notes_after_days=body.erase_notes_after_days,
        ),
    )
    return created_answer(request, created)


@router.post("/join", status_code=201, response_model=schemas.Joined)
async def join(body: schemas.JoinRequest, request: Request) -> schemas.Joined:
    joined = await uow.submit(
        workshops.join,
        body.join_code,
        body.display_name,
        body.organization,
        client=request.client.host if request.client else "",
    )
    assert joined.workshop.id is not None and joined.participant.id is not None
    return schemas.Joined(
        workshop_id=joined.workshop.id,
        participant_id=joined.participant.id,
        participant_token=joined.token,
    )


@router.get("/workshops/{workshop_id}", response_model=schemas.WorkshopOut)
def read_workshop(workshop_id: WorkshopId, principal: CallerDep) -> schemas.WorkshopOut:
    return read_state(principal, workshop_id)


@router.put("/workshops/{workshop_id}/stage", response_model=schemas.WorkshopOut)
async def set_stage(
    workshop_id: WorkshopId, body: schemas.StageChange, principal: CallerDep
) -> schemas.WorkshopOut:
    """Move the room. With `from`, the move happens only if that is still the stage (else 409
    and nothing moves): a double click or a second tab cannot skip a stage."""
    await uow.submit(workshops.set_stage, principal, workshop_id, body.stage, body.from_)
    return await run_in_threadpool(read_state, principal, workshop_id)


@router.get("/workshops/{workshop_id}/audit", response_model=list[schemas.AuditLineOut])
def workshop_audit(workshop_id: WorkshopId, principal: CallerDep) -> list[schemas.AuditLineOut]:
    """What changed, oldest first: stage moves, voting, shortlists, hiding, edits, merges,
    exports and imports, each with its time and role (never a participant's name). For the
    facilitator and the follow-up link."""
    with reading() as session:
        lines = audit.workshop_audit(session, principal, workshop_id)
    return [schemas.AuditLineOut.model_validate(line, from_attributes=True) for line in lines]


@router.put("/workshops/{workshop_id}/retention", response_model=schemas.WorkshopOut)
async def set_retention(
    workshop_id: WorkshopId, body: schemas.RetentionIn, principal: CallerDep
) -> schemas.WorkshopOut:
    """How many days after closing the situation and cause notes are erased (facilitator)."""
    await uow.submit(workshops.set_retention, principal, workshop_id, body.erase_notes_after_days)
    return await run_in_threadpool(read_state, principal, workshop_id)


@router.delete(
    "/workshops/{workshop_id}/participants/{participant_id}/notes",
    response_model=schemas.NotesErased,
)
async def erase_participant_notes(
    workshop_id: WorkshopId, participant_id: ParticipantId, principal: CallerDep
) -> schemas.NotesErased:
    """Erase one participant's situation and cause notes on their request (facilitator): the
    text becomes "Raderad"/"Erased", the notes keep their place in the chain, actions stay."""
    count = await uow.submit(
        retention.erase_participant_notes, principal, workshop_id, participant_id
    )
    return schemas.NotesErased(erased=count)


@router.get("/workshops/{workshop_id}/breakdown", response_model=schemas.BreakdownOut)
def read_breakdown(
    workshop_id: WorkshopId,
    principal: CallerDep,
    kind: str = Query(max_length=20, description="cause or action"),
) -> schemas.BreakdownOut:
    """Per note, the dots and mean impact/effort of each organization. No group of fewer than 3
    participants is shown: small organizations are pooled, a pool still under 3 is left out.
    The facilitator any time; others once that kind's voting is revealed (else 409)."""
    with reading() as session:
        found = breakdown.breakdown(session, principal, workshop_id, kind)
    return schemas.BreakdownOut(
        kind=found.kind,
        k=breakdown.K,
        groups=[
            schemas.BreakdownGroupOut(name=g.name, participants=g.participants, pooled=g.pooled)
            for g in found.groups
        ],
        left_out=found.left_out,
        items=[
            schemas.BreakdownItemOut(
                id=row.id,
                number=row.item.number,
                text=row.item.text,
                votes=row.votes,
                agree=row.agrees(found.groups),
                by_group=[
                    schemas.BreakdownCellOut(
                        group=g.name,
                        votes=cell.dots,
                        ratings=cell.ratings,
                        impact=cell.impact,
                        effort=cell.effort,
                    )
                    for g in found.groups
                    for cell in [row.cells.get(g.name, breakdown.Cell())]
                ],
            )
            for row in found.rows
        ],
    )
