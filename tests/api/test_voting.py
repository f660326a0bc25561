"""Dot voting, ranking, shortlist and ratings through the JSON API."""

import pytest
from fastapi.testclient import TestClient


def add(client: TestClient, w, kind: str, text: str = "En lapp", area: int = 0) -> int:
    response = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(area), "text": text},
        headers=w.facilitator,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def set_voting(client: TestClient, w, kind: str, state: str, headers=None):
    return client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": kind, "state": state},
        headers=headers or w.facilitator,
    )


def vote(client: TestClient, item_id: int, who, **headers: str):
    return client.post(f"/api/v1/items/{item_id}/votes", headers={**who.headers, **headers})


def listed(client: TestClient, w, headers, kind: str) -> dict[int, dict]:
    answer = client.get(f"/api/v1/workshops/{w.id}/items?kind={kind}", headers=headers)
    assert answer.status_code == 200
    return {i["id"]: i for i in answer.json()}


def test_facilitator_opens_then_reveals_each_kind_on_its_own(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    opened = set_voting(client, w, "cause", "open")
    assert opened.status_code == 200
    assert opened.json()["voting"] == {"cause": "open", "action": "closed"}
    revealed = set_voting(client, w, "cause", "revealed").json()
    assert revealed["voting"] == {"cause": "revealed", "action": "closed"}
    assert set_voting(client, w, "action", "open").json()["voting"]["action"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "situation", "state": "open"}, "kind"), ({"kind": "cause", "state": "on"}, "state")],
)
def test_bad_voting_change_is_422_naming_the_field(
    client: TestClient, make_workshop, body: dict, field: str
) -> None:
    w = make_workshop()
    response = client.put(f"/api/v1/workshops/{w.id}/voting", json=body, headers=w.facilitator)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_only_the_facilitator_opens_voting(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    for headers in (w.participants[0].headers, w.board, w.followup):
        assert set_voting(client, w, "cause", "open", headers).status_code == 403
    state = client.get(f"/api/v1/workshops/{w.id}", headers=w.facilitator).json()
    assert state["voting"]["cause"] == "closed"


def test_participant_spends_dots_and_sees_what_is_left(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)  # 3 dots, at most 2 on one note
    first, second = add(client, w, "cause", "Få vuxna ute"), add(client, w, "cause", "Mörkt")
    set_voting(client, w, "cause", "open")
    me = w.participants[0]
    answers = [vote(client, item_id, me) for item_id in (first, first, second)]
    assert [(a.status_code, a.json()) for a in answers] == [
        (201, {"votes_left": 2}),
        (201, {"votes_left": 1}),
        (201, {"votes_left": 0}),
    ]
    mine = listed(client, w, me.headers, "cause")
    assert (mine[first]["my_votes"], mine[second]["my_votes"]) == (2, 1)


def test_vote_over_budget_is_refused(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, votes_per_participant=2, max_votes_per_item=1)
    a, b, c = (add(client, w, "action", t) for t in "ABC")
    set_voting(client, w, "action", "open")
    me = w.participants[0]
    vote(client, a, me)
    vote(client, b, me)
    refused = vote(client, c, me)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "You have used all your dots (2)."
    swedish = vote(client, c, me, **{"Accept-Language": "sv-SE"})
    assert swedish.json()["detail"] == "Du har använt alla dina prickar (2)."
    assert listed(client, w, w.facilitator, "action")[c]["votes"] == 0


def test_more_dots_than_the_cap_on_one_note_are_refused(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)  # at most 2 on one note
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    me = w.participants[0]
    assert [vote(client, cause, me).status_code for _ in range(3)] == [201, 201, 409]
    assert listed(client, w, w.facilitator, "cause")[cause]["votes"] == 2


@pytest.mark.parametrize("state", ["closed", "revealed"])
def test_no_dots_while_voting_is_not_open(client: TestClient, make_workshop, state: str) -> None:
    w = make_workshop(participants=1)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", state)
    refused = vote(client, cause, w.participants[0])
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Voting on causes is not open."
    assert listed(client, w, w.facilitator, "cause")[cause]["votes"] == 0


def test_hidden_merged_and_situation_notes_take_no_dots(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    seen = add(client, w, "situation")
    hidden, twin, survivor = (add(client, w, "cause", t) for t in ("Dold", "Tvilling", "Kvar"))
    client.patch(f"/api/v1/items/{hidden}", json={"hidden": True}, headers=w.facilitator)
    client.post(f"/api/v1/items/{twin}/merge", json={"into": survivor}, headers=w.facilitator)
    set_voting(client, w, "cause", "open")
    me = w.participants[0]
    for item_id in (seen, hidden, twin):
        assert vote(client, item_id, me).status_code == 409
    assert vote(client, survivor, me).json() == {"votes_left": 2}


@pytest.mark.parametrize("who", ["facilitator", "board", "followup"])
def test_only_participants_vote(client: TestClient, make_workshop, who: str) -> None:
    w = make_workshop(participants=1)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    headers = getattr(w, who)
    assert client.post(f"/api/v1/items/{cause}/votes", headers=headers).status_code == 403
    assert client.delete(f"/api/v1/items/{cause}/votes", headers=headers).status_code == 403
    assert listed(client, w, w.facilitator, "cause")[cause]["votes"] == 0


def test_a_participant_cannot_vote_in_another_workshop(client: TestClient, make_workshop) -> None:
    w, other = make_workshop(), make_workshop(participants=1)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    assert vote(client, cause, other.participants[0]).status_code == 404


def test_taking_a_dot_back_returns_it(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=2)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    me, other = w.participants
    vote(client, cause, me)
    vote(client, cause, other)
    taken = client.delete(f"/api/v1/items/{cause}/votes", headers=me.headers)
    assert (taken.status_code, taken.json()) == (200, {"votes_left": 3})
    again = client.delete(f"/api/v1/items/{cause}/votes", headers=me.headers)
    assert again.status_code == 409  # the other person's dot is not mine to take
    assert listed(client, w, w.facilitator, "cause")[cause]["votes"] == 1


def test_totals_stay_hidden_from_the_room_until_revealed(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=2)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    me = w.participants[0]
    vote(client, cause, me)
    vote(client, cause, w.participants[1])
    for headers in (me.headers, w.board):
        assert listed(client, w, headers, "cause")[cause]["votes"] is None
    assert listed(client, w, me.headers, "cause")[cause]["my_votes"] == 1
    assert listed(client, w, w.facilitator, "cause")[cause]["votes"] == 2
    set_voting(client, w, "cause", "revealed")
    for headers in (me.headers, w.board):
        assert listed(client, w, headers, "cause")[cause]["votes"] == 2


def test_facilitator_follows_who_has_voted_and_the_live_tally(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=3)
    cause = add(client, w, "cause")
    set_voting(client, w, "cause", "open")
    vote(client, cause, w.participants[0])
    vote(client, cause, w.participants[0])
    vote(client, cause, w.participants[1])
    mine = client.get(f"/api/v1/workshops/{w.id}/voting", headers=w.facilitator).json()
    assert mine["cause"] == {
        "kind": "cause",
        "state": "open",
        "participants": 3,
        "voters": 2,
        "finished": 0,
        "dots_used": 3,
        "dots_total": 9,
        "totals": {str(cause): 3},
    }
    assert mine["action"]["voters"] == 0
    board = client.get(f"/api/v1/workshops/{w.id}/voting", headers=w.board).json()
    assert board["cause"]["voters"] == 2 and board["cause"]["totals"] is None


def test_ranking_is_for_the_room_once_revealed(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=2)
    few, many = add(client, w, "cause", "Få"), add(client, w, "cause", "Många")
    set_voting(client, w, "cause", "open")
    for p in w.participants:
        vote(client, many, p)
    vote(client, few, w.participants[0])
    url = f"/api/v1/workshops/{w.id}/ranking?kind=cause"
    assert client.get(url, headers=w.board).status_code == 409
    set_voting(client, w, "cause", "revealed")
    ranked = client.get(url, headers=w.board).json()
    assert [(r["id"], r["votes"], r["rank"]) for r in ranked] == [(many, 2, 1), (few, 1, 2)]


def test_shortlist_route_marks_the_top_actions(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=2)
    top, second, third = (add(client, w, "action", t) for t in ("Topp", "Tvåa", "Trea"))
    set_voting(client, w, "action", "open")
    for p in w.participants:
        vote(client, top, p)
    vote(client, second, w.participants[0])
    vote(client, third, w.participants[1])
    url = f"/api/v1/workshops/{w.id}/shortlist"
    assert client.post(url, json={"top": 2}, headers=w.facilitator).status_code == 409  # open
    set_voting(client, w, "action", "revealed")
    answer = client.post(url, json={"top": 2}, headers=w.facilitator)
    assert (answer.status_code, answer.json()) == (200, {"item_ids": [top, second]})
    flags = {i: v["shortlisted"] for i, v in listed(client, w, w.facilitator, "action").items()}
    assert flags == {top: True, second: True, third: False}
    # By hand afterwards: the facilitator swaps the tie.
    client.patch(f"/api/v1/items/{third}", json={"shortlisted": True}, headers=w.facilitator)
    assert listed(client, w, w.facilitator, "action")[third]["shortlisted"] is True
    assert client.post(url, json={"top": 0}, headers=w.facilitator).status_code == 422
    assert client.post(url, json={"top": 2}, headers=w.participants[0].headers).status_code == 403


def rate(client: TestClient, item_id: int, who, impact: object, effort: object):
    return client.put(
        f"/api/v1/items/{item_id}/rating",
        json={"impact": impact, "effort": effort},
        headers=who.headers if hasattr(who, "headers") else who,
    )


def test_participant_rates_an_action_and_can_change_it(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    action = add(client, w, "action")
    client.put(
        f"/api/v1/workshops/{w.id}/stage", json={"stage": "prioritize"}, headers=w.facilitator
    )
    me = w.participants[0]
    first = rate(client, action, me, 4, 2)
    assert (first.status_code, first.json()) == (200, {"item_id": action, "impact": 4, "effort": 2})
    assert rate(client, action, me, 5, 1).json() == {"item_id": action, "impact": 5, "effort": 1}


@pytest.mark.parametrize(
    ("impact", "effort", "field"),
    [
        (0, 3, "impact"),
        (6, 3, "impact"),
        (3, 0, "effort"),
        (3, 6, "effort"),
        ("mycket", 3, "impact"),
    ],
)
def test_rating_out_of_range_is_422_naming_the_field(
    client: TestClient, make_workshop, impact: object, effort: object, field: str
) -> None:
    w = make_workshop(participants=1, stage="prioritize")
    action = add(client, w, "action")
    refused = rate(client, action, w.participants[0], impact, effort)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == field


def test_rating_a_cause_is_422(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, stage="prioritize")
    cause = add(client, w, "cause")
    refused = rate(client, cause, w.participants[0], 3, 3)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "kind"


def test_rating_waits_for_the_prioritize_stage(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1, stage="actions")
    action = add(client, w, "action")
    refused = rate(client, action, w.participants[0], 3, 3)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Actions are rated in the prioritize stage."


def test_only_shortlisted_actions_are_rated_once_there_is_a_shortlist(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="prioritize")
    chosen, other = add(client, w, "action", "Vald"), add(client, w, "action", "Annan")
    client.patch(f"/api/v1/items/{chosen}", json={"shortlisted": True}, headers=w.facilitator)
    me = w.participants[0]
    assert rate(client, chosen, me, 3, 3).status_code == 200
    assert rate(client, other, me, 3, 3).status_code == 409


@pytest.mark.parametrize("who", ["facilitator", "board", "followup"])
def test_only_participants_rate(client: TestClient, make_workshop, who: str) -> None:
    w = make_workshop(participants=1, stage="prioritize")
    action = add(client, w, "action")
    assert rate(client, action, getattr(w, who), 3, 3).status_code == 403
