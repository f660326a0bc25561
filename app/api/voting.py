"""Dot voting, the ranking, the shortlist and impact/effort ratings. The rules live in
app/services/voting.py and app/services/ratings.py; these routes only translate."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictInt

from app.api import schemas
from app.api.deps import PrincipalDep
from app.api.workshops import state_answer
from app.deps import SessionDep
from app.services import ratings, voting, workshops
from app.services.voting import VOTED_KINDS, VotingProgress

router = APIRouter(prefix="/api/v1", tags=["voting"])


class VotingChange(BaseModel):
    kind: str = Field(max_length=20)
    state: str = Field(max_length=20)


class VotesLeft(BaseModel):
    votes_left: int


class ProgressOut(BaseModel):
    kind: str
    state: str
    participants: int
    voters: int
    finished: int
    dots_used: int
    dots_total: int
    totals: dict[int, int] | None


class RankedOut(BaseModel):
    id: int
    focus_area_id: int
    text: str
    votes: int
    rank: int
    shortlisted: bool


class ShortlistIn(BaseModel):
    top: StrictInt = 3
    focus_area_id: int | None = None


class ShortlistOut(BaseModel):
    item_ids: list[int]


class RatingIn(BaseModel):
    # Whole numbers only (else FastAPI's 422); the 1–5 range is the service's rule.
    impact: StrictInt
    effort: StrictInt


class RatingOut(BaseModel):
    item_id: int
    impact: int
    effort: int


def progress_out(progress: VotingProgress) -> ProgressOut:
    return ProgressOut(**progress.__dict__)


@router.put("/workshops/{workshop_id}/voting", response_model=schemas.WorkshopOut)
def set_voting(
    workshop_id: int, body: VotingChange, principal: PrincipalDep, session: SessionDep
) -> schemas.WorkshopOut:
    voting.set_voting(session, principal, workshop_id, body.kind, body.state)
    return state_answer(workshops.read_state(session, principal, workshop_id))


@router.get("/workshops/{workshop_id}/voting", response_model=dict[str, ProgressOut])
def voting_progress(
    workshop_id: int, principal: PrincipalDep, session: SessionDep
) -> dict[str, ProgressOut]:
    """Per kind: how many have voted and dots used; the tally when the caller may see it."""
    return {
        kind.value: progress_out(voting.progress(session, principal, workshop_id, kind))
        for kind in VOTED_KINDS
    }


@router.post("/items/{item_id}/votes", status_code=201, response_model=VotesLeft)
def cast_vote(item_id: int, principal: PrincipalDep, session: SessionDep) -> VotesLeft:
    return VotesLeft(votes_left=voting.cast_vote(session, principal, item_id))


@router.delete("/items/{item_id}/votes", response_model=VotesLeft)
def remove_vote(item_id: int, principal: PrincipalDep, session: SessionDep) -> VotesLeft:
    return VotesLeft(votes_left=voting.remove_vote(session, principal, item_id))


@router.get("/workshops/{workshop_id}/ranking", response_model=list[RankedOut])
def ranking(
    workshop_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    kind: Annotated[str, Query(max_length=20)],
    focus_area_id: int | None = None,
) -> list[RankedOut]:
    return [
        RankedOut(
            id=r.item.id or 0,
            focus_area_id=r.item.focus_area_id,
            text=r.item.text,
            votes=r.votes,
            rank=r.rank,
            shortlisted=r.item.shortlisted,
        )
        for r in voting.ranking(session, principal, workshop_id, kind, focus_area_id)
    ]


@router.post("/workshops/{workshop_id}/shortlist", response_model=ShortlistOut)
def shortlist(
    workshop_id: int, body: ShortlistIn, principal: PrincipalDep, session: SessionDep
) -> ShortlistOut:
    chosen = voting.shortlist_top(session, principal, workshop_id, body.top, body.focus_area_id)
    return ShortlistOut(item_ids=chosen)


@router.put("/items/{item_id}/rating", response_model=RatingOut)
def rate(item_id: int, body: RatingIn, principal: PrincipalDep, session: SessionDep) -> RatingOut:
    rating = ratings.rate_action(session, principal, item_id, body.impact, body.effort)
    return RatingOut(item_id=rating.item_id, impact=rating.impact, effort=rating.effort)
