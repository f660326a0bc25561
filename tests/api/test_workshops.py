"""The workshop calls of the JSON API: create, join, read, stage; roles and bad input."""

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from app.services.workshops import CODE_ALPHABET


def create(client: TestClient, **body: object) -> dict:
    response = client.post("/api/v1/workshops", json={"title": "Tryggare Värnamo", **body})
    assert response.status_code == 201, response.text
    return response.json()


def test_health_answers_once_the_database_does(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_create_gives_links_that_each_carry_their_own_secret(client: TestClient) -> None:
    made = create(client)
    urls = made["urls"]
    assert urls["facilitate"].endswith(f"/facilitate?key={made['facilitator_token']}")
    # Page addresses cannot be counted: no workshop's row id in them.
    for url in urls.values():
        assert f"/w/{made['id']}/" not in url
    assert urls["board"].endswith(f"?key={made['board_token']}")
    assert urls["followup"].endswith(f"?key={made['followup_token']}")
    assert urls["join"].endswith(f"/j/{made['join_code']}")
    for token in (made["facilitator_token"], made["board_token"], made["followup_token"]):
        assert token not in urls["join"]
    assert len({made["facilitator_token"], made["board_token"], made["followup_token"]}) == 3


def test_new_workshop_has_the_varnamo_focus_areas_and_defaults(client: TestClient) -> None:
    made = create(client)
    state = client.get(
        f"/api/v1/workshops/{made['id']}",
        headers={"Authorization": f"Bearer {made['facilitator_token']}"},
    ).json()
    assert [a["name"] for a in state["focus_areas"]] == [
        "Narkotika",
        "Otrygghet",
        "Otillåten påverkan",
    ]
    assert state["stage"] == "lobby"
    assert state["language"] == "sv"
    assert state["voting"] == {"cause": "closed", "action": "closed"}
    assert (state["votes_per_participant"], state["max_votes_per_item"]) == (3, 2)


def test_english_workshop_with_own_focus_areas(client: TestClient) -> None:
    made = create(client, language="en", focus_areas=["Drugs", " Threats to staff "])
    state = client.get(
        f"/api/v1/workshops/{made['id']}",
        headers={"Authorization": f"Bearer {made['facilitator_token']}"},
    ).json()
    assert state["language"] == "en"
    assert [a["name"] for a in state["focus_areas"]] == ["Drugs", "Threats to staff"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"language": "de"}, "language"),
        ({"votes_per_participant": 0}, "votes_per_participant"),
        ({"votes_per_participant": 3, "max_votes_per_item": 4}, "max_votes_per_item"),
        ({"max_votes_per_item": 0}, "max_votes_per_item"),
        ({"focus_areas": []}, "focus_areas"),
        ({"focus_areas": ["Narkotika", "narkotika"]}, "focus_areas"),
    ],
)
def test_bad_workshop_input_is_422_naming_the_field(
    client: TestClient, body: dict, field: str
) -> None:
    response = client.post("/api/v1/workshops", json={"title": "Workshop", **body})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    assert (
        client.get("/api/v1/workshops/1", headers={"Authorization": "Bearer x"}).status_code == 401
    )


def test_admin_password_guards_creation_when_set(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "hemligt")
    get_settings.cache_clear()
    try:
        assert client.post("/api/v1/workshops", json={"title": "T"}).status_code == 401
        wrong = {"X-Admin-Password": "fel"}
        assert (
            client.post("/api/v1/workshops", json={"title": "T"}, headers=wrong).status_code == 401
        )
        right = {"X-Admin-Password": "hemligt"}
        assert (
            client.post("/api/v1/workshops", json={"title": "T"}, headers=right).status_code == 201
        )
    finally:
        monkeypatch.delenv("ADMIN_PASSWORD")
        get_settings.cache_clear()


def test_join_codes_avoid_look_alike_characters(client: TestClient) -> None:
    codes = [create(client)["join_code"] for _ in range(25)]
    assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("".join(codes)) & set("01OIL")
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {a} {b} ", "{a}-{b}", "{lower_a}-{b}"])
def test_join_accepts_the_code_in_any_case_with_spaces_or_dash(
    client: TestClient, typed: str
) -> None:
    made = create(client)
    code = made["join_code"]
    entered = typed.format(
        code=code, lower=code.lower(), a=code[:3], b=code[3:], lower_a=code[:3].lower()
    )
    response = client.post("/api/v1/join", json={"join_code": entered, "display_name": "Anna"})
    assert response.status_code == 201, response.text
    assert response.json()["workshop_id"] == made["id"]


