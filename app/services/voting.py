"""Dot voting on causes and on actions, the ranking it gives, and the shortlist of actions.

Each kind has its own voting state, closed → open → revealed, set by the facilitator (who may
also go back: reopen, or close to hide the tally again). Dots can be put on and taken back only
while that kind's voting is open.

Every participant has `votes_per_participant` dots per kind and may put at most
`max_votes_per_item` of them on one note. The budget is enforced inside the change's transaction:
the unit of work locks the workshop first (app/services/uow.py), and only then are the dots
counted and the new one inserted, so parallel requests from one phone, or from several workers,
can never spend more than the budget. A phone that sends the same tap again (its wifi dropped
before the answer came) sends the same request key, and the tap lands once.

Rules decided here:
- A dot on a note the facilitator has since hidden is given back: hidden notes count neither in
  the tally nor against the budget. (Should the note come back, so do its dots.)
- A merged note's dots have moved to the note it was merged into; the merged one takes no dots.
- The ranking is a vote's result (app/services/ranking.py): by dots, most first; ties go to
  the older note, so the order never changes between two looks at the same votes.
- The shortlist takes exactly the top N actions that got at least one dot, in ranking order
  (ties at the cut go to the older note), overall or in each focus area (`per_area`); the
  facilitator adjusts it by hand afterwards. It is refused while action voting is still open,
  because the tally is still moving.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Row, bindparam, delete, func, insert
from sqlmodel import Session, col, select, update

from app.db import Prepared
from app.models import (
    FocusArea,
    Item,
    Kind,
    Participant,
    RequestKey,
    Vote,
    VotingState,
    Workshop,
    utcnow,
)
from app.services.auth import Principal, Role, require
from app.services.errors import BudgetSpent, Invalid, NotAllowedNow
from app.services.items import KEY_MAX, votes_visible
from app.services.ranking import dot_counts, vote_result
from app.services.uow import Change
from app.services.vocabulary import VOTED_KINDS
from app.services.workshops import get_workshop, voting_state

MAX_SHORTLIST = 100


def check_kind(kind: str) -> Kind:
    if kind not in VOTED_KINDS:
        raise Invalid("Voting is on causes or on actions.", field="kind")
    return Kind(kind)


def _check_state(state: str) -> VotingState:
    try:
        return VotingState(state)
    except ValueError:
        raise Invalid("Voting is closed, open or revealed.", field="state") from None


def set_voting(
    change: Change, principal: Principal, workshop_id: int, kind: str, state: str
) -> Workshop:
    """Open, reveal or close the voting on one kind; setting the same state again is a no-op."""
    require(principal, workshop_id, Role.facilitator)
    the_kind = check_kind(kind)
    the_state = _check_state(state)
    workshop = change.lock(workshop_id)
    if voting_state(workshop, the_kind) == the_state:
        return workshop  # nothing changes: no event number spent on it
    previous = voting_state(workshop, the_kind)
    if the_kind == Kind.cause:
        workshop.cause_voting = the_state
    else:
        workshop.action_voting = the_state
    change.session.add(workshop)
    change.audit(
        principal.role.value, "voting", field=the_kind.value, before=previous, after=the_state.value
    )
    change.log("voting", kind=the_kind.value, state=the_state.value)
    return workshop


# The room's hot path, in statements built once (SQLAlchemy caches their compiled form): a dot
# is the lock, one read of the note, one count and one write, however full the room.
_VOTE = Vote.__table__  # type: ignore[attr-defined]
_ITEM = Item.__table__  # type: ignore[attr-defined]
_KEY = RequestKey.__table__  # type: ignore[attr-defined]
_VOTED = _ITEM.alias("voted")
# The note, and the participant's dots both limits need, in one statement: the dots of the note's
# kind on notes that are not hidden (dots on a note the facilitator hid are given back, see the
# module's docstring), and those on this note.
_DOTS_USED = (
    sa.select(func.count())
    .select_from(_VOTE.join(_VOTED, _VOTED.c.id == _VOTE.c.item_id))
    .where(
        _VOTE.c.workshop_id == _ITEM.c.workshop_id,
        _VOTE.c.participant_id == bindparam("participant_id"),
        _VOTE.c.kind == _ITEM.c.kind,
        _VOTED.c.hidden.is_(False),
    )
    .scalar_subquery()
)
_DOTS_HERE = (
    sa.select(func.count())
    .where(_VOTE.c.item_id == _ITEM.c.id, _VOTE.c.participant_id == bindparam("participant_id"))
    .scalar_subquery()
)
_NOTE = Prepared(
    sa.select(
        _ITEM.c.id,
        _ITEM.c.workshop_id,
        _ITEM.c.kind,
        _ITEM.c.hidden,
        _ITEM.c.held,
        _ITEM.c.merged_into_id,
        _ITEM.c.focus_area_id,
        _DOTS_USED.label("used"),
        _DOTS_HERE.label("here"),
    ).where(_ITEM.c.id == bindparam("item_id"))
)
# A participant's dots of a kind that count (for the phone's "dots left").
_MINE = (
    _VOTE.join(_ITEM, _ITEM.c.id == _VOTE.c.item_id),
    (
        _VOTE.c.workshop_id == bindparam("workshop_id"),
        _VOTE.c.participant_id == bindparam("participant_id"),
        _VOTE.c.kind == bindparam("kind"),
        _ITEM.c.hidden.is_(False),
    ),
)
_USED = Prepared(sa.select(func.count()).select_from(_MINE[0]).where(*_MINE[1]))
_ADD_DOT = Prepared(insert(_VOTE))
_LAST_DOT = Prepared(
    sa.select(_VOTE.c.id)
    .where(_VOTE.c.item_id == bindparam("item_id"))
    .where(_VOTE.c.participant_id == bindparam("participant_id"))
    .order_by(_VOTE.c.id.desc())
    .limit(1)
)
_TAKE_DOT = Prepared(delete(_VOTE).where(_VOTE.c.id == bindparam("vote_id")))
_SEEN_KEY = Prepared(
    sa.select(_KEY.c.id).where(
        _KEY.c.participant_id == bindparam("participant_id"), _KEY.c.key == bindparam("key")
    )
)
_KEEP_KEY = Prepared(insert(_KEY))


def _used(conn: Connection, workshop_id: int, participant_id: int, kind: str) -> int:
    params = {"workshop_id": workshop_id, "participant_id": participant_id, "kind": kind}
    return int(_USED.first(conn, params)[0])


def _locked_item(change: Change, principal: Principal, item_id: int) -> tuple[Row[Any], Any]:
    """Lock the item's workshop for a dot, and check that the item takes dots right now."""
    workshop = change.lock_row(item_id)
    item = _NOTE.first(
        change.conn, {"item_id": item_id, "participant_id": principal.participant_id}
    )
    require(principal, item.workshop_id, Role.participant)
    if item.kind not in VOTED_KINDS:
        raise NotAllowedNow("Only causes and actions get dots.", field="kind")
    state = voting_state(workshop, item.kind)
    if state != VotingState.open:
        if item.kind == Kind.cause:
            raise NotAllowedNow("Voting on causes is not open.")
        raise NotAllowedNow("Voting on actions is not open.")
    if item.merged_into_id is not None:
        raise NotAllowedNow("This note was merged into another: put your dots on that one.")
    if item.hidden:
        raise NotAllowedNow("The facilitator has hidden this note.")
    if item.held:
        raise NotAllowedNow("This note waits for the facilitator's review.")
    return workshop, item


