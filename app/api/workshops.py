"""Workshops: create, join, read, move the stage."""

import secrets

from fastapi import APIRouter, Request

from app.api import schemas
from app.api.deps import PrincipalDep
from app.config import get_settings
from app.deps import SessionDep
from app.services import workshops
from app.services.errors import Unauthorized
from app.services.workshops import CreatedWorkshop, WorkshopState
from app.web.common import base_url
from app.web.links import workshop_urls

router = APIRouter(prefix="/api/v1", tags=["workshops"])


def check_admin_password(given: str | None) -> None:
    expected = get_settings().admin_password
    if expected and not secrets.compare_digest((given or "").encode(), expected.encode()):
        raise Unauthorized("Creating a workshop needs the admin password.")


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
    )


@router.post("/workshops", status_code=201, response_model=schemas.WorkshopCreated)
def create_workshop(
    body: schemas.WorkshopCreate, request: Request, session: SessionDep
) -> schemas.WorkshopCreated:
    check_admin_password(request.headers.get("x-admin-password"))
    created = workshops.create_workshop(
        session,
        workshops.WorkshopInput(
            title=body.title,
            focus_areas=body.focus_areas,
            language=body.language,
            votes_per_participant=body.votes_per_participant,
            max_votes_per_item=body.max_votes_per_item,
            workshop_date=body.date,
        ),
    )
    return created_answer(request, created)


@router.post("/join", status_code=201, response_model=schemas.Joined)
def join(body: schemas.JoinRequest, request: Request, session: SessionDep) -> schemas.Joined:
    joined = workshops.join(
        session,
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
def read_workshop(
    workshop_id: int, principal: PrincipalDep, session: SessionDep
) -> schemas.WorkshopOut:
    return state_answer(workshops.read_state(session, principal, workshop_id))


@router.put("/workshops/{workshop_id}/stage", response_model=schemas.WorkshopOut)
def set_stage(
    workshop_id: int, body: schemas.StageChange, principal: PrincipalDep, session: SessionDep
) -> schemas.WorkshopOut:
    workshops.set_stage(session, principal, workshop_id, body.stage)
    return state_answer(workshops.read_state(session, principal, workshop_id))