def test_unknown_code_is_404_and_nobody_joins(client: TestClient) -> None:
    made = create(client)
    assert client.post("/api/v1/join", json={"join_code": "ZZZZZZ"}).status_code == 404
    state = client.get(
        f"/api/v1/workshops/{made['id']}",
        headers={"Authorization": f"Bearer {made['facilitator_token']}"},
    ).json()
    assert state["participant_count"] == 0


def test_a_closed_workshop_cannot_be_joined(client: TestClient) -> None:
    made = create(client)
    fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
    client.put(f"/api/v1/workshops/{made['id']}/stage", json={"stage": "closed"}, headers=fac)
    assert client.post("/api/v1/join", json={"join_code": made["join_code"]}).status_code == 404


def test_guessing_codes_is_slowed_down(client: TestClient) -> None:
    for _ in range(30):
        assert client.post("/api/v1/join", json={"join_code": "ZZZZZZ"}).status_code == 404
    assert client.post("/api/v1/join", json={"join_code": "ZZZZZZ"}).status_code == 429


def test_thirty_people_join_and_are_counted(client: TestClient) -> None:
    made = create(client)
    tokens = set()
    for i in range(30):
        response = client.post(
            "/api/v1/join",
            json={
                "join_code": made["join_code"],
                "display_name": f"P{i}",
                "organization": "Polisen",
            },
        )
        assert response.status_code == 201
        tokens.add(response.json()["participant_token"])
    assert len(tokens) == 30
    state = client.get(
        f"/api/v1/workshops/{made['id']}",
        headers={"Authorization": f"Bearer {made['facilitator_token']}"},
    ).json()
    assert state["participant_count"] == 30


def test_roles_on_the_stage_call(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=1)
    other = make_workshop()
    url = f"/api/v1/workshops/{w.id}/stage"
    assert client.put(url, json={"stage": "situation"}).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.put(url, json={"stage": "situation"}, headers=bad).status_code == 401
    for headers in (w.participants[0].headers, w.followup, w.board):
        assert client.put(url, json={"stage": "situation"}, headers=headers).status_code == 403
    assert (
        client.put(url, json={"stage": "situation"}, headers=other.facilitator).status_code == 404
    )
    response = client.put(url, json={"stage": "situation"}, headers=w.facilitator)
    assert response.status_code == 200
    assert response.json()["stage"] == "situation"
    # a participant sees the stage move
    state = client.get(f"/api/v1/workshops/{w.id}", headers=w.participants[0].headers).json()
    assert state["stage"] == "situation"


def test_stage_moves_forward_and_back_but_not_to_nowhere(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    url = f"/api/v1/workshops/{w.id}/stage"
    for stage in ("causes", "situation", "closed", "actions"):
        assert (
            client.put(url, json={"stage": stage}, headers=w.facilitator).json()["stage"] == stage
        )
    response = client.put(url, json={"stage": "voting"}, headers=w.facilitator)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "stage"


def test_errors_speak_the_callers_language(client: TestClient) -> None:
    sv = client.post(
        "/api/v1/join", json={"join_code": "ZZZZZZ"}, headers={"Accept-Language": "sv"}
    )
    en = client.post(
        "/api/v1/join", json={"join_code": "ZZZZZZ"}, headers={"Accept-Language": "en"}
    )
    assert "ZZZZZZ" in sv.json()["detail"] and "ZZZZZZ" in en.json()["detail"]
    assert sv.json()["detail"] != en.json()["detail"]


def test_openapi_documents_the_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/workshops", "/api/v1/join", "/api/v1/workshops/{workshop_id}/stage"):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_choosing_the_current_stage_again_changes_nothing(
    client: TestClient, make_workshop
) -> None:
    from sqlmodel import Session, func, select

    from app.db import get_engine
    from app.models import Event, Workshop

    w = make_workshop()
    url = f"/api/v1/workshops/{w.id}/stage"
    client.put(url, json={"stage": "situation"}, headers=w.facilitator)
    with Session(get_engine()) as s:
        before = (
            s.get(Workshop, w.id).event_seq,
            s.exec(select(func.count()).select_from(Event)).one(),
        )
    assert (
        client.put(url, json={"stage": "situation"}, headers=w.facilitator).json()["stage"]
        == "situation"
    )
    with Session(get_engine()) as s:
        after = (
            s.get(Workshop, w.id).event_seq,
            s.exec(select(func.count()).select_from(Event)).one(),
        )
    assert after == before  # no event for screens to react to, and no gap in the numbering
