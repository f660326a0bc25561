"""How notes are ordered and numbered: one place, so that every screen and the workbook agree.

Two orders, for two questions:

- **The action list** ("which action is number 4?"): every action still in play gets one number,
  the same on the board's list and matrix, the facilitator's table, the follow-up page and the
  workbook. The order: the actions carried on first (the shortlist, when there is one), then by
  priority (unset last), by dots (most first), and the older note first. Dots count whether or
  not they have been revealed, so a board and a facilitator page never number the same action
  differently. Ratings do not move it: a number stays put while the room rates, and the
  facilitator's priority is what changes the order after the vote.
- **A vote's result** ("what got the most dots in this focus area?"): notes of one kind by dots,
  most first, ties to the older note; notes with the same number of dots share a place.

An action is in play unless it is hidden, held back (personal data), merged into another, or
(in a follow-up workshop) the room decided in review that it is done or dropped.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Item, Kind, Review, Vote

UNSET = 1 << 30
CLOSED_IN_REVIEW = (Review.done.value, Review.drop.value)


def in_play(item: Item) -> bool:
    """Whether an action belongs to the workshop's action list."""
    return (
        not item.hidden
        and not item.held
        and item.merged_into_id is None
        and item.review not in CLOSED_IN_REVIEW
    )


def action_key(item: Item, votes: int, shortlist: bool) -> tuple[int, int, int, int]:
    carried_on = 0 if (item.shortlisted or not shortlist) else 1
    priority = item.priority if item.priority is not None else UNSET
    return (carried_on, priority, -votes, item.id or 0)


def order_actions(actions: Iterable[Item], votes: Mapping[int, int]) -> list[Item]:
    """The action list in its one order (position + 1 is the action's number)."""
    in_list = [a for a in actions if in_play(a)]
    shortlist = any(a.shortlisted for a in in_list)
    return sorted(in_list, key=lambda a: action_key(a, votes.get(a.id or 0, 0), shortlist))


def action_numbers(session: Session, workshop_id: int) -> dict[int, int]:
    """Every in-play action's number (action id → 1, 2, …), in two queries."""
    actions = session.exec(
        select(Item).where(Item.workshop_id == workshop_id, Item.kind == Kind.action)
    ).all()
    ordered = order_actions(actions, dot_counts(session, workshop_id, Kind.action))
    return {item.id or 0: number for number, item in enumerate(ordered, start=1)}


def dot_counts(session: Session, workshop_id: int, kind: str) -> dict[int, int]:
    """Dots per note of a kind, revealed or not (only for ordering and for who may see them)."""
    return dict(
        session.exec(
            select(Vote.item_id, func.count())
            .where(Vote.workshop_id == workshop_id, Vote.kind == kind)
            .group_by(col(Vote.item_id))
        ).all()
    )


@dataclass(frozen=True)
class Placed:
    item: Item
    votes: int
    place: int  # 1 = most dots; notes with the same dots share a place


def vote_result(notes: Iterable[Item], votes: Mapping[int, int]) -> list[Placed]:
    """Notes by dots, most first; ties to the older note, and they share a place."""
    ordered = sorted(notes, key=lambda n: (-votes.get(n.id or 0, 0), n.id or 0))
    placed: list[Placed] = []
    for position, note in enumerate(ordered, start=1):
        count = votes.get(note.id or 0, 0)
        place = placed[-1].place if placed and placed[-1].votes == count else position
        placed.append(Placed(note, count, place))
    return placed