def _seen(change: Change, principal: Principal, request_key: str | None) -> bool:
    """True when this request key already made its change; else remember it with this change."""
    if request_key is None:
        return False
    if not 0 < len(request_key) <= KEY_MAX:
        raise Invalid("Bad idempotency key.", field="idempotency_key")
    conn = change.conn
    params = {"participant_id": principal.participant_id, "key": request_key}
    if _SEEN_KEY.first(conn, params) is not None:
        return True
    _KEEP_KEY.run(conn, {**params, "created_at": utcnow()})
    return False


def cast_vote(
    change: Change, principal: Principal, item_id: int, request_key: str | None = None
) -> int:
    """Put one of the participant's dots on a cause or an action; returns the dots left."""
    workshop, item = _locked_item(change, principal, item_id)
    # Counted under the workshop lock taken above: parallel taps cannot both pass.
    used, on_item = item.used, item.here
    if _seen(change, principal, request_key):
        return max(0, workshop.votes_per_participant - used)  # landed before: no second dot
    if used >= workshop.votes_per_participant:
        raise BudgetSpent(
            "You have used all your dots (%(max)s).", max=workshop.votes_per_participant
        )
    if on_item >= workshop.max_votes_per_item:
        raise BudgetSpent(
            "At most %(max)s dots on one note.", field="item", max=workshop.max_votes_per_item
        )
    dot = {"workshop_id": workshop.id, "item_id": item.id, "kind": item.kind}
    _ADD_DOT.run(
        change.conn,
        {**dot, "participant_id": principal.participant_id, "created_at": utcnow()},
    )
    change.log("vote.cast", item_id=item.id, kind=item.kind, area=item.focus_area_id)
    return int(workshop.votes_per_participant - used - 1)


