"""Follow-up workshops: a new workshop that starts from the action plan of an earlier one.

Rules decided here:
- Creating one needs a key of the earlier workshop, its facilitator's or its follow-up link's: an
  unknown workshop is NotFound, any other key Forbidden, and nothing is created.
- What comes along is the earlier workshop's action plan: the actions still in play (the
  shortlist, or every action when none was shortlisted), except those dropped, with owners,
  contact, goal, indicator, due date, status, priority and follow-up colour, each with
  `carried_from` pointing at the action it carries on. The causes they address and the
  observations behind those come as context: copies numbered anew in the new workshop, which
  nobody may reword (they can be hidden). Nothing in the earlier workshop changes.
- The new workshop opens with the review stage ("Since last time"): the facilitator marks each
  carried action done, continue or drop. Done sets its status to done, drop to dropped; both
  take it off the new action list (ranking.in_play). Continue keeps it on the list (and reopens
  it as in progress when it had been closed). A decision can be changed or taken back.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from app.i18n import translate
from app.models import (
    TITLE_MAX,
    FocusArea,
    Item,
    Kind,
    Link,
    Review,
    Status,
    Workshop,
    utcnow,
)
from app.services import ranking
from app.services.auth import TOKEN_MAX, Principal, Role, hash_token, require
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.uow import Change


def _(message: str) -> str:
    """Marks a message id for extraction."""
    return message


@dataclass(frozen=True)
class Follows:
    """The earlier workshop, and a key of it (its facilitator's or its follow-up link's)."""

    workshop_id: int
    token: str


@dataclass(frozen=True)
class Followed:
    workshop: Workshop
    role: Role  # which key opened it


def followed(session: Session, follows: Follows) -> Followed:
    """The earlier workshop, when the key opens it."""
    earlier = session.get(Workshop, follows.workshop_id)
    if earlier is None:
        raise NotFound("No such workshop.", field="follows")
    token = follows.token or ""
    digest = hash_token(token) if 0 < len(token) <= TOKEN_MAX else ""
    for role, stored in (
        (Role.facilitator, earlier.facilitator_token_hash),
        (Role.followup, earlier.followup_token_hash),
    ):
        if digest and secrets.compare_digest(digest, stored):
            return Followed(earlier, role)
    raise Forbidden(
        "This link does not open the earlier workshop. Use its follow-up link.", field="follows"
    )


def title_after(earlier: Workshop, language: str) -> str:
    """ "Tryggare Värnamo – uppföljning", within the title's limit."""
    room = TITLE_MAX - len(translate(language, FOLLOW_UP_TITLE, title=""))
    return translate(language, FOLLOW_UP_TITLE, title=earlier.title[:room])


FOLLOW_UP_TITLE = _("%(title)s – follow-up")


def areas_after(session: Session, earlier: Workshop, given: list[str] | None) -> list[str]:
    """The new workshop's focus areas: those given (else the earlier one's), and every earlier
    area that a carried note needs."""
    earlier_areas = [a.name for a in _areas(session, earlier)]
    if given is None:
        return earlier_areas
    names = [a for a in (" ".join(x.split()) for x in given) if a]
    wanted = {a.casefold() for a in names}
    return names + [a for a in earlier_areas if a.casefold() not in wanted]


def _areas(session: Session, workshop: Workshop) -> list[FocusArea]:
    return list(
        session.exec(
            select(FocusArea)
            .where(FocusArea.workshop_id == workshop.id)
            .order_by(col(FocusArea.position))
        ).all()
    )


def carry_over(
    change: Change, workshop: Workshop, areas: list[FocusArea], earlier: Followed
) -> list[Item]:
    """Copy the earlier workshop's action plan and its context into `workshop` (just created,
    locked by this change); returns the carried actions."""
    session = change.session
    old = earlier.workshop
    area_ids = {a.name.casefold(): a.id for a in areas}
    old_area = {a.id: a.name.casefold() for a in _areas(session, old)}
    notes = {
        n.id: n
        for n in session.exec(
            select(Item).where(
                Item.workshop_id == old.id,
                col(Item.hidden).is_(False),
                col(Item.held).is_(False),
                col(Item.merged_into_id).is_(None),
            )
        ).all()
    }
    numbers = ranking.action_numbers(session, old.id or 0)
    actions = sorted(
        (n for n in notes.values() if n.id in numbers and n.status != Status.dropped),
        key=lambda a: numbers[a.id or 0],
    )
    if any(a.shortlisted for a in actions):
        actions = [a for a in actions if a.shortlisted]
    links: dict[int, list[int]] = {}
    for link in session.exec(select(Link).where(Link.workshop_id == old.id)).all():
        if link.to_item_id in notes:
            links.setdefault(link.from_item_id, []).append(link.to_item_id)
    causes = {c for a in actions for c in links.get(a.id or 0, [])}
    situations = {s for c in causes for s in links.get(c, [])}

    copies: dict[int, Item] = {}
    now = utcnow()
    for kind, ids in ((Kind.situation, situations), (Kind.cause, causes)):
        for number, original in enumerate(sorted((notes[i] for i in ids), key=_by_number), 1):
            assert original.kind == kind
            copies[original.id or 0] = _copy(original, workshop, area_ids, old_area, number, now)
    for number, original in enumerate(actions, start=1):
        copy = _copy(original, workshop, area_ids, old_area, number, now)
        for name in CARRIED_FIELDS:
            setattr(copy, name, getattr(original, name))
        copy.shortlisted = True  # it is in the plan already
        copies[original.id or 0] = copy
    session.add_all(copies.values())
    session.flush()
    session.add_all(
        Link(workshop_id=workshop.id or 0, from_item_id=copy.id or 0, to_item_id=target.id or 0)
        for original_id, copy in copies.items()
        for target in (copies[t] for t in links.get(original_id, []) if t in copies)
    )
    carried = [copies[a.id or 0] for a in actions]
    for original, copy in zip(actions, carried, strict=True):
        change.audit(
            earlier.role.value, "carry", item_id=copy.id, field="carried_from", after=original.id
        )
    return carried


