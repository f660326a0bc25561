"""Issue 19 through the API: organizations, notes held back for personal data, the breakdown
per organization (k >= 3), the audit, retention and erasure."""

from datetime import timedelta
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import select

from app import purge
from app.models import Item, Link, Participant, Workshop
from app.services import uow

PNR = "Pojken med personnummer 811218-9876 säljer vid skolan"
PHONE = "Ring honom på 070-123 45 67"


def join(client: TestClient, w, org: str | None, name: str | None = None) -> dict[str, str]:
    body = {"join_code": w.join_code, "organization": org, "display_name": name}
    response = client.post("/api/v1/join", json=body)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['participant_token']}"}


def add(client: TestClient, w, who, text: str, kind: str = "situation", links=()) -> dict:
    response = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(0), "text": text, "links": list(links)},
        headers=who,
    )
    assert response.status_code == 201, response.text
    return response.json()


def listed(client: TestClient, w, who, kind: str = "situation") -> dict[int, dict]:
    response = client.get(f"/api/v1/workshops/{w.id}/items?kind={kind}", headers=who)
    assert response.status_code == 200
    return {i["id"]: i for i in response.json()}


def stage(client: TestClient, w, name: str) -> None:
    r = client.put(f"/api/v1/workshops/{w.id}/stage", json={"stage": name}, headers=w.facilitator)
    assert r.status_code == 200, r.text


# --- Organizations ------------------------------------------------------------------------------


def test_a_workshop_offers_the_default_organizations_in_its_language(
    client: TestClient,
) -> None:
    sv = client.post("/api/v1/workshops", json={"title": "Tryggare"}).json()
    en = client.post("/api/v1/workshops", json={"title": "Safer", "language": "en"}).json()
    for made, expected in (
        (sv, ["Polisen", "Kommunen", "Socialtjänsten", "Skolan", "Bostadsbolag", "Annan"]),
        (en, ["Police", "Municipality", "Social services", "School", "Housing company", "Other"]),
    ):
        state = client.get(
            f"/api/v1/workshops/{made['id']}",
            headers={"Authorization": f"Bearer {made['facilitator_token']}"},
        ).json()
        assert state["organizations"] == expected


@pytest.mark.parametrize(
    "organizations",
    [[], ["x" * 61], ["Polisen", "polisen "], [f"Org {i}" for i in range(21)]],
)
def test_bad_organization_lists_are_422_naming_the_field(
    client: TestClient, organizations: list[str]
) -> None:
    response = client.post("/api/v1/workshops", json={"title": "T", "organizations": organizations})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "organizations"]


def test_free_text_matching_an_organization_is_that_organization_and_else_other(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop()
    for given in ("  SOCIAL tjänsten ", "Räddningstjänsten", "polisen", None):
        join(client, w, given)
    orgs = session.exec(
        select(Participant.organization)
        .where(Participant.workshop_id == w.id)
        .order_by(Participant.id)
    ).all()
    assert orgs == ["Socialtjänsten", "Annan", "Polisen", None]


def test_a_custom_list_is_offered_and_other_is_the_language_s_word(
    client: TestClient, session
) -> None:
    made = client.post(
        "/api/v1/workshops",
        json={"title": "Safer", "language": "en", "organizations": ["Police", "Church"]},
    ).json()
    w = type("W", (), {"join_code": made["join_code"]})
    join(client, w, "church")
    join(client, w, "Fire brigade")
    orgs = session.exec(
        select(Participant.organization).where(Participant.workshop_id == made["id"])
    ).all()
    assert sorted(orgs) == ["Church", "Other"]


# --- Held notes ---------------------------------------------------------------------------------


def test_a_note_with_a_personnummer_is_held_from_everyone_but_the_facilitator_and_its_author(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=2, stage="situation")
    author, other = (p.headers for p in w.participants)
    held = add(client, w, author, PNR)
    clean = add(client, w, author, "Öppen narkotikahandel vid torget")
    assert held["held"] is True and clean["held"] is False
    assert held["id"] in listed(client, w, w.facilitator)
    mine = listed(client, w, author)
    assert mine[held["id"]]["held"] is True
    for who in (other, w.board, w.followup):
        assert held["id"] not in listed(client, w, who)
        assert clean["id"] in listed(client, w, who)
        assert client.get(f"/api/v1/items/{held['id']}", headers=who).status_code == 404


def test_the_board_page_and_another_phone_never_show_a_held_note(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=2, stage="situation")
    add(client, w, w.participants[0].headers, PHONE)
    add(client, w, w.participants[1].headers, "Något annat")  # so the other sees the list
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}")
    assert board.status_code == 200 and "070-123" not in board.text
    client.cookies.clear()
    phone = client.get(f"/w/{w.slug}/p", headers=w.participants[1].headers)
    assert "070-123" not in phone.text