def remove_vote(
    change: Change, principal: Principal, item_id: int, request_key: str | None = None
) -> int:
    """Take back one of the participant's own dots from a note; returns the dots left."""
    workshop, item = _locked_item(change, principal, item_id)
    assert principal.participant_id is not None
    conn = change.conn
    used = item.used
    if not _seen(change, principal, request_key):
        mine = _LAST_DOT.first(
            conn, {"item_id": item.id, "participant_id": principal.participant_id}
        )
        if mine is None:
            raise NotAllowedNow("You have no dot on this note.")
        _TAKE_DOT.run(conn, {"vote_id": mine.id})
        used -= 1  # the dot was on this note, which is not hidden: it counted
        change.log("vote.removed", item_id=item.id, kind=item.kind, area=item.focus_area_id)
    return max(0, workshop.votes_per_participant - used)


def votes_left(session: Session, principal: Principal, workshop_id: int, kind: str) -> int:
    """How many dots of a kind the participant still has (for the phone)."""
    require(principal, workshop_id, Role.participant)
    assert principal.participant_id is not None
    the_kind = check_kind(kind)
    workshop = get_workshop(session, workshop_id)
    used = _used(session.connection(), workshop_id, principal.participant_id, the_kind)
    return max(0, workshop.votes_per_participant - used)


@dataclass(frozen=True)
class VotingProgress:
    """How far the room has come with one kind's voting."""

    kind: str
    state: str
    participants: int
    voters: int  # people with at least one dot down
    finished: int  # people who have used their whole budget
    dots_used: int
    dots_total: int  # participants × budget
    # Dots per note, for who may see them now (the facilitator always; others once revealed).
    totals: dict[int, int] | None = field(default=None)


def progress(session: Session, principal: Principal, workshop_id: int, kind: str) -> VotingProgress:
    """Who has voted (counts only, never who put dots where) and, for who may see it, the tally."""
    require(principal, workshop_id)
    the_kind = check_kind(kind)
    workshop = get_workshop(session, workshop_id)
    participants = session.exec(
        select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
    ).one()
    # The dots that count: those on notes that are not hidden (merged notes hold none).
    rows = session.exec(
        select(Vote.participant_id, Vote.item_id)
        .join(Item, col(Item.id) == col(Vote.item_id))
        .where(Vote.workshop_id == workshop_id, Vote.kind == the_kind, col(Item.hidden).is_(False))
    ).all()
    per_person = Counter(participant_id for participant_id, _ in rows)
    totals = None
    if votes_visible(principal, workshop, the_kind):
        totals = dict(Counter(item_id for _, item_id in rows))
    return VotingProgress(
        kind=the_kind.value,
        state=voting_state(workshop, the_kind),
        participants=participants,
        voters=len(per_person),
        finished=sum(1 for n in per_person.values() if n >= workshop.votes_per_participant),
        dots_used=len(rows),
        dots_total=participants * workshop.votes_per_participant,
        totals=totals,
    )


