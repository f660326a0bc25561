"""The facilitator fills in who owns an action, by when, its status and priority."""

import pytest
from fastapi.testclient import TestClient


def add(client: TestClient, w, kind: str = "action") -> int:
    response = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(), "text": "Fler vuxna ute kvällstid"},
        headers=w.facilitator,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def patch(client: TestClient, item_id: int, headers, **body: object):
    return client.patch(f"/api/v1/items/{item_id}", json=body, headers=headers)


def read(client: TestClient, w, item_id: int) -> dict:
    return client.get(f"/api/v1/items/{item_id}", headers=w.facilitator).json()


def test_facilitator_fills_in_owner_date_status_and_priority(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(stage="prioritize")
    action = add(client, w)
    answer = patch(
        client,
        action,
        w.facilitator,
        owner_organization="  Polisen  ",
        owner_person="Anna   Berg",
        due_date="2026-12-31",
        status="planned",
        priority=1,
    )
    assert answer.status_code == 200
    item = answer.json()
    assert item["owner_organization"] == "Polisen"
    assert item["owner_person"] == "Anna Berg"
    assert (item["due_date"], item["status"], item["priority"]) == ("2026-12-31", "planned", 1)
    assert read(client, w, action)["due_date"] == "2026-12-31"


def test_owner_fields_can_be_cleared_again(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    action = add(client, w)
    patch(client, action, w.facilitator, owner_person="Anna", due_date="2026-12-31", priority=2)
    cleared = patch(client, action, w.facilitator, owner_person="", due_date="", priority=None)
    assert cleared.status_code == 200
    item = cleared.json()
    assert (item["owner_person"], item["due_date"], item["priority"]) == (None, None, None)


@pytest.mark.parametrize("status", ["proposed", "planned", "in_progress", "done", "dropped"])
def test_every_status_of_the_list_is_accepted(
    client: TestClient, make_workshop, status: str
) -> None:
    w = make_workshop()
    action = add(client, w)
    assert patch(client, action, w.facilitator, status=status).json()["status"] == status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": "31/12/2026"}, "due_date"),
        ({"due_date": "2026-02-30"}, "due_date"),
        ({"due_date": "20261231"}, "due_date"),
        ({"due_date": "2026-W53-1"}, "due_date"),
        ({"due_date": "0001-01-01"}, "due_date"),
        ({"due_date": "1850-01-01"}, "due_date"),
        ({"due_date": "2100-01-01"}, "due_date"),
        ({"status": "finished"}, "status"),
        ({"status": "Done"}, "status"),
        ({"status": None}, "status"),
        ({"priority": 0}, "priority"),
        ({"priority": -3}, "priority"),
        ({"priority": 5000}, "priority"),
        ({"priority": 10**20}, "priority"),
        ({"priority": 1.5}, "priority"),
        ({"owner_organization": "x" * 81}, "owner_organization"),
        ({"owner_person": "x" * 81}, "owner_person"),
    ],
)
def test_bad_owner_fields_are_422_and_change_nothing(
    client: TestClient, make_workshop, body: dict, field: str
) -> None:
    w = make_workshop()
    action = add(client, w)
    before = read(client, w, action)
    refused = patch(client, action, w.facilitator, **{"owner_organization": "Polisen", **body})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == field
    assert read(client, w, action) == before


def test_a_bad_date_is_explained_in_swedish_too(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    action = add(client, w)
    refused = patch(
        client, action, {**w.facilitator, "Accept-Language": "sv"}, due_date="0001-01-01"
    )
    assert refused.json()["detail"][0]["msg"] == "Välj ett slutdatum mellan åren 2000 och 2099."


@pytest.mark.parametrize("kind", ["situation", "cause"])
@pytest.mark.parametrize(
    "body",
    [
        {"owner_organization": "Kommunen"},
        {"owner_person": "Anna"},
        {"due_date": "2026-12-31"},
        {"status": "done"},
        {"priority": 1},
        {"shortlisted": True},
    ],
)
def test_only_actions_have_owners(client: TestClient, make_workshop, kind: str, body: dict) -> None:
    w = make_workshop()
    note = add(client, w, kind)
    refused = patch(client, note, w.facilitator, **body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "kind"


def test_participants_cannot_set_owners_even_on_their_own_action(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="actions")
    me = w.participants[0]
    mine = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "action", "focus_area_id": w.area(), "text": "Min åtgärd"},
        headers=me.headers,
    ).json()["id"]
    for body in ({"owner_person": "Jag"}, {"status": "done"}, {"priority": 1}):
        assert patch(client, mine, me.headers, **body).status_code == 403
    assert read(client, w, mine)["owner_person"] is None


@pytest.mark.parametrize("who", ["board", "followup"])
def test_board_and_followup_links_cannot_set_owners(
    client: TestClient, make_workshop, who: str
) -> None:
    w = make_workshop()
    action = add(client, w)
    assert patch(client, action, getattr(w, who), owner_person="Anna").status_code == 403
