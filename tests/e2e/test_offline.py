"""The venue's wifi drops: a phone that was away catches up by itself when it is back (the live
stream reconnects and replays what it missed from the last event id it saw), and a note sent
while the phone was offline lands exactly once when the connection returns."""

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, OpenPage, Wifi, api

PHONE_PAGE = re.compile(r"/w/[^/]+/p(\?.*)?$")  # whatever the workshop's address


def start_workshop(server: LiveServer) -> dict[str, Any]:
    """A workshop on the situation stage with one participant (Bo) who writes through the API."""
    created = api(server, "POST", "/workshops", body={"title": "Tryggare Värnamo"})
    wid = created["id"]
    api(
        server,
        "PUT",
        f"/workshops/{wid}/stage",
        created["facilitator_token"],
        {"stage": "situation"},
    )
    bo = api(
        server, "POST", "/join", body={"join_code": created["join_code"], "display_name": "Bo"}
    )
    state = api(server, "GET", f"/workshops/{wid}", created["facilitator_token"])
    return created | {"bo": bo["participant_token"], "area": state["focus_areas"][0]["id"]}


def post_note(server: LiveServer, workshop: dict[str, Any], token: str, text: str) -> None:
    body = {"kind": "situation", "focus_area_id": workshop["area"], "text": text, "links": []}
    api(server, "POST", f"/workshops/{workshop['id']}/items", token, body)


def notes_with(server: LiveServer, workshop: dict[str, Any], text: str) -> list[dict[str, Any]]:
    path = f"/workshops/{workshop['id']}/items?kind=situation"
    return [i for i in api(server, "GET", path, workshop["facilitator_token"]) if i["text"] == text]


def join(phone: Page, workshop: dict[str, Any]) -> None:
    phone.goto(f"/j/{workshop['join_code']}")
    phone.locator("form button[type=submit]").click()
    expect(phone).to_have_url(PHONE_PAGE)
    expect(phone.locator("#panel[data-stage=situation]")).to_be_attached()


def go_offline(phone: Page, wifi: Wifi) -> None:
    phone.context.set_offline(True)
    wifi.drop()  # and the open live stream goes with it, as when a venue's wifi drops


def come_back(phone: Page, wifi: Wifi) -> None:
    wifi.restore()
    phone.context.set_offline(False)


def write(phone: Page, text: str) -> None:
    phone.locator("#note-text").fill(text)
    phone.locator("form[data-retry] button[type=submit]").click()


def test_a_phone_back_from_offline_catches_up_with_the_notes_it_missed(
    open_page: OpenPage, live_server: LiveServer, wifi: Wifi
) -> None:
    workshop = start_workshop(live_server)
    anna = open_page("phone", base_url=wifi.url)
    join(anna, workshop)
    others = anna.locator(".everyone-list .note-text")
    write(anna, "Nedskräpning och klotter vid busstationen")
    expect(anna.locator(".everyone-list")).to_be_visible()  # she wrote, so she sees everyone's
    post_note(live_server, workshop, workshop["bo"], "Unga samlas vid badplatsen på nätterna")
    expect(others).to_have_count(2)  # live, while online
    anna.evaluate("() => { window.ksSamePage = true; }")  # gone if the phone reloads

    go_offline(anna, wifi)
    expect(anna.locator(".offline-banner")).to_be_visible()  # the phone says it lost the room
    missed = ["Mopeder kör på gångvägen vid skolan", "Narkotika säljs vid resecentrum"]
    for text in missed:
        post_note(live_server, workshop, workshop["bo"], text)

    come_back(anna, wifi)
    expect(anna.locator(".offline-banner")).to_be_hidden()
    for text in missed:
        expect(anna.locator(".everyone-list .note-text", has_text=text)).to_be_visible()
    expect(others).to_have_count(4)
    assert anna.evaluate("() => window.ksSamePage === true"), "the phone reloaded to catch up"


def test_a_note_sent_while_offline_lands_once_when_the_connection_returns(
    open_page: OpenPage, live_server: LiveServer, wifi: Wifi
) -> None:
    workshop = start_workshop(live_server)
    anna = open_page("phone", base_url=wifi.url)
    join(anna, workshop)
    text = "Otrygg gångtunnel under järnvägen"

    go_offline(anna, wifi)
    write(anna, text)
    # The form says it is trying again; what she typed stays in the box.
    expect(anna.locator(".retry-note")).to_be_visible()
    expect(anna.locator("#note-text")).to_have_value(text)
    assert notes_with(live_server, workshop, text) == []

    come_back(anna, wifi)
    expect(anna.locator(".mine .note-text")).to_have_text([text])
    expect(anna.locator(".retry-note")).to_be_hidden()
    assert len(notes_with(live_server, workshop, text)) == 1


def test_a_note_whose_answer_was_lost_is_kept_once(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    """The server took the note but the answer never reached the phone (the wifi dropped on the
    way back): the phone sends it again with the same key, and the server keeps one note."""
    workshop = start_workshop(live_server)
    anna = open_page("phone")
    join(anna, workshop)
    text = "Bilar i hög fart på Storgatan om nätterna"
    tries: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        tries.append(route.request.post_data or "")
        if len(tries) == 1:
            route.fetch()  # reaches the server, which keeps the note …
            route.abort("connectionreset")  # … but the phone never hears back
        else:
            route.continue_()

    anna.route(re.compile(r"/p/notes$"), lose_the_first_answer)
    write(anna, text)
    expect(anna.locator(".retry-note")).to_be_visible()  # "No connection – trying again…"
    expect(anna.locator(".mine .note-text")).to_have_text([text])  # once, not twice
    assert len(tries) == 2, "the phone did not try again"
    assert len(notes_with(live_server, workshop, text)) == 1
