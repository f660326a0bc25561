"""Dot voting, the ranking, the shortlist and impact/effort ratings. The rules live in
app/services/voting.py and app/services/ratings.py; these routes only translate."""

from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field, StrictBool, StrictInt
from starlette.concurrency import run_in_threadpool

from app.api import schemas
from app.api.deps import CallerDep
from app.api.schemas import Id
from app.api.workshops import read_state
from app.db import reading
from app.deps import ItemId, WorkshopId
from app.services import ratings, uow, voting
from app.services.vocabulary import VOTED_KINDS
from app.services.voting import VotingProgress

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The same key again (a retry after a lost answer) changes nothing more.",
    ),
]

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
    focus_area_id: Id | None = None
    per_area: StrictBool = Field(default=False, description="The top N of each focus area.")


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
async def set_voting(
    workshop_id: WorkshopId, body: VotingChange, principal: CallerDep
) -> schemas.WorkshopOut:
    await uow.submit(voting.set_voting, principal, workshop_id, body.kind, body.state)
    return await run_in_threadpool(read_state, principal, workshop_id)


@router.get("/workshops/{workshop_id}/voting", response_model=dict[str, ProgressOut])
def voting_progress(workshop_id: WorkshopId, principal: CallerDep) -> dict[str, ProgressOut]:
    """Per kind: how many have voted and dots used; the tally when the caller may see it."""
    with reading() as session:
        return {
            kind.value: progress_out(voting.progress(session, principal, workshop_id, kind))
            for kind in VOTED_KINDS
        }


@router.post("/items/{item_id}/votes", status_code=201, response_model=VotesLeft)
async def cast_vote(
    item_id: ItemId, principal: CallerDep, idempotency_key: IdempotencyKey = None
) -> VotesLeft:
    left = await uow.submit(voting.cast_vote, principal, item_id, idempotency_key)
    return VotesLeft(votes_left=left)


@router.delete("/items/{item_id}/votes", response_model=VotesLeft)
async def remove_vote(
    item_id: ItemId, principal: CallerDep, idempotency_key: IdempotencyKey = None
) -> VotesLeft:
    left = await uow.submit(voting.remove_vote, principal, item_id, idempotency_key)
    return VotesLeft(votes_left=left)


@router.get("/workshops/{workshop_id}/ranking", response_model=list[RankedOut])
def ranking(
    workshop_id: WorkshopId,
    principal: CallerDep,
    kind: Annotated[str, Query(max_length=20)],
    focus_area_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[RankedOut]:
    with reading() as session:
        ranked = voting.ranking(session, principal, workshop_id, kind, focus_area_id)
    return [
        RankedOut(
            id=r.item.id or 0,
            focus_area_id=r.item.focus_area_id,
            text=r.item.text,
            votes=r.votes,
            rank=r.rank,
            shortlisted=r.item.shortlisted,
        )
        for r in ranked
    ]


@router.post("/workshops/{workshop_id}/shortlist", response_model=ShortlistOut)
async def shortlist(
    workshop_id: WorkshopId, body: ShortlistIn, principal: CallerDep
) -> ShortlistOut:
    chosen = await uow.submit(
        voting.shortlist_top, principal, workshop_id, body.top, body.focus_area_id, body.per_area
    )
    return ShortlistOut(item_ids=chosen)


@router.put("/items/{item_id}/rating", response_model=RatingOut)
async def rate(item_id: ItemId, body: RatingIn, principal: CallerDep) -> RatingOut:
    rating = await uow.submit(ratings.rate_action, principal, item_id, body.impact, body.effort)
    return RatingOut(item_id=rating.item_id, impact=rating.impact, effort=rating.effort)
