"""Odd input is a 4xx that names the field, in the user's language, and changes nothing – on
SQLite and on PostgreSQL alike: ids past the database's integers, Unicode digits, 5,000-digit
numbers, NUL characters, a damaged sheet in an import."""

import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Item, Workshop
from tests.security.conftest import sign_in

# Past PostgreSQL's integer, past SQLite's 64 bits, and far past both.
BIG_IDS = [2**31, 1099511627776, 2**63, 2**64 + 5, 10**30]
NOT_NUMBERS = ["²", "٣", "9" * 5000, "-" + "9" * 40, "1e3", "0x10"]
SV = {"Accept-Language": "sv"}


def count(model: type) -> int:
    with Session(get_engine()) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def named(answer, field: str) -> bool:
    return any(field in [str(p) for p in e["loc"]] for e in answer.json()["detail"])


@pytest.mark.parametrize("big", BIG_IDS)
def test_an_id_past_the_databases_integers_in_a_path_is_a_422_naming_it(
    client: TestClient, make_workshop, big: int
) -> None:
    w = make_workshop(participants=1, stage="situation")
    for path, field in [
        (f"/api/v1/items/{big}", "item_id"),
        (f"/api/v1/items/{big}/history", "item_id"),
        (f"/api/v1/workshops/{big}", "workshop_id"),
        (f"/api/v1/workshops/{big}/items", "workshop_id"),
    ]:
        answer = client.get(path, headers=w.facilitator)
        assert answer.status_code == 422, (path, answer.text)
        assert named(answer, field)
    for method in ("POST", "DELETE"):
        answer = client.request(method, f"/api/v1/items/{big}/votes", headers=w.facilitator)
        assert answer.status_code == 422 and named(answer, "item_id")


@pytest.mark.parametrize("big", BIG_IDS)
def test_an_id_past_the_databases_integers_in_a_body_is_a_422_and_adds_nothing(
    client: TestClient, make_workshop, big: int
) -> None:
    w = make_workshop(participants=1, stage="situation")
    phone = w.participants[0].headers
    url = f"/api/v1/workshops/{w.id}/items"
    area = client.post(
        url, json={"kind": "situation", "focus_area_id": big, "text": "x"}, headers=phone
    )
    assert area.status_code == 422 and named(area, "focus_area_id")
    link = client.post(
        url,
        json={"kind": "situation", "focus_area_id": w.area(), "text": "x", "links": [big]},
        headers=phone,
    )
    assert link.status_code == 422 and named(link, "links")
    follows = client.post("/api/v1/workshops", json={"follows": {"workshop_id": big}})
    assert follows.status_code == 422 and named(follows, "workshop_id")
    assert count(Item) == 0 and count(Workshop) == 1


def test_a_five_thousand_digit_number_in_json_is_refused(client: TestClient) -> None:
    huge = "9" * 5000
    for body in (f'{{"title": "x", "votes_per_participant": {huge}}}', f'{{"title": {huge}}}'):
        answer = client.post(
            "/api/v1/workshops", content=body, headers={"Content-Type": "application/json"}
        )
        assert 400 <= answer.status_code < 500, answer.text
    assert count(Workshop) == 0


def test_a_nul_character_in_json_text_is_a_422_naming_the_field_in_swedish(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="situation")
    made = client.post("/api/v1/workshops", json={"title": "Trygg\x00het"}, headers=SV)
    assert made.status_code == 422 and named(made, "title")
    assert "innehåller ett tecken som inte kan sparas" in made.text
    note = client.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "situation", "focus_area_id": w.area(), "text": "a\x00b"},
        headers=w.participants[0].headers,
    )
    assert note.status_code == 422 and named(note, "text")
    joined = client.post("/api/v1/join", json={"join_code": w.join_code, "display_name": "Kim\x00"})
    assert joined.status_code == 422 and named(joined, "display_name")
    nested = client.post(
        "/api/v1/workshops", json={"follows": {"workshop_id": w.id, "token": "\x00"}}
    )
    assert nested.status_code == 422 and named(nested, "follows.token")
    assert count(Item) == 0 and count(Workshop) == 1


