"""Live updates over Server-Sent Events, against a real server."""

import json
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

WAIT = 10  # seconds: generous, this is not a timing test (bench/notes.py measures time to screen)


def read_events(
    url: str, headers: dict[str, str], out: "queue.Queue[dict]", stop: threading.Event
) -> None:
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(5, read=WAIT)) as c,
            c.stream("GET", url, headers=headers) as r,
        ):
            assert r.status_code == 200
            event: dict[str, str] = {}
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if not line:
                    if "data" in event or "id" in event:
                        out.put(event)
                    event = {}
                elif line.startswith(":"):
                    out.put({"comment": line[1:].strip()})
                else:
                    key, _, value = line.partition(":")
                    event[key] = event.get(key, "") + value.lstrip()
    except httpx.HTTPError:
        return  # the test server stops at the end of the module


def listen(url: str, headers: dict[str, str]) -> tuple["queue.Queue[dict]", threading.Event]:
    out: queue.Queue[dict] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=read_events, args=(url, headers, out, stop), daemon=True).start()
    assert out.get(timeout=WAIT).get("comment") == "connected"  # subscribed from here on
    return out, stop


def next_of_kind(events: "queue.Queue[dict]", kind: str) -> dict:
    while True:
        event = events.get(timeout=WAIT)
        if event.get("event") == kind:
            return event


def add_note(
    http: httpx.Client,
    w,
    who: dict[str, str],
    text: str,
    area: int = 0,
    kind: str = "situation",
) -> dict:
    response = http.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": kind, "focus_area_id": w.area(area), "text": text},
        headers=who,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_listening_screen_hears_a_new_note(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=2, stage="situation")
    events, stop = listen(f"{server}/api/v1/workshops/{w.id}/events", w.participants[1].headers)
    try:
        note = add_note(http, w, w.participants[0].headers, "Skjutningar i Kronoparken")
        heard = next_of_kind(events, "item.created")
        assert json.loads(heard["data"])["item_id"] == note["id"]
        assert int(heard["id"]) > 0
    finally:
        stop.set()