def test_held_notes_are_not_in_the_workbook_or_the_archive_until_released(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="situation")
    held = add(client, w, w.participants[0].headers, "Mejla kalle@example.se")

    def exported() -> tuple[str, dict]:
        book = load_workbook(
            BytesIO(
                client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.facilitator).content
            )
        )
        cells = " ".join(
            str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
        )
        archive = client.get(f"/api/v1/workshops/{w.id}/export.json", headers=w.facilitator)
        return cells, {i["id"]: i for i in archive.json()["items"]}

    cells, archived = exported()
    assert "kalle@example.se" not in cells
    assert archived[held["id"]]["held"] is True and archived[held["id"]]["text"] is None
    released = client.patch(
        f"/api/v1/items/{held['id']}", json={"held": False}, headers=w.facilitator
    )
    assert released.status_code == 200 and released.json()["held"] is False
    cells, archived = exported()
    assert "kalle@example.se" in cells
    assert archived[held["id"]]["text"] == "Mejla kalle@example.se"


def test_releasing_editing_or_hiding_ends_the_hold_and_only_the_facilitator_may(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=2, stage="situation")
    author, other = (p.headers for p in w.participants)
    notes = [add(client, w, author, f"{PHONE} ({i})") for i in range(3)]
    for who in (author, other, w.followup):
        r = client.patch(f"/api/v1/items/{notes[0]['id']}", json={"held": False}, headers=who)
        assert r.status_code in (403, 404)
    release = {"held": False}
    edit = {"text": "Ring polisen"}
    hide = {"hidden": True}
    for note, patch in zip(notes, (release, edit, hide), strict=True):
        r = client.patch(f"/api/v1/items/{note['id']}", json=patch, headers=w.facilitator)
        assert r.status_code == 200 and r.json()["held"] is False
    seen = listed(client, w, other)
    assert notes[0]["id"] in seen and notes[1]["id"] in seen and notes[2]["id"] not in seen
    assert seen[notes[1]["id"]]["text"] == "Ring polisen"


def test_an_author_who_writes_a_phone_number_into_a_note_has_it_held_again(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=2, stage="situation")
    author, other = (p.headers for p in w.participants)
    note = add(client, w, author, "Bråk vid stationen")
    r = client.patch(f"/api/v1/items/{note['id']}", json={"text": PHONE}, headers=author)
    assert r.status_code == 200 and r.json()["held"] is True
    assert note["id"] not in listed(client, w, other)


def test_a_held_cause_takes_no_dots(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=2, stage="causes")
    cause = add(client, w, w.participants[0].headers, PHONE, kind="cause")
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    r = client.post(f"/api/v1/items/{cause['id']}/votes", headers=w.participants[1].headers)
    assert r.status_code == 409


# --- Breakdown ----------------------------------------------------------------------------------


