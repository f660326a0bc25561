"""The audit, read back: what changed in a workshop, when, and through which role.

Writers add lines with `change.audit(...)` in their own transaction (app/services/uow.py): stage
moves, voting, hiding, editing, merging and deleting notes, shortlists, exports and imports, and
one line per changed field of a note. A line names a role (facilitator, followup, participant),
never a person. Of an action the values are kept, from → to: that is its history. A carried
action (a follow-up workshop's) has the history of the action it carries on, too.

Reading the audit is for the facilitator and the follow-up owners. An export is a read, so it is
recorded by a change of its own (`record_export`) that writes the line and logs "exported".
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.models import Audit, Item
from app.services.auth import Principal, Role, require
from app.services.errors import Invalid, NotFound
from app.services.uow import Change

AUDIT_MAX = 5000  # lines in one answer: a long-lived workshop's whole log still fits
CHAIN_MAX = 20  # follow-up workshops in a row whose history one action carries
EXPORTS = ("xlsx", "json")


@dataclass(frozen=True)
class Line:
    at: datetime
    workshop_id: int
    role: str
    action: str
    item_id: int | None
    field: str | None
    before: str | None
    after: str | None
    via: str | None
    # Written in an earlier workshop, about the action this one carries on.
    earlier: bool = False


def _line(row: Audit, earlier: bool = False) -> Line:
    return Line(
        at=row.at,
        workshop_id=row.workshop_id,
        role=row.role,
        action=row.action,
        item_id=row.item_id,
        field=row.field,
        before=row.before,
        after=row.after,
        via=row.via,
        earlier=earlier,
    )


def workshop_audit(session: Session, principal: Principal, workshop_id: int) -> list[Line]:
    """The workshop's whole audit, oldest first."""
    require(principal, workshop_id, Role.facilitator, Role.followup)
    rows = session.exec(
        select(Audit)
        .where(Audit.workshop_id == workshop_id)
        .order_by(col(Audit.at), col(Audit.id))
        .limit(AUDIT_MAX)
    ).all()
    return [_line(row) for row in rows]


def item_history(session: Session, principal: Principal, item_id: int) -> list[Line]:
    """Every change to one note, oldest first (for an action carried from an earlier workshop,
    what happened to it there comes first)."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound("No such note.")
    require(principal, item.workshop_id, Role.facilitator, Role.followup)
    return histories(session, [item]).get(item_id, [])


def histories(session: Session, items: list[Item]) -> dict[int, list[Line]]:
    """The history of each of these notes, in two queries plus one per earlier workshop."""
    owner: dict[int, int] = {i.id: i.id for i in items if i.id is not None}
    frontier = {i.carried_from_id: i.id for i in items if i.carried_from_id and i.id}
    for _ in range(CHAIN_MAX):
        frontier = {k: v for k, v in frontier.items() if k not in owner}
        if not frontier:
            break
        for earlier_id, child in frontier.items():
            owner[earlier_id] = owner[child]
        parents = session.exec(
            select(Item.id, Item.carried_from_id).where(col(Item.id).in_(list(frontier)))
        ).all()
        frontier = {parent: earlier for earlier, parent in parents if parent and earlier}
    rows = (
        session.exec(
            select(Audit)
            .where(col(Audit.item_id).in_(list(owner)))
            .order_by(col(Audit.at), col(Audit.id))
        ).all()
        if owner
        else []
    )
    lines: dict[int, list[Line]] = {i.id: [] for i in items if i.id is not None}
    for row in rows:
        assert row.item_id is not None
        mine = owner[row.item_id]
        lines[mine].append(_line(row, earlier=row.item_id != mine))
    return lines


def record_export(change: Change, principal: Principal, workshop_id: int, what: str) -> None:
    """An export happened: a line in the audit, and an event screens may ignore."""
    require(principal, workshop_id, Role.facilitator, Role.followup)
    if what not in EXPORTS:
        raise Invalid("Unknown export.", field="what")
    change.lock(workshop_id)
    change.audit(principal.role.value, "export", after=what)
    change.log("exported", what=what)