def test_a_nul_character_in_a_page_address_finds_nothing(client: TestClient) -> None:
    for path in ("/w/ab%00cd/board", "/j/AB%00CD", "/join?code=AB%00CD"):
        answer = client.get(path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)


@pytest.mark.parametrize("odd", NOT_NUMBERS)
def test_a_number_field_of_a_page_refuses_what_is_not_a_whole_number(
    client: TestClient, make_workshop, odd: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    csrf = sign_in(client, w.slug, "facilitate", w.facilitator_token)
    sent = {"csrf_token": csrf}
    note = client.post(
        f"/w/{w.slug}/facilitate/notes",
        data={**sent, "kind": "situation", "focus_area_id": odd, "text": "Klotter"},
        headers=SV,
    )
    assert note.status_code == 422 and "Fältet: Fokusområde" in note.text  # in Swedish, naming it
    assert "Skriv ett heltal." in note.text or "Något i formuläret" in note.text
    timer = client.post(
        f"/w/{w.slug}/facilitate/timer", data={**sent, "action": "start", "minutes": odd}
    )
    assert timer.status_code == 422
    merge = client.post(f"/w/{w.slug}/facilitate/items/1/merge", data={**sent, "into": odd})
    assert merge.status_code == 422
    assert count(Item) == 0


@pytest.mark.parametrize("odd", ["²", "9" * 5000, str(2**40)])
def test_a_phone_note_with_an_odd_link_or_version_changes_nothing(
    client: TestClient, make_workshop, odd: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    csrf = sign_in(client, w.slug, "p", w.participants[0].token)
    added = client.post(
        f"/w/{w.slug}/p/notes",
        data={
            "csrf_token": csrf,
            "kind": "situation",
            "focus_area_id": str(w.area()),
            "text": "Klotter",
            "links": odd,
        },
        headers=SV,
    )
    assert added.status_code == 422 and "Skriv ett heltal." in added.text
    assert count(Item) == 0
    ok = client.post(
        f"/w/{w.slug}/p/notes",
        data={
            "csrf_token": csrf,
            "kind": "situation",
            "focus_area_id": str(w.area()),
            "text": "Klotter",
        },
    )
    assert ok.status_code == 200  # the phone's page again (after its redirect)
    with Session(get_engine()) as s:
        item = s.exec(select(Item)).one()
    reworded = client.post(
        f"/w/{w.slug}/p/notes/{item.id}",
        data={"csrf_token": csrf, "text": "Ändrad", "version": odd},
    )
    assert reworded.status_code == 422  # not "no version given", which would save
    with Session(get_engine()) as s:
        assert s.exec(select(Item)).one().text == "Klotter"


def test_a_nul_character_in_a_page_form_is_a_422_naming_the_field(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="situation")
    csrf = sign_in(client, w.slug, "facilitate", w.facilitator_token)
    answer = client.post(
        f"/w/{w.slug}/facilitate/notes",
        data={
            "csrf_token": csrf,
            "kind": "situation",
            "focus_area_id": str(w.area()),
            "text": "Klotter\x00",
        },
        headers=SV,
    )
    assert answer.status_code == 422
    assert "”text” innehåller ett tecken som inte kan sparas (NUL)" in answer.text
    assert count(Item) == 0


def _damaged(workbook: bytes) -> bytes:
    """The same workbook with every worksheet's XML cut in half."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            target.writestr(info, data)
    return out.getvalue()


def test_an_import_with_a_damaged_sheet_is_refused_with_a_clear_message(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1)
    exported = client.get(f"/api/v1/workshops/{w.id}/export.xlsx", headers=w.followup)
    answer = client.post(
        f"/api/v1/workshops/{w.id}/import.xlsx",
        files={"file": ("atgarder.xlsx", _damaged(exported.content))},
        headers={**w.followup, **SV},
    )
    assert answer.status_code == 400, answer.text  # as for any file that is not a workbook
    assert "Ett blad i filen är skadat" in answer.text


def test_a_workbook_cell_with_unicode_digits_is_not_a_number() -> None:
    from app.services.importer import _whole_number

    assert _whole_number("²") is None
    assert _whole_number("9" * 5000) is None
    assert _whole_number(" 12 ") == 12