def test_reconnecting_with_last_event_id_misses_nothing(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    first = add_note(http, w, w.participants[0].headers, "Första")
    # replaying from 0 finds the first note's event and its id
    events, stop = listen(
        f"{server}/api/v1/workshops/{w.id}/events",
        {**w.facilitator, "Last-Event-ID": "0"},
    )
    created = next_of_kind(events, "item.created")
    stop.set()
    assert json.loads(created["data"])["item_id"] == first["id"]
    # while "offline", three more notes
    missed = [
        add_note(http, w, w.participants[0].headers, f"Medan du var borta {i}")["id"]
        for i in range(3)
    ]
    events, stop = listen(
        f"{server}/api/v1/workshops/{w.id}/events",
        {**w.facilitator, "Last-Event-ID": created["id"]},
    )
    try:
        replayed = [
            json.loads(next_of_kind(events, "item.created")["data"])["item_id"] for _ in missed
        ]
        assert replayed == missed  # all of them, in order
    finally:
        stop.set()


def test_dots_cast_while_voting_is_open_reach_only_the_facilitators_stream(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="causes")
    cause = add_note(http, w, w.facilitator, "Orsak att rösta på", kind="cause")["id"]
    http.put(
        f"/api/v1/workshops/{w.id}/voting",
        json={"kind": "cause", "state": "open"},
        headers=w.facilitator,
    ).raise_for_status()
    phone, stop_phone = listen(
        f"{server}/api/v1/workshops/{w.id}/events", w.participants[0].headers
    )
    fac, stop_fac = listen(f"{server}/api/v1/workshops/{w.id}/events", w.facilitator)
    try:
        http.post(f"/api/v1/items/{cause}/votes", headers=w.participants[0].headers)
        add_note(http, w, w.facilitator, "Efter rösten")
        assert next_of_kind(fac, "vote.cast")
        first_for_phone = phone.get(timeout=WAIT)
        while first_for_phone.get("event") not in ("vote.cast", "item.created"):
            first_for_phone = phone.get(timeout=WAIT)
        assert first_for_phone["event"] == "item.created"
    finally:
        stop_phone.set()
        stop_fac.set()


def test_html_stream_pushes_the_new_column_to_the_board(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    events, stop = board_stream(server, w)
    try:
        add_note(http, w, w.participants[0].headers, "Hot mot personal på biblioteket")
        update = next_of_kind(events, "update")
        while "biblioteket" not in update["data"]:
            update = next_of_kind(events, "update")
        assert f'id="col-{w.area(0)}-situation"' in update["data"]
        assert 'hx-swap-oob="true"' in update["data"]
    finally:
        stop.set()


def test_thirty_people_posting_three_notes_each_at_once_all_land(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=30, stage="situation")

    def post_three(member) -> list[int]:
        with httpx.Client(base_url=server, timeout=30) as c:
            return [
                c.post(
                    f"/api/v1/workshops/{w.id}/items",
                    json={
                        "kind": "situation",
                        "focus_area_id": w.area(i % 3),
                        "text": f"Iakttagelse {i}",
                    },
                    headers=member.headers,
                ).status_code
                for i in range(3)
            ]

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = [code for result in pool.map(post_three, w.participants) for code in result]
    assert codes == [201] * 90
    notes = http.get(f"/api/v1/workshops/{w.id}/items", headers=w.facilitator).json()
    assert len(notes) == 90


def board_stream(server: str, w, last: int | None = None):
    board = httpx.Client(base_url=server, timeout=10)
    board.get(f"/w/{w.slug}/board?key={w.board_token}")  # the key becomes the board's cookie
    cookies = "; ".join(f"{k}={v}" for k, v in board.cookies.items())
    board.close()
    headers = {"Cookie": cookies, **({"Last-Event-ID": str(last)} if last is not None else {})}
    return listen(f"{server}/w/{w.slug}/stream?as=board", headers)


def test_hiding_an_observation_in_the_causes_stage_updates_the_cards_that_cite_it(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    seen = add_note(http, w, w.participants[0].headers, "Namn på en enskild person")
    http.put(f"/api/v1/workshops/{w.id}/stage", json={"stage": "causes"}, headers=w.facilitator)
    http.post(
        f"/api/v1/workshops/{w.id}/items",
        json={"kind": "cause", "focus_area_id": w.area(0), "text": "Orsak", "links": [seen["id"]]},
        headers=w.facilitator,
    )
    events, stop = board_stream(server, w)
    try:
        http.patch(f"/api/v1/items/{seen['id']}", json={"hidden": True}, headers=w.facilitator)
        update = next_of_kind(events, "update")
        while f'id="col-{w.area(0)}-cause"' not in update["data"]:
            update = next_of_kind(events, "update")
        assert "Orsak" in update["data"] and "Namn på en enskild person" not in update["data"]
    finally:
        stop.set()


def test_a_board_that_reconnects_gets_each_missed_column_once(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    add_note(http, w, w.participants[0].headers, "Före avbrottet")
    events, stop = board_stream(server, w, last=0)  # find the id of the first note's update
    seen_id = None
    while seen_id is None:
        update = next_of_kind(events, "update")
        if "Före avbrottet" in update["data"]:
            seen_id = int(update["id"])
    stop.set()
    for i in range(6):  # while the board was away, six notes into one column
        add_note(http, w, w.participants[0].headers, f"Under avbrottet {i}")
    events, stop = board_stream(server, w, last=seen_id)
    try:
        update = next_of_kind(events, "update")
        # one render of the column as it is now, carrying the newest id: no replay of each note
        assert "Under avbrottet 5" in update["data"] and "Under avbrottet 0" in update["data"]
        assert int(update["id"]) == seen_id + 6
    finally:
        stop.set()


def test_a_held_note_reaches_no_stream_of_the_room_until_released(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=2, stage="situation")
    board, stop_board = board_stream(server, w)
    phone, stop_phone = listen(
        f"{server}/api/v1/workshops/{w.id}/events", w.participants[1].headers
    )
    fac, stop_fac = listen(f"{server}/api/v1/workshops/{w.id}/events", w.facilitator)
    try:
        held = add_note(http, w, w.participants[0].headers, "Ring Kalle på 070-123 45 67")
        assert held["held"] is True
        assert json.loads(next_of_kind(fac, "item.created")["data"])["item_id"] == held["id"]
        # A clean note after it: everything the room hears up to it is free of the held one.
        add_note(http, w, w.participants[0].headers, "Klotter vid stationen")
        update = next_of_kind(board, "update")
        while "stationen" not in update["data"]:
            assert "070-123" not in update["data"]
            update = next_of_kind(board, "update")
        assert "070-123" not in update["data"]
        created = next_of_kind(phone, "item.created")
        assert json.loads(created["data"])["item_id"] != held["id"]
        # Released: the board shows it now.
        http.patch(
            f"/api/v1/items/{held['id']}", json={"held": False}, headers=w.facilitator
        ).raise_for_status()
        update = next_of_kind(board, "update")
        while "070-123" not in update["data"]:
            update = next_of_kind(board, "update")
        assert f'id="col-{w.area(0)}-situation"' in update["data"]
        updated = next_of_kind(phone, "item.updated")
        assert json.loads(updated["data"])["item_id"] == held["id"]
    finally:
        stop_board.set()
        stop_phone.set()
        stop_fac.set()


def test_a_last_event_id_that_is_no_event_of_ours_starts_the_stream_from_now(
    http: httpx.Client, make_workshop, server: str
) -> None:
    w = make_workshop(participants=1, stage="situation")
    add_note(http, w, w.participants[0].headers, "Före")
    for odd in ("9" * 40, "9999999999", "²", "-1"):
        headers = {**w.facilitator, "Last-Event-ID": odd.encode()}
        # connected: the stream was not aborted
        events, stop = listen(f"{server}/api/v1/workshops/{w.id}/events", headers)
        try:
            note = add_note(http, w, w.participants[0].headers, f"Efter {odd[:3]}")
            heard = next_of_kind(events, "item.created")  # not "Före": nothing replayed
            assert json.loads(heard["data"])["item_id"] == note["id"]
        finally:
            stop.set()
