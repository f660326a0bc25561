"""Notes through the API: the stage decides what a participant may add, links keep the chain."""

import pytest
from fastapi.testclient import TestClient


def post_item(
    client: TestClient,
    w,
    who,
    kind: str,
    text: str = "Öppen droghandel vid resecentrum",
    links=(),
    area: int = 0,
    **kw,
):
    return client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(area), "text": text, "links": list(links)},
        headers={**who.headers, **kw.get("headers", {})}
        if hasattr(who, "headers")
        else {**who, **kw.get("headers", {})},
    )


def test_participant_adds_a_situation_note_in_the_situation_stage(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=2, stage="situation")
    response = post_item(client, w, w.participants[0], "situation")
    assert response.status_code == 201
    item = response.json()
    assert item["kind"] == "situation" and item["focus_area_id"] == w.area(0)
    listed = client.get(f"/api/v1/workshops/{w.id}/items", headers=w.participants[1].headers).json()
    assert [i["text"] for i in listed] == ["Öppen droghandel vid resecentrum"]
    assert listed[0]["author_name"] is None  # anonymous unless the facilitator shows names


@pytest.mark.parametrize(
    ("stage", "kind"),
    [
        ("lobby", "situation"),
        ("situation", "cause"),
        ("causes", "action"),
        ("actions", "situation"),
    ],
)
def test_participant_may_only_add_the_kind_of_the_current_stage(
    client: TestClient, make_workshop, stage: str, kind: str
) -> None:
    w = make_workshop(participants=1, stage=stage)
    response = post_item(client, w, w.participants[0], kind)
    assert response.status_code == 409
    assert client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json() == []


def test_the_chain_situation_cause_action_is_kept(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    fac = w.facilitator
    seen = post_item(client, w, fac, "situation", "Rekrytering via sociala medier").json()
    cause = post_item(
        client, w, fac, "cause", "Unga saknar sysselsättning", links=[seen["id"]]
    ).json()
    action = post_item(
        client, w, fac, "action", "Fler fältassistenter kvällstid", links=[cause["id"]]
    ).json()
    assert cause["links"] == [seen["id"]] and action["links"] == [cause["id"]]
    situation = client.get(f"/api/v1/items/{seen['id']}", headers=fac).json()
    assert situation["linked_from"] == [cause["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"kind": "wish"}, "kind"),
        ({"focus_area_id": 999999}, "focus_area_id"),
        ({"links": [999999]}, "links"),
    ],
)
def test_bad_notes_are_422_and_nothing_is_saved(
    client: TestClient, make_workshop, body: dict, field: str
) -> None:
    w = make_workshop(participants=1, stage="causes")
    payload = {"kind": "cause", "focus_area_id": w.area(), "text": "Orsak", "links": [], **body}
    response = client.post(
        f"/api/v1/workshops/{w.id}/items", json=payload, headers=w.participants[0].headers
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json() == []


def test_links_must_point_to_the_kind_before_in_the_same_workshop(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    other = make_workshop()
    seen = post_item(client, w, w.facilitator, "situation").json()
    cause = post_item(client, w, w.facilitator, "cause", links=[seen["id"]]).json()
    foreign = post_item(client, other, other.facilitator, "situation").json()
    assert post_item(client, w, w.facilitator, "action", links=[seen["id"]]).status_code == 422
    assert post_item(client, w, w.facilitator, "cause", links=[cause["id"]]).status_code == 422
    assert post_item(client, w, w.facilitator, "situation", links=[seen["id"]]).status_code == 422
    assert post_item(client, w, w.facilitator, "cause", links=[foreign["id"]]).status_code == 404


def test_a_retried_post_with_the_same_key_gives_the_first_note(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="situation")
    key = {"headers": {"Idempotency-Key": "8f0e4c0e-5b1b-4d0a-9a51-0d5f1f1d2a11"}}
    first = post_item(client, w, w.participants[0], "situation", **key)
    again = post_item(client, w, w.participants[0], "situation", **key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json()) == 1
