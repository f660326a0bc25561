"""Impact/effort ratings of actions (1–5 each, one per participant and action).

Rules decided here:
- Participants rate; a rating can be changed as often as one likes (the last one counts).
- Only in the prioritize stage: before it the actions are still moving, after it the results
  are final.
- Only actions that are neither hidden nor merged; and once the facilitator has shortlisted any
  action, only the shortlisted ones (the room rates what it carries on with).
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from app.db import Prepared
from app.models import Item, Kind, Rating, Stage, utcnow
from app.services.auth import Principal, Role, require
from app.services.errors import Invalid, NotAllowedNow
from app.services.items import ItemView, list_items
from app.services.uow import Change

SCALE = (1, 5)


@dataclass(frozen=True)
class RatingSummary:
    item_id: int
    count: int
    impact: float  # mean
    effort: float  # mean
    impact_spread: float  # population standard deviation
    effort_spread: float


def rating_summary(session: Session, workshop_id: int) -> dict[int, RatingSummary]:
    """Mean and spread of impact and effort per rated action, in one query."""
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Rating.item_id,
            func.count(),
            func.avg(Rating.impact),
            func.avg(Rating.effort),
            func.avg(Rating.impact * Rating.impact),
            func.avg(Rating.effort * Rating.effort),
        )
        .where(Rating.workshop_id == workshop_id)
        .group_by(col(Rating.item_id))
    ).all()
    summaries = {}
    for item_id, count, impact, effort, impact_sq, effort_sq in rows:
        impact, effort = float(impact), float(effort)
        summaries[item_id] = RatingSummary(
            item_id,
            int(count),
            impact,
            effort,
            max(0.0, float(impact_sq) - impact * impact) ** 0.5,
            max(0.0, float(effort_sq) - effort * effort) ** 0.5,
        )
    return summaries


def _check_score(value: Any, field_name: str) -> int:
    low, high = SCALE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        if field_name == "impact":
            raise Invalid("Impact is a whole number from 1 to 5.", field="impact")
        raise Invalid("Effort is a whole number from 1 to 5.", field="effort")
    return value


@dataclass(frozen=True)
class Rated:
    item_id: int
    impact: int
    effort: int


# A rating in prebuilt statements on the driver's cursor (the room rates in a burst too): the
# action, whether any action is shortlisted, and this participant's rating, in one read.
_ITEM = Item.__table__  # type: ignore[attr-defined]
_RATING = Rating.__table__  # type: ignore[attr-defined]
_OTHER = _ITEM.alias("other")
_ANY_SHORTLISTED = (
    sa.select(func.count())
    .where(
        _OTHER.c.workshop_id == _ITEM.c.workshop_id,
        _OTHER.c.kind == Kind.action.value,
        _OTHER.c.shortlisted.is_(True),
        _OTHER.c.hidden.is_(False),
        _OTHER.c.merged_into_id.is_(None),
    )
    .scalar_subquery()
)
_ACTION = Prepared(
    sa.select(
        _ITEM.c.id,
        _ITEM.c.workshop_id,
        _ITEM.c.kind,
        _ITEM.c.hidden,
        _ITEM.c.held,
        _ITEM.c.merged_into_id,
        _ITEM.c.shortlisted,
        _ANY_SHORTLISTED.label("any_shortlisted"),
        _RATING.c.id.label("rating_id"),
        _RATING.c.impact,
        _RATING.c.effort,
    )
    .select_from(
        _ITEM.outerjoin(
            _RATING,
            sa.and_(
                _RATING.c.item_id == _ITEM.c.id,
                _RATING.c.participant_id == bindparam("participant_id"),
            ),
        )
    )
    .where(_ITEM.c.id == bindparam("item_id"))
)
_ADD_RATING = Prepared(sa.insert(_RATING))
_CHANGE_RATING = Prepared(
    sa.update(_RATING)
    .where(_RATING.c.id == bindparam("rating_id"))
    .values(
        impact=bindparam("impact"), effort=bindparam("effort"), updated_at=bindparam("updated_at")
    )
)


def rate_action(
    change: Change, principal: Principal, item_id: int, impact: Any, effort: Any
) -> Rated:
    """Save the participant's impact and effort for an action, replacing an earlier rating."""
    impact = _check_score(impact, "impact")
    effort = _check_score(effort, "effort")
    workshop = change.lock_row(item_id)
    item = _ACTION.first(
        change.conn, {"item_id": item_id, "participant_id": principal.participant_id}
    )
    require(principal, item.workshop_id, Role.participant)
    assert principal.participant_id is not None
    if item.kind != Kind.action:
        raise Invalid("Only actions are rated.", field="kind")
    if workshop.stage != Stage.prioritize:
        raise NotAllowedNow("Actions are rated in the prioritize stage.")
    if item.hidden or item.merged_into_id is not None:
        raise NotAllowedNow("The facilitator has hidden this action or merged it into another.")
    if item.held:
        raise NotAllowedNow("This note waits for the facilitator's review.")
    if not item.shortlisted and item.any_shortlisted:
        raise NotAllowedNow("Only the shortlisted actions are rated.")
    rated = Rated(item_id, impact, effort)
    # The workshop lock above makes this read-then-write safe against a double tap.
    if item.rating_id is None:
        _ADD_RATING.run(
            change.conn,
            {
                "workshop_id": item.workshop_id,
                "participant_id": principal.participant_id,
                "item_id": item_id,
                "impact": impact,
                "effort": effort,
                "updated_at": utcnow(),
            },
        )
    elif (item.impact, item.effort) == (impact, effort):
        return rated  # the same again (a tap sent twice): nothing changes
    else:
        _CHANGE_RATING.run(
            change.conn,
            {
                "rating_id": item.rating_id,
                "impact": impact,
                "effort": effort,
                "updated_at": utcnow(),
            },
        )
    change.log("rating.saved", item_id=item_id)
    return rated


def carried_on(session: Session, principal: Principal, workshop_id: int) -> list[ItemView]:
    """The actions the room rates and the follow-up carries: the shortlist, or every visible
    action while none is shortlisted (the same rule rate_action applies)."""
    actions = [
        v
        for v in list_items(session, principal, workshop_id, kind=Kind.action)
        if not v.item.hidden and not v.item.held and v.item.merged_into_id is None
    ]
    return [v for v in actions if v.item.shortlisted] or actions


def my_ratings(session: Session, principal: Principal, workshop_id: int) -> dict[int, Rating]:
    """The participant's own ratings by action id (to fill in the phone's sliders)."""
    require(principal, workshop_id, Role.participant)
    return {
        rating.item_id: rating
        for rating in session.exec(
            select(Rating).where(
                Rating.workshop_id == workshop_id,
                Rating.participant_id == principal.participant_id,
            )
        ).all()
    }
