"""Downloading the action list and the archive through the API: who may, and what arrives."""

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

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
    assert data["format"] == "kraftsamla-archive" and data["version"] == 1
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
    assert len(data["votes"]) == 5 and len(data["ratings"]) == 2
    assert len(data["participants"]) == 2
    text = response.text
    for secret in (w.facilitator_token, w.followup_token, w.board_token, "token_hash"):
        assert secret not in text