@pytest.fixture
def room(client: TestClient, make_workshop):
    """3 from the police, 3 from the municipality, 2 from the school; actions voted and rated."""
    w = make_workshop(stage="actions")
    people = {
        org: [join(client, w, org) for _ in range(n)]
        for org, n in (("Polisen", 3), ("Kommunen", 3), ("Skolan", 2))
    }
    first = add(client, w, w.facilitator, "Fler vuxna ute kvällstid", kind="action")
    second = add(client, w, w.facilitator, "Kameror vid torget", kind="action")
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "action", "state": "open"},
        headers=w.facilitator,
    )
    for who in people["Polisen"]:
        client.post(f"/api/v1/items/{second['id']}/votes", headers=who).raise_for_status()
    for who in people["Kommunen"] + people["Skolan"]:
        client.post(f"/api/v1/items/{first['id']}/votes", headers=who).raise_for_status()
    stage(client, w, "prioritize")
    for who in people["Skolan"]:
        client.put(
            f"/api/v1/items/{first['id']}/rating", json={"impact": 5, "effort": 1}, headers=who
        ).raise_for_status()
    for impact, who in zip((2, 3, 4), people["Kommunen"], strict=True):
        client.put(
            f"/api/v1/items/{first['id']}/rating",
            json={"impact": impact, "effort": 3},
            headers=who,
        ).raise_for_status()
    return w, people, first, second


def test_with_3_3_2_the_pair_never_appears_alone_nor_as_a_pool(client: TestClient, room) -> None:
    w, _, first, second = room
    answer = client.get(f"/api/v1/workshops/{w.id}/breakdown?kind=action", headers=w.facilitator)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["k"] == 3 and body["left_out"] == 2
    assert [(g["name"], g["participants"]) for g in body["groups"]] == [
        ("Kommunen", 3),
        ("Polisen", 3),
    ]
    names = {c["group"] for item in body["items"] for c in item["by_group"]}
    assert names == {"Kommunen", "Polisen"}
    assert "Skolan" not in answer.text and "Övriga" not in answer.text
    items = {i["id"]: i for i in body["items"]}
    assert items[first["id"]]["votes"] == 5  # the room's total, as revealed
    by = {c["group"]: c for c in items[first["id"]]["by_group"]}
    assert by["Kommunen"]["votes"] == 3 and by["Polisen"]["votes"] == 0
    assert by["Kommunen"]["impact"] == pytest.approx(3.0) and by["Kommunen"]["ratings"] == 3
    assert by["Polisen"]["impact"] is None
    assert items[first["id"]]["agree"] is False
    by = {c["group"]: c for c in items[second["id"]]["by_group"]}
    assert by["Polisen"]["votes"] == 3 and by["Kommunen"]["votes"] == 0


def test_small_organizations_are_pooled_once_the_pool_has_three(client: TestClient, room) -> None:
    w, _, first, _ = room
    join(client, w, "Bostadsbolag")  # 2 from the school + 1 from housing: a pool of 3
    body = client.get(
        f"/api/v1/workshops/{w.id}/breakdown?kind=action", headers=w.facilitator
    ).json()
    assert [(g["name"], g["participants"], g["pooled"]) for g in body["groups"]] == [
        ("Kommunen", 3, False),
        ("Polisen", 3, False),
        ("Övriga", 3, True),
    ]
    assert body["left_out"] == 0
    by = {c["group"]: c for c in {i["id"]: i for i in body["items"]}[first["id"]]["by_group"]}
    assert by["Övriga"]["votes"] == 2 and by["Övriga"]["impact"] == pytest.approx(5.0)


def test_the_room_sees_the_breakdown_only_once_the_votes_are_revealed(
    client: TestClient, room
) -> None:
    w, people, _, _ = room
    url = f"/api/v1/workshops/{w.id}/breakdown?kind=action"
    for who in (w.board, w.followup, people["Polisen"][0]):
        assert client.get(url, headers=who).status_code == 409
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "action", "state": "revealed"},
        headers=w.facilitator,
    )
    for who in (w.board, w.followup, people["Polisen"][0]):
        assert client.get(url, headers=who).status_code == 200
    assert client.get(url.replace("action", "situation"), headers=w.board).status_code == 422


