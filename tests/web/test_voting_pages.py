"""Dots, reveal, ratings and owners as people see them on the phone, board and facilitator page."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of


@pytest.fixture
def room(client: TestClient, make_workshop):
    """Causes on the board, cause voting open, and this client is a phone that joined."""
    w = make_workshop(participants=1, stage="causes")
    w.causes = [
        client.post(
            f"/api/v1/workshops/{w.id}/items",
            json={"kind": "cause", "focus_area_id": w.area(0), "text": text},
            headers=w.facilitator,
        ).json()["id"]
        for text in ("Unga rekryteras via sociala medier", "Få vuxna ute på kvällarna")
    ]
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    form = client.get(f"/j/{w.join_code}")
    client.post("/join", data={"csrf_token": csrf_of(form.text), "join_code": w.join_code})
    w.csrf = csrf_of(client.get(f"/w/{w.slug}/p").text)
    return w


def dot(client: TestClient, w, item_id: int, remove: bool = False):
    data = {"csrf_token": w.csrf, **({"remove": "1"} if remove else {})}
    return client.post(f"/w/{w.slug}/p/votes/{item_id}", data=data, headers={"HX-Request": "true"})


def dots_left(html: str) -> int:
    match = re.search(r'class="dots-left-n">(\d+)<', html)
    assert match, "no dots-left counter on the phone"
    return int(match.group(1))


def test_the_phone_shows_dots_left_and_takes_them_back(client: TestClient, room) -> None:
    assert dots_left(client.get(f"/w/{room.slug}/p").text) == 3
    assert dots_left(dot(client, room, room.causes[0]).text) == 2
    assert dots_left(dot(client, room, room.causes[0]).text) == 1
    third = dot(client, room, room.causes[0])  # cap is 2 per note
    assert dots_left(third.text) == 1 and "Högst 2" in third.text
    assert dots_left(dot(client, room, room.causes[0], remove=True).text) == 2


def test_counts_stay_hidden_from_phone_and_board_until_revealed(client: TestClient, room) -> None:
    dot(client, room, room.causes[1])
    dot(client, room, room.causes[1])
    board = client.get(f"/w/{room.slug}/board?key={room.board_token}").text
    phone = client.get(f"/w/{room.slug}/p").text
    assert "Röstningen är öppen" in board
    for page in (board, phone):  # no tally in any markup: no "2 prickar", no bar, no count
        assert not re.search(r">\s*2\s*<[^>]*>?\s*prickar", page)
        assert "vote-count" not in page and "vote-bar" not in page
    assert re.search(r'class="dots-left-n">1<', phone)  # the phone sees only its own dots
    facilitator = client.get(f"/w/{room.slug}/facilitate?key={room.facilitator_token}").text
    assert re.search(r'class="vote-count">2<', facilitator)
    assert "1 av 2 har satt ut prickar" in facilitator
    client.put(
        f"/api/v1/workshops/{room.id}/voting",
        json={"kind": "cause", "state": "revealed"},
        headers=room.facilitator,
    )
    board = client.get(f"/w/{room.slug}/board").text
    ranked = re.findall(r'<p class="note-text">([^<]+)</p>\s*<div class="vote-bar">', board)
    assert ranked == ["Få vuxna ute på kvällarna", "Unga rekryteras via sociala medier"]


@pytest.fixture
def prioritizing(client: TestClient, room):
    w = room
    w.action = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={
            "kind": "action",
            "focus_area_id": w.area(0),
            "text": "Föräldravandringar på helgerna",
            "links": [w.causes[1]],
        },
        headers=w.facilitator,
    ).json()["id"]
    client.put(
        f"/api/v1/workshops/{w.id}/stage", json={"stage": "prioritize"}, headers=w.facilitator
    )
    return w


def test_a_phone_rates_an_action_and_the_board_matrix_shows_it(
    client: TestClient, prioritizing
) -> None:
    w = prioritizing
    phone = client.get(f"/w/{w.slug}/p").text
    assert "Föräldravandringar på helgerna" in phone and 'name="impact"' in phone
    bad = client.post(
        f"/w/{w.slug}/p/ratings/{w.action}",
        data={"csrf_token": w.csrf, "impact": "9", "effort": "2"},
    )
    assert bad.status_code == 422 and "Effekt" in bad.text
    ok = client.post(
        f"/w/{w.slug}/p/ratings/{w.action}",
        data={"csrf_token": w.csrf, "impact": "5", "effort": "2"},
        headers={"HX-Request": "true"},
    )
    assert re.search(r'name="impact" value="5"[^>]*checked', ok.text)
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    assert "Effekt 5,0, insats 2,0 (1 bedömning)" in board
    other = client.put(
        f"/api/v1/items/{w.action}/rating",
        json={"impact": 3, "effort": 4},
        headers=w.participants[0].headers,
    )
    assert other.status_code == 200
    board = client.get(f"/w/{w.slug}/board").text
    assert "Effekt 4,0, insats 3,0 (2 bedömningar), spridning ±1,0 / ±1,0" in board


def test_the_phone_counts_its_ratings_and_shows_the_list_at_the_end(
    client: TestClient, prioritizing
) -> None:
    w = prioritizing
    assert "0 av 1 klara" in client.get(f"/w/{w.slug}/p").text
    client.post(
        f"/w/{w.slug}/p/ratings/{w.action}",
        data={"csrf_token": w.csrf, "impact": "4", "effort": "2"},
    )
    assert "1 av 1 klara" in client.get(f"/w/{w.slug}/p").text
    client.patch(
        f"/api/v1/items/{w.action}",
        json={"owner_organization": "Kommunen", "owner_person": "Ulf"},
        headers=w.facilitator,
    )
    client.put(f"/api/v1/workshops/{w.id}/stage", json={"stage": "closed"}, headers=w.facilitator)
    phone = client.get(f"/w/{w.slug}/p").text
    assert "Tack för i dag!" in phone
    assert "Föräldravandringar på helgerna" in phone and "Kommunen – Ulf" in phone


def test_the_facilitator_sets_owners_inline_and_a_bad_date_changes_nothing(
    client: TestClient, prioritizing
) -> None:
    w = prioritizing
    csrf = csrf_of(client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text)
    url = f"/w/{w.slug}/facilitate/actions/{w.action}"
    htmx = {"HX-Request": "true"}
    assert (
        client.post(
            url, data={"csrf_token": csrf, "owner_organization": "Tillsammans"}, headers=htmx
        ).status_code
        == 204
    )
    client.post(
        url,
        data={"csrf_token": csrf, "due_date": "2027-03-31", "status": "planned", "priority": "1"},
        headers=htmx,
    )
    bad = client.post(url, data={"csrf_token": csrf, "due_date": "31/3"}, headers=htmx)
    assert (
        bad.status_code == 200
        and f'id="action-error-{w.action}"' in bad.text
        and "ÅÅÅÅ-MM-DD" in bad.text
    )
    item = client.get(f"/api/v1/items/{w.action}", headers=w.facilitator).json()
    assert (item["owner_organization"], item["due_date"], item["status"], item["priority"]) == (
        "Tillsammans",
        "2027-03-31",
        "planned",
        1,
    )
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    assert "Tillsammans" in board and "Prioritet 1" in board
