"""A JSON archive of a whole workshop, for keeping it or moving it elsewhere.

Everything the room made is in it: focus areas, every note (hidden and merged ones too, marked as
such), the links between them, the dots each note got and each rating, and who took part.
Voting is anonymous, and so is the archive: dots are counted per note and ratings carry no
participant, so nobody can read who voted or rated what. Participants are listed with their
organization as they gave it; their names only when the facilitator has chosen to show names.
Tokens and their hashes are not in it either: an archive opens nothing.

Version 2: "votes" per cause and action instead of a list of dots with their participant;
ratings without a participant; display_name null unless show_names.
Version 3: every note's "number"; actions' action-plan fields (goal, indicator, follow-up,
contact), "carried_from" and "review"; each action's "history"; the workshop's "follows"; and the
workshop's whole "audit" (roles, never names).
Version 4: every note's "held"; a held note's "text" is null (it may hold personal data); the
workshop's "organizations" and retention ("erase_notes_after_days", "closed_at",
"notes_erased_at").
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import FocusArea, Item, Kind, Link, Participant, Rating, Vote
from app.services import audit, workshops
from app.services.audit import Line
from app.services.auth import Principal, Role, require
from app.services.vocabulary import VOTED_KINDS

FORMAT = "kraftsamla-archive"
VERSION = 4


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _line(line: Line) -> dict[str, Any]:
    return {
        "at": _iso(line.at),
        "role": line.role,
        "action": line.action,
        "item_id": line.item_id,
        "field": line.field,
        "before": line.before,
        "after": line.after,
        "via": line.via,
    }


def archive(session: Session, principal: Principal, workshop_id: int) -> dict[str, Any]:
    require(principal, workshop_id, Role.facilitator, Role.followup)
    workshop = workshops.get_workshop(session, workshop_id)

    def rows(model: Any) -> list[Any]:
        return list(
            session.exec(
                select(model).where(model.workshop_id == workshop_id).order_by(col(model.id))
            ).all()
        )

    areas: list[FocusArea] = rows(FocusArea)
    notes: list[Item] = rows(Item)
    votes: dict[int, int] = dict(
        session.exec(
            select(Vote.item_id, func.count())
            .where(Vote.workshop_id == workshop_id)
            .group_by(col(Vote.item_id))
        ).all()
    )
    # Ratings in no particular participant's order: by note, then by value.
    ratings = sorted(rows(Rating), key=lambda r: (r.item_id, r.impact, r.effort))
    history = audit.histories(session, [i for i in notes if i.kind == Kind.action])
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "date": _iso(workshop.date),
            "language": workshop.language,
            "stage": workshop.stage,
            "votes_per_participant": workshop.votes_per_participant,
            "max_votes_per_item": workshop.max_votes_per_item,
            "cause_voting": workshop.cause_voting,
            "action_voting": workshop.action_voting,
            "show_names": workshop.show_names,
            "created_at": _iso(workshop.created_at),
            "follows": workshop.follows_id,
            "organizations": workshops.organizations_of(workshop),
            "erase_notes_after_days": workshop.erase_notes_after_days,
            "closed_at": _iso(workshop.closed_at),
            "notes_erased_at": _iso(workshop.notes_erased_at),
        },
        "focus_areas": [
            {"id": a.id, "name": a.name, "position": a.position}
            for a in sorted(areas, key=lambda a: a.position)
        ],
        "participants": [
            {
                "id": p.id,
                "display_name": p.display_name if workshop.show_names else None,
                "organization": p.organization,
                "joined_at": _iso(p.joined_at),
            }
            for p in rows(Participant)
        ],
        "items": [
            {
                "id": i.id,
                "kind": i.kind,
                "focus_area_id": i.focus_area_id,
                # A held note may hold personal data: its words stay out until released.
                "text": None if i.held else i.text,
                "participant_id": i.participant_id,
                "hidden": i.hidden,
                "held": i.held,
                "merged_into": i.merged_into_id,
                "group_label": i.group_label,
                "number": i.number,
                "carried_from": i.carried_from_id,
                "created_at": _iso(i.created_at),
                "updated_at": _iso(i.updated_at),
                **({"votes": votes.get(i.id or 0, 0)} if i.kind in VOTED_KINDS else {}),
                **(
                    {
                        "shortlisted": i.shortlisted,
                        "owner_organization": i.owner_organization,
                        "owner_person": i.owner_person,
                        "due_date": _iso(i.due_date),
                        "status": i.status,
                        "priority": i.priority,
                        "goal": i.goal,
                        "indicator": i.indicator,
                        "follow_up": i.follow_up,
                        "follow_up_note": i.follow_up_note,
                        "owner_contact": i.owner_contact,
                        "review": i.review,
                        "history": [_line(line) for line in history.get(i.id or 0, [])],
                    }
                    if i.kind == "action"
                    else {}
                ),
            }
            for i in notes
        ],
        "links": [{"from": link.from_item_id, "to": link.to_item_id} for link in rows(Link)],
        "ratings": [
            {"item_id": r.item_id, "impact": r.impact, "effort": r.effort} for r in ratings
        ],
        "audit": [_line(line) for line in audit.workshop_audit(session, principal, workshop_id)],
    }
