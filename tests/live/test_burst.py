"""The room's peak through a real uvicorn process over HTTP: thirty to a hundred phones acting in
the same second are answered with 2xx or 409 only, quickly, and the rules hold exactly."""

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import LiveServer, running_server

PHONES = 100


@pytest.fixture(scope="module")
def app_server(
    database_url: str, migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log: Path = tmp_path_factory.mktemp("burst") / "uvicorn.log"
    with running_server(database_url, log) as server:
        yield server


async def _room(client: httpx.AsyncClient, phones: int, stage: str, **settings: int) -> dict:
    made = (await client.post("/api/v1/workshops", json={"title": "Toppen", **settings})).json()
    fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
    state = (await client.get(f"/api/v1/workshops/{made['id']}", headers=fac)).json()
    joins = await asyncio.gather(
        *(client.post("/api/v1/join", json={"join_code": made["join_code"]}) for _ in range(phones))
    )
    assert [j.status_code for j in joins] == [201] * phones  # a room joins in a burst
    await client.put(f"/api/v1/workshops/{made['id']}/stage", json={"stage": stage}, headers=fac)
    return {
        "id": made["id"],
        "made": made,
        "fac": fac,
        "area": state["focus_areas"][0]["id"],
        "phones": [{"Authorization": f"Bearer {j.json()['participant_token']}"} for j in joins],
    }


async def _add(client: httpx.AsyncClient, room: dict, kind: str, text: str, links=()) -> int:
    answer = await client.post(
        f"/api/v1/workshops/{room['id']}/items",
        json={"kind": kind, "focus_area_id": room["area"], "text": text, "links": list(links)},
        headers=room["fac"],
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _client(server: LiveServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.url,
        timeout=30,
        # Idle connections are let go before the server closes them (its keep-alive is 5 s),
        # so a request never goes out on a socket the server is closing.
        limits=httpx.Limits(max_connections=500, keepalive_expiry=2),
    )


def test_300_writes_at_once_get_2xx_or_409_and_budgets_stay_exact(app_server: LiveServer) -> None:
    async def scenario() -> tuple[list[httpx.Response], list[httpx.Response], dict, float]:
        async with _client(app_server) as client:
            room = await _room(
                client, PHONES, "causes", votes_per_participant=1, max_votes_per_item=1
            )
            seen = await _add(client, room, "situation", "Skadegörelse vid stationen")
            causes = [await _add(client, room, "cause", f"Orsak {i}", [seen]) for i in range(3)]
            await client.put(
                f"/api/v1/workshops/{room['id']}/voting",
                json={"kind": "cause", "state": "open"},
                headers=room["fac"],
            )
            dots = [
                client.post(f"/api/v1/items/{causes[(i + n) % 3]}/votes", headers=phone)
                for i, phone in enumerate(room["phones"])
                for n in range(2)  # one tap more than the budget of one dot
            ]
            notes = [
                client.post(
                    f"/api/v1/workshops/{room['id']}/items",
                    json={"kind": "cause", "focus_area_id": room["area"], "text": f"Ny {i}"},
                    headers=phone,
                )
                for i, phone in enumerate(room["phones"])
            ]
            started = time.perf_counter()
            answers = await asyncio.gather(*dots, *notes)
            took = time.perf_counter() - started
            progress = (
                await client.get(f"/api/v1/workshops/{room['id']}/voting", headers=room["fac"])
            ).json()
            listed = (
                await client.get(
                    f"/api/v1/workshops/{room['id']}/items?kind=cause", headers=room["fac"]
                )
            ).json()
            return answers[: len(dots)], answers[len(dots) :], {**progress, "items": listed}, took

    dots, notes, seen, took = asyncio.run(scenario())
    print(f"\n300 writes at once answered in {took:.2f} s")
    assert Counter(r.status_code for r in dots) == {201: PHONES, 409: PHONES}, Counter(
        r.text for r in dots if r.status_code not in (201, 409)
    )
    assert Counter(r.status_code for r in notes) == {201: PHONES}
    assert seen["cause"]["dots_used"] == PHONES  # one dot each, not one more
    assert seen["cause"]["finished"] == PHONES
    assert len([i for i in seen["items"] if i["text"].startswith("Ny ")]) == PHONES
    # (The old server stalled for 30 s here and then answered half the taps with 500: the status
    # counts above catch that. How fast it goes is bench/live.py's business, not a test's.)


def test_a_burst_of_ratings_is_saved_once_each(app_server: LiveServer) -> None:
    async def scenario() -> tuple[list[httpx.Response], list[dict]]:
        async with _client(app_server) as client:
            room = await _room(client, PHONES, "actions")
            actions = [await _add(client, room, "action", f"Åtgärd {i}") for i in range(2)]
            await client.put(
                f"/api/v1/workshops/{room['id']}/stage",
                json={"stage": "prioritize"},
                headers=room["fac"],
            )
            answers = await asyncio.gather(
                *(
                    client.put(
                        f"/api/v1/items/{action}/rating",
                        json={"impact": 1 + i % 5, "effort": 5 - i % 5},
                        headers=phone,
                    )
                    for i, phone in enumerate(room["phones"])
                    for action in actions
                )
            )
            archive = (
                await client.get(f"/api/v1/workshops/{room['id']}/export.json", headers=room["fac"])
            ).json()
            return answers, archive["ratings"]

    answers, ratings = asyncio.run(scenario())
    assert [r.status_code for r in answers] == [200] * (2 * PHONES)
    assert len(ratings) == 2 * PHONES


def test_a_phone_page_note_during_a_dot_burst_answers_within_five_seconds(
    app_server: LiveServer,
) -> None:
    async def scenario() -> tuple[float, int, str]:
        async with _client(app_server) as client:
            room = await _room(
                client, PHONES, "causes", votes_per_participant=3, max_votes_per_item=3
            )
            cause = await _add(client, room, "cause", "Otrygga gångtunnlar")
            await client.put(
                f"/api/v1/workshops/{room['id']}/voting",
                json={"kind": "cause", "state": "open"},
                headers=room["fac"],
            )
            # One more phone joins through the page, as a person does, and writes a cause.
            join_form = await client.get(f"/j/{room['made']['join_code']}")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', join_form.text)
            assert csrf is not None
            joined = await client.post(
                "/join",
                data={"csrf_token": csrf.group(1), "join_code": room["made"]["join_code"]},
            )
            page = await client.get(joined.headers["location"])
            burst = [
                client.post(f"/api/v1/items/{cause}/votes", headers=phone)
                for phone in room["phones"]
                for _ in range(3)
            ]

            async def note() -> tuple[float, int, str]:
                await asyncio.sleep(0.05)  # inside the burst
                started = time.perf_counter()
                answer = await client.post(
                    f"{page.url.path}/notes",
                    data={
                        "csrf_token": csrf.group(1),
                        "kind": "cause",
                        "focus_area_id": str(room["area"]),
                        "text": "Mörka cykelvägar",
                    },
                    headers={"HX-Request": "true"},
                )
                return time.perf_counter() - started, answer.status_code, answer.text

            *_, mine = await asyncio.gather(*burst, note())
            return mine

    # Up to three bursts: on a 2-core CI machine the other test worker (a browser, a server of
    # its own) can take the CPU for a few seconds. A server that stalls under a burst (the 30 s
    # of the first round) fails all three; one that answers in time passes at the first.
    times = []
    for _ in range(3):
        took, status, html = asyncio.run(scenario())
        assert status == 200 and "Mörka cykelvägar" in html
        times.append(took)
        if took < 5:
            break
    shown = ", ".join(f"{t:.2f}" for t in times)
    print(f"\nthe phone's note answered in {shown} s during 300 dots")
    assert min(times) < 5, times
