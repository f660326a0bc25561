"""A JSON archive of a whole workshop, for keeping it or moving it elsewhere.

Everything the room made is in it: focus areas, every note (hidden and merged ones too, marked as
such), the links between them, each dot and each rating, and who took part (names and
organizations only as people gave them). Tokens and their hashes are not: an archive opens
nothing.
"""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import FocusArea, Item, Link, Participant, Rating, Vote
from app.services import workshops
from app.services.auth import Principal, Role, require

FORMAT = "kraftsamla-archive"
VERSION = 1


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


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
        },
        "focus_areas": [
            {"id": a.id, "name": a.name, "position": a.position}
            for a in sorted(areas, key=lambda a: a.position)
        ],
        "participants": [
            {
                "id": p.id,
                "display_name": p.display_name,
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
                "text": i.text,
                "participant_id": i.participant_id,
                "hidden": i.hidden,
                "merged_into": i.merged_into_id,
                "group_label": i.group_label,
                "created_at": _iso(i.created_at),
                "updated_at": _iso(i.updated_at),
                **(
                    {
                        "shortlisted": i.shortlisted,
                        "owner_organization": i.owner_organization,
                        "owner_person": i.owner_person,
                        "due_date": _iso(i.due_date),
                        "status": i.status,
                        "priority": i.priority,
                    }
                    if i.kind == "action"
                    else {}
                ),
            }
            for i in notes
        ],
        "links": [{"from": link.from_item_id, "to": link.to_item_id} for link in rows(Link)],
        "votes": [
            {"participant_id": v.participant_id, "item_id": v.item_id, "kind": v.kind}
            for v in rows(Vote)
        ],
        "ratings": [
            {
                "participant_id": r.participant_id,
                "item_id": r.item_id,
                "impact": r.impact,
                "effort": r.effort,
            }
            for r in rows(Rating)
        ],
    }