def test_the_workbook_has_a_sheet_per_organization_by_the_same_rule(
    client: TestClient, room
) -> None:
    w, _, _, _ = room
    content = client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.facilitator).content
    book = load_workbook(BytesIO(content))
    sheet = book["Per organisation"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    groups = {row[3] for row in values[1:]}
    assert groups == {"Kommunen", "Polisen"}
    assert "Skolan" not in str(values) and "Övriga" not in str(values)
    assert any(row[2] == "Fler vuxna ute kvällstid" and row[5] == 3 for row in values[1:])


# --- Audit --------------------------------------------------------------------------------------


def test_the_audit_lists_each_kind_of_change_by_role_never_by_name(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(stage="situation")
    author = join(client, w, "Polisen", name="Kalle Anka")
    one = add(client, w, author, PHONE)
    two = add(client, w, author, "Samma sak")
    three = add(client, w, author, "Samma sak igen")
    client.patch(f"/api/v1/items/{one['id']}", json={"held": False}, headers=w.facilitator)
    client.patch(f"/api/v1/items/{two['id']}", json={"text": "Ändrad"}, headers=w.facilitator)
    client.patch(f"/api/v1/items/{two['id']}", json={"hidden": True}, headers=w.facilitator)
    client.post(
        f"/api/v1/items/{three['id']}/merge", json={"into": one["id"]}, headers=w.facilitator
    )
    stage(client, w, "causes")
    client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.facilitator)
    client.put(
        f"/api/v1/workshops/{w.id}/retention",
        json={"erase_notes_after_days": 30},
        headers=w.facilitator,
    ).raise_for_status()
    client.delete(
        f"/api/v1/workshops/{w.id}/participants/{_pid(w, author)}/notes",
        headers=w.facilitator,
    ).raise_for_status()
    lines = client.get(f"/api/v1/workshops/{w.id}/audit", headers=w.followup).json()
    actions = {line["action"] for line in lines}
    assert {
        "release",
        "edit",
        "hide",
        "merge",
        "stage",
        "voting",
        "export",
        "retention",
        "erase",
    } <= actions
    assert all(line["role"] in ("facilitator", "followup", "system") for line in lines)
    assert all(line["at"] for line in lines)
    assert "Kalle" not in str(lines)
    archive = client.get(f"/api/v1/workshops/{w.id}/export.json", headers=w.facilitator).json()
    assert {"release", "erase", "retention"} <= {line["action"] for line in archive["audit"]}


def _pid(w, who) -> int:
    from app.db import reading
    from app.services.auth import resolve

    with reading() as session:
        principal = resolve(session, who["Authorization"].split()[1])
    assert principal.participant_id is not None
    return principal.participant_id


# --- Retention and erasure ----------------------------------------------------------------------


def chain(client: TestClient, w, who) -> tuple[dict, dict, dict]:
    situation = add(client, w, who, "Langning vid skolan")
    stage(client, w, "causes")
    cause = add(client, w, who, "Unga saknar fritid", kind="cause", links=[situation["id"]])
    stage(client, w, "actions")
    action = add(client, w, who, "Öppna fritidsgården", kind="action", links=[cause["id"]])
    return situation, cause, action


def test_erasing_a_participant_s_notes_keeps_the_chain_and_the_actions(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(stage="situation")
    who = join(client, w, "Skolan", name="Lisa")
    other = join(client, w, "Polisen")
    situation, cause, action = chain(client, w, who)
    stage(client, w, "situation")
    kept = add(client, w, other, "Någon annans lapp")
    pid = _pid(w, who)
    r = client.delete(f"/api/v1/workshops/{w.id}/participants/{pid}/notes", headers=w.facilitator)
    assert r.status_code == 200 and r.json() == {"erased": 2}
    notes = listed(client, w, w.facilitator, kind="situation") | listed(
        client, w, w.facilitator, kind="cause"
    )
    assert notes[situation["id"]]["text"] == "Raderad"
    assert notes[cause["id"]]["text"] == "Raderad"
    assert notes[cause["id"]]["links"] == [situation["id"]]
    assert notes[kept["id"]]["text"] == "Någon annans lapp"
    actions = listed(client, w, w.facilitator, kind="action")
    assert actions[action["id"]]["text"] == "Öppna fritidsgården"
    assert actions[action["id"]]["links"] == [cause["id"]]
    assert session.get(Participant, pid).display_name is None
    for who_else in (w.board, other):
        r = client.delete(f"/api/v1/workshops/{w.id}/participants/{pid}/notes", headers=who_else)
        assert r.status_code == 403
    missing = client.delete(
        f"/api/v1/workshops/{w.id}/participants/999999/notes", headers=w.facilitator
    )
    assert missing.status_code == 404


def test_purge_erases_due_workshops_only_and_keeps_the_chain(
    client: TestClient, session, make_workshop
) -> None:
    due = make_workshop(stage="situation", language="en", title="Due")
    who = join(client, due, "Police")
    situation, cause, action = chain(client, due, who)
    stage(client, due, "closed")
    recent = make_workshop(stage="situation", title="Recent")
    fresh = add(client, recent, recent.facilitator, "Färsk lapp")
    stage(client, recent, "closed")
    running = make_workshop(stage="situation", title="Running")
    add(client, running, running.facilitator, "Pågående")
    # The first closed 400 days ago.
    workshop = session.get(Workshop, due.id)
    assert workshop.closed_at is not None
    uow.run(_backdate, due.id, workshop.closed_at - timedelta(days=400))

    done = purge.purge()
    assert [(p.workshop_id, p.notes) for p in done] == [(due.id, 2)]
    assert purge.purge() == []  # once is enough
    session.expire_all()
    texts = {i.id: i.text for i in session.exec(select(Item).where(Item.workshop_id == due.id))}
    assert texts[situation["id"]] == "Erased" and texts[cause["id"]] == "Erased"
    assert texts[action["id"]] == "Öppna fritidsgården"
    links = {
        (link.from_item_id, link.to_item_id)
        for link in session.exec(select(Link).where(Link.workshop_id == due.id))
    }
    assert links == {(cause["id"], situation["id"]), (action["id"], cause["id"])}
    assert session.get(Item, fresh["id"]).text == "Färsk lapp"
    lines = client.get(f"/api/v1/workshops/{due.id}/audit", headers=due.facilitator).json()
    purged = [line for line in lines if line["action"] == "purge"]
    assert len(purged) == 1 and purged[0]["role"] == "system" and purged[0]["after"] == "2"
    state = client.get(f"/api/v1/workshops/{due.id}", headers=due.facilitator).json()
    assert state["notes_erased_at"] is not None


def _backdate(change, workshop_id: int, when) -> None:
    workshop = change.lock(workshop_id)
    workshop.closed_at = when
    change.session.add(workshop)
    change.keep_without_event()


def test_the_facilitator_sets_retention_within_limits(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    url = f"/api/v1/workshops/{w.id}/retention"
    ok = client.put(url, json={"erase_notes_after_days": 90}, headers=w.facilitator)
    assert ok.status_code == 200 and ok.json()["erase_notes_after_days"] == 90
    for days in (0, 3651, -5):
        bad = client.put(url, json={"erase_notes_after_days": days}, headers=w.facilitator)
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["body", "erase_notes_after_days"]
    assert (
        client.put(url, json={"erase_notes_after_days": 9}, headers=w.followup).status_code == 403
    )
    stage(client, w, "closed")
    state = client.get(f"/api/v1/workshops/{w.id}", headers=w.facilitator).json()
    assert state["closed_at"] and state["erase_notes_at"]
