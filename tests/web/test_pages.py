"""The pages people use first: start, create, join, the phone, the facilitator and the board."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.config import ROOT
from app.models import Workshop
from tests.web.conftest import csrf_of


def create_by_form(client: TestClient, **fields: str) -> str:
    page = client.get("/")
    data = {
        "csrf_token": csrf_of(page.text),
        "title": "Tryggare Värnamo",
        "language": "sv",
        "focus_areas": "Narkotika\nOtrygghet\nOtillåten påverkan",
        "votes_per_participant": "3",
        "max_votes_per_item": "2",
        **fields,
    }
    return client.post("/", data=data).text


def links_of(html: str) -> dict[str, str]:
    found = re.findall(r'value="(http[^"]+/w/[\w-]+/(\w+)\?key=[^"]+)"', html)
    return {kind: url for url, kind in found}


@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [("sv-SE,sv;q=0.9", "sv", "Kraftsamla"), ("en-GB,en;q=0.9", "en", "Rally our forces")],
)
def test_start_page_speaks_the_browsers_language(
    client: TestClient, accept: str, lang: str, heading: str
) -> None:
    page = client.get("/", headers={"Accept-Language": accept})
    assert f'<html lang="{lang}">' in page.text
    assert heading in page.text


def test_language_switch_sticks(client: TestClient) -> None:
    client.get("/lang/en?next=/", follow_redirects=False)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "sv"}).text
    # never redirects off-site
    response = client.get("/lang/sv?next=//evil.example", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_facilitator_creates_a_workshop_and_gets_working_links(client: TestClient) -> None:
    html = create_by_form(client)
    assert "Tryggare Värnamo" in html
    links = links_of(html)
    assert set(links) == {"facilitate", "board", "followup"}
    page = client.get(links["facilitate"])
    assert page.status_code == 200
    # the secret left the address bar: the page was reached through a redirect
    assert "key=" not in str(page.url)
    assert "Tryggare Värnamo" in page.text
    board = client.get(links["board"])
    assert board.status_code == 200 and "<svg" in board.text and 'class="qr' in board.text


def test_reloading_where_a_new_workshop_lands_makes_no_second_workshop(
    client: TestClient, session
) -> None:
    page = client.get("/")
    data = {
        "csrf_token": csrf_of(page.text),
        "title": "Tryggare Värnamo",
        "focus_areas": "Narkotika",
    }
    created = client.post("/", data=data, follow_redirects=False)
    assert created.status_code == 303
    landed = created.headers["location"]
    for _ in range(2):  # the facilitator presses reload
        assert client.get(landed).status_code == 200
    assert session.exec(select(func.count()).select_from(Workshop)).one() == 1


def test_the_facilitator_page_shows_links_that_open_the_board_on_another_computer(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text
    links = links_of(page)
    assert set(links) == {"board", "followup"}
    assert f"/j/{w.join_code}" in page
    room_pc = TestClient(client.app)  # no cookie of this workshop
    board = room_pc.get(links["board"])
    assert board.status_code == 200 and 'class="qr' in board.text
    assert room_pc.get(links["followup"]).status_code == 200


def test_creating_without_title_keeps_what_was_typed(client: TestClient) -> None:
    html = create_by_form(client, title="", focus_areas="Skolan\nCentrum")
    assert 'aria-invalid="true"' in html
    assert "Skolan\nCentrum" in html


def test_forms_without_csrf_token_change_nothing(client: TestClient) -> None:
    client.get("/")  # gets the CSRF cookie
    response = client.post("/", data={"title": "Utan token"})
    assert response.status_code == 403
    made = client.post("/api/v1/workshops", json={"title": "x"}).json()
    assert made["id"] == 1  # the forged form did not create workshop 1


def test_joining_from_the_qr_link_keeps_the_identity_after_reload(client: TestClient) -> None:
    made = client.post("/api/v1/workshops", json={"title": "Tryggare Värnamo"}).json()
    form = client.get(f"/j/{made['join_code']}")
    assert made["join_code"] in form.text
    response = client.post(
        "/join",
        data={
            "csrf_token": csrf_of(form.text),
            "join_code": made["join_code"].lower(),
            "display_name": "Anna",
            "organization": "Socialtjänsten",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    phone = client.get(response.headers["location"])
    assert "Anna" in phone.text
    again = client.get(response.headers["location"])
    assert "Anna" in again.text
    state = client.get(
        f"/api/v1/workshops/{made['id']}",
        headers={"Authorization": f"Bearer {made['facilitator_token']}"},
    ).json()
    assert state["participant_count"] == 1


def test_unknown_code_gets_a_friendly_page_that_keeps_the_input(client: TestClient) -> None:
    form = client.get("/join", headers={"Accept-Language": "sv"})
    response = client.post(
        "/join",
        data={"csrf_token": csrf_of(form.text), "join_code": "QQQ-999", "display_name": "Bo"},
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 404
    assert 'value="QQQ-999"' in response.text and 'value="Bo"' in response.text
    assert "QQQ-999" in response.text and '<html lang="sv">' in response.text
    assert "Ingen workshop" in response.text


def test_a_phone_without_its_cookie_is_sent_to_join_without_the_code(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    response = client.get(f"/w/{w.slug}/p", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/join"  # the code is on the board, not given away
    assert w.join_code not in client.get("/join").text


def test_count_shows_on_facilitator_page_and_board(client: TestClient, make_workshop) -> None:
    w = make_workshop(participants=30)
    fac = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}")
    count = re.compile(r'id="participant-count"[^>]*>30<')
    assert count.search(fac.text) and count.search(board.text)


def test_board_key_does_not_open_the_facilitator_page(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    assert client.get(f"/w/{w.slug}/facilitate?key={w.board_token}").status_code == 403
    assert client.get(f"/w/{w.slug}/facilitate").status_code == 401


def test_facilitator_moves_the_stage_with_a_plain_form(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    response = client.post(
        f"/w/{w.slug}/facilitate/stage", data={"csrf_token": csrf_of(page.text), "step": "1"}
    )
    assert response.status_code == 200
    assert 'aria-current="step"' in response.text
    assert re.search(r'class="step current"[^>]*>\s*<span class="step-no">2</span>', response.text)


def test_the_csrf_cookie_survives_arriving_from_a_link_in_mail(client: TestClient) -> None:
    # SameSite=Strict would not be sent on a link from mail or chat: a fresh token would replace
    # it and every open tab of that browser would get 403 on its next click.
    cookie = client.get("/").headers["set-cookie"]
    assert "ks_csrf=" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_secret_links_are_kept_out_of_the_access_log() -> None:
    import logging

    from app.main import RedactKeys

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.5:5000", "GET", "/w/1/facilitate?key=s3cr3t-token", "1.1", 303),
        None,
    )
    RedactKeys().filter(record)
    assert (
        "s3cr3t-token" not in record.getMessage() and "/w/1/facilitate?key=" in record.getMessage()
    )


def test_the_page_with_every_secret_link_is_not_stored(client: TestClient) -> None:
    page = client.get("/")
    response = client.post(
        "/",
        data={"csrf_token": csrf_of(page.text), "title": "T", "language": "sv", "focus_areas": "A"},
    )
    assert response.headers["cache-control"] == "no-store"


def test_pages_send_a_strict_script_policy(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_no_inline_script_or_event_handler_in_any_template() -> None:
    for path in Path(ROOT / "templates").rglob("*.html"):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        # Only QR codes (segno's SVG of our own addresses) are marked safe; never user text.
        marked = re.findall(r"\{\{\s*([\w.]+)[^}]*\|\s*safe\b", html)
        assert set(marked) <= {"v.qr", "board_qr"}, (path, marked)


def test_oversized_bodies_are_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/join", content=b"x" * 300_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_static_files_are_cached_and_compressed(client: TestClient) -> None:
    page = client.get("/").text
    src = re.search(r'src="(/static/vendor/htmx\.min\.js\?v=\w+)"', page)
    assert src
    response = client.get(src.group(1), headers={"Accept-Encoding": "gzip"})
    assert "immutable" in response.headers["cache-control"]
    assert response.headers.get("content-encoding") == "gzip"
