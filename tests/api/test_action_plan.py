"""The action plan's fields (Brå's columns), who may set them, their history and the audit."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.db import get_engine
from app.models import Audit, Event


def note(client: TestClient, w, kind: str, text: str, links=(), area: int = 0) -> int:
    response = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(area), "text": text, "links": list(links)},
        headers=w.facilitator,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def patch(client: TestClient, item_id: int, headers: dict[str, str], **body):
    return client.patch(f"/api/v1/items/{item_id}", json=body, headers=headers)


def events(workshop_id: int, kind: str) -> list[Event]:
    with Session(get_engine()) as s:
        return list(
            s.exec(select(Event).where(Event.workshop_id == workshop_id, Event.kind == kind)).all()
        )


PLAN = {
    "goal": "Vuxna ute runt resecentrum varje helgkväll",
    "indicator": "Antal kvällar med vandring per månad",
    "follow_up": "yellow",
    "follow_up_note": "Två av fyra helger hittills.\nFler föräldrar behövs.",
    "owner_contact": "fritid@kommun.example, 0370-123 45",
}


def test_the_facilitator_sets_every_field_of_the_action_plan(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    item_id = note(client, w, "action", "Föräldravandringar fredag och lördag kväll")
    response = patch(client, item_id, w.facilitator, **PLAN)
    assert response.status_code == 200, response.text
    got = client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()
    assert {key: got[key] for key in PLAN} == PLAN  # the note keeps its line break
    # Emptying a field clears it; a colour can be taken back to "not assessed".
    assert patch(client, item_id, w.facilitator, goal="  ", follow_up=None).status_code == 200
    got = client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()
    assert got["goal"] is None and got["follow_up"] is None


@pytest.mark.parametrize("colour", ["blue", "GREEN", "grön", 3, True])
def test_an_unknown_follow_up_colour_is_refused_and_changes_nothing(
    client: TestClient, make_workshop, colour
) -> None:
    w = make_workshop()
    item_id = note(client, w, "action", "Fler kameror vid resecentrum")
    assert patch(client, item_id, w.facilitator, follow_up="green").status_code == 200
    response = patch(client, item_id, w.facilitator, follow_up=colour, goal="Nytt mål")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "follow_up"
    got = client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()
    assert got["follow_up"] == "green" and got["goal"] is None


@pytest.mark.parametrize(
    ("field", "limit"),
    [("goal", 500), ("indicator", 500), ("follow_up_note", 1000), ("owner_contact", 200)],
)
def test_each_text_field_has_its_limit(client: TestClient, make_workshop, field, limit) -> None:
    w = make_workshop()
    item_id = note(client, w, "action", "Bättre belysning i gångtunnlar")
    assert patch(client, item_id, w.facilitator, **{field: "x" * limit}).status_code == 200
    response = patch(client, item_id, w.facilitator, **{field: "y" * (limit + 1)})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()[field] == (
        "x" * limit
    )


def test_only_actions_have_an_action_plan(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    seen = note(client, w, "situation", "Öppen droghandel vid resecentrum")
    assert patch(client, seen, w.facilitator, goal="Mål").status_code == 422


def test_the_follow_up_link_changes_status_colour_and_note_and_nothing_else(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    item_id = note(client, w, "action", "Föräldravandringar")
    response = patch(
        client,
        item_id,
        w.followup,
        status="in_progress",
        follow_up="green",
        follow_up_note="Igång sedan mars.",
    )
    assert response.status_code == 200, response.text
    assert response.json()["follow_up"] == "green"
    for field, value in [
        ("goal", "Annat mål"),
        ("owner_person", "Kim"),
        ("owner_contact", "kim@example.se"),
        ("priority", 1),
        ("text", "Omskriven"),
        ("hidden", True),
    ]:
        refused = patch(client, item_id, w.followup, **{field: value})
        assert refused.status_code == 403, field
    # Mixed with an allowed field, the whole change is refused.
    assert patch(client, item_id, w.followup, status="done", goal="x").status_code == 403
    got = client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()
    assert (
        got["status"] == "in_progress"
        and got["goal"] is None
        and got["text"] == ("Föräldravandringar")
    )
    # An unknown colour is still 422 for the follow-up link.
    assert patch(client, item_id, w.followup, follow_up="purple").status_code == 422


def test_the_board_and_participants_cannot_set_the_plan_nor_see_contact_details(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1)
    item_id = note(client, w, "action", "Föräldravandringar")
    assert patch(client, item_id, w.facilitator, **PLAN).status_code == 200
    assert patch(client, item_id, w.board, follow_up="red").status_code == 403
    member = w.participants[0].headers
    assert patch(client, item_id, member, follow_up="red").status_code == 403
    for headers in (w.board, member):
        seen = client.get(f"/api/v1/workshops/{w.id}/items?kind=action", headers=headers).json()
        assert seen[0]["follow_up"] == "yellow" and seen[0]["owner_contact"] is None
    full = client.get(f"/api/v1/workshops/{w.id}/items?kind=action", headers=w.followup).json()
    assert full[0]["owner_contact"] == PLAN["owner_contact"]


def test_the_history_says_when_which_field_from_what_to_what_and_through_which_link(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    item_id = note(client, w, "action", "Föräldravandringar")
    patch(client, item_id, w.facilitator, owner_organization="Kommunen", goal="Mål ett")
    patch(client, item_id, w.followup, status="in_progress", follow_up="red")
    patch(client, item_id, w.followup, follow_up="green")
    patch(client, item_id, w.followup, follow_up="green")  # the same again: no line
    response = client.get(f"/api/v1/items/{item_id}/history", headers=w.followup)
    assert response.status_code == 200
    lines = [
        (line["role"], line["via"], line["field"], line["before"], line["after"])
        for line in response.json()
    ]
    assert lines == [
        ("facilitator", "api", "goal", None, "Mål ett"),
        ("facilitator", "api", "owner_organization", None, "Kommunen"),
        ("followup", "api", "follow_up", None, "red"),
        ("followup", "api", "status", "proposed", "in_progress"),
        ("followup", "api", "follow_up", "red", "green"),
    ]
    times = [line["at"] for line in response.json()]
    assert times == sorted(times)
    assert client.get(f"/api/v1/items/{item_id}/history", headers=w.facilitator).status_code == 200
    assert client.get(f"/api/v1/items/{item_id}/history", headers=w.board).status_code == 403
    other = make_workshop()
    assert client.get(f"/api/v1/items/{item_id}/history", headers=other.followup).status_code == 404


def test_the_audit_has_stage_moves_voting_moderation_and_exports_with_roles_never_names(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1)
    member = w.participants[0]
    client.put(
        f"/api/v1/workshops/{w.id}/stage", json={"stage": "situation"}, headers=w.facilitator
    )
    written = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(), "text": "Rån vid busstationen"},
        headers=member.headers,
    ).json()["id"]
    patch(client, written, member.headers, text="Rån mot unga vid busstationen")
    patch(client, written, w.facilitator, hidden=True)
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    assert (
        client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.followup).status_code == 200
    )
    response = client.get(f"/api/v1/workshops/{w.id}/audit", headers=w.facilitator)
    assert response.status_code == 200
    lines = [(x["role"], x["action"], x["field"], x["before"], x["after"]) for x in response.json()]
    assert lines == [
        ("facilitator", "stage", "stage", "lobby", "situation"),
        ("participant", "edit", "text", None, None),  # a note's words stay out of the audit
        ("facilitator", "hide", "hidden", None, None),
        ("facilitator", "voting", "cause", "closed", "open"),
        ("followup", "export", None, None, "xlsx"),
    ]
    assert "Deltagare 1" not in response.text
    assert len(events(w.id, "exported")) == 1
    assert client.get(f"/api/v1/workshops/{w.id}/audit", headers=w.board).status_code == 403
    assert client.get(f"/api/v1/workshops/{w.id}/audit", headers=member.headers).status_code == 403


def test_the_json_archive_holds_the_plan_each_actions_history_and_the_audit(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    cause = note(client, w, "cause", "Få vuxna ute på kvällstid")
    item_id = note(client, w, "action", "Föräldravandringar", links=[cause])
    patch(client, item_id, w.facilitator, **PLAN)
    archive = client.get(f"/api/v1/workshops/{w.id}/export.json", headers=w.followup).json()
    assert archive["version"] == 4
    action = next(i for i in archive["items"] if i["id"] == item_id)
    assert {key: action[key] for key in PLAN} == PLAN
    assert action["number"] == 1 and action["carried_from"] is None
    assert {line["field"] for line in action["history"]} == set(PLAN)
    assert all(line["via"] == "api" for line in action["history"])
    assert next(i for i in archive["items"] if i["id"] == cause)["number"] == 1
    assert [line["action"] for line in archive["audit"]].count("edit") == len(PLAN)
    with Session(get_engine()) as s:
        exported = s.exec(
            select(Audit).where(Audit.workshop_id == w.id, col(Audit.action) == "export")
        ).all()
    assert [a.after for a in exported] == ["json"]
