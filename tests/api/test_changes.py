"""Changes that must not overwrite each other: a stale stage move, a stale edit, and changes that
change nothing (no event number spent on them)."""

from fastapi.testclient import TestClient


def events_seen(client: TestClient, w) -> list[int]:
    """The event numbers the facilitator's API stream would replay (the whole log)."""
    from app.db import reading
    from app.services import events

    with reading() as session:
        return [e.seq for e in events.events_since(session, w.id, 0)]


def test_a_stale_stage_move_is_refused_and_nothing_moves(client: TestClient, make_workshop) -> None:
    w = make_workshop(stage="situation")
    url = f"/api/v1/workshops/{w.id}/stage"
    moved = client.put(url, json={"stage": "causes", "from": "situation"}, headers=w.facilitator)
    assert moved.status_code == 200 and moved.json()["stage"] == "causes"
    # The same click again (a double click, a second tab that still shows the situation stage).
    again = client.put(url, json={"stage": "actions", "from": "situation"}, headers=w.facilitator)
    assert again.status_code == 409
    state = client.get(f"/api/v1/workshops/{w.id}", headers=w.facilitator).json()
    assert state["stage"] == "causes"


def test_a_stale_edit_gets_409_with_the_note_as_it_is_now(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="situation")
    note = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(0), "text": "Klotter vid torget"},
        headers=w.facilitator,
    ).json()
    first = client.patch(
        f"/api/v1/items/{note['id']}",
        json={"text": "Klotter vid Stora torget", "version": note["version"]},
        headers=w.facilitator,
    )
    assert first.status_code == 200 and first.json()["version"] == note["version"] + 1
    stale = client.patch(
        f"/api/v1/items/{note['id']}",
        json={"group_label": "Centrum", "version": note["version"]},
        headers=w.facilitator,
    )
    assert stale.status_code == 409
    assert stale.json()["item"]["text"] == "Klotter vid Stora torget"
    now = client.get(f"/api/v1/items/{note['id']}", headers=w.facilitator).json()
    assert now["group_label"] is None and now["version"] == first.json()["version"]


def test_changes_that_change_nothing_use_no_event_number(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, stage="situation")
    note = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(0), "text": "Bränder i soprum"},
        headers=w.facilitator,
    ).json()
    before = events_seen(client, w)
    same_stage = {"stage": "situation"}
    assert (
        client.put(
            f"/api/v1/workshops/{w.id}/stage", json=same_stage, headers=w.facilitator
        ).status_code
        == 200
    )
    same_text = client.patch(
        f"/api/v1/items/{note['id']}", json={"text": "Bränder i soprum"}, headers=w.facilitator
    )
    assert same_text.status_code == 200 and same_text.json()["version"] == note["version"]
    refused = client.patch(f"/api/v1/items/{note['id']}", json={"text": ""}, headers=w.facilitator)
    assert refused.status_code == 422
    after = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(0), "text": "Nästa"},
        headers=w.facilitator,
    )
    assert after.status_code == 201
    seqs = events_seen(client, w)
    assert seqs[: len(before)] == before
    assert seqs == list(range(1, len(seqs) + 1))  # no number was spent on the no-ops
    assert len(seqs) == len(before) + 1


def test_a_dot_sent_twice_with_one_key_lands_once(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, stage="causes", votes_per_participant=3)
    cause = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "cause", "focus_area_id": w.area(0), "text": "Arbetslöshet"},
        headers=w.facilitator,
    ).json()["id"]
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    phone = {**w.participants[0].headers, "Idempotency-Key": "tap-1"}
    answers = [client.post(f"/api/v1/items/{cause}/votes", headers=phone) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["votes_left"] for a in answers] == [2, 2, 2]
    progress = client.get(f"/api/v1/workshops/{w.id}/voting", headers=w.facilitator).json()
    assert progress["cause"]["dots_used"] == 1


def test_a_new_note_is_answered_as_it_reads_back(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, stage="causes")
    seen = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(0), "text": "Otrygg busshållplats"},
        headers=w.facilitator,
    ).json()
    for who in (w.participants[0].headers, w.facilitator):
        made = client.post(
            f"/api/v1/workshops/{w.id}/items",
            json={
                "kind": "cause",
                "focus_area_id": w.area(0),
                "text": "Dålig belysning",
                "links": [seen["id"]],
            },
            headers=who,
        )
        assert made.status_code == 201
        read = client.get(f"/api/v1/items/{made.json()['id']}", headers=who)
        assert made.json() == read.json()