@dataclass(frozen=True)
class Ranked:
    item: Item
    votes: int
    rank: int  # 1 = most dots; notes with the same number of dots share a rank


def _ranking(
    session: Session, workshop_id: int, kind: str, focus_area_id: int | None = None
) -> list[Ranked]:
    query = select(Item).where(
        Item.workshop_id == workshop_id,
        Item.kind == kind,
        col(Item.hidden).is_(False),
        col(Item.held).is_(False),
        col(Item.merged_into_id).is_(None),
    )
    if focus_area_id is not None:
        query = query.where(Item.focus_area_id == focus_area_id)
    notes = session.exec(query).all()
    counts = dot_counts(session, workshop_id, kind)
    return [Ranked(p.item, p.votes, p.place) for p in vote_result(notes, counts)]


def ranking(
    session: Session,
    principal: Principal,
    workshop_id: int,
    kind: str,
    focus_area_id: int | None = None,
) -> list[Ranked]:
    """The notes of a kind by dots, most first, in a stable order; for the room once revealed."""
    require(principal, workshop_id)
    the_kind = check_kind(kind)
    workshop = get_workshop(session, workshop_id)
    if not votes_visible(principal, workshop, the_kind):
        raise NotAllowedNow("The votes are not revealed yet.")
    return _ranking(session, workshop_id, the_kind, focus_area_id)


def shortlist_top(
    change: Change,
    principal: Principal,
    workshop_id: int,
    n: int,
    focus_area_id: int | None = None,
    per_area: bool = False,
) -> list[int]:
    """Shortlist the N actions with the most dots (in one focus area, in each focus area with
    `per_area`, or overall); returns their ids.

    Replaces the shortlist within that scope: actions outside the top N are taken off it.
    """
    require(principal, workshop_id, Role.facilitator)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SHORTLIST:
        raise Invalid("Shortlist between 1 and %(max)s actions.", field="top", max=MAX_SHORTLIST)
    session = change.session
    workshop = change.lock(workshop_id)
    if workshop.action_voting == VotingState.open:
        raise NotAllowedNow("Close or reveal the action voting first.")
    if not isinstance(per_area, bool) or (per_area and focus_area_id is not None):
        raise Invalid("Shortlist per focus area or in one focus area, not both.", field="per_area")
    if focus_area_id is not None:
        area = session.get(FocusArea, focus_area_id)
        if area is None or area.workshop_id != workshop_id:
            raise Invalid("Pick one of the workshop's focus areas.", field="focus_area_id")
    ranked = _ranking(session, workshop_id, Kind.action, focus_area_id)
    if per_area:
        by_area: dict[int, list[Ranked]] = {}
        for r in ranked:
            by_area.setdefault(r.item.focus_area_id, []).append(r)
        tops = [r for area in by_area.values() for r in area[:n]]
    else:
        tops = ranked[:n]
    chosen = [r.item.id for r in tops if r.votes > 0 and r.item.id is not None]
    scope = [col(Item.workshop_id) == workshop_id, col(Item.kind) == Kind.action]
    if focus_area_id is not None:
        scope.append(col(Item.focus_area_id) == focus_area_id)
    now = utcnow()
    session.exec(
        update(Item)
        .where(*scope, col(Item.shortlisted).is_(True), col(Item.id).not_in(chosen or [-1]))
        .values(shortlisted=False, updated_at=now, version=Item.version + 1)
    )
    if chosen:
        session.exec(
            update(Item)
            .where(col(Item.id).in_(chosen), col(Item.shortlisted).is_(False))
            .values(shortlisted=True, updated_at=now, version=Item.version + 1)
        )
    # "Top 3 in each focus area": what was asked, not which actions (the tally may be secret).
    change.audit(
        principal.role.value, "shortlist", field="per_area" if per_area else "top", after=n
    )
    # Sorted: in rank order the ids would tell API listeners an unrevealed ranking.
    change.log("shortlist", item_ids=sorted(chosen), focus_area_id=focus_area_id, per_area=per_area)
    return chosen
