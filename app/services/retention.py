"""Retention and erasure: the words of the room's notes do not outlive their use.

- A workshop's situation and cause notes are erased `erase_notes_after_days` days (default 365)
  after it closed (`Workshop.closed_at`, set by the move to "closed"). `python -m app.purge`
  (`make purge`) erases every workshop that is due, each in a change of its own.
- The facilitator erases one participant's notes on request (DELETE
  /api/v1/workshops/{id}/participants/{pid}/notes), the same way, at any time.

"The same way": a note's text becomes "Raderad"/"Erased" (in the workshop's language) and its
author is forgotten, but the note stays – with its number, focus area, dots and links – so the
chain "what we saw → why → what we do" keeps its shape and the action list is untouched (actions
are the plan the follow-up owners carry; their words are kept). The participants' names go too.
The audit records each erasure (a role and how many notes, never whose); notes other than
actions never had their words in the audit or the event log, so no copy is left behind.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from app.models import Item, Kind, Language, Participant, Stage, Workshop, utcnow
from app.services.auth import Principal, Role, require
from app.services.errors import NotFound
from app.services.uow import Change

ERASED = {Language.sv: "Raderad", Language.en: "Erased"}
ERASED_KINDS = (Kind.situation.value, Kind.cause.value)


def erased_text(workshop: Workshop) -> str:
    return ERASED[Language.en if workshop.language == Language.en else Language.sv]


def erase_at(workshop: Workshop) -> datetime | None:
    """When the workshop's notes are due to be erased (None while it is not closed)."""
    if workshop.closed_at is None:
        return None
    return workshop.closed_at + timedelta(days=workshop.erase_notes_after_days)


def _erase(change: Change, workshop: Workshop, participant_id: int | None = None) -> int:
    """Replace the text of situation and cause notes (all, or one participant's); returns how
    many notes were erased."""
    session = change.session
    assert workshop.id is not None
    scope = [
        col(Item.workshop_id) == workshop.id,
        col(Item.kind).in_(ERASED_KINDS),
        col(Item.text) != erased_text(workshop),
    ]
    if participant_id is not None:
        scope.append(col(Item.participant_id) == participant_id)
    count = len(session.exec(select(Item.id).where(*scope)).all())
    now = utcnow()
    if count:
        session.exec(
            update(Item)
            .where(*scope)
            .values(
                text=erased_text(workshop),
                participant_id=None,
                held=False,
                updated_at=now,
                version=Item.version + 1,
            )
        )
    people = [col(Participant.workshop_id) == workshop.id]
    if participant_id is not None:
        people.append(col(Participant.id) == participant_id)
    session.exec(update(Participant).where(*people).values(display_name=None))
    return count


def erase_participant_notes(
    change: Change, principal: Principal, workshop_id: int, participant_id: int
) -> int:
    """Erase one participant's situation and cause notes, on their request."""
    require(principal, workshop_id, Role.facilitator)
    workshop = change.lock(workshop_id)
    participant = change.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop_id:
        raise NotFound("No such participant.")
    count = _erase(change, workshop, participant_id)
    change.audit(principal.role.value, "erase", field="notes", after=count)
    change.log("notes.erased", count=count)
    return count


@dataclass(frozen=True)
class Purged:
    workshop_id: int
    notes: int


def due(session: Session, now: datetime | None = None) -> list[int]:
    """Closed workshops whose notes are due to be erased and are not yet."""
    moment = now or utcnow()
    closed = session.exec(
        select(Workshop).where(
            Workshop.stage == Stage.closed,
            col(Workshop.closed_at).is_not(None),
            col(Workshop.notes_erased_at).is_(None),
        )
    ).all()
    return sorted(
        w.id
        for w in closed
        if w.id is not None and (at := erase_at(w)) is not None and at <= moment
    )


def purge_workshop(change: Change, workshop_id: int, now: datetime | None = None) -> Purged | None:
    """Erase a due workshop's situation and cause notes (None: not due after all)."""
    workshop = change.lock(workshop_id)
    at = erase_at(workshop)
    if (
        workshop.stage != Stage.closed
        or workshop.notes_erased_at is not None
        or at is None
        or at > (now or utcnow())
    ):
        return None
    count = _erase(change, workshop)
    workshop.notes_erased_at = utcnow()
    change.session.add(workshop)
    change.audit("system", "purge", field="notes", after=count)
    change.log("notes.erased", count=count)
    return Purged(workshop_id, count)
