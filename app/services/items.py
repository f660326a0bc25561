"""Notes on the boards: situation notes, causes, actions; their links; moderation.

The chain "what we saw → why → what we do" is kept as links: a cause links to the situation notes
it explains, an action to the causes it addresses. Links point only to the kind before, in the
same workshop.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select, update

from app.models import (
    CONTACT_MAX,
    FOLLOW_UP_NOTE_MAX,
    GOAL_MAX,
    INDICATOR_MAX,
    LABEL_MAX,
    ORG_MAX,
    TEXT_MAX,
    FocusArea,
    FollowUp,
    Item,
    Kind,
    Link,
    Participant,
    Rating,
    Stage,
    Status,
    Vote,
    VotingState,
    Workshop,
    utcnow,
)
from app.services import personal_data
from app.services.auth import Principal, Role, require
from app.services.errors import Forbidden, Invalid, NotAllowedNow, NotFound, Stale
from app.services.uow import Change
from app.services.vocabulary import (
    ACTION_FIELDS,
    AUTHOR_FIELDS,
    FOLLOWUP_FIELDS,
    LINKS_TO,
    STAGE_KIND,
)
from app.services.workshops import voting_state

MAX_LINKS = 30
KEY_MAX = 64


def clean_text(text: str | None) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise Invalid("Write something first.", field="text")
    if len(cleaned) > TEXT_MAX:
        raise Invalid(
            "The note is too long (at most %(max)s characters).", field="text", max=TEXT_MAX
        )
    return cleaned


def _check_kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise Invalid("Unknown kind of note.", field="kind") from None


def _check_area(session: Session, workshop_id: int, focus_area_id: int | None) -> int:
    area = session.get(FocusArea, focus_area_id) if focus_area_id is not None else None
    if area is None or area.workshop_id != workshop_id:
        raise Invalid("Pick one of the workshop's focus areas.", field="focus_area_id")
    assert area.id is not None
    return area.id


def _check_links(session: Session, workshop_id: int, kind: Kind, links: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(links))  # unique, in the order given
    if not wanted:
        return []
    target = LINKS_TO.get(kind)
    if target is None:
        raise Invalid("A situation note does not link to anything.", field="links")
    if len(wanted) > MAX_LINKS:
        raise Invalid("Too many links (at most %(max)s).", field="links", max=MAX_LINKS)
    found = {
        item.id: item for item in session.exec(select(Item).where(col(Item.id).in_(wanted))).all()
    }
    for item_id in wanted:
        item = found.get(item_id)
        if item is None:
            raise Invalid("A linked note does not exist.", field="links")
        if item.workshop_id != workshop_id:
            raise NotFound("A linked note does not exist.", field="links")
        if item.kind != target:
            raise Invalid(
                "Causes link to situation notes and actions link to causes.", field="links"
            )
    return wanted


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound("No such note.")
    return item


def _next_number(session: Session, workshop_id: int, kind: str) -> int:
    """The next number of a kind in the workshop (counted under the workshop's lock)."""
    highest = session.exec(
        select(func.max(Item.number)).where(Item.workshop_id == workshop_id, Item.kind == kind)
    ).one()
    return (highest or 0) + 1


def add_item(
    change: Change,
    principal: Principal,
    workshop_id: int,
    kind: str,
    focus_area_id: int | None,
    text: str | None,
    links: list[int] | None = None,
    idempotency_key: str | None = None,
) -> tuple[ItemView, bool]:
    """Add a note; returns (the note as its author sees it, created). A repeated idempotency key
    returns the first note."""
    require(principal, workshop_id, Role.participant, Role.facilitator)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= KEY_MAX:
        raise Invalid("Bad idempotency key.", field="idempotency_key")
    session = change.session
    workshop = change.lock(workshop_id)
    if idempotency_key:
        first = session.exec(
            select(Item).where(
                Item.workshop_id == workshop_id, Item.idempotency_key == idempotency_key
            )
        ).first()
        if first is not None:
            if first.participant_id != principal.participant_id:
                raise Invalid("Bad idempotency key.", field="idempotency_key")
            assert first.id is not None
            return view_of(session, principal, first.id), False
    the_kind = _check_kind(kind)
    text = clean_text(text)
    area_id = _check_area(session, workshop_id, focus_area_id)
    wanted = _check_links(session, workshop_id, the_kind, links or [])
    if principal.role is Role.participant and STAGE_KIND.get(Stage(workshop.stage)) != the_kind:
        raise NotAllowedNow("Notes of this kind are not being collected now.", field="kind")
    item = Item(
        workshop_id=workshop_id,
        focus_area_id=area_id,
        kind=the_kind,
        text=text,
        participant_id=principal.participant_id,
        idempotency_key=idempotency_key or None,
        number=_next_number(session, workshop_id, the_kind),
        held=personal_data.looks_personal(text),
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    session.add_all(
        [Link(workshop_id=workshop_id, from_item_id=item.id, to_item_id=t) for t in wanted]
    )
    change.log("item.created", **_event_data(item, area_id))
    # Known without reading it back: a new note has its links, no dots, and its author.
    view = ItemView(
        item=item,
        links=wanted,
        votes=0 if votes_visible(principal, workshop, the_kind) else None,
        mine=principal.participant_id is not None,
    )
    if principal.participant_id is not None and (workshop.show_names or sees_everything(principal)):
        author = session.get(Participant, principal.participant_id)
        if author is not None:
            view.author_name, view.author_organization = author.display_name, author.organization
    return view, True


@dataclass
class ItemPatch:
    """Only the fields that were sent: a field left as ... is not changed."""

    text: Any = ...
    hidden: Any = ...
    held: Any = ...
    focus_area_id: Any = ...
    links: Any = ...
    group_label: Any = ...
    owner_organization: Any = ...
    owner_person: Any = ...
    due_date: Any = ...
    status: Any = ...
    priority: Any = ...
    shortlisted: Any = ...
    goal: Any = ...
    indicator: Any = ...
    follow_up: Any = ...
    follow_up_note: Any = ...
    owner_contact: Any = ...

    def sent(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not ...}


# How a change came in, for the note's history.
VIA = ("page", "api", "import")


def _author_may_edit(
    session: Session, workshop: Workshop, item: Item, principal: Principal
) -> None:
    if principal.role is not Role.participant or item.participant_id != principal.participant_id:
        raise Forbidden("Only the facilitator can change other people's notes.")
    if STAGE_KIND.get(Stage(workshop.stage)) != item.kind:
        raise NotAllowedNow("This stage is over: the note can no longer be changed.")
    if item.hidden or item.merged_into_id is not None:
        raise NotAllowedNow("The facilitator has moved or hidden this note.")
    dotted = session.exec(select(Vote.id).where(Vote.item_id == item.id).limit(1)).first()
    if dotted is not None:
        # Else the words people voted for could be swapped after the vote.
        raise NotAllowedNow("People have put dots on this note, so it can no longer be changed.")


def _optional_text(value: Any, field_name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("Write text here.", field=field_name)
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise Invalid("Too long (at most %(max)s characters).", field=field_name, max=limit)
    return cleaned or None


def update_item(
    change: Change,
    principal: Principal,
    item_id: int,
    patch: ItemPatch,
    version: int | None = None,
    via: str = "api",
) -> ItemView:
    """Change the fields that were sent. `version` is the note's version the editor started
    from: when someone changed the note since, nothing changes (Stale, with the note as it is).
    The facilitator may change everything; the follow-up link an action's status and follow-up
    (FOLLOWUP_FIELDS); an author the text and links of their own note while its stage is open.
    Every field that changes is a line in the note's history, with `via` (page, api, import)."""
    session = change.session
    workshop, item = change.lock_item(item_id)
    require(principal, item.workshop_id)
    changes = patch.sent()
    if principal.role is Role.followup:
        if set(changes) - FOLLOWUP_FIELDS:
            raise Forbidden("The follow-up link can change an action's status and follow-up only.")
    elif principal.role is not Role.facilitator:
        if set(changes) - AUTHOR_FIELDS:
            raise Forbidden("Only the facilitator can do that.")
        _author_may_edit(session, workshop, item, principal)
    if item.carried_from_id is not None and item.kind != Kind.action and set(changes) - {"hidden"}:
        # Context from the previous workshop: shown as it was, never reworded.
        raise NotAllowedNow("Notes from the previous workshop can only be hidden.")
    if version is not None and version != item.version:
        raise Stale(
            "Someone changed this note in the meantime. Here it is as it is now.",
            field="version",
            current=view_of(session, principal, item_id),
        )
    if set(changes) & ACTION_FIELDS and item.kind != Kind.action:
        raise Invalid("Only actions have owners, dates, status and priority.", field="kind")
    previous_area = item.focus_area_id
    before = _snapshot(session, item, {**changes, "held": None})
    if "text" in changes:
        item.text = clean_text(changes["text"])
    if "hidden" in changes:
        if not isinstance(changes["hidden"], bool):
            raise Invalid("Hidden is true or false.", field="hidden")
        item.hidden = changes["hidden"]
        if not item.hidden:
            _settle_dots(session, workshop, item)  # its dots count again
    _review_held(item, changes, principal)
    if "focus_area_id" in changes:
        item.focus_area_id = _check_area(session, item.workshop_id, changes["focus_area_id"])
    if "group_label" in changes:
        item.group_label = _optional_text(changes["group_label"], "group_label", LABEL_MAX)
    if "links" in changes:
        if not isinstance(changes["links"], list):
            raise Invalid("Links are a list of note ids.", field="links")
        wanted = _check_links(session, item.workshop_id, Kind(item.kind), changes["links"])
        session.exec(delete(Link).where(col(Link.from_item_id) == item_id))
        session.add_all(
            [Link(workshop_id=item.workshop_id, from_item_id=item_id, to_item_id=t) for t in wanted]
        )
    _apply_action_fields(item, changes)
    after = _snapshot(session, item, {**changes, "held": None})
    if after == before:
        return view_of(session, principal, item_id)  # nothing differs: no event, same version
    _audit_fields(change, principal, item, before, after, via)
    item.updated_at = utcnow()
    item.version += 1
    session.add(item)
    change.log(
        "item.updated",
        **_event_data(item, item.focus_area_id),
        previous_area=previous_area,
        fields=sorted(name for name in after if after[name] != before.get(name)),
    )
    return view_of(session, principal, item_id)


def _event_data(item: Item, area_id: int) -> dict[str, Any]:
    """What a note's event names: which note, kind and column; and whether it is held back, so
    that no screen but the facilitator's renders anything for it."""
    data: dict[str, Any] = {"item_id": item.id, "kind": item.kind, "area": area_id}
    if item.held:
        data["held"] = True
    return data


def _review_held(item: Item, changes: dict[str, Any], principal: Principal) -> None:
    """A held note (personal_data) is released when the facilitator says so (held: false),
    edits its text or hides it; the facilitator may also hold a note back by hand. When its
    author rewords it, the new words are checked again."""
    if "held" in changes:
        if principal.role is not Role.facilitator:
            raise Forbidden("Only the facilitator can do that.")
        if not isinstance(changes["held"], bool):
            raise Invalid("Held is true or false.", field="held")
        item.held = changes["held"]
        return
    if principal.role is Role.facilitator:
        if "text" in changes or changes.get("hidden") is True:
            item.held = False
    elif "text" in changes:
        item.held = personal_data.looks_personal(item.text)


def _snapshot(session: Session, item: Item, changes: dict[str, Any]) -> dict[str, Any]:
    """The values of the fields a change names, as they are now (links as their ids)."""
    values = {name: getattr(item, name) for name in changes if name != "links"}
    if "links" in changes:
        session.flush()
        values["links"] = sorted(
            session.exec(select(Link.to_item_id).where(Link.from_item_id == item.id)).all()
        )
    return values


def _audit_fields(
    change: Change,
    principal: Principal,
    item: Item,
    before: dict[str, Any],
    after: dict[str, Any],
    via: str,
) -> None:
    """One line per changed field. An action's values are kept (its history); of other notes
    only which field changed, so an erased note leaves no copy of its words behind."""
    keep_values = item.kind == Kind.action
    for name in sorted(after):
        if before.get(name) == after[name]:
            continue
        if name == "hidden":
            action = "show" if not after[name] else "hide"
        elif name == "held":
            action = "hold" if after[name] else "release"
        else:
            action = "edit"
        old, new = before.get(name), after[name]
        if name == "links":
            old, new = ", ".join(map(str, old or [])) or None, ", ".join(map(str, new)) or None
        elif isinstance(new, bool) or isinstance(old, bool):
            old, new = _flag(old), _flag(new)
        change.audit(
            principal.role.value,
            action,
            item_id=item.id,
            field=name,
            before=old if keep_values else None,
            after=new if keep_values else None,
            via=via if via in VIA else None,
        )


def _flag(value: Any) -> str | None:
    return None if value is None else ("true" if value else "false")


PRIORITY_MAX = 1000  # unbounded, a huge number overflowed the integer column: a 500
DUE_YEARS = (2000, 2099)  # Excel (the export) cannot hold dates before 1900


def validate_action_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """The clean values of the action fields in `changes` (owner organization, owner, due date,
    status, priority, shortlisted), or Invalid naming the field; other keys are left out. The
    one place these rules live: a PATCH and the Excel re-import both go through it."""
    values: dict[str, Any] = {}
    if "owner_organization" in changes:
        values["owner_organization"] = _optional_text(
            changes["owner_organization"], "owner_organization", ORG_MAX
        )
    if "owner_person" in changes:
        values["owner_person"] = _optional_text(changes["owner_person"], "owner_person", ORG_MAX)
    if "due_date" in changes:
        due = changes["due_date"]
        # date.fromisoformat also takes 20261231 and 2026-W53-1; ask for the one form we show.
        if (
            isinstance(due, str)
            and due.strip()
            and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", due.strip())
        ):
            raise Invalid("Write the date as YYYY-MM-DD.", field="due_date")
        parsed = parse_due_date(due.strip() if isinstance(due, str) else due)
        if isinstance(parsed, datetime):
            parsed = parsed.date()
        if parsed is not None and not DUE_YEARS[0] <= parsed.year <= DUE_YEARS[1]:
            raise Invalid(
                "Pick a due date between the years %(first)s and %(last)s.",
                field="due_date",
                first=DUE_YEARS[0],
                last=DUE_YEARS[1],
            )
        values["due_date"] = parsed
    if "status" in changes:
        status = changes["status"]
        if not isinstance(status, str) or status not in set(Status):
            raise Invalid("Unknown status.", field="status")
        values["status"] = Status(status).value
    if "priority" in changes:
        priority = changes["priority"]
        if priority is not None and (
            isinstance(priority, bool)
            or not isinstance(priority, int)
            or not 1 <= priority <= PRIORITY_MAX
        ):
            raise Invalid(
                "Priority is a whole number from 1 (first) to %(max)s.",
                field="priority",
                max=PRIORITY_MAX,
            )
        values["priority"] = priority
    if "shortlisted" in changes:
        if not isinstance(changes["shortlisted"], bool):
            raise Invalid("Shortlisted is true or false.", field="shortlisted")
        values["shortlisted"] = changes["shortlisted"]
    for name, limit in (
        ("goal", GOAL_MAX),
        ("indicator", INDICATOR_MAX),
        ("follow_up_note", FOLLOW_UP_NOTE_MAX),
    ):
        if name in changes:
            values[name] = _optional_long_text(changes[name], name, limit)
    if "owner_contact" in changes:
        values["owner_contact"] = _optional_text(
            changes["owner_contact"], "owner_contact", CONTACT_MAX
        )
    if "follow_up" in changes:
        colour = changes["follow_up"]
        if (
            colour is not None
            and colour != ""
            and (not isinstance(colour, str) or colour not in set(FollowUp))
        ):
            raise Invalid("Unknown follow-up colour: green, yellow or red.", field="follow_up")
        values["follow_up"] = FollowUp(colour).value if colour else None
    return values


def _optional_long_text(value: Any, field_name: str, limit: int) -> str | None:
    """Like _optional_text, but line breaks stay (a goal or a note may have several lines)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("Write text here.", field=field_name)
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = "\n".join(" ".join(line.split()) for line in lines).strip()
    if len(cleaned) > limit:
        raise Invalid("Too long (at most %(max)s characters).", field=field_name, max=limit)
    return cleaned or None


def _apply_action_fields(item: Item, changes: dict[str, Any]) -> None:
    # Check every field before changing any, so a refused change leaves the item as it was.
    for name, value in validate_action_fields(changes).items():
        setattr(item, name, value)


def parse_due_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD.", field="due_date") from None


def delete_item(change: Change, principal: Principal, item_id: int) -> None:
    session = change.session
    workshop, item = change.lock_item(item_id)
    require(principal, item.workshop_id)
    if principal.role is not Role.facilitator:
        _author_may_edit(session, workshop, item, principal)
    kind, area = item.kind, item.focus_area_id
    change.audit(principal.role.value, "delete", item_id=item_id)
    # Notes merged into this one come back rather than vanish with it.
    session.exec(
        update(Item).where(col(Item.merged_into_id) == item_id).values(merged_into_id=None)
    )
    session.delete(item)
    change.log("item.deleted", item_id=item_id, kind=kind, area=area)


def merge_items(change: Change, principal: Principal, item_id: int, into_id: int) -> Item:
    """Merge a duplicate into another note: its votes, ratings and links follow the survivor."""
    session = change.session
    # Checked under the lock: two merges racing (A into B, B into A) must not both pass.
    workshop, item = change.lock_item(item_id)
    require(principal, item.workshop_id, Role.facilitator)
    survivor = session.get(Item, into_id, populate_existing=True)
    if survivor is None or survivor.workshop_id != item.workshop_id:
        raise NotFound("No such note.")
    if item_id == into_id or survivor.kind != item.kind:
        raise Invalid("Merge a note into another note of the same kind.", field="into")
    if survivor.merged_into_id is not None:
        raise Invalid("That note is itself merged into another.", field="into")
    if item.merged_into_id is not None:
        raise Invalid("This note is already merged into another.", field="into")
    session.exec(update(Vote).where(col(Vote.item_id) == item_id).values(item_id=into_id))
    _settle_dots(session, workshop, survivor)
    _move_ratings(session, item_id, into_id)
    _move_links(session, item_id, into_id)
    session.exec(
        update(Item).where(col(Item.merged_into_id) == item_id).values(merged_into_id=into_id)
    )
    item.merged_into_id = into_id
    item.updated_at = utcnow()
    item.version += 1
    session.add(item)
    change.audit(principal.role.value, "merge", item_id=item_id, field="merged_into", after=into_id)
    change.log(
        "item.merged",
        item_id=item_id,
        into=into_id,
        kind=item.kind,
        area=item.focus_area_id,
        previous_area=survivor.focus_area_id,
    )
    return survivor


def _settle_dots(session: Session, workshop: Workshop, item: Item) -> None:
    """A note whose dots count again – shown after it was hidden, or a merge's survivor holding
    both notes' dots – could put someone over the dots of a kind or over the cap on one note.
    Such dots, newest first, are given back: the budget and the cap hold whatever the order."""
    if item.hidden:
        return
    here = session.exec(
        select(Vote).where(Vote.item_id == item.id).order_by(col(Vote.id).desc())
    ).all()
    for participant_id in {vote.participant_id for vote in here}:
        mine = [vote for vote in here if vote.participant_id == participant_id]
        counted = session.exec(
            select(func.count())
            .select_from(Vote)
            .join(Item, col(Item.id) == Vote.item_id)
            .where(
                Vote.workshop_id == item.workshop_id,
                Vote.participant_id == participant_id,
                Vote.kind == item.kind,
                col(Item.hidden).is_(False),
            )
        ).one()
        over = max(
            len(mine) - workshop.max_votes_per_item, counted - workshop.votes_per_participant, 0
        )
        for vote in mine[:over]:
            session.delete(vote)


def _move_ratings(session: Session, from_id: int, to_id: int) -> None:
    already = set(session.exec(select(Rating.participant_id).where(Rating.item_id == to_id)).all())
    for rating in session.exec(select(Rating).where(Rating.item_id == from_id)).all():
        if rating.participant_id in already:
            session.delete(rating)
        else:
            rating.item_id = to_id
            session.add(rating)


def _move_links(session: Session, from_id: int, to_id: int) -> None:
    existing = {
        (link.from_item_id, link.to_item_id)
        for link in session.exec(
            select(Link).where((col(Link.from_item_id) == to_id) | (col(Link.to_item_id) == to_id))
        ).all()
    }
    moved = session.exec(
        select(Link).where((col(Link.from_item_id) == from_id) | (col(Link.to_item_id) == from_id))
    ).all()
    for link in moved:
        pair = (
            to_id if link.from_item_id == from_id else link.from_item_id,
            to_id if link.to_item_id == from_id else link.to_item_id,
        )
        session.delete(link)
        if pair not in existing and pair[0] != pair[1]:
            existing.add(pair)
            session.add(
                Link(workshop_id=link.workshop_id, from_item_id=pair[0], to_item_id=pair[1])
            )
    session.flush()


@dataclass
class ItemView:
    """A note as one role may see it."""

    item: Item
    links: list[int] = field(default_factory=list)
    linked_from: list[int] = field(default_factory=list)
    votes: int | None = None
    my_votes: int = 0
    author_name: str | None = None
    author_organization: str | None = None
    mine: bool = False

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id


def sees_everything(principal: Principal) -> bool:
    return principal.role in (Role.facilitator, Role.followup)


def votes_visible(principal: Principal, workshop: Workshop, kind: str) -> bool:
    if kind not in LINKS_TO:
        return False
    if sees_everything(principal):
        return True
    return voting_state(workshop, kind) == VotingState.revealed


def list_items(
    session: Session,
    principal: Principal,
    workshop_id: int,
    kind: str | None = None,
    focus_area_id: int | None = None,
    item_id: int | None = None,
) -> list[ItemView]:
    """The notes this principal may see, oldest first, in four queries whatever their number."""
    require(principal, workshop_id)
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("No such workshop.")
    query = select(Item).where(Item.workshop_id == workshop_id)
    if kind is not None:
        query = query.where(Item.kind == _check_kind(kind))
    if focus_area_id is not None:
        query = query.where(Item.focus_area_id == focus_area_id)
    if item_id is not None:
        query = query.where(Item.id == item_id)
    if not sees_everything(principal):
        query = query.where(col(Item.hidden).is_(False), col(Item.merged_into_id).is_(None))
    if principal.role is not Role.facilitator:
        # Held back (may hold personal data): for the facilitator and its author only.
        shown: Any = col(Item.held).is_(False)
        if principal.participant_id is not None:
            shown = shown | (col(Item.participant_id) == principal.participant_id)
        query = query.where(shown)
    items = session.exec(query.order_by(col(Item.created_at), col(Item.id))).all()
    ids = [i.id for i in items]
    if not ids:
        return []
    links: dict[int, list[int]] = defaultdict(list)
    linked_from: dict[int, list[int]] = defaultdict(list)
    for link in session.exec(
        select(Link).where(
            Link.workshop_id == workshop_id,
            col(Link.from_item_id).in_(ids) | col(Link.to_item_id).in_(ids),
        )
    ).all():
        links[link.from_item_id].append(link.to_item_id)
        linked_from[link.to_item_id].append(link.from_item_id)
    counts: dict[int, int] = dict(
        session.exec(
            select(Vote.item_id, func.count())
            .where(Vote.workshop_id == workshop_id, col(Vote.item_id).in_(ids))
            .group_by(col(Vote.item_id))
        ).all()
    )
    mine: dict[int, int] = {}
    if principal.participant_id is not None:
        mine = dict(
            session.exec(
                select(Vote.item_id, func.count())
                .where(Vote.participant_id == principal.participant_id)
                .group_by(col(Vote.item_id))
            ).all()
        )
    show_names = workshop.show_names or sees_everything(principal)
    authors: dict[int, Participant] = {}
    if show_names:
        author_ids = {i.participant_id for i in items if i.participant_id is not None}
        if author_ids:
            authors = {
                p.id: p
                for p in session.exec(
                    select(Participant).where(col(Participant.id).in_(author_ids))
                ).all()
                if p.id is not None
            }
    views = []
    for item in items:
        assert item.id is not None
        author = authors.get(item.participant_id) if item.participant_id is not None else None
        views.append(
            ItemView(
                item=item,
                links=links.get(item.id, []),
                linked_from=linked_from.get(item.id, []),
                votes=counts.get(item.id, 0)
                if votes_visible(principal, workshop, item.kind)
                else None,
                my_votes=mine.get(item.id, 0),
                author_name=author.display_name if author else None,
                author_organization=author.organization if author else None,
                mine=principal.participant_id is not None
                and item.participant_id == principal.participant_id,
            )
        )
    return views


def set_show_names(change: Change, principal: Principal, workshop_id: int, show: bool) -> None:
    require(principal, workshop_id, Role.facilitator)
    workshop = change.lock(workshop_id)
    if workshop.show_names == show:
        return
    workshop.show_names = show
    change.session.add(workshop)
    change.log("names", show=show)


def merge_targets(session: Session, principal: Principal, item_id: int) -> list[ItemView]:
    """The notes a note can be merged into: the same kind and focus area, not merged away."""
    item = get_item(session, item_id)
    require(principal, item.workshop_id, Role.facilitator)
    return [
        v
        for v in list_items(
            session, principal, item.workshop_id, kind=item.kind, focus_area_id=item.focus_area_id
        )
        if v.id != item_id and v.item.merged_into_id is None
    ]


def view_of(session: Session, principal: Principal, item_id: int) -> ItemView:
    """One note as this principal may see it (NotFound when they may not)."""
    item = get_item(session, item_id)
    views = list_items(session, principal, item.workshop_id, item_id=item_id)
    if not views:
        raise NotFound("No such note.")
    return views[0]
