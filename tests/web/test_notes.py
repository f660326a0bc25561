"""Notes from a phone and the facilitator's moderation, through the HTML forms."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of


@pytest.fixture
def phone(client: TestClient, make_workshop):
    """A workshop in the situation stage and a phone that joined it through the join form."""
    w = make_workshop(participants=1, stage="situation")
    form = client.get(f"/j/{w.join_code}")
    client.post(
        "/join",
        data={"csrf_token": csrf_of(form.text), "join_code": w.join_code, "display_name": "Mira"},
    )
    return w


def post_note(client: TestClient, w, text: str, htmx: bool = False, **extra: str):
    token = extra.pop("csrf_token", None) or csrf_of(client.get(f"/w/{w.slug}/p").text)
    data = {
        "csrf_token": token,
        "kind": "situation",
        "focus_area_id": str(w.area(0)),
        "text": text,
        "idempotency_key": "k-" + str(abs(hash(text))),
        **extra,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/w/{w.slug}/p/notes", data=data, headers=headers, follow_redirects=False)


def notes(client: TestClient, w) -> list[str]:
    return [
        i["text"]
        for i in client.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json()
    ]


def test_a_note_sent_without_javascript_lands_and_the_phone_sees_it(
    client: TestClient, phone
) -> None:
    response = post_note(client, phone, "Öppen droghandel vid resecentrum")
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Öppen droghandel vid resecentrum" in page.text
    assert notes(client, phone) == ["Öppen droghandel vid resecentrum"]


def test_a_note_sent_twice_after_a_dropped_connection_is_kept_once(
    client: TestClient, phone
) -> None:
    first = post_note(
        client, phone, "Klotter med gänghänvisningar", htmx=True, idempotency_key="same-key"
    )
    again = post_note(
        client, phone, "Klotter med gänghänvisningar", htmx=True, idempotency_key="same-key"
    )
    assert first.status_code == again.status_code == 200
    assert notes(client, phone) == ["Klotter med gänghänvisningar"]


def test_an_empty_note_is_refused_and_what_was_typed_is_kept(client: TestClient, phone) -> None:
    too_long = "x" * 1001
    response = post_note(client, phone, too_long, htmx=True)
    assert response.status_code == 200  # htmx swaps it in with the message
    assert "för lång" in response.text and too_long in response.text
    plain = post_note(client, phone, "   ")
    assert plain.status_code == 422 and "Skriv något först" in plain.text
    assert notes(client, phone) == []


def test_a_phone_cannot_add_notes_when_the_stage_has_moved_on(client: TestClient, phone) -> None:
    token = csrf_of(client.get(f"/w/{phone.slug}/p").text)  # the page was open before the move
    client.put(
        f"/api/v1/workshops/{phone.id}/stage",
        json={"stage": "prioritize"},
        headers=phone.facilitator,
    )
    response = post_note(client, phone, "För sent", csrf_token=token)
    assert response.status_code == 409
    assert notes(client, phone) == []


def test_the_author_edits_and_deletes_their_own_note(client: TestClient, phone) -> None:
    post_note(client, phone, "Stavfell")
    note_id = client.get(f"/api/v1/workshops/{phone.id}/items", headers=phone.facilitator).json()[
        0
    ]["id"]
    page = client.get(f"/w/{phone.slug}/p")
    token = csrf_of(page.text)
    client.post(
        f"/w/{phone.slug}/p/notes/{note_id}", data={"csrf_token": token, "text": "Stavfel rättat"}
    )
    assert notes(client, phone) == ["Stavfel rättat"]
    client.post(
        f"/w/{phone.slug}/p/notes/{note_id}", data={"csrf_token": token, "text": "x", "delete": "1"}
    )
    assert notes(client, phone) == []


def test_someone_elses_note_cannot_be_changed_from_a_phone(client: TestClient, phone) -> None:
    other = phone.participants[0]
    theirs = client.post(
        f"/api/v1/workshops/{phone.id}/items",
        json={"kind": "situation", "focus_area_id": phone.area(0), "text": "Inte din"},
        headers=other.headers,
    ).json()
    page = client.get(f"/w/{phone.slug}/p")
    response = client.post(
        f"/w/{phone.slug}/p/notes/{theirs['id']}",
        data={"csrf_token": csrf_of(page.text), "text": "Ändrad"},
    )
    assert response.status_code == 403
    assert notes(client, phone) == ["Inte din"]


def test_others_notes_show_on_the_phone_once_it_has_written_one(client: TestClient, phone) -> None:
    client.post(
        f"/api/v1/workshops/{phone.id}/items",
        json={
            "kind": "situation",
            "focus_area_id": phone.area(0),
            "text": "Någon annans iakttagelse",
        },
        headers=phone.participants[0].headers,
    )
    before = client.get(f"/w/{phone.slug}/p").text
    assert re.search(r'class="everyone-list" hidden', before)
    post_note(client, phone, "Min egen")
    after = client.get(f"/w/{phone.slug}/p").text
    assert not re.search(r'class="everyone-list" hidden', after)
    assert "Någon annans iakttagelse" in after


@pytest.fixture
def facilitator(client: TestClient, make_workshop):
    w = make_workshop(participants=1, stage="situation")
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    w.csrf = csrf_of(page.text)
    return w


def add(client: TestClient, w, text: str, area: int = 0) -> int:
    return client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(area), "text": text},
        headers=w.participants[0].headers,
    ).json()["id"]


def test_hidden_notes_leave_the_board_but_stay_for_the_facilitator(
    client: TestClient, facilitator
) -> None:
    w = facilitator
    note = add(client, w, "Namn på en enskild person")
    client.post(
        f"/w/{w.slug}/facilitate/items/{note}", data={"csrf_token": w.csrf, "hidden": "true"}
    )
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    assert "Namn på en enskild person" not in board
    fac = client.get(f"/w/{w.slug}/facilitate").text
    assert "Namn på en enskild person" in fac and "Dold" in fac


def test_facilitator_merges_a_duplicate_groups_and_moves_notes(
    client: TestClient, facilitator
) -> None:
    w = facilitator
    keep = add(client, w, "Droghandel vid resecentrum")
    dup = add(client, w, "Langning vid resecentrum")
    other = add(client, w, "Hot mot personal")
    client.post(
        f"/w/{w.slug}/facilitate/items/{dup}/merge", data={"csrf_token": w.csrf, "into": str(keep)}
    )
    client.post(
        f"/w/{w.slug}/facilitate/items/{other}",
        data={
            "csrf_token": w.csrf,
            "group_label": "Skolan",
            "focus_area_id": str(w.area(1)),
            "text": "Hot mot personal i skolan",
        },
    )
    visible = client.get(
        f"/api/v1/workshops/{w.id}/items", headers=w.participants[0].headers
    ).json()
    assert {i["text"]: (i["focus_area_id"], i["group_label"]) for i in visible} == {
        "Droghandel vid resecentrum": (w.area(0), None),
        "Hot mot personal i skolan": (w.area(1), "Skolan"),
    }


def test_the_editor_saves_and_a_stale_one_shows_the_note_as_it_is_now(
    client: TestClient, facilitator
) -> None:
    w = facilitator
    note = add(client, w, "Klotter vid skolan")
    hx = {"HX-Request": "true", "HX-Target": f"edit-{note}"}
    editor = client.get(f"/w/{w.slug}/facilitate/items/{note}/edit", headers=hx).text
    version = re.search(r'name="version" value="(\d+)"', editor).group(1)
    saved = client.post(
        f"/w/{w.slug}/facilitate/items/{note}",
        data={"csrf_token": w.csrf, "version": version, "text": "Klotter vid Östra skolan"},
        headers=hx,
    )
    assert saved.status_code == 200 and saved.text == ""  # saved: the editor closes
    # A second tab still holds the editor as it was first opened.
    stale = client.post(
        f"/w/{w.slug}/facilitate/items/{note}",
        data={"csrf_token": w.csrf, "version": version, "text": "Klotter vid skolan igen"},
        headers=hx,
    )
    assert "Någon hann ändra lappen" in stale.text
    assert "Klotter vid Östra skolan" in stale.text  # the note as it is now, to edit again
    assert notes(client, w) == ["Klotter vid Östra skolan"]


def test_the_facilitator_page_grows_with_its_notes_not_their_square(
    client: TestClient, facilitator
) -> None:
    w = facilitator
    sizes = []
    for target in (30, 90):
        while len(notes(client, w)) < target:
            add(client, w, f"Iakttagelse {len(notes(client, w))} om otrygghet i centrum")
        sizes.append(len(client.get(f"/w/{w.slug}/facilitate").content))
    assert sizes[1] < sizes[0] * 3.3  # three times the notes: about three times the page


def test_the_timer_starts_pauses_and_gains_a_minute(client: TestClient, facilitator) -> None:
    w = facilitator
    url = f"/w/{w.slug}/facilitate/timer"
    client.post(url, data={"csrf_token": w.csrf, "action": "set", "minutes": "5"})
    client.post(url, data={"csrf_token": w.csrf, "action": "add"})
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    assert "6:00" in board and "data-running" not in board
    client.post(url, data={"csrf_token": w.csrf, "action": "start"})
    assert "data-running" in client.get(f"/w/{w.slug}/board").text
    client.post(url, data={"csrf_token": w.csrf, "action": "pause"})
    paused = client.get(f"/w/{w.slug}/board").text
    assert "data-running" not in paused and re.search(r"[56]:[0-5]\d", paused)


def test_names_show_on_the_board_only_when_the_facilitator_says_so(
    client: TestClient, facilitator
) -> None:
    w = facilitator
    add(client, w, "Otrygg busshållplats")
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    assert "Deltagare 1" not in board
    client.post(f"/w/{w.slug}/facilitate/names", data={"csrf_token": w.csrf, "show": "true"})
    assert "Deltagare 1" in client.get(f"/w/{w.slug}/board").text