# An action's plan, as it comes along.
CARRIED_FIELDS = (
    "owner_organization",
    "owner_person",
    "owner_contact",
    "due_date",
    "status",
    "priority",
    "goal",
    "indicator",
    "follow_up",
    "follow_up_note",
)


def _by_number(item: Item) -> tuple[int, int]:
    return (item.number, item.id or 0)


def _copy(
    original: Item,
    workshop: Workshop,
    area_ids: dict[str, int | None],
    old_area: dict[int | None, str],
    number: int,
    now: datetime,
) -> Item:
    area = area_ids.get(old_area.get(original.focus_area_id, ""))
    if area is None:  # areas_after gave the new workshop every area it needs
        raise Invalid("Pick one of the workshop's focus areas.", field="focus_areas")
    return Item(
        workshop_id=workshop.id or 0,
        focus_area_id=area,
        kind=original.kind,
        text=original.text,
        group_label=original.group_label,
        number=number,
        carried_from_id=original.id,
        created_at=now,
        updated_at=now,
    )


# --- The review stage ---------------------------------------------------------------------------


def review_action(
    change: Change, principal: Principal, item_id: int, decision: str | None, via: str = "page"
) -> Item:
    """Mark a carried action done, continue or drop (None or "": not decided)."""
    session = change.session
    _workshop, item = change.lock_item(item_id)
    require(principal, item.workshop_id, Role.facilitator)
    if item.kind != Kind.action or item.carried_from_id is None:
        raise Invalid("Only actions from the previous workshop are reviewed.", field="review")
    try:
        wanted = Review(decision).value if decision else None
    except ValueError:
        raise Invalid("Mark the action done, continue or drop.", field="review") from None
    if item.review == wanted:
        return item  # the same again: nothing changes
    status = item.status
    if wanted == Review.done:
        status = Status.done.value
    elif wanted == Review.drop:
        status = Status.dropped.value
    elif status in (Status.done, Status.dropped):
        status = Status.in_progress.value
    role = principal.role.value
    change.audit(
        role, "review", item_id=item.id, field="review", before=item.review, after=wanted, via=via
    )
    fields = ["review"]
    if status != item.status:
        change.audit(
            role, "edit", item_id=item.id, field="status", before=item.status, after=status, via=via
        )
        fields.append("status")
    item.review, item.status = wanted, status
    item.updated_at = utcnow()
    item.version += 1
    session.add(item)
    change.log(
        "item.updated",
        item_id=item.id,
        kind=item.kind,
        area=item.focus_area_id,
        previous_area=item.focus_area_id,
        fields=fields,
    )
    return item


@dataclass
class Carried:
    """A carried action as the review shows it: with its area and the causes it addresses."""

    item: Item
    area: str
    causes: list[Item] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id


def carried_actions(session: Session, principal: Principal, workshop_id: int) -> list[Carried]:
    """The actions this workshop carries on from the earlier one, in their old plan's order
    (their numbers here), each with the causes it addresses; hidden ones are left out."""
    require(principal, workshop_id)
    actions = session.exec(
        select(Item)
        .where(
            Item.workshop_id == workshop_id,
            Item.kind == Kind.action,
            col(Item.carried_from_id).is_not(None),
            col(Item.hidden).is_(False),
        )
        .order_by(col(Item.number), col(Item.id))
    ).all()
    if not actions:
        return []
    areas = {
        a.id: a.name
        for a in session.exec(select(FocusArea).where(FocusArea.workshop_id == workshop_id)).all()
    }
    pairs = session.exec(
        select(Link.from_item_id, Item)
        .join(Item, col(Item.id) == col(Link.to_item_id))
        .where(
            col(Link.from_item_id).in_([a.id for a in actions]),
            col(Item.hidden).is_(False),
        )
        .order_by(col(Item.number))
    ).all()
    causes: dict[int, list[Item]] = {}
    for action_id, cause in pairs:
        causes.setdefault(action_id, []).append(cause)
    return [Carried(a, areas.get(a.focus_area_id, ""), causes.get(a.id or 0, [])) for a in actions]


def earlier_date(session: Session, workshop: Workshop) -> date | None:
    """When the workshop this one follows took place (for "From the previous workshop")."""
    if workshop.follows_id is None:
        return None
    earlier = session.get(Workshop, workshop.follows_id)
    return earlier.date if earlier is not None else None
