"""Impact/effort ratings of actions (1–5 each, one per participant and action)."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Rating


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
