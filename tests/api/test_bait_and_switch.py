"""Bait and switch: once someone has put a dot on a note, its author can no longer reword or take
it back (the dots would then count for words nobody voted for). The facilitator can still
moderate, and that moderation is in the workshop's audit."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MadeWorkshop
from tests.web.conftest import csrf_of

REFUSED_EN = "People have put dots on this note, so it can no longer be changed."
REFUSED_SV = "Lappen har fått prickar och kan inte längre ändras."


@pytest.fixture
def dotted(client: TestClient, make_workshop) -> tuple[MadeWorkshop, int]:
    """A cause by participant 0 with a dot from participant 1, voting still open."""
    w = make_workshop(participants=2, stage="causes")
    author, voter = w.participants
    note = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "cause", "focus_area_id": w.area(), "text": "Otrygg belysning i parken"},
        headers=author.headers,
    ).json()
    voting = client.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    )
    assert voting.status_code == 200, voting.text
    dot = client.post(f"/api/v1/items/{note['id']}/votes", headers=voter.headers)
    assert dot.status_code in (200, 201), dot.text
    return w, note["id"]


def texts(client: TestClient, w: MadeWorkshop) -> list[str]:
    listed = client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json()
    return [item["text"] for item in listed]


def test_an_undotted_note_can_still_be_reworded_by_its_author(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="causes")
    author = w.participants[0]
    note = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "cause", "focus_area_id": w.area(), "text": "Stavfell"},
        headers=author.headers,
    ).json()
    answer = client.patch(
        f"/api/v1/items/{note['id']}", json={"text": "Stavfel"}, headers=author.headers
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(("lang", "message"), [("en", REFUSED_EN), ("sv", REFUSED_SV)])
def test_the_author_cannot_reword_a_dotted_note_through_the_api(
    client: TestClient, dotted: tuple[MadeWorkshop, int], lang: str, message: str
) -> None:
    w, note_id = dotted
    author = w.participants[0]
    answer = client.patch(
        f"/api/v1/items/{note_id}",
        json={"text": "Något helt annat"},
        headers={**author.headers, "Accept-Language": lang},
    )
    assert answer.status_code == 409
    assert answer.json()["detail"] == message
    assert texts(client, w) == ["Otrygg belysning i parken"]


def test_the_author_cannot_delete_a_dotted_note_through_the_api(
    client: TestClient, dotted: tuple[MadeWorkshop, int]
) -> None:
    w, note_id = dotted
    author = w.participants[0]
    answer = client.delete(
        f"/api/v1/items/{note_id}", headers={**author.headers, "Accept-Language": "sv"}
    )
    assert answer.status_code == 409
    assert answer.json()["detail"] == REFUSED_SV
    assert texts(client, w) == ["Otrygg belysning i parken"]
    listed = client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json()
    assert [item["votes"] for item in listed] == [1]  # the voter's dot is still there


@pytest.mark.parametrize("action", ["reword", "delete"])
def test_the_phone_is_told_why_in_its_language(
    client: TestClient, dotted: tuple[MadeWorkshop, int], action: str
) -> None:
    w, note_id = dotted
    client.cookies.set(f"ks_{w.id}_participant", w.participants[0].token)
    page = client.get(w.page("p"), headers={"Accept-Language": "sv"})
    data = {"csrf_token": csrf_of(page.text), "text": "Något helt annat"}
    if action == "delete":
        data["delete"] = "1"
    answer = client.post(f"/w/{w.slug}/p/notes/{note_id}", data=data, follow_redirects=False)
    assert answer.status_code == 409
    assert REFUSED_SV in answer.text
    htmx = client.post(f"/w/{w.slug}/p/notes/{note_id}", data=data, headers={"HX-Request": "true"})
    assert REFUSED_SV in htmx.text  # HTMX swaps only 2xx: the panel carries the message
    assert texts(client, w) == ["Otrygg belysning i parken"]


def test_the_facilitator_still_moderates_a_dotted_note_and_it_is_audited(
    client: TestClient, dotted: tuple[MadeWorkshop, int]
) -> None:
    w, note_id = dotted
    other = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "cause", "focus_area_id": w.area(), "text": "Dålig belysning"},
        headers=w.facilitator,
    ).json()
    edited = client.patch(
        f"/api/v1/items/{note_id}", json={"text": "Otrygg belysning"}, headers=w.facilitator
    )
    assert edited.status_code == 200
    hidden = client.patch(
        f"/api/v1/items/{other['id']}", json={"hidden": True}, headers=w.facilitator
    )
    assert hidden.status_code == 200
    merged = client.post(
        f"/api/v1/items/{other['id']}/merge", json={"into": note_id}, headers=w.facilitator
    )
    assert merged.status_code == 200, merged.text
    log = client.get(f"/api/v1/workshops/{w.id}/audit", headers=w.facilitator).json()
    seen = {(line["role"], line["action"], line["item_id"], line["field"]) for line in log}
    assert ("facilitator", "edit", note_id, "text") in seen
    assert ("facilitator", "hide", other["id"], "hidden") in seen
    assert ("facilitator", "merge", other["id"], "merged_into") in seen
    # ...and the follow-up page shows those lines to the follow-up owners.
    followup = client.get(w.page("followup") + "?key=" + w.followup_token)
    assert followup.status_code == 200
    assert f"#{note_id}" in followup.text and f"#{other['id']}" in followup.text
